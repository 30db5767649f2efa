package sdk

import (
	"context"
	"slices"

	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/sdk/model"
)

// GrantChange tells the integrator that the bank narrowed a grant when its
// tokens were refreshed: the token response listed fewer clusters (scope)
// or fewer accounts (account_ids) than the grant held, typically because
// the user withdrew one account at the bank (U.S. Bank's account-level
// revocation). The SDK already enforces the narrower grant; the integrator
// should persist Grant in place of the grant they stored, and delete the
// data of the removed accounts and clusters.
type GrantChange struct {
	// Grant is the grant as it now stands: a new value, sharing nothing
	// with the *Grant the call was made with (which the SDK never modifies
	// during a call, so other goroutines can keep reading it).
	Grant *Grant
	// RemovedClusters are clusters the bank no longer grants.
	RemovedClusters []Cluster
	// RemovedAccounts are accounts the bank no longer shares. It is empty
	// when the grant did not list its accounts before (Grant.AccountIDs
	// was nil) and the bank now does: the new list is then in Grant.
	RemovedAccounts []string
}

// bankScope is what the bank's token responses have said a grant covers,
// intersected over every response seen, so a refresh can narrow it but
// never widen it.
type bankScope struct {
	clusters    []Cluster
	hasClusters bool
	accounts    []string
	hasAccounts bool
}

// scopeOfToken reads the narrowing facts of a token response: `scope`
// (only the FDX cluster names in it count) and the non-standard but
// widespread `account_ids`. A member that is absent, or a scope naming no
// cluster at all, says nothing: RFC 6749 5.1 lets a refresh response omit
// the scope when it is unchanged, and a scope without any cluster is more
// likely a bank that words scopes differently than one that withdrew
// everything (which refuses the refresh instead). Tokens read back from a
// TokenStore that kept no extra members say nothing either.
func scopeOfToken(tok *oauth2.Token) bankScope {
	var s bankScope
	if tok == nil {
		return s
	}
	if scope, _ := tok.Extra("scope").(string); scope != "" {
		if cl := model.ParseClusters(scope); len(cl) > 0 {
			s.clusters, s.hasClusters = cl, true
		}
	}
	if ids, ok := tok.Extra("account_ids").([]any); ok {
		s.accounts, s.hasAccounts = make([]string, 0, len(ids)), true
		for _, v := range ids {
			if id, ok := v.(string); ok && id != "" && !slices.Contains(s.accounts, id) {
				s.accounts = append(s.accounts, id)
			}
		}
	}
	return s
}

// merge narrows s by what a newer response said.
func (s bankScope) merge(next bankScope) bankScope {
	out := s
	if next.hasClusters {
		out.clusters, out.hasClusters = intersect(s.clusters, s.hasClusters, next.clusters), true
	}
	if next.hasAccounts {
		out.accounts, out.hasAccounts = intersect(s.accounts, s.hasAccounts, next.accounts), true
	}
	return out
}

// intersect keeps the items of next also in prev (all of next when prev is
// unknown), in next's order, in a new slice.
func intersect[T comparable](prev []T, known bool, next []T) []T {
	out := make([]T, 0, len(next))
	for _, v := range next {
		if !known || slices.Contains(prev, v) {
			out = append(out, v)
		}
	}
	return out
}

// apply returns a copy of g narrowed by s. It reads g but never writes it.
func (s bankScope) apply(g *Grant) *Grant {
	cp := *g
	cp.Clusters = slices.Clone(g.Clusters)
	cp.AccountIDs = slices.Clone(g.AccountIDs)
	cp.RevokedAccounts = slices.Clone(g.RevokedAccounts)
	if s.hasClusters {
		cp.Clusters = slices.DeleteFunc(cp.Clusters, func(c Cluster) bool { return !slices.Contains(s.clusters, c) })
	}
	if s.hasAccounts {
		if g.AccountIDs == nil {
			cp.AccountIDs = slices.Clone(s.accounts)
		} else {
			cp.AccountIDs = slices.DeleteFunc(cp.AccountIDs, func(id string) bool { return !slices.Contains(s.accounts, id) })
		}
	}
	return &cp
}

// permits is the consent check's second half: what the bank withdrew since
// the grant was issued. The first half (Client.check) looks at the *Grant.
func (s bankScope) permits(op string, cluster Cluster, accountID string) error {
	if cluster != "" && s.hasClusters && !slices.Contains(s.clusters, cluster) {
		return &Error{Code: ScopeNotGranted, Op: op, Msg: "the bank withdrew " + string(cluster) + " from this grant"}
	}
	if accountID != "" && s.hasAccounts && !slices.Contains(s.accounts, accountID) {
		return &Error{Code: ScopeNotGranted, Op: op, Msg: "the bank withdrew account " + accountID + " from this grant"}
	}
	return nil
}

// change compares g as narrowed by before and by after; nil when the bank
// took nothing more away.
func change(g *Grant, before, after bankScope) *GrantChange {
	if g == nil {
		return nil
	}
	was, now := before.apply(g), after.apply(g)
	ch := &GrantChange{Grant: now}
	for _, c := range was.Clusters {
		if !slices.Contains(now.Clusters, c) {
			ch.RemovedClusters = append(ch.RemovedClusters, c)
		}
	}
	for _, id := range was.AccountIDs {
		if !slices.Contains(now.AccountIDs, id) {
			ch.RemovedAccounts = append(ch.RemovedAccounts, id)
		}
	}
	newlyListed := was.AccountIDs == nil && now.AccountIDs != nil
	if len(ch.RemovedClusters) == 0 && len(ch.RemovedAccounts) == 0 && !newlyListed {
		return nil
	}
	return ch
}

// CurrentGrant returns the grant as this client now enforces it: a copy of
// g without the clusters and accounts the bank has withdrawn on a token
// refresh since g was issued (see [GrantChange]). It does no I/O. Use it
// to persist the grant when Config.OnGrantChange is not set, or to show the
// user what is still shared. A nil g gives nil.
//
// The client remembers a narrowing for as long as it lives; after a
// restart, the grant the integrator persisted (or the next refresh) is
// what tells it again.
func (c *Client) CurrentGrant(g *Grant) *Grant {
	if g == nil {
		return nil
	}
	if g.Bank != c.bank {
		return bankScope{}.apply(g)
	}
	gt := c.cachedTokens(g)
	if gt == nil {
		return bankScope{}.apply(g)
	}
	return gt.scopeNow().apply(g)
}

// cachedTokens returns the grant's token source if the client has one,
// without creating it (the consent check must not grow the cache).
func (c *Client) cachedTokens(g *Grant) *grantTokens {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grants[g.TokenKey()]
}

// need is what a data call asks of its grant, carried in the request's
// context so that bearerTransport can re-check it right after a refresh
// that narrowed the grant, before the request leaves.
type need struct {
	op        string
	grant     *Grant
	cluster   Cluster
	accountID string
}

type needKey struct{}

func withNeed(ctx context.Context, n need) context.Context {
	return context.WithValue(ctx, needKey{}, n)
}

func needOf(ctx context.Context) (need, bool) {
	n, ok := ctx.Value(needKey{}).(need)
	return n, ok
}

// notifyGrantChange calls the integrator's hook, outside every lock of the
// client so that the hook may call the client again.
func (c *Client) notifyGrantChange(ctx context.Context, ch *GrantChange) {
	if ch == nil {
		return
	}
	c.log.InfoContext(ctx, "obconnect grant narrowed by the bank", "grant", ch.Grant,
		"removed_clusters", ch.RemovedClusters, "removed_accounts", len(ch.RemovedAccounts))
	if c.cfg.OnGrantChange != nil {
		c.cfg.OnGrantChange(ctx, *ch)
	}
}

package sdk

import (
	"context"
	"slices"
	"time"

	"github.com/obconnect/obconnect/sdk/model"
)

// GrantChange tells the integrator that the bank narrowed a grant when its
// tokens were refreshed: the token response listed fewer clusters (scope)
// or accounts (account_ids) than the grant held, typically because the
// user withdrew one account at the bank (U.S. Bank's account-level
// revocation), or an earlier consent end (consent_expires_at). The SDK
// already enforces the narrower grant; the integrator should persist Grant
// in place of the grant they stored, and delete the data of the removed
// accounts and clusters.
type GrantChange struct {
	// Grant is the grant as it now stands: a new value, sharing nothing
	// with the *Grant the call was made with (which the SDK never modifies
	// during a call, so other goroutines can keep reading it).
	Grant *Grant
	// RemovedClusters are clusters the bank no longer grants.
	RemovedClusters []Cluster
	// RemovedAccounts are accounts the bank no longer shares.
	RemovedAccounts []string
	// Shortened reports that the bank moved the consent's end earlier
	// (consent_expires_at); Grant.ExpiresAt has the new end.
	Shortened bool
}

// bankScope is what the bank's token responses have said about a grant:
// the latest lists, and everything withdrawn so far. Only withdrawals are
// enforced: an account the bank never listed is the bank's to refuse
// (NotFound), not a narrowing. A withdrawal is never undone, so a refresh
// can narrow a grant but never widen it.
type bankScope struct {
	last            tokenScope
	removedClusters []Cluster
	removedAccounts []string
	// expiresAt is the earliest consent end the bank has announced.
	expiresAt time.Time
}

// tokenScope is what one token response says the grant covers.
type tokenScope struct {
	clusters    []Cluster
	hasClusters bool
	accounts    []string
	hasAccounts bool
	expiresAt   time.Time // zero: not said
}

// scopeOf reads the narrowing facts of a token response, as kept in its
// record: `scope` (only the FDX cluster names in it count) and the
// non-standard but widespread `account_ids` and `consent_expires_at`. A
// member that is absent, or a scope naming no cluster at all, says
// nothing: RFC 6749 5.1 lets a refresh response omit the scope when it is
// unchanged, and a scope without any cluster is more likely a bank that
// words scopes differently than one that withdrew everything (which
// refuses the refresh instead).
func scopeOf(rec *TokenRecord) tokenScope {
	var s tokenScope
	if rec == nil {
		return s
	}
	if rec.Scope != "" {
		if cl := model.ParseClusters(rec.Scope); len(cl) > 0 {
			s.clusters, s.hasClusters = cl, true
		}
	}
	s.expiresAt = rec.ConsentExpiresAt
	if rec.AccountIDs != nil {
		s.accounts, s.hasAccounts = make([]string, 0, len(rec.AccountIDs)), true
		for _, id := range rec.AccountIDs {
			if id != "" && !slices.Contains(s.accounts, id) {
				s.accounts = append(s.accounts, id)
			}
		}
	}
	return s
}

// learn returns s updated by a newer token response. What the previous
// response listed (or, before any, the grant the call was made with) and
// the new one does not is withdrawn.
func (s bankScope) learn(next tokenScope, g *Grant) bankScope {
	out := s
	if next.hasClusters {
		base := s.last.clusters
		if !s.last.hasClusters && g != nil {
			base = g.Clusters
		}
		out.removedClusters = withdrawn(s.removedClusters, base, next.clusters)
		out.last.clusters, out.last.hasClusters = next.clusters, true
	}
	if next.hasAccounts {
		base := s.last.accounts
		if !s.last.hasAccounts && g != nil {
			base = g.AccountIDs
		}
		out.removedAccounts = withdrawn(s.removedAccounts, base, next.accounts)
		out.last.accounts, out.last.hasAccounts = next.accounts, true
	}
	if !next.expiresAt.IsZero() && (s.expiresAt.IsZero() || next.expiresAt.Before(s.expiresAt)) {
		out.expiresAt = next.expiresAt
	}
	return out
}

// withdrawn adds to removed (in a new slice) the items of base missing
// from next.
func withdrawn[T comparable](removed, base, next []T) []T {
	out := slices.Clone(removed)
	for _, v := range base {
		if !slices.Contains(next, v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// apply returns a copy of g without what the bank withdrew. A grant that
// did not list its accounts gets the bank's latest list. It reads g but
// never writes it.
func (s bankScope) apply(g *Grant) *Grant {
	cp := *g
	cp.Clusters = slices.DeleteFunc(slices.Clone(g.Clusters), func(c Cluster) bool { return slices.Contains(s.removedClusters, c) })
	cp.AccountIDs = slices.Clone(g.AccountIDs)
	if cp.AccountIDs == nil && s.last.hasAccounts {
		cp.AccountIDs = slices.Clone(s.last.accounts)
	}
	if cp.AccountIDs != nil {
		cp.AccountIDs = slices.DeleteFunc(cp.AccountIDs, func(id string) bool { return slices.Contains(s.removedAccounts, id) })
	}
	cp.RevokedAccounts = slices.Clone(g.RevokedAccounts)
	if !s.expiresAt.IsZero() && (g.ExpiresAt.IsZero() || s.expiresAt.Before(g.ExpiresAt)) {
		cp.ExpiresAt = s.expiresAt
	}
	return &cp
}

// permits is the consent check's second half: what the bank withdrew since
// the grant was issued. The first half (Client.check) looks at the *Grant.
// A zero now skips the expiry, for calls allowed after it (Revoke,
// Consent).
func (s bankScope) permits(op string, cluster Cluster, accountID string, now time.Time) error {
	if !now.IsZero() && !s.expiresAt.IsZero() && !now.Before(s.expiresAt) {
		return &Error{Code: ConsentExpired, Op: op, Msg: "the bank ended the consent at " + s.expiresAt.Format(time.RFC3339)}
	}
	if cluster != "" && slices.Contains(s.removedClusters, cluster) {
		return &Error{Code: ScopeNotGranted, Op: op, Msg: "the bank withdrew " + string(cluster) + " from this grant"}
	}
	if accountID != "" && slices.Contains(s.removedAccounts, accountID) {
		return &Error{Code: ScopeNotGranted, Op: op, Msg: "the bank withdrew account " + accountID + " from this grant"}
	}
	return nil
}

// change reports what after withdrew from g beyond before; nil when
// nothing more.
func change(g *Grant, before, after bankScope) *GrantChange {
	if g == nil {
		return nil
	}
	ch := &GrantChange{Grant: after.apply(g)}
	was := before.apply(g).ExpiresAt
	ch.Shortened = !ch.Grant.ExpiresAt.IsZero() && (was.IsZero() || ch.Grant.ExpiresAt.Before(was))
	for _, c := range after.removedClusters {
		if !slices.Contains(before.removedClusters, c) && g.HasCluster(c) {
			ch.RemovedClusters = append(ch.RemovedClusters, c)
		}
	}
	for _, id := range after.removedAccounts {
		if !slices.Contains(before.removedAccounts, id) && (g.AccountIDs == nil || slices.Contains(g.AccountIDs, id)) {
			ch.RemovedAccounts = append(ch.RemovedAccounts, id)
		}
	}
	if len(ch.RemovedClusters) == 0 && len(ch.RemovedAccounts) == 0 && !ch.Shortened {
		return nil
	}
	return ch
}

// CurrentGrant returns the grant as this client now enforces it: a copy of
// g without the clusters and accounts the bank has withdrawn on a token
// refresh since g was issued, and with the earlier end the bank may have
// announced (see [GrantChange]); RevokedAt is set once the bank's token
// endpoint has said the consent was revoked. It does no I/O. Use it
// to persist the grant when Options.OnGrantChange is not set, or to show the
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
	cp := gt.scopeNow().apply(g)
	gt.mu.Lock()
	if gt.ended == ConsentRevoked && cp.RevokedAt.IsZero() {
		// Persisted, it keeps refusing after a restart too.
		cp.RevokedAt = gt.endedAt
	}
	gt.mu.Unlock()
	return cp
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

// grantChanged saves the narrowed grant in the GrantStore, if any, then
// calls the integrator's hook, outside every lock of the client so that
// the hook may call the client again. A failed save is logged, not
// returned: the call that triggered the refresh is not at fault, and the
// client enforces the narrowing all the same (CurrentGrant returns it).
func (c *Client) grantChanged(ctx context.Context, ch *GrantChange) {
	if ch == nil {
		return
	}
	c.log.InfoContext(ctx, "obconnect grant narrowed by the bank", "grant", ch.Grant,
		"removed_clusters", ch.RemovedClusters, "removed_accounts", len(ch.RemovedAccounts))
	if c.grantStore != nil {
		if err := c.grantStore.Put(ctx, ch.Grant); err != nil {
			c.log.WarnContext(ctx, "obconnect could not save a narrowed grant", "grant", ch.Grant, "code", ErrorCode(err).String())
		}
	}
	if c.opts.OnGrantChange != nil {
		c.opts.OnGrantChange(ctx, *ch)
	}
}

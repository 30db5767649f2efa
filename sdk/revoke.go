package sdk

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
)

// Revoke revokes the whole consent at the bank, then revokes the refresh
// token at the bank's revocation endpoint (best effort, RFC 7009), deletes
// the tokens from the TokenStore and marks the grant revoked, so every
// later call with it fails with ConsentRevoked before any network traffic.
//
// Revoke is idempotent: it returns nil when the consent ends up unusable,
// including when this grant was already revoked, or the bank says the
// consent was already revoked or has expired (the local clean-up still
// runs). It works on an expired grant. It is retried only when the bank
// refused it as rate limited: after a 5xx or a lost answer the bank may
// have acted, and calling Revoke again is the safe way to find out.
//
// The integrator must then delete the data obtained under the grant.
func (c *Client) Revoke(ctx context.Context, g *Grant) error {
	const op = "sdk.Revoke"
	if err := checkContext(ctx, op); err != nil {
		return err
	}
	if g != nil && !g.RevokedAt.IsZero() && g.Bank == c.bank {
		return nil
	}
	if g != nil && g.ConsentID == "" {
		return &Error{Code: Unimplemented, Op: op, Msg: "the bank returned no consent id for this grant"}
	}
	check := g
	if g != nil {
		cp := *g
		cp.ExpiresAt = time.Time{} // an expired consent can still be revoked
		check = &cp
	}
	err := c.check(op, check, "", "")
	if err == nil {
		if ctx != nil {
			ctx = withNeed(ctx, need{op: op, grant: g})
		}
		_, err = callWith(ctx, c, op, c.tokensFor(g), false, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, c.conn.RevokeConsent(ctx, g.ConsentID, driver.ReasonUserAction)
		})
	}
	// Ended already: at the bank, or (from the check) at its token endpoint.
	if code := ErrorCode(err); err != nil && code != ConsentRevoked && code != ConsentExpired {
		return err
	}
	c.revokeRefreshToken(ctx, g)
	if derr := c.store.Delete(ctx, g.TokenKey()); derr != nil {
		c.log.WarnContext(ctx, "obconnect could not delete revoked grant's tokens", "bank", c.bank, "consent_id", g.ConsentID)
	}
	if c.grantStore != nil {
		if derr := c.grantStore.Delete(ctx, g.TokenKey()); derr != nil {
			c.log.WarnContext(ctx, "obconnect could not delete revoked grant's record", "bank", c.bank, "consent_id", g.ConsentID)
		}
	}
	c.forgetTokens(g)
	g.RevokedAt = c.now().UTC()
	return nil
}

// RevokeAccounts revokes some accounts of the consent and keeps the rest,
// where the bank supports it (Unimplemented otherwise, before any network
// call). The accounts are then outside the grant.
func (c *Client) RevokeAccounts(ctx context.Context, g *Grant, accountIDs ...string) error {
	const op = "sdk.RevokeAccounts"
	ar, ok := c.conn.(driver.AccountRevoker)
	if !ok {
		return &Error{Code: Unimplemented, Op: op, Msg: c.bank + " does not support account-level revocation"}
	}
	if len(accountIDs) == 0 {
		return &Error{Code: InvalidArgument, Op: op, Msg: "no account ids"}
	}
	for _, id := range accountIDs {
		if err := c.check(op, g, "", id); err != nil {
			return err
		}
	}
	if g.ConsentID == "" {
		return &Error{Code: Unimplemented, Op: op, Msg: "the bank returned no consent id for this grant"}
	}
	_, err := call(ctx, c, op, g, "", "", false, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, ar.RevokeAccounts(ctx, g.ConsentID, slices.Clone(accountIDs), driver.ReasonUserAction)
	})
	if err != nil {
		return err
	}
	for _, id := range accountIDs {
		if !slices.Contains(g.RevokedAccounts, id) {
			g.RevokedAccounts = append(g.RevokedAccounts, id)
		}
	}
	return nil
}

// Subscribe asks the bank to POST notifications of the given FDX types
// (CONSENT_REVOKED, BALANCE, ...) to callbackURL, where the connector
// supports subscriptions (Unimplemented otherwise). Subscriptions belong to
// the integrator rather than to one user: with a nil grant the call uses
// the client's own client-credentials token; with a grant it uses the
// grant's token (after the usual consent checks), for banks that tie
// subscriptions to a consent. It is retried only after a rate-limit
// refusal.
func (c *Client) Subscribe(ctx context.Context, g *Grant, callbackURL string, types ...string) (*Subscription, error) {
	const op = "sdk.Subscribe"
	ns, ok := c.conn.(driver.NotificationSubscriber)
	if !ok {
		return nil, &Error{Code: Unimplemented, Op: op, Msg: c.bank + " does not support notification subscriptions"}
	}
	if u, err := url.Parse(callbackURL); err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "callback URL must be an absolute http(s) URL"}
	}
	ts, err := c.subscriptionTokens(op, g)
	if err != nil {
		return nil, err
	}
	sub, err := callWith(ctx, c, op, ts, false, func(ctx context.Context) (*driver.Subscription, error) {
		sub, err := ns.Subscribe(ctx, callbackURL, slices.Clone(types))
		if err == nil && sub == nil {
			err = &Error{Code: Internal, Op: op, Msg: "connector returned no subscription and no error"}
		}
		return sub, err
	})
	if err != nil {
		return nil, err
	}
	return publicSubscription(sub), nil
}

// Unsubscribe deletes a notification subscription (Unimplemented where the
// connector has no subscriptions). The grant is optional, as in Subscribe.
func (c *Client) Unsubscribe(ctx context.Context, g *Grant, subscriptionID string) error {
	const op = "sdk.Unsubscribe"
	ns, ok := c.conn.(driver.NotificationSubscriber)
	if !ok {
		return &Error{Code: Unimplemented, Op: op, Msg: c.bank + " does not support notification subscriptions"}
	}
	if err := validID(op, "subscription id", subscriptionID); err != nil {
		return err
	}
	ts, err := c.subscriptionTokens(op, g)
	if err != nil {
		return err
	}
	_, err = callWith(ctx, c, op, ts, false, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, ns.Unsubscribe(ctx, subscriptionID)
	})
	return err
}

// subscriptionTokens picks the client's own token, or the grant's after
// checking it.
func (c *Client) subscriptionTokens(op string, g *Grant) (tokenSource, error) {
	if g == nil {
		return c.own, nil
	}
	if err := c.check(op, g, "", ""); err != nil {
		return nil, err
	}
	return c.tokensFor(g), nil
}

// revokeRefreshToken tells the bank's revocation endpoint to drop the
// refresh token; failures are logged, not returned: the consent itself is
// already revoked and the tokens are deleted locally.
func (c *Client) revokeRefreshToken(ctx context.Context, g *Grant) {
	if c.profile.Auth.RevocationURL == "" {
		return
	}
	tok, err := c.store.Get(ctx, g.TokenKey())
	if err != nil || tok.RefreshToken == "" {
		return
	}
	form := url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}
	if c.profile.Auth.ClientAuth == driver.PrivateKeyJWT {
		form.Set("client_id", c.creds.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.profile.Auth.RevocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := c.doAuthJSON(req, "sdk.Revoke.token", http.StatusOK, nil); err != nil {
		c.log.WarnContext(ctx, "obconnect token revocation failed", "bank", c.bank, "code", ErrorCode(err).String())
	}
}

// Forget deletes what the SDK stores for the grant (its tokens, in the
// TokenStore and in memory, and its GrantStore record) and marks it revoked, without calling the
// bank. Use it when the bank has ended the consent: a CONSENT_REVOKED
// notification, or ConsentRevoked / ConsentExpired on a call that was not
// about a single account. The SDK does not do this by itself on such an
// error, because at banks with account-level revocation the same answer
// can concern one account only.
func (c *Client) Forget(ctx context.Context, g *Grant) error {
	if err := checkContext(ctx, "sdk.Forget"); err != nil {
		return err
	}
	if g == nil || g.Bank != c.bank {
		return &Error{Code: InvalidArgument, Op: "sdk.Forget", Msg: "grant is nil or for another bank"}
	}
	c.forgetTokens(g)
	if err := c.store.Delete(ctx, g.TokenKey()); err != nil {
		return &Error{Code: Unavailable, Op: "sdk.Forget", Msg: "token store", Err: err}
	}
	if c.grantStore != nil {
		if err := c.grantStore.Delete(ctx, g.TokenKey()); err != nil {
			return &Error{Code: Unavailable, Op: "sdk.Forget", Msg: "grant store", Err: err}
		}
	}
	if g.RevokedAt.IsZero() {
		g.RevokedAt = c.now().UTC()
	}
	return nil
}

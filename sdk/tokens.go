package sdk

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// tokenSource is what bearerTransport takes tokens from: a grant's
// (grantTokens) or the client's own client-credentials token
// (clientTokens).
type tokenSource interface {
	// accessToken returns a valid access token.
	accessToken(ctx context.Context) (string, error)
	// invalidate drops the access token if it is still the rejected one.
	invalidate(rejected string)
}

// clientTokens is the client's own client-credentials token (RFC 6749
// 4.4), for calls that belong to the integrator rather than to a user's
// grant, such as notification subscriptions. It is never stored.
type clientTokens struct {
	c   *Client
	mu  sync.Mutex
	cur *oauth2.Token
}

func (t *clientTokens) accessToken(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil && validUntil(t.cur.AccessToken, t.cur.Expiry, time.Now()) {
		return t.cur.AccessToken, nil
	}
	cc := clientcredentials.Config{ClientID: t.c.oauth.ClientID, ClientSecret: t.c.oauth.ClientSecret,
		TokenURL: t.c.oauth.Endpoint.TokenURL, AuthStyle: t.c.oauth.Endpoint.AuthStyle}
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, t.c.authHTTP))
	if err != nil {
		return "", t.c.classifyOAuth(err, "sdk.token.client_credentials", "client_credentials")
	}
	t.cur = tok
	return tok.AccessToken, nil
}

func (t *clientTokens) invalidate(rejected string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil && t.cur.AccessToken == rejected {
		t.cur = nil
	}
}

// expiryMargin refreshes a little early so a token does not expire in
// flight (x/oauth2 uses 10 s; bank clocks drift more).
const expiryMargin = 30 * time.Second

// grantTokens is the per-grant token source: at most one refresh at a
// time, rotation persisted before the new token is used, and invalidation
// when the bank rejects a token it had not told us was expired. It plays
// the role of oauth2.ReuseTokenSource, with persistence.
//
// Refreshes are serialised twice: in this process by the refreshing
// semaphore, so that one goroutine per grant waits on the store, and
// across processes by TokenStore.Refresh, which holds the grant's lock in
// the database while the bank is asked, so that a refresh token is
// presented once whatever the number of processes.
//
// Two locks, so that nothing waits on the network without its context: mu
// guards the fields and is never held across I/O (the consent check reads
// scope under it); refreshing is a one-slot channel held for the store
// read and the refresh, and waiting for it gives up when the caller's
// context ends.
type grantTokens struct {
	c   *Client
	key string
	// lastUsed (unix nanoseconds) lets the client forget idle grants.
	lastUsed atomic.Int64

	// pinned is set once the bank has withdrawn part of the grant or ended
	// it, so the idle sweep keeps this entry: it is what enforces that for
	// stale copies of the grant.
	pinned atomic.Bool

	refreshing chan struct{}

	mu  sync.Mutex
	cur *TokenRecord
	// rejected is an access token the bank refused; never reuse it from
	// the store, even though its expiry says it is still valid.
	rejected string
	// scope is what the bank's token responses said the grant covers.
	scope bankScope
	// ended is ConsentRevoked or ConsentExpired once the token endpoint
	// has refused a refresh for that reason: the bank has revoked every
	// token of the grant, and its answer to a second attempt ("refresh
	// token was revoked") would only say Unauthenticated.
	ended   Code
	endedAt time.Time
}

// endedCode is OK while the bank has not ended the grant at its token
// endpoint.
func (g *grantTokens) endedCode() Code {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ended
}

func endedError(op string, code Code) *Error {
	return &Error{Code: code, Op: op, Msg: "the bank refused to refresh this grant's tokens because the consent has ended; Forget the grant"}
}

// scopeNow returns a snapshot of what the bank has said the grant covers.
func (g *grantTokens) scopeNow() bankScope {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.scope
}

// use makes rec the current token, learns what it says about the grant
// and reports what that took away from n's grant.
func (g *grantTokens) use(rec *TokenRecord, n need) *GrantChange {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cur = rec
	before := g.scope
	g.scope = before.learn(scopeOf(rec), n.grant)
	ch := change(n.grant, before, g.scope)
	if ch != nil {
		g.pinned.Store(true)
	}
	return ch
}

// Idle grants are dropped from the client's cache so that a service
// serving millions of users does not keep every token in memory; the
// TokenStore still has them.
const (
	grantCacheSweepAbove = 1024
	grantIdleAfter       = 15 * time.Minute
)

func (c *Client) tokensFor(g *Grant) *grantTokens {
	k := g.TokenKey()
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	gt, ok := c.grants[k]
	if !ok {
		if len(c.grants) >= grantCacheSweepAbove && now.Sub(c.lastSweep) > time.Minute {
			c.lastSweep = now
			for key, v := range c.grants {
				if !v.pinned.Load() && now.Sub(time.Unix(0, v.lastUsed.Load())) > grantIdleAfter {
					delete(c.grants, key)
				}
			}
		}
		gt = &grantTokens{c: c, key: k, refreshing: make(chan struct{}, 1)}
		c.grants[k] = gt
	}
	gt.lastUsed.Store(now.UnixNano())
	return gt
}

func (c *Client) forgetTokens(g *Grant) {
	c.mu.Lock()
	delete(c.grants, g.TokenKey())
	c.mu.Unlock()
}

// validUntil reports whether an access token with this expiry can still
// be sent at now.
func validUntil(access string, expiry, now time.Time) bool {
	if access == "" {
		return false
	}
	return expiry.IsZero() || now.Add(expiryMargin).Before(expiry)
}

// accessToken returns a valid access token, refreshing (and persisting the
// rotated token) when needed. Errors are classified: Unauthenticated when
// there is no token or the bank refused the refresh, unless the connector
// recognises the refusal (driver.TokenErrorClassifier). A token response
// that narrows the grant is learnt before the token is used, and reported
// to the integrator's OnGrantChange hook after the lock is released.
func (g *grantTokens) accessToken(ctx context.Context) (string, error) {
	n, _ := needOf(ctx)
	rec, ch, err := g.tokenLocked(ctx, n)
	g.c.grantChanged(ctx, ch)
	if err != nil {
		return "", err
	}
	return rec.AccessToken, nil
}

func (g *grantTokens) tokenLocked(ctx context.Context, n need) (*TokenRecord, *GrantChange, error) {
	if rec := g.fresh(time.Now()); rec != nil {
		return rec, nil, nil
	}
	if code := g.endedCode(); code != OK {
		return nil, nil, endedError("sdk.token", code)
	}
	select {
	case g.refreshing <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, &Error{Code: ctxCode(ctx.Err()), Op: "sdk.token", Msg: "waiting for another goroutine's token refresh", Err: ctx.Err()}
	}
	defer func() { <-g.refreshing }()
	// Another goroutine may have refreshed, or learnt that the consent
	// ended, while this one waited.
	if rec := g.fresh(time.Now()); rec != nil {
		return rec, nil, nil
	}
	if code := g.endedCode(); code != OK {
		return nil, nil, endedError("sdk.token", code)
	}
	// Under the store's lock, either another process has stored a usable
	// token since (use it), or this one asks the bank with the refresh
	// token as stored now, never one read before the lock was held.
	var fnErr error
	called, refreshed := false, false
	rec, err := g.c.store.Refresh(ctx, g.key, func(cur *TokenRecord) (*TokenRecord, error) {
		called = true
		if g.usable(cur, time.Now()) {
			return nil, nil
		}
		if cur.RefreshToken == "" {
			fnErr = &Error{Code: Unauthenticated, Op: "sdk.token", Msg: "access token expired and no refresh token; link again"}
			return nil, fnErr
		}
		rctx, end := g.c.startOp(ctx, Operation{Kind: OperationRefresh, Name: "sdk.token.refresh"})
		next, err := g.refreshAtBank(rctx, cur.RefreshToken)
		end(err)
		if err != nil {
			fnErr = err
			return nil, err
		}
		refreshed = true
		return next, nil
	})
	switch {
	case fnErr != nil:
		return nil, nil, fnErr
	case err == nil:
	case ErrorCode(err) == NotFound:
		return nil, nil, &Error{Code: Unauthenticated, Op: "sdk.token", Msg: "no token stored for this grant; link again"}
	case ErrorCode(err) == Canceled || ErrorCode(err) == DeadlineExceeded:
		return nil, nil, &Error{Code: ErrorCode(err), Op: "sdk.token", Msg: "waiting for the token store", Err: err}
	case refreshed:
		// Using a rotated token we could not persist would strand the grant
		// after a restart (and in every other process): fail loudly instead.
		return nil, nil, &Error{Code: Unavailable, Op: "sdk.token", Msg: "could not persist rotated token", Err: err}
	default:
		return nil, nil, &Error{Code: Unavailable, Op: "sdk.token", Msg: "token store", Err: err}
	}
	if !called || rec == nil {
		// A store that broke Refresh's contract: do not send what it gave.
		return nil, nil, &Error{Code: Internal, Op: "sdk.token", Msg: "the token store's Refresh returned a token without consulting the client"}
	}
	if refreshed {
		g.c.log.DebugContext(ctx, "obconnect token refreshed", "bank", g.c.bank)
	}
	// A token another process stored carries its narrowing too.
	return rec, g.use(rec, n), nil
}

// refreshAtBank presents the refresh token at the bank's token endpoint,
// with only the refresh token so that x/oauth2 does not short-cut on its
// own notion of validity, and records a refusal that ends the consent.
func (g *grantTokens) refreshAtBank(ctx context.Context, refreshToken string) (*TokenRecord, error) {
	src := g.c.oauth.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, g.c.authHTTP), &oauth2.Token{RefreshToken: refreshToken})
	tok, err := src.Token()
	if err != nil {
		err := g.c.classifyOAuth(err, "sdk.token.refresh", "refresh_token")
		if code := ErrorCode(err); code == ConsentRevoked || code == ConsentExpired {
			g.mu.Lock()
			g.ended, g.endedAt = code, g.c.now().UTC()
			g.mu.Unlock()
			g.pinned.Store(true)
		}
		return nil, err
	}
	rec := recordOf(tok)
	if rec.RefreshToken == "" {
		rec.RefreshToken = refreshToken // no rotation this time
	}
	return rec, nil
}

// usable reports whether a stored token can be sent: unexpired, and not
// the one the bank just rejected. The check is under mu because a
// rejection can arrive while the store is being read.
func (g *grantTokens) usable(rec *TokenRecord, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return rec != nil && validUntil(rec.AccessToken, rec.Expiry, now) && rec.AccessToken != g.rejected
}

// fresh returns the current token if it is still valid, else nil.
func (g *grantTokens) fresh(now time.Time) *TokenRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cur != nil && validUntil(g.cur.AccessToken, g.cur.Expiry, now) {
		return g.cur
	}
	return nil
}

// invalidate drops the cached access token if it is still the one that was
// rejected, forcing a refresh on next use.
func (g *grantTokens) invalidate(rejected string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	// With no current token the rejected one may be the store's, being
	// adopted by a refresh in flight: remember it all the same.
	if g.cur == nil || g.cur.AccessToken == rejected {
		g.cur = nil
		g.rejected = rejected
	}
}

// classifyOAuth turns an x/oauth2 error into a classified error without
// carrying the response body (which may echo a token) into the message.
//
// A refusal is Unauthenticated by default: a bare invalid_grant means the
// grant is unusable for a reason the SDK cannot tell (expired or rotated
// refresh token, reuse detected), and linking again is the remedy. Only
// the connector knows how its bank says more than that at the token
// endpoint (a revoked consent, say), so a driver.TokenErrorClassifier has
// the last word on refusals; rate limits and 5xx stay the SDK's.
func (c *Client) classifyOAuth(err error, op, grantType string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := Unauthenticated
		switch {
		case status == 429:
			code = RateLimited
		case status >= 500:
			code = Unavailable
		case re.ErrorCode == "invalid_request" || re.ErrorCode == "unsupported_grant_type":
			code = InvalidArgument
		}
		if code != RateLimited && code != Unavailable {
			if tc, ok := c.conn.(driver.TokenErrorClassifier); ok {
				if bc := safeTokenErrorCode(tc, driver.TokenError{GrantType: grantType, HTTPStatus: status,
					Code: re.ErrorCode, Description: re.ErrorDescription}); bc != Unknown && bc != OK {
					code = bc
				}
			}
		}
		out := &Error{Code: code, Op: op, Msg: "token endpoint answered HTTP " + itoa(status) + " " + re.ErrorCode + describe(re.ErrorDescription)}
		if re.Response != nil && (code == RateLimited || code == Unavailable) {
			// The call's retry loop honours it as it does a data API's.
			out.RetryAfter = obcerr.ParseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		return out
	}
	if c := obcerr.ErrorCode(err); c == Canceled || c == DeadlineExceeded {
		return &Error{Code: c, Op: op, Err: err}
	}
	return &Error{Code: Unavailable, Op: op, Msg: "token endpoint unreachable", Err: err}
}

// safeTokenErrorCode shields the client from a classifier that panics.
func safeTokenErrorCode(tc driver.TokenErrorClassifier, e driver.TokenError) (code Code) {
	defer func() {
		if r := recover(); r != nil {
			code = Unknown
		}
	}()
	return tc.TokenErrorCode(e)
}

func describe(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return ": " + s
}

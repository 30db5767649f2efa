package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// narrowingBank plays a bank that narrows grants on refresh (as U.S. Bank
// does after an account-level revocation): it rewrites the fake bank's
// refresh responses, dropping accounts from account_ids and clusters from
// scope.
type narrowingBank struct {
	next http.RoundTripper

	mu       sync.Mutex
	accounts []string
	clusters []sdk.Cluster
	expires  time.Time
}

func (n *narrowingBank) endAt(t time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.expires = t
}

func (n *narrowingBank) withdraw(accounts []string, clusters ...sdk.Cluster) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.accounts, n.clusters = accounts, clusters
}

func (n *narrowingBank) RoundTrip(req *http.Request) (*http.Response, error) {
	refresh := false
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		refresh = strings.Contains(string(body), "grant_type=refresh_token")
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := n.next.RoundTrip(req)
	if err != nil || !refresh || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, err
	}
	n.mu.Lock()
	if !n.expires.IsZero() {
		m["consent_expires_at"] = n.expires.UTC().Format(time.RFC3339)
	}
	if ids, ok := m["account_ids"].([]any); ok {
		m["account_ids"] = slices.DeleteFunc(ids, func(v any) bool { s, _ := v.(string); return slices.Contains(n.accounts, s) })
	}
	if scope, ok := m["scope"].(string); ok {
		m["scope"] = strings.Join(slices.DeleteFunc(strings.Fields(scope), func(s string) bool {
			return slices.Contains(n.clusters, sdk.Cluster(s))
		}), " ")
	}
	n.mu.Unlock()
	out, _ := json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return resp, nil
}

type changes struct {
	mu  sync.Mutex
	got []sdk.GrantChange
}

func (c *changes) record(_ context.Context, ch sdk.GrantChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, ch)
}

func (c *changes) all() []sdk.GrantChange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got)
}

func setupNarrowing(t *testing.T, o fakebank.Options) (*fakebank.Bank, *sdk.Client, *narrowingBank, *changes) {
	t.Helper()
	nb := &narrowingBank{next: http.DefaultTransport}
	ch := &changes{}
	bank, c := setup(t, o, func(cfg *sdk.Options) {
		cfg.HTTPClient = &http.Client{Transport: nb}
		cfg.OnGrantChange = ch.record
	})
	return bank, c, nb, ch
}

func TestRefreshNarrowsGrant(t *testing.T) {
	bank, c, nb, changes := setupNarrowing(t, fakebank.Options{})
	ctx := context.Background()
	g := link(t, c)
	require.Equal(t, []string{"chk-1", "cc-1", "loan-1"}, g.AccountIDs)
	stale, err := json.Marshal(g) // what the integrator stored at link time
	require.NoError(t, err)

	nb.withdraw([]string{"cc-1"}, sdk.Statements)
	bank.ExpireAccessTokens()
	_, err = c.Account(ctx, g, "chk-1") // 401, refresh (narrowed), retry
	require.NoError(t, err)

	got := changes.all()
	require.Len(t, got, 1, "one change, reported once")
	assert.Equal(t, []string{"cc-1"}, got[0].RemovedAccounts)
	assert.Equal(t, []sdk.Cluster{sdk.Statements}, got[0].RemovedClusters)
	assert.Equal(t, []string{"chk-1", "loan-1"}, got[0].Grant.AccountIDs)
	assert.NotContains(t, got[0].Grant.Clusters, sdk.Statements)
	assert.Equal(t, g.ConsentID, got[0].Grant.ConsentID)
	assert.Equal(t, g.ExpiresAt, got[0].Grant.ExpiresAt)
	assert.Equal(t, got[0].Grant, c.CurrentGrant(g))
	// The integrator's *Grant is never written during a call.
	assert.Equal(t, []string{"chk-1", "cc-1", "loan-1"}, g.AccountIDs)

	var old sdk.Grant
	require.NoError(t, json.Unmarshal(stale, &old))
	before := bank.DataCalls.Load()
	for _, gr := range []*sdk.Grant{g, &old} {
		_, err = c.Account(ctx, gr, "cc-1")
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
		_, err = collect(t, c.Statements(ctx, gr, "chk-1", sdk.TxQuery{}))
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
		_, err = collect(t, c.Transactions(ctx, gr, "cc-1", sdk.TxQuery{}))
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	}
	assert.Equal(t, before, bank.DataCalls.Load(), "refused before the network")
	_, err = c.Account(ctx, &old, "loan-1")
	assert.NoError(t, err, "what is left still works")

	// The persisted new grant works in a fresh client too.
	persisted := got[0].Grant
	assert.False(t, persisted.HasAccount("cc-1"))
	assert.False(t, persisted.HasCluster(sdk.Statements))
}

func TestRefreshNeverWidens(t *testing.T) {
	bank, c, nb, changes := setupNarrowing(t, fakebank.Options{})
	ctx := context.Background()
	g := link(t, c)
	nb.withdraw([]string{"cc-1"})
	bank.ExpireAccessTokens()
	_, err := c.Account(ctx, g, "chk-1")
	require.NoError(t, err)

	nb.withdraw(nil) // the bank lists cc-1 again
	bank.ExpireAccessTokens()
	_, err = c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	_, err = c.Account(ctx, g, "cc-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	assert.Len(t, changes.all(), 1)
	assert.NotContains(t, c.CurrentGrant(g).AccountIDs, "cc-1")
}

// A refresh that happens right before a request (the access token expired
// by its own clock) and narrows the grant stops that very request.
func TestNarrowingRecheckedBeforeSend(t *testing.T) {
	bank, c, nb, changes := setupNarrowing(t, fakebank.Options{})
	bank.SetAccessTTL(time.Second) // within the refresh margin: every call refreshes first
	ctx := context.Background()
	g := link(t, c)
	nb.withdraw([]string{"cc-1"})
	before := bank.DataCalls.Load()
	_, err := c.Account(ctx, g, "cc-1")
	require.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	assert.Equal(t, before, bank.DataCalls.Load())
	assert.Len(t, changes.all(), 1)
}

// The hook runs outside the client's locks: it may call the client.
func TestGrantChangeHookMayUseClient(t *testing.T) {
	nb := &narrowingBank{next: http.DefaultTransport}
	var c *sdk.Client
	var inHook error
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.HTTPClient = &http.Client{Transport: nb}
		cfg.OnGrantChange = func(ctx context.Context, ch sdk.GrantChange) {
			_, inHook = c.Account(ctx, ch.Grant, "chk-1")
		}
	})
	g := link(t, c)
	nb.withdraw([]string{"loan-1"})
	bank.ExpireAccessTokens()
	_, err := c.Account(context.Background(), g, "chk-1")
	require.NoError(t, err)
	assert.NoError(t, inHook)
}

// Many goroutines share one *Grant while a refresh narrows it; run with
// -race. Every call either succeeds or, for the withdrawn account, fails
// with ScopeNotGranted; the change is reported once.
func TestNarrowingConcurrent(t *testing.T) {
	bank, c, nb, changes := setupNarrowing(t, fakebank.Options{})
	ctx := context.Background()
	g := link(t, c)
	nb.withdraw([]string{"cc-1"})
	bank.ExpireAccessTokens()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			acct := []string{"chk-1", "cc-1"}[i%2]
			for range 5 {
				_, err := c.Account(ctx, g, acct)
				if acct == "chk-1" {
					assert.NoError(t, err)
				} else if err != nil {
					assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
				}
				_ = g.HasAccount(acct) // integrators read the shared grant
				_ = c.CurrentGrant(g)
			}
		})
	}
	wg.Wait()
	assert.Len(t, changes.all(), 1)
	_, err := c.Account(ctx, g, "cc-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
}

func TestCurrentGrantWithoutNarrowing(t *testing.T) {
	_, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	cur := c.CurrentGrant(g)
	assert.Equal(t, g, cur)
	cur.AccountIDs[0] = "changed"
	assert.Equal(t, "chk-1", g.AccountIDs[0], "a copy, not an alias")
	assert.Nil(t, c.CurrentGrant(nil))
}

// tokenClassifying adds a driver.TokenErrorClassifier to the fake
// connector, as fdx does for the real banks.
type tokenClassifying struct {
	driver.Connector
	classify func(driver.TokenError) obcerr.Code
	seen     chan driver.TokenError
}

func (t *tokenClassifying) TokenErrorCode(e driver.TokenError) obcerr.Code {
	select {
	case t.seen <- e:
	default:
	}
	return t.classify(e)
}

func setupClassifying(t *testing.T, classify func(driver.TokenError) obcerr.Code) (*fakebank.Bank, *sdk.Client, chan driver.TokenError) {
	t.Helper()
	bank := fakebank.New()
	t.Cleanup(bank.Close)
	name := "fakeclass" + strconv.FormatInt(nameSeq.Add(1), 10)
	inner := fakebank.Opener(fakebank.Options{Name: name})
	seen := make(chan driver.TokenError, 8)
	opener := func(ctx context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
		conn, err := inner(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &tokenClassifying{Connector: conn, classify: classify, seen: seen}, nil
	}
	c, err := sdk.OpenWith(context.Background(), opener, testCreds,
		&sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: bank.URL()})
	require.NoError(t, err)
	return bank, c, seen
}

func TestRefusedRefreshClassifiedByConnector(t *testing.T) {
	bank, c, seen := setupClassifying(t, func(e driver.TokenError) obcerr.Code {
		if e.GrantType == "refresh_token" && e.Code == "invalid_grant" {
			return obcerr.ConsentRevoked
		}
		return obcerr.Unknown
	})
	g := link(t, c)
	bank.RevokeConsent(g.ConsentID)
	bank.ExpireAccessTokens()
	_, err := c.Account(context.Background(), g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	e := <-seen
	assert.Equal(t, driver.TokenError{GrantType: "refresh_token", HTTPStatus: http.StatusBadRequest, Code: "invalid_grant"}, e)

	// The bank has ended every token of the grant: later calls, with any
	// copy of it, say the same at once instead of asking the bank again
	// (whose second answer would only be a bare invalid_grant).
	stale := *g
	sent := bank.DataCalls.Load() + bank.TokenCalls.Load()
	_, err = c.Account(context.Background(), &stale, "cc-1")
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	_, err = collect(t, c.Transactions(context.Background(), g, "chk-1", sdk.TxQuery{}))
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	assert.Equal(t, sent, bank.DataCalls.Load()+bank.TokenCalls.Load(), "nothing sent")

	assert.False(t, c.CurrentGrant(g).RevokedAt.IsZero(), "the grant to persist says so too")
	assert.True(t, g.RevokedAt.IsZero(), "the caller's grant is not written")

	// Revoke still cleans up (it is idempotent for an ended consent).
	require.NoError(t, c.Revoke(context.Background(), g))
	assert.False(t, g.RevokedAt.IsZero())
}

func TestRefusedRefreshDefaultsToUnauthenticated(t *testing.T) {
	for name, classify := range map[string]func(driver.TokenError) obcerr.Code{
		"unknown": func(driver.TokenError) obcerr.Code { return obcerr.Unknown },
		"panics":  func(driver.TokenError) obcerr.Code { panic("classifier bug") },
	} {
		t.Run(name, func(t *testing.T) {
			bank, c, _ := setupClassifying(t, classify)
			g := link(t, c)
			bank.RevokeConsent(g.ConsentID)
			bank.ExpireAccessTokens()
			_, err := c.Account(context.Background(), g, "chk-1")
			assert.ErrorIs(t, err, sdk.ErrUnauthenticated)
		})
	}
	// Without the capability at all.
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	bank.RevokeConsent(g.ConsentID)
	bank.ExpireAccessTokens()
	_, err := c.Account(context.Background(), g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrUnauthenticated)
}

// tokenThrottle answers the next refresh with 429 and a Retry-After.
type tokenThrottle struct {
	next  http.RoundTripper
	armed atomic.Bool
}

func (t *tokenThrottle) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/token") && t.armed.CompareAndSwap(true, false) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Request: req,
			Header: http.Header{"Retry-After": {"7"}, "Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader(`{"error":"slow_down"}`))}, nil
	}
	return t.next.RoundTrip(req)
}

// A throttled refresh is RateLimited with the token endpoint's
// Retry-After, which the retry loop then honours like a data API's.
func TestThrottledRefreshCarriesRetryAfter(t *testing.T) {
	tt := &tokenThrottle{next: http.DefaultTransport}
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.HTTPClient = &http.Client{Transport: tt}
		cfg.Retry.MaxAttempts = 1
	})
	g := link(t, c)
	tt.armed.Store(true)
	bank.ExpireAccessTokens()
	_, err := c.Account(context.Background(), g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrRateLimited)
	d, ok := sdk.RetryAfter(err)
	require.True(t, ok)
	assert.Equal(t, 7*time.Second, d)
}

// slowTokens holds refresh requests until released.
type slowTokens struct {
	next    http.RoundTripper
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *slowTokens) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/token") && s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return s.next.RoundTrip(req)
}

// A goroutine waiting for another goroutine's refresh gives up when its own
// context ends, instead of waiting on someone else's network call.
func TestWaitForRefreshHonoursContext(t *testing.T) {
	st := &slowTokens{next: http.DefaultTransport, entered: make(chan struct{}), release: make(chan struct{})}
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) { cfg.HTTPClient = &http.Client{Transport: st} })
	bank.SetAccessTTL(time.Second) // within the refresh margin: every call refreshes first
	g := link(t, c)
	st.armed.Store(true)
	first := make(chan error, 1)
	go func() {
		_, err := c.Account(context.Background(), g, "chk-1")
		first <- err
	}()
	<-st.entered // the first call is now inside its refresh

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := c.Account(ctx, g, "chk-1")
		second <- err
	}()
	// Give the second call time to reach the wait; if it has not, the
	// test still holds (it is then canceled earlier), it just proves less.
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-second:
		assert.ErrorIs(t, err, sdk.ErrCanceled)
	case <-time.After(30 * time.Second): // a deadlock guard, not a timing assertion
		t.Fatal("the second call waited for the first one's refresh despite its canceled context")
	}
	close(st.release)
	require.NoError(t, <-first)
}

// The bank can also end the consent earlier than the grant says
// (consent_expires_at in a refresh response): reported as Shortened and
// enforced as ConsentExpired once passed; it never moves later.
func TestRefreshShortensConsent(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	nb := &narrowingBank{next: http.DefaultTransport}
	ch := &changes{}
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.HTTPClient = &http.Client{Transport: nb}
		cfg.OnGrantChange = ch.record
		cfg.Now = clock
	})
	ctx := context.Background()
	g := link(t, c)
	end := now.Add(2 * time.Hour)
	require.True(t, end.Before(g.ExpiresAt))
	nb.endAt(end)
	bank.ExpireAccessTokens()
	_, err := c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	got := ch.all()
	require.Len(t, got, 1)
	assert.True(t, got[0].Shortened)
	assert.Empty(t, got[0].RemovedAccounts)
	assert.Equal(t, end, got[0].Grant.ExpiresAt)

	nb.endAt(g.ExpiresAt.Add(time.Hour)) // a later end is not taken
	bank.ExpireAccessTokens()
	_, err = c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	assert.Len(t, ch.all(), 1)
	assert.Equal(t, end, c.CurrentGrant(g).ExpiresAt)

	mu.Lock()
	now = end.Add(time.Minute)
	mu.Unlock()
	before := bank.DataCalls.Load()
	_, err = c.Account(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrConsentExpired)
	assert.Equal(t, before, bank.DataCalls.Load())
	_, err = c.Consent(ctx, g)
	assert.NoError(t, err, "the consent can still be read after its end")
	assert.NoError(t, c.Revoke(ctx, g), "and revoked")
}

// Goroutines that were waiting for the refresh that learnt the consent
// ended get the same answer, not a second refresh with the dead token.
func TestRefusedRefreshConcurrent(t *testing.T) {
	bank, c, _ := setupClassifying(t, func(e driver.TokenError) obcerr.Code {
		if e.Code == "invalid_grant" {
			return obcerr.ConsentRevoked
		}
		return obcerr.Unknown
	})
	g := link(t, c)
	bank.RevokeConsent(g.ConsentID)
	bank.ExpireAccessTokens()
	tokenCalls := bank.TokenCalls.Load()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.Account(context.Background(), g, "chk-1")
			assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
		})
	}
	wg.Wait()
	assert.Equal(t, tokenCalls+1, bank.TokenCalls.Load(), "one refresh asked, one answer shared")
}

package sdk_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// register registers opener under name for the test's duration.
func register(t *testing.T, name string, opener driver.Opener) {
	t.Helper()
	sdk.Register(name, opener)
	t.Cleanup(func() { sdk.Unregister(name) })
}

func TestOpenByName(t *testing.T) {
	bank := fakebank.New()
	defer bank.Close()
	register(t, "registry-test", fakebank.Opener(fakebank.Options{Name: "registry-test"}))
	assert.Contains(t, sdk.Banks(), "registry-test")
	c, err := sdk.Open(context.Background(), "registry-test", testCreds, &sdk.Options{BaseURL: bank.URL()})
	require.NoError(t, err)
	assert.Equal(t, "registry-test", c.Bank())

	_, err = sdk.Open(context.Background(), "nosuchbank", sdk.Credentials{ClientID: "x"}, nil)
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "nosuchbank")
	assert.Contains(t, err.Error(), "registry-test", "the message lists the registered banks")

	register(t, "alias-test", fakebank.Opener(fakebank.Options{Name: "registry-test"}))
	_, err = sdk.Open(context.Background(), "alias-test", testCreds, &sdk.Options{BaseURL: bank.URL()})
	require.ErrorIs(t, err, sdk.ErrInternal, "a connector must be registered under its profile's name")
}

func TestRegisterDuplicatePanics(t *testing.T) {
	register(t, "dup-test", fakebank.Opener(fakebank.Options{}))
	assert.Panics(t, func() { sdk.Register("dup-test", fakebank.Opener(fakebank.Options{})) })
	assert.Panics(t, func() { sdk.Register("", fakebank.Opener(fakebank.Options{})) })
	assert.Panics(t, func() { sdk.Register("nil-opener", nil) })
}

func TestOpenWith(t *testing.T) {
	bank := fakebank.New()
	defer bank.Close()
	c, err := sdk.OpenWith(context.Background(), fakebank.Opener(fakebank.Options{Name: "unregistered"}), testCreds,
		&sdk.Options{BaseURL: bank.URL(), RedirectURL: "https://app.example/cb"})
	require.NoError(t, err)
	assert.Equal(t, "unregistered", c.Bank(), "the profile's name")
	assert.NotContains(t, sdk.Banks(), "unregistered", "nothing global")
	g := link(t, c)
	assert.Equal(t, "unregistered", g.Bank)

	_, err = sdk.OpenWith(context.Background(), nil, testCreds, nil)
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
	var nilCtx context.Context // a nil context, as a careless caller passes it
	_, err = sdk.OpenWith(nilCtx, fakebank.Opener(fakebank.Options{}), testCreds, &sdk.Options{BaseURL: bank.URL()})
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
	noName := func(ctx context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
		conn, err := fakebank.Opener(fakebank.Options{})(ctx, cfg)
		return &renamed{Connector: conn}, err
	}
	_, err = sdk.OpenWith(context.Background(), noName, testCreds, &sdk.Options{BaseURL: bank.URL()})
	assert.ErrorIs(t, err, sdk.ErrInternal, "a profile without a name is invalid")
}

// renamed is a connector whose profile has no name.
type renamed struct{ driver.Connector }

func (r *renamed) Profile() driver.Profile {
	p := r.Connector.Profile()
	p.Name = ""
	return p
}

func TestOpenRequiresCredentialsForProfile(t *testing.T) {
	bank := fakebank.New()
	defer bank.Close()
	basic := fakebank.Opener(fakebank.Options{Name: "cred-basic"})
	_, err := sdk.OpenWith(context.Background(), basic, sdk.Credentials{ClientID: "x"}, &sdk.Options{BaseURL: bank.URL()})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "ClientSecret")
	jwt := fakebank.Opener(fakebank.Options{Name: "cred-jwt", ClientAuth: driver.PrivateKeyJWT})
	_, err = sdk.OpenWith(context.Background(), jwt, sdk.Credentials{ClientID: "x"}, &sdk.Options{BaseURL: bank.URL()})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "PrivateKey")
	_, err = sdk.OpenWith(context.Background(), jwt, sdk.Credentials{}, &sdk.Options{BaseURL: bank.URL()})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
}

func TestStartLinkURL(t *testing.T) {
	_, c := setup(t, fakebank.Options{}, nil)
	p, err := c.StartLink(context.Background(), sdk.LinkRequest{
		Clusters: []sdk.Cluster{sdk.Transactions, sdk.AccountBasic}, Purpose: sdk.PurposeFraudDetection,
		Duration: 89*24*time.Hour + time.Minute, LookbackDays: 30,
	})
	require.NoError(t, err)
	u, err := url.Parse(p.AuthURL)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "client-1", q.Get("client_id"))
	assert.Equal(t, "openid offline_access ACCOUNT_BASIC TRANSACTIONS", q.Get("scope"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.NotEmpty(t, q.Get("code_challenge"))
	assert.NotEqual(t, p.Verifier, q.Get("code_challenge"))
	assert.Equal(t, p.State, q.Get("state"))
	assert.Equal(t, p.Nonce, q.Get("nonce"))
	assert.Equal(t, "FRAUD_DETECTION", q.Get("purpose"))
	assert.Equal(t, "90", q.Get("duration_days"))
	assert.Equal(t, "30", q.Get("lookback_days"))
	assert.Equal(t, "https://app.example/cb", q.Get("redirect_uri"))
	assert.NotContains(t, p.String(), p.Verifier)
}

func TestStartLinkValidation(t *testing.T) {
	_, c := setup(t, fakebank.Options{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.Transactions}}, nil)
	ctx := context.Background()
	good := sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposePayments, Duration: 24 * time.Hour}
	for name, tc := range map[string]struct {
		mut  func(*sdk.LinkRequest)
		code sdk.Code
	}{
		"no clusters":     {func(r *sdk.LinkRequest) { r.Clusters = nil }, sdk.InvalidArgument},
		"unknown cluster": {func(r *sdk.LinkRequest) { r.Clusters = []sdk.Cluster{"ADS"} }, sdk.InvalidArgument},
		"unsupported":     {func(r *sdk.LinkRequest) { r.Clusters = []sdk.Cluster{sdk.Statements} }, sdk.Unimplemented},
		"no purpose":      {func(r *sdk.LinkRequest) { r.Purpose = "" }, sdk.InvalidArgument},
		"zero duration":   {func(r *sdk.LinkRequest) { r.Duration = 0 }, sdk.InvalidArgument},
		"366 days":        {func(r *sdk.LinkRequest) { r.Duration = 366 * 24 * time.Hour }, sdk.InvalidArgument},
		"bad redirect":    {func(r *sdk.LinkRequest) { r.RedirectURL = "/relative" }, sdk.InvalidArgument},
	} {
		r := good
		tc.mut(&r)
		_, err := c.StartLink(ctx, r)
		assert.Equal(t, tc.code, sdk.ErrorCode(err), name)
	}
	good.Duration = sdk.MaxConsentDuration
	_, err := c.StartLink(ctx, good)
	assert.NoError(t, err)
	_, err = sdk.ParsePurpose("ADVERTISING")
	assert.Error(t, err)
}

func TestLinkAndGrant(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c, sdk.AccountBasic, sdk.Transactions)
	assert.NotEmpty(t, g.ConsentID)
	assert.Equal(t, []sdk.Cluster{sdk.AccountBasic, sdk.Transactions}, g.Clusters)
	assert.Equal(t, []string{"chk-1", "cc-1", "loan-1"}, g.AccountIDs)
	assert.WithinDuration(t, time.Now().AddDate(0, 0, 30), g.ExpiresAt, time.Minute)
	user, pass, ok := func() (string, string, bool) {
		r := http.Request{Header: bank.LastTokenRequestAuth()}
		return r.BasicAuth()
	}()
	assert.True(t, ok)
	assert.Equal(t, "client-1", user)
	assert.Equal(t, "s3cret-value", pass)
	assert.NotContains(t, g.String(), "at-")
}

func TestLinkPARWithPrivateKeyJWT(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	bank, c := setupCreds(t, fakebank.Options{ClientAuth: driver.PrivateKeyJWT, PARRequired: true},
		sdk.Credentials{ClientID: testCreds.ClientID, PrivateKey: key, KeyID: "kid-1"}, nil)
	p, err := c.StartLink(context.Background(), sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposeAccountAggregation, Duration: time.Hour})
	require.NoError(t, err)
	u, _ := url.Parse(p.AuthURL)
	assert.ElementsMatch(t, []string{"client_id", "request_uri"}, keys(u.Query()))
	cb, err := fakebank.Consent(context.Background(), p.AuthURL)
	require.NoError(t, err)
	g, err := c.CompleteLink(context.Background(), p, cb)
	require.NoError(t, err)
	assert.NotEmpty(t, g.ConsentID)
	h := bank.LastTokenRequestAuth()
	assert.Empty(t, h.Get("Authorization"))
	assertion := h.Get("X-Form-Assertion")
	require.NotEmpty(t, assertion)
	tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	assert.Equal(t, "kid-1", tok.Headers[0].KeyID)
	var claims jwt.Claims
	require.NoError(t, tok.Claims(&key.PublicKey, &claims))
	assert.Equal(t, "client-1", claims.Issuer)
	assert.Equal(t, "client-1", claims.Subject)
	assert.Equal(t, jwt.Audience{bank.URL() + "/token"}, claims.Audience)
	assert.NotEmpty(t, claims.ID)
	require.NoError(t, claims.Validate(jwt.Expected{Time: time.Now()}))
}

func TestIDTokenNonceChecked(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	bank.TamperNonce(true)
	ctx := context.Background()
	p, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposePayments, Duration: time.Hour})
	require.NoError(t, err)
	cb, err := fakebank.Consent(ctx, p.AuthURL)
	require.NoError(t, err)
	_, err = c.CompleteLink(ctx, p, cb)
	require.ErrorIs(t, err, sdk.ErrUnauthenticated)
	assert.Contains(t, err.Error(), "nonce")
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func TestCompleteLinkErrors(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	ctx := context.Background()
	p, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposePayments, Duration: time.Hour})
	require.NoError(t, err)
	cb, err := fakebank.Consent(ctx, p.AuthURL)
	require.NoError(t, err)
	bad := url.Values{"state": {"forged"}, "code": cb["code"]}
	_, err = c.CompleteLink(ctx, p, bad)
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)

	bank.Deny(true)
	p2, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposePayments, Duration: time.Hour})
	require.NoError(t, err)
	cb2, err := fakebank.Consent(ctx, p2.AuthURL)
	require.NoError(t, err)
	_, err = c.CompleteLink(ctx, p2, cb2)
	assert.ErrorIs(t, err, sdk.ErrPermissionDenied)

	// A code replayed or exchanged with the wrong verifier is refused.
	p.Verifier = "wrong-verifier-wrong-verifier-wrong-verifier-123"
	_, err = c.CompleteLink(ctx, p, cb)
	assert.ErrorIs(t, err, sdk.ErrUnauthenticated)
}

func TestDataReads(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	accounts, err := collect(t, c.Accounts(ctx, g))
	require.NoError(t, err)
	require.Len(t, accounts, 3)
	assert.Nil(t, accounts[0].Balances)

	a, err := c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	require.NotNil(t, a.Balances)
	assert.Equal(t, "1234567890123.45 USD", a.Balances.Current.String())

	txs, err := collect(t, c.Transactions(ctx, g, "chk-1", sdk.TxQuery{}))
	require.NoError(t, err)
	_, truth, _ := bank.Truth()
	assert.Equal(t, truth["chk-1"], txs) // 23 across 5 pages of 5

	filtered, err := collect(t, c.Transactions(ctx, g, "chk-1", sdk.TxQuery{
		Start: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)}))
	require.NoError(t, err)
	assert.Len(t, filtered, 3)

	sts, err := collect(t, c.Statements(ctx, g, "chk-1", sdk.TxQuery{}))
	require.NoError(t, err)
	require.Len(t, sts, 2)
	rc, err := c.StatementPDF(ctx, g, "chk-1", sts[0].ID)
	require.NoError(t, err)
	body, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	assert.True(t, bytes.HasPrefix(body, []byte("%PDF")))
	_, err = c.StatementPDF(ctx, g, "chk-1", "nope")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	var be *sdk.BankError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 1205, be.Code)
	assert.Equal(t, 404, be.HTTPStatus)
	assert.NotEmpty(t, be.InteractionID)

	ct, err := c.Contact(ctx, g, "chk-1")
	require.NoError(t, err)
	assert.Len(t, ct.Holders, 1)
	pns, err := c.PaymentNetworks(ctx, g, "chk-1")
	require.NoError(t, err)
	require.Len(t, pns, 1)
	assert.Equal(t, "123456786789", pns[0].Identifier.Reveal())
	cs, err := c.Consent(ctx, g)
	require.NoError(t, err)
	assert.Equal(t, sdk.ConsentStatus("ACTIVE"), cs.Status)

	for _, r := range bank.DataRequests() {
		assert.Len(t, r.Header.Get("x-fapi-interaction-id"), 36, r.URL.Path)
		assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-"))
	}
}

// TestConsentEnforcedBeforeNetwork: out-of-grant calls never reach the bank.
func TestConsentEnforcedBeforeNetwork(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	bank, c := setup(t, fakebank.Options{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.CustomerContact, sdk.PaymentSupport}},
		func(cfg *sdk.Options) { cfg.Now = func() time.Time { return clock() } })
	g := link(t, c, sdk.AccountBasic, sdk.Transactions)
	ctx := context.Background()
	before := bank.DataCalls.Load()

	_, err := c.Account(ctx, g, "chk-1") // ACCOUNT_DETAILED not granted
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	_, err = c.Contact(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	_, err = c.PaymentNetworks(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	_, err = collect(t, c.Transactions(ctx, g, "someone-elses", sdk.TxQuery{}))
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	_, err = collect(t, c.Statements(ctx, g, "chk-1", sdk.TxQuery{}))
	assert.ErrorIs(t, err, sdk.ErrUnimplemented) // bank does not offer STATEMENTS
	_, err = collect(t, c.Transactions(ctx, g, "chk-1", sdk.TxQuery{Start: now, End: now.Add(-48 * time.Hour)}))
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
	_, err = collect(t, c.Transactions(ctx, g, "bad/id", sdk.TxQuery{}))
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)

	clock = func() time.Time { return g.ExpiresAt }
	_, err = collect(t, c.Accounts(ctx, g))
	assert.ErrorIs(t, err, sdk.ErrConsentExpired)
	assert.Equal(t, before, bank.DataCalls.Load(), "no request may reach the bank")
}

func TestRetriesAndRetryAfter(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	bank.Fail(fakebank.Fault{Status: 503, Code: 501, Count: 2})
	_, err := c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	bank.Fail(fakebank.Fault{Status: 429, Code: 1207, Count: 10, RetryAfter: 120})
	_, err = c.Account(ctx, g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrRateLimited)
	d, ok := sdk.RetryAfter(err)
	assert.True(t, ok)
	assert.Equal(t, 120*time.Second, d)
}

func TestNoRetryOnClientErrorsOrRevoke(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	before := bank.DataCalls.Load()
	_, err := c.Account(ctx, g, "no-such") // in grant? no: ScopeNotGranted, no call
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	bank.Fail(fakebank.Fault{Status: 404, Code: 701})
	_, err = c.Account(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	assert.Equal(t, before+1, bank.DataCalls.Load())
	bank.Fail(fakebank.Fault{Status: 503, Code: 501})
	err = c.Revoke(ctx, g)
	assert.ErrorIs(t, err, sdk.ErrUnavailable)
	assert.Equal(t, before+2, bank.DataCalls.Load(), "revocation is not retried")
}

func TestDuplicateCursorStops(t *testing.T) {
	_, c := setup(t, fakebank.Options{RepeatCursor: true}, nil)
	g := link(t, c)
	txs, err := collect(t, c.Transactions(context.Background(), g, "chk-1", sdk.TxQuery{}))
	require.ErrorIs(t, err, sdk.ErrInternal)
	assert.Contains(t, err.Error(), "repeated a page cursor")
	assert.Len(t, txs, 10) // two pages of 5, then the repeat is caught
}

func TestTokenRefreshMidIterationConcurrent(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	tokensBefore := bank.TokenCalls.Load()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			n := 0
			for _, err := range c.Transactions(ctx, g, "chk-1", sdk.TxQuery{}) {
				if err != nil {
					errs <- err
					return
				}
				n++
				if n == 7 && i == 0 {
					bank.ExpireAccessTokens() // the bank forgets the token mid-iteration
				}
			}
			if n != 23 {
				errs <- errors.New("incomplete iteration")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// One refresh serves every goroutine (rotation makes a second refresh
	// with the spent refresh token fail).
	assert.Equal(t, tokensBefore+1, bank.TokenCalls.Load())
}

func TestExpiredAccessTokenRefreshesAndPersists(t *testing.T) {
	store := sdk.NewMemoryTokenStore()
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) { cfg.TokenStore = store })
	bank.SetAccessTTL(time.Second) // within the SDK's refresh margin: always refreshed
	g := link(t, c)
	first, err := store.Get(context.Background(), g.TokenKey())
	require.NoError(t, err)
	_, err = c.Account(context.Background(), g, "chk-1")
	require.NoError(t, err)
	second, err := store.Get(context.Background(), g.TokenKey())
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "rotated refresh token persisted")
}

func TestRevokeAndAccountRevocation(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	require.NoError(t, c.RevokeAccounts(ctx, g, "cc-1"))
	_, err := c.Account(ctx, g, "cc-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	cs, err := c.Consent(ctx, g)
	require.NoError(t, err)
	assert.Equal(t, sdk.ConsentStatus("REVOKED"), cs.Accounts[1].Status)

	require.NoError(t, c.Revoke(ctx, g))
	before := bank.DataCalls.Load()
	_, err = c.Account(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
	assert.Equal(t, before, bank.DataCalls.Load())

	_, c2 := setup(t, fakebank.Options{NoAccountRevocation: true}, nil)
	g2 := link(t, c2)
	assert.ErrorIs(t, c2.RevokeAccounts(ctx, g2, "cc-1"), sdk.ErrUnimplemented)
}

func TestRevokedAtBankIsClassified(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	bank.RevokeConsent(g.ConsentID)
	_, err := c.Account(context.Background(), g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
	bank2, c2 := setup(t, fakebank.Options{}, nil)
	g2 := link(t, c2)
	bank2.ExpireConsent(g2.ConsentID)
	_, err = c2.Account(context.Background(), g2, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrConsentExpired)
}

func TestContextCancellation(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.Transactions(ctx, g, "chk-1", sdk.TxQuery{}) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 3 {
			cancel()
		}
	}
	assert.ErrorIs(t, last, sdk.ErrCanceled)
	assert.ErrorIs(t, last, context.Canceled)
	assert.Equal(t, 5, n, "the page in hand is finished, the next fetch fails")
	// A retry wait is cut short by the context.
	bank.Fail(fakebank.Fault{Status: 503, Code: 501, Count: 100, RetryAfter: 30})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err := c.Account(ctx2, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrDeadlineExceeded)
}

func TestTokensNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var mu sync.Mutex
	var exchanges []sdk.Exchange
	store := sdk.NewMemoryTokenStore()
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.Logger = logger
		cfg.TokenStore = store
		cfg.Observer = func(e sdk.Exchange) { mu.Lock(); exchanges = append(exchanges, e); mu.Unlock() }
	})
	g := link(t, c)
	ctx := context.Background()
	bank.Fail(fakebank.Fault{Status: 500, Code: 500})
	_, _ = c.Account(ctx, g, "chk-1")
	bank.ExpireAccessTokens()
	_, _ = collect(t, c.Transactions(ctx, g, "chk-1", sdk.TxQuery{}))
	pns, _ := c.PaymentNetworks(ctx, g, "chk-1")
	logger.Info("app", "grant", g, "networks", pns)
	tok, err := store.Get(ctx, g.TokenKey())
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "obconnect http")
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, "s3cret-value", "Bearer", "123456786789", "at-", "rt-"} {
		assert.NotContains(t, out, secret)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.NotEmpty(t, exchanges)
}

func TestRateLimiterFromProfile(t *testing.T) {
	// 1000 rps burst 1 must still let calls through; the limiter waits
	// honour the context.
	_, c := setup(t, fakebank.Options{RateLimit: driver.RateLimit{RequestsPerSecond: 0.001, Burst: 1}}, nil)
	g := link(t, c)
	_, err := c.Account(context.Background(), g, "chk-1") // uses the single token
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Account(ctx, g, "chk-1")
	assert.True(t, errors.Is(err, sdk.ErrRateLimited) || errors.Is(err, sdk.ErrDeadlineExceeded), "%v", err)
}

// The pending link and the grant survive a JSON round trip (they are
// stored between requests and across restarts).
func TestPendingLinkAndGrantJSON(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	ctx := context.Background()
	p, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposeCreditDecisioning, Duration: time.Hour, UserRef: "u-42"})
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	var back sdk.PendingLink
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, *p, back)
	cb, err := fakebank.Consent(ctx, p.AuthURL)
	require.NoError(t, err)
	g, err := c.CompleteLink(ctx, &back, cb)
	require.NoError(t, err)
	assert.Equal(t, "u-42", g.UserRef)
	gb, err := json.Marshal(g)
	require.NoError(t, err)
	assert.NotContains(t, string(gb), "at-")
	var g2 sdk.Grant
	require.NoError(t, json.Unmarshal(gb, &g2))
	_, err = c.Account(ctx, &g2, "chk-1")
	require.NoError(t, err, "a grant loaded from JSON works with the stored tokens")
	require.NoError(t, c.Revoke(ctx, &g2))
	assert.Equal(t, int64(1), bank.Revocations.Load(), "refresh token revoked at the bank")
}

func TestRevokeIsIdempotent(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	ctx := context.Background()
	require.NoError(t, c.Revoke(ctx, g))
	calls := bank.DataCalls.Load()
	require.NoError(t, c.Revoke(ctx, g), "again on the same grant: no request")
	assert.Equal(t, calls, bank.DataCalls.Load())

	// Revoked at the bank first: the bank says so, still success.
	g1 := link(t, c)
	bank.RevokeConsent(g1.ConsentID)
	require.NoError(t, c.Revoke(ctx, g1))
	assert.False(t, g1.RevokedAt.IsZero())

	// An expired grant can still be revoked.
	now := time.Now()
	bank2, c2 := setup(t, fakebank.Options{}, func(cfg *sdk.Options) { cfg.Now = func() time.Time { return now } })
	g2 := link(t, c2)
	now = g2.ExpiresAt.Add(time.Hour)
	require.NoError(t, c2.Revoke(ctx, g2))
	_ = bank2
}

func TestRevokeRetriedOnlyAfterRateLimit(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	g := link(t, c)
	bank.Fail(fakebank.Fault{Status: 429, Code: 1207, RetryAfter: 0})
	require.NoError(t, c.Revoke(context.Background(), g), "a rate-limit refusal means the bank did not act: retried")
}

func TestSharedLimiter(t *testing.T) {
	lim := rate.NewLimiter(rate.Limit(0.001), 1)
	_, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) { cfg.Limiter = lim })
	g := link(t, c)
	_, err := c.Account(context.Background(), g, "chk-1")
	require.NoError(t, err)
	assert.Zero(t, int(lim.Tokens()), "the shared limiter was used")
}

func TestSubscribeUsesClientCredentials(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	ctx := context.Background()
	sub, err := c.Subscribe(ctx, nil, "https://app.example/notifications", "CONSENT_REVOKED", "BALANCE")
	require.NoError(t, err)
	assert.NotEmpty(t, sub.ID)
	assert.Equal(t, []string{"CONSENT_REVOKED", "BALANCE"}, sub.Types)
	reqs := bank.DataRequests()
	require.NotEmpty(t, reqs)
	assert.True(t, strings.HasPrefix(reqs[len(reqs)-1].Header.Get("Authorization"), "Bearer at-client-"), "a client-credentials token, not a grant's")
	require.NoError(t, c.Unsubscribe(ctx, nil, sub.ID))
	assert.ErrorIs(t, c.Unsubscribe(ctx, nil, sub.ID), sdk.ErrNotFound)
	_, err = c.Subscribe(ctx, nil, "ftp://x")
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument)

	// With a grant: the grant's token, after the consent checks.
	g := link(t, c)
	sub2, err := c.Subscribe(ctx, g, "https://app.example/notifications", "CONSENT_REVOKED")
	require.NoError(t, err)
	reqs = bank.DataRequests()
	assert.True(t, strings.HasPrefix(reqs[len(reqs)-1].Header.Get("Authorization"), "Bearer at-"))
	assert.False(t, strings.HasPrefix(reqs[len(reqs)-1].Header.Get("Authorization"), "Bearer at-client-"))
	require.NoError(t, c.Unsubscribe(ctx, g, sub2.ID))

	_, c2 := setup(t, fakebank.Options{NoAccountRevocation: true}, nil)
	_, err = c2.Subscribe(ctx, nil, "https://app.example/notifications")
	assert.ErrorIs(t, err, sdk.ErrUnimplemented)
}

func TestPrivateKeyTypes(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		key crypto.Signer
		ok  bool
	}{"RSA (PS256)": {rsaKey, true}, "Ed25519": {edKey, true}, "P-384": {p384, false}} {
		t.Run(name, func(t *testing.T) {
			bank := fakebank.New()
			defer bank.Close()
			bankName := fmt.Sprintf("keys%d", nameSeq.Add(1))
			c, err := sdk.OpenWith(context.Background(), fakebank.Opener(fakebank.Options{Name: bankName, ClientAuth: driver.PrivateKeyJWT}), sdk.Credentials{ClientID: "k", PrivateKey: tc.key, KeyID: "kid"}, &sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: bank.URL()})
			if !tc.ok {
				assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, bankName, c.Bank())
			assert.Equal(t, sdk.PrivateKeyJWT, c.Profile().Auth.ClientAuth)
			g := link(t, c)
			assert.NotEmpty(t, g.ConsentID)
		})
	}
}

func TestForget(t *testing.T) {
	store := sdk.NewMemoryTokenStore()
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) { cfg.TokenStore = store })
	g := link(t, c)
	ctx := context.Background()
	bank.RevokeConsent(g.ConsentID)
	_, err := c.Account(ctx, g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	calls := bank.DataCalls.Load()
	require.NoError(t, c.Forget(ctx, g))
	_, err = store.Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound, "tokens deleted")
	_, err = c.Account(ctx, g, "chk-1")
	assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
	assert.Equal(t, calls, bank.DataCalls.Load(), "no call to the bank")
}

func TestCredentialsHideSecrets(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	creds := sdk.Credentials{ClientID: "client-1", ClientSecret: "s3cret-value", PrivateKey: key, KeyID: "kid-1"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("opening", "creds", creds)
	out := fmt.Sprintf("%v %+v %#v %s", creds, creds, creds, creds) + buf.String()
	assert.Contains(t, out, "client-1")
	assert.NotContains(t, out, "s3cret-value")
	raw, err := key.Bytes()
	require.NoError(t, err)
	assert.NotContains(t, out, fmt.Sprintf("%x", raw))
}

func TestOpenNilOptions(t *testing.T) {
	_, err := sdk.OpenWith(context.Background(), fakebank.Opener(fakebank.Options{}), testCreds, nil)
	require.ErrorIs(t, err, sdk.ErrInvalidArgument, "nil options are the defaults; the fake bank has no default BaseURL")
}

// TestTraceHook checks Options.Trace's contract: one start and exactly one
// end per call (retries and the forced refresh inside it), the refresh as
// an operation of its own under the call's context, the outcome's code,
// and the returned context reaching the exchanges.
func TestTraceHook(t *testing.T) {
	type ended struct {
		op   sdk.Operation
		code sdk.Code
	}
	type ctxKey struct{}
	var (
		mu      sync.Mutex
		ends    []ended
		tagged  int
		parents []string
	)
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.Trace = func(ctx context.Context, op sdk.Operation) (context.Context, func(error)) {
			parent, _ := ctx.Value(ctxKey{}).(string)
			mu.Lock()
			parents = append(parents, op.Name+"<"+parent)
			mu.Unlock()
			return context.WithValue(ctx, ctxKey{}, op.Name), func(err error) {
				mu.Lock()
				defer mu.Unlock()
				code := sdk.OK
				if err != nil {
					code = sdk.ErrorCode(err)
				}
				ends = append(ends, ended{op, code})
			}
		}
		cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.Context().Value(ctxKey{}) != nil {
					mu.Lock()
					tagged++
					mu.Unlock()
				}
				return rt.RoundTrip(r)
			})
		}
	})
	g := link(t, c)
	ctx := context.Background()
	mu.Lock()
	ends, parents, tagged = nil, nil, 0
	mu.Unlock()
	bank.Fail(fakebank.Fault{Status: 500, Code: 500})
	_, err := c.Account(ctx, g, "chk-1")
	require.NoError(t, err, "one 500 is retried")
	bank.ExpireAccessTokens()
	_, err = c.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	bank.Fail(fakebank.Fault{Status: 404, Code: 701})
	_, err = c.Account(ctx, g, "chk-1")
	require.Error(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, ends, 4, "%v", ends)
	for i, want := range []sdk.Code{sdk.OK, sdk.OK, sdk.OK, sdk.NotFound} {
		assert.Equal(t, want, ends[i].code, "end %d", i)
	}
	assert.Equal(t, sdk.Operation{Bank: c.Bank(), Kind: sdk.OperationCall, Name: "sdk.Account", Cluster: sdk.AccountDetailed}, ends[0].op)
	assert.Equal(t, sdk.OperationRefresh, ends[1].op.Kind)
	assert.Equal(t, []string{"sdk.Account<", "sdk.Account<", "sdk.token.refresh<sdk.Account", "sdk.Account<"}, parents)
	assert.GreaterOrEqual(t, tagged, 5, "every exchange runs under the operation's context")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const testRedirect = "https://app.example/callback"

// fakeUsers is the test double of the store's users.
type fakeUsers struct{}

func (fakeUsers) Authenticate(_ context.Context, username, password string) (User, error) {
	switch {
	case username == "user_good" && password == "pass_good":
		return User{ID: "u-good", DisplayName: "Good User"}, nil
	case username == "user_mfa" && password == "pass_good":
		return User{ID: "u-mfa", DisplayName: "MFA User", NeedsOTP: true}, nil
	case username == "user_locked" && password == "pass_good":
		return User{}, ErrUserLocked
	}
	return User{}, ErrInvalidCredentials
}

func (fakeUsers) VerifyOTP(_ context.Context, userID, code string) error {
	if userID == "u-mfa" && code == "123456" {
		return nil
	}
	return ErrInvalidOTP
}

func (fakeUsers) AccountsForConsent(_ context.Context, userID string) ([]AccountChoice, error) {
	return []AccountChoice{
		{ID: "acc-chk", DisplayName: "Everyday Checking", MaskedNumber: "...1234", Type: "CHECKING"},
		{ID: "acc-sav", DisplayName: "Savings", MaskedNumber: "...5678", Type: "SAVINGS"},
		{ID: "acc-cc", DisplayName: "Rewards Card", MaskedNumber: "...9012", Type: "CREDITCARD"},
	}, nil
}

// fakeConsents records consents and lets tests revoke them.
type fakeConsents struct {
	mu       sync.Mutex
	n        int
	consents map[string]ConsentRequest
	status   map[string]string
	accounts map[string][]string // remaining accounts after account-level revocation
}

func newFakeConsents() *fakeConsents {
	return &fakeConsents{consents: map[string]ConsentRequest{}, status: map[string]string{}, accounts: map[string][]string{}}
}

func (f *fakeConsents) CreateConsent(_ context.Context, req ConsentRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := fmt.Sprintf("consent-%d", f.n)
	f.consents[id] = req
	f.status[id] = "ACTIVE"
	return id, nil
}

func (f *fakeConsents) ConsentStatus(_ context.Context, id string) (ConsentState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.status[id]
	if !ok {
		return ConsentState{Status: "UNKNOWN"}, nil
	}
	return ConsentState{Active: st == "ACTIVE", Status: st, AccountIDs: f.accounts[id]}, nil
}

func (f *fakeConsents) keepAccounts(id string, ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[id] = append([]string{}, ids...)
}

func (f *fakeConsents) set(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[id] = status
}

func (f *fakeConsents) get(id string) ConsentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.consents[id]
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testEnv struct {
	t        testing.TB
	p        *Provider
	srv      *httptest.Server
	mux      *http.ServeMux
	issuer   string
	consents *fakeConsents
	clock    *fakeClock
}

func newEnv(t testing.TB, mutate func(*Config)) *testEnv {
	t.Helper()
	env := &testEnv{t: t, consents: newFakeConsents(), clock: &fakeClock{t: time.Now().Truncate(time.Second)}}
	mux := http.NewServeMux()
	env.mux = mux
	env.srv = httptest.NewServer(mux)
	t.Cleanup(env.srv.Close)
	env.issuer = env.srv.URL + "/testbank"
	cfg := Config{
		Bank: "testbank", DisplayName: "Test Bank", Issuer: env.issuer,
		AuthMethods: []string{AuthClientSecretBasic}, Clock: env.clock.Now, KeySeed: "test-seed",
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg, Deps{Users: fakeUsers{}, Consents: env.consents})
	require.NoError(t, err)
	env.p = p
	mux.Handle("/testbank/", p.Handler())
	return env
}

// register registers a client through the HTTP endpoint and returns the
// decoded response.
func (e *testEnv) register(md map[string]any) (int, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(md)
	resp, err := http.Post(e.issuer+"/register", "application/json", bytes.NewReader(b))
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func (e *testEnv) basicClient(scope string) (id, secret string) {
	e.t.Helper()
	md := map[string]any{"client_name": "Budget App", "redirect_uris": []string{testRedirect}}
	if scope != "" {
		md["scope"] = scope
	}
	st, out := e.register(md)
	require.Equal(e.t, http.StatusCreated, st, out)
	return out["client_id"].(string), out["client_secret"].(string)
}

func (e *testEnv) oauthConfig(id, secret string, scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = []string{"openid", "offline_access", "ACCOUNT_BASIC", "TRANSACTIONS"}
	}
	return &oauth2.Config{
		ClientID: id, ClientSecret: secret, RedirectURL: testRedirect, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// browser is a plain-HTTP user agent: it keeps cookies and stops at
// redirects so tests can read them.
type browser struct {
	t testing.TB
	c *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status   int
	body     string
	location string
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.c.Get(u)
	require.NoError(b.t, err)
	return readPage(b.t, resp)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	resp, err := b.c.PostForm(u, form)
	require.NoError(b.t, err)
	return readPage(b.t, resp)
}

func readPage(t testing.TB, resp *http.Response) page {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location")}
}

var (
	reSession = regexp.MustCompile(`name="session" value="([^"]+)"`)
	reCSRF    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	reAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// hidden returns the form target and the session fields of a page.
func (pg page) hidden(t testing.TB) (string, url.Values) {
	t.Helper()
	s, c, a := reSession.FindStringSubmatch(pg.body), reCSRF.FindStringSubmatch(pg.body), reAction.FindStringSubmatch(pg.body)
	require.NotNil(t, s, "no session field in page: %s", pg.body)
	require.NotNil(t, c)
	require.NotNil(t, a)
	return a[1], url.Values{"session": {s[1]}, "csrf_token": {c[1]}}
}

// consent drives the HTML flow from the authorization URL to the final
// redirect and returns its parsed query.
func (e *testEnv) consent(authURL, username, otp string, accounts ...string) url.Values {
	e.t.Helper()
	b := newBrowser(e.t)
	pg := b.get(authURL)
	require.Equal(e.t, http.StatusOK, pg.status, pg.body)
	pg = e.submit(b, pg, url.Values{"action": {"login"}, "username": {username}, "password": {"pass_good"}})
	if otp != "" {
		require.Contains(e.t, pg.body, "one-time code")
		pg = e.submit(b, pg, url.Values{"action": {"otp"}, "otp": {otp}})
	}
	require.Equal(e.t, http.StatusOK, pg.status, pg.body)
	require.Contains(e.t, pg.body, "Choose the accounts to share")
	pg = e.submit(b, pg, url.Values{"action": {"consent"}, "decision": {"approve"}, "account": accounts})
	require.Equal(e.t, http.StatusSeeOther, pg.status, pg.body)
	return e.redirectQuery(pg.location)
}

func (e *testEnv) submit(b *browser, pg page, fields url.Values) page {
	e.t.Helper()
	action, form := pg.hidden(e.t)
	for k, v := range fields {
		form[k] = v
	}
	return b.post(e.srv.URL+action, form)
}

func (e *testEnv) redirectQuery(loc string) url.Values {
	e.t.Helper()
	require.True(e.t, strings.HasPrefix(loc, testRedirect+"?"), "redirect %q", loc)
	u, err := url.Parse(loc)
	require.NoError(e.t, err)
	return u.Query()
}

// postForm posts to an endpoint with optional basic credentials.
func (e *testEnv) postForm(path string, form url.Values, id, secret string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(body) > 0 {
		require.NoError(e.t, json.Unmarshal(body, &out), "body %s", body)
	}
	return resp.StatusCode, out
}

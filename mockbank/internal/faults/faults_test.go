package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/faults"
)

func ptr[T any](v T) *T { return &v }

// page is what the fake bank serves: a transactions page whose next key is
// always "next-key".
func fakeBank() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"page":{"nextPageKey":"next-key"},"transactions":[{"transactionId":"t1","amount":12.50},{"transactionId":"t2","amount":7.25}]}`)
	})
}

type harness struct {
	inj    *faults.Injector
	srv    *httptest.Server
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{}
	h.inj = faults.New(faults.Options{Banks: builtin(t, "chase", "citi"), Sleep: func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/chase/", h.inj.Middleware("chase")(fakeBank()))
	mux.Handle("/citi/", h.inj.Middleware("citi")(fakeBank()))
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) get(t *testing.T, path string) (*http.Response, []byte, error) {
	t.Helper()
	// A fresh connection per call, so a reset never poisons the next call
	// and the transport never silently retries on a reused connection.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, h.srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("x-fapi-interaction-id", "iid-1")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const txPath = "/citi/fdx/v4/accounts/acc-1/transactions"

func TestErrorFaultOnTheWire(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "citi", Endpoint: "searchForAccountTransactions", Status: 503, FDXCode: ptr(501), RetryAfter: ptr(2), Times: 2})
	require.NoError(t, err)

	for i := range 2 {
		resp, body, err := h.get(t, txPath)
		require.NoError(t, err)
		assert.Equal(t, 503, resp.StatusCode, "call %d", i)
		assert.Equal(t, "2", resp.Header.Get("Retry-After"))
		assert.Equal(t, "iid-1", resp.Header.Get("x-fapi-interaction-id"))
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var e map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &e))
		assert.Equal(t, `"501"`, string(e["code"]), "FDX's string form")
	}
	resp, _, err := h.get(t, txPath)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, "the rule is used up after two calls")

	// Other endpoints and banks are untouched.
	resp, _, err = h.get(t, "/chase/accounts/acc-1/transactions")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)

	rules := h.inj.List(t.Context())
	require.Len(t, rules, 1)
	assert.Equal(t, 2, rules[0].Hits)
}

func TestErrorCodeAsStringAndDefaults(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "chase", Status: 404, FDXCode: ptr(701), CodeAsString: true, Times: 1})
	require.NoError(t, err)
	_, err = h.inj.Add(t.Context(), faults.Spec{Bank: "chase", Status: 429, Times: 1})
	require.NoError(t, err)

	resp, body, err := h.get(t, "/chase/accounts")
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(body), `"code":"701"`)

	resp, body, err = h.get(t, "/chase/accounts")
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Contains(t, string(body), `"code":"1207"`, "standard code for the status, in FDX's string form")
	assert.Contains(t, string(body), `"message":"Too many requests"`, "FDX's message for the code")
	assert.Empty(t, resp.Header.Get("Retry-After"), "no Retry-After unless asked for")
}

// An injected error reads like the bank's own: FDX's message for the code
// ("Subsystem unavailable", not HTTP's "Service Unavailable"), and the code
// in the bank's form, numbers at a bank that sends numbers unless the rule
// asks for a string.
func TestErrorFollowsTheBanksForm(t *testing.T) {
	banks := builtin(t, "chase", "citi")
	// No built-in bank sends numbers; a partner's may.
	banks[0].Errors.CodeForm = bankdesc.CodeInteger
	in := faults.New(faults.Options{Banks: banks})
	mux := http.NewServeMux()
	mux.Handle("/chase/", in.Middleware("chase")(fakeBank()))
	mux.Handle("/citi/", in.Middleware("citi")(fakeBank()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, s := range []faults.Spec{
		{Bank: "chase", Status: 503, Times: 1},
		{Bank: "chase", Status: 503, CodeAsString: true, Times: 1},
		{Bank: "citi", Status: 503, Times: 1},
		{Bank: "citi", Status: 404, FDXCode: ptr(701), Message: "custom", Times: 1},
	} {
		_, err := in.Add(t.Context(), s)
		require.NoError(t, err)
	}
	st, body := get("/chase/accounts")
	assert.Equal(t, 503, st)
	assert.Contains(t, body, `"code":501`)
	assert.Contains(t, body, `"message":"Subsystem unavailable"`)
	_, body = get("/chase/accounts")
	assert.Contains(t, body, `"code":"501"`, "CodeAsString forces a string")
	_, body = get("/citi/accounts")
	assert.Contains(t, body, `"code":"501"`)
	assert.Contains(t, body, `"message":"Subsystem unavailable"`)
	st, body = get("/citi/accounts")
	assert.Equal(t, 404, st)
	assert.Contains(t, body, `"code":"701"`)
	assert.Contains(t, body, `"message":"custom"`)
}

func TestLatencyIsRequestedExactly(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "chase", Endpoint: "getAccount", Mode: faults.ModeLatencyOnly, Latency: 1500 * time.Millisecond, RetryAfter: ptr(1)})
	require.NoError(t, err)
	resp, body, err := h.get(t, "/chase/accounts/acc-1")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "transactions", "served normally after the delay")
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Equal(t, []time.Duration{1500 * time.Millisecond}, h.sleeps)
}

func TestMalformedBody(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "citi", Mode: faults.ModeMalformedBody, Times: 1})
	require.NoError(t, err)
	resp, body, err := h.get(t, txPath)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	var v any
	assert.Error(t, json.Unmarshal(body, &v))
}

func TestTruncatedBody(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "citi", Mode: faults.ModeTruncatedBody, Times: 1})
	require.NoError(t, err)
	resp, body, err := h.get(t, txPath)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Less(t, len(body), int(resp.ContentLength))
	assert.True(t, strings.HasPrefix(`{"page":{"nextPageKey":"next-key"}`, string(body[:min(len(body), 10)])))
}

func TestConnectionReset(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "citi", Mode: faults.ModeConnectionReset, Times: 1})
	require.NoError(t, err)
	_, _, err = h.get(t, txPath)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF), "got %v", err)
	_, _, err = h.get(t, txPath)
	require.NoError(t, err, "only the next call")
}

func TestRepeatPageKey(t *testing.T) {
	h := newHarness(t)
	_, err := h.inj.Add(t.Context(), faults.Spec{Bank: "chase", Endpoint: "searchForAccountTransactions", Mode: faults.ModeRepeatPageKey, Times: 1})
	require.NoError(t, err)

	_, body, err := h.get(t, "/chase/accounts/a/transactions")
	require.NoError(t, err)
	assert.Contains(t, string(body), `"nextPageKey":"next-key"`, "a first page has no key to repeat")

	_, body, err = h.get(t, "/chase/accounts/a/transactions?pageKey=k2")
	require.NoError(t, err)
	assert.Contains(t, string(body), `"nextPageKey":"k2"`)
	assert.Contains(t, string(body), `"amount":12.50`, "numbers keep their text")

	_, body, err = h.get(t, "/chase/accounts/a/transactions?pageKey=k3")
	require.NoError(t, err)
	assert.Contains(t, string(body), `"nextPageKey":"next-key"`)
}

func TestFractionIsDeterministicAndExact(t *testing.T) {
	run := func() []int {
		in := faults.New(faults.Options{})
		_, err := in.Add(t.Context(), faults.Spec{Bank: "chase", Status: 500, Fraction: ptr(0.25)})
		require.NoError(t, err)
		h := in.Wrap("chase", "getAccount", fakeBank())
		var hit []int
		for i := range 100 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/chase/accounts/a", nil))
			if rec.Code == 500 {
				hit = append(hit, i)
			}
		}
		return hit
	}
	a := run()
	assert.Len(t, a, 25)
	assert.Equal(t, a, run())
}

func TestValidation(t *testing.T) {
	in := faults.New(faults.Options{Banks: builtin(t, "chase")})
	bad := []faults.Spec{
		{},
		{Bank: "hsbc"},
		{Bank: "chase", Endpoint: "nope"},
		{Bank: "chase", Mode: "explode"},
		{Bank: "chase", Status: 99},
		{Bank: "chase", Latency: -1},
		{Bank: "chase", Latency: time.Hour},
		{Bank: "chase", RetryAfter: ptr(-1)},
		{Bank: "chase", Times: -2},
		{Bank: "chase", Fraction: ptr(1.5)},
		{Bank: "chase", Fraction: ptr(0.5), Times: 3},
	}
	for _, s := range bad {
		_, err := in.Add(t.Context(), s)
		assert.ErrorIs(t, err, faults.ErrInvalid, "%+v", s)
	}
	assert.Empty(t, in.List(t.Context()))
	assert.ErrorIs(t, in.Delete(t.Context(), "flt-x"), faults.ErrNotFound)
}

func TestExportImport(t *testing.T) {
	in := faults.New(faults.Options{})
	r, err := in.Add(t.Context(), faults.Spec{Bank: "chase", Status: 503, Times: 3})
	require.NoError(t, err)
	st := in.Export(t.Context())
	other := faults.New(faults.Options{})
	require.NoError(t, other.Import(t.Context(), st))
	assert.Equal(t, in.List(t.Context()), other.List(t.Context()))

	st.Rules = append(st.Rules, faults.Rule{ID: r.ID, Spec: faults.Spec{Bank: "chase"}})
	assert.ErrorIs(t, other.Import(t.Context(), st), faults.ErrInvalid, "duplicate id")
	assert.Len(t, other.List(t.Context()), 1, "a bad import changes nothing")
}

func TestOperationID(t *testing.T) {
	cases := map[string]string{
		"GET /chase/accounts":                          "searchForAccounts",
		"GET /chase/fdx/v6/accounts/a1":                "getAccount",
		"GET /citi/accounts/a1/transactions":           "searchForAccountTransactions",
		"GET /citi/accounts/a1/statements":             "searchForAccountStatements",
		"GET /citi/accounts/a1/statements/s1":          "getAccountStatement",
		"GET /citi/accounts/a1/contact":                "getAccountContact",
		"GET /citi/accounts/a1/payment-networks":       "getAccountPaymentNetworks",
		"GET /usbank/customers/current":                "getCurrentCustomer",
		"GET /usbank/consents/c1":                      "getConsent",
		"PUT /usbank/consents/c1/revocation":           "revokeConsent",
		"POST /usbank/notification-subscriptions":      "createNotificationSubscription",
		"GET /usbank/notification-subscriptions":       "listNotificationSubscriptions",
		"GET /usbank/notification-subscriptions/s1":    "getNotificationSubscription",
		"DELETE /usbank/notification-subscriptions/s1": "deleteNotificationSubscription",
		"POST /chase/token":                            "token",
		"GET /chase/jwks.json":                         "jwks",
		"GET /chase/.well-known/openid-configuration":  "",
		"DELETE /chase/accounts":                       "",
	}
	for in, want := range cases {
		m, p, _ := strings.Cut(in, " ")
		assert.Equal(t, want, faults.OperationID(m, p), in)
	}
}

// BenchmarkMiddlewareNoRules is the cost the fault seam adds to every
// request when no fault is set (the common case, on the serving path).
func BenchmarkMiddlewareNoRules(b *testing.B) {
	in := faults.New(faults.Options{})
	h := in.Middleware("chase")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/chase/fdx/v6/accounts/a1/transactions?pageKey=k", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkMiddlewareOtherBankRule: rules exist, none for this call.
func BenchmarkMiddlewareOtherBankRule(b *testing.B) {
	in := faults.New(faults.Options{})
	_, err := in.Add(context.Background(), faults.Spec{Bank: "citi", Status: 503})
	require.NoError(b, err)
	h := in.Middleware("chase")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/chase/fdx/v6/accounts/a1/transactions?pageKey=k", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// At a bank that sends HTTP-dates, every faulted answer carrying
// Retry-After (an error, a latency-only pass-through, a body fault) names
// the date that many seconds ahead of the injector's clock; elsewhere it is
// delta-seconds.
func TestRetryAfterFollowsTheBanksForm(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 27, 57, 400_000_000, time.UTC)
	in := faults.New(faults.Options{Banks: builtin(t, "chase", "citi"),
		Now:   func() time.Time { return now },
		Sleep: func(context.Context, time.Duration) error { return nil }})
	mux := http.NewServeMux()
	mux.Handle("/chase/", in.Middleware("chase")(fakeBank()))
	mux.Handle("/citi/", in.Middleware("citi")(fakeBank()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, s := range []faults.Spec{
		{Bank: "chase", Status: 429, RetryAfter: ptr(2), Times: 1},
		{Bank: "chase", Mode: faults.ModeLatencyOnly, RetryAfter: ptr(2), Times: 1},
		{Bank: "chase", Mode: faults.ModeMalformedBody, RetryAfter: ptr(2), Times: 1},
		{Bank: "citi", Status: 503, RetryAfter: ptr(2), Times: 1},
	} {
		_, err := in.Add(t.Context(), s)
		require.NoError(t, err)
	}
	for range 3 {
		resp, err := http.Get(srv.URL + "/chase/accounts")
		require.NoError(t, err)
		_ = resp.Body.Close()
		// 07:27:59.4 rounded up: the client waits at least the 2 s asked.
		assert.Equal(t, "Wed, 21 Oct 2026 07:28:00 GMT", resp.Header.Get("Retry-After"))
	}
	resp, err := http.Get(srv.URL + "/citi/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
}

// builtin returns fresh copies of built-in banks' descriptions.
func builtin(t testing.TB, names ...string) []*bankdesc.Description {
	t.Helper()
	var out []*bankdesc.Description
	for _, n := range names {
		d, err := connectors.Lookup(n)
		require.NoError(t, err)
		out = append(out, d)
	}
	return out
}

// A rule that names a meaning is answered in the bank's own words, from
// its description: citi's rate limit is 503/501 with Retry-After,
// wellsfargo's revoked consent 401/602 without a challenge, usbank's
// expired consent 1107 with its debug wording; the rule's own status and
// code still win.
func TestMeansIsAnsweredInTheBanksWords(t *testing.T) {
	banks := builtin(t, "chase", "wellsfargo", "citi", "usbank")
	now := time.Date(2026, 10, 21, 7, 27, 58, 0, time.UTC)
	in := faults.New(faults.Options{Banks: banks, Now: func() time.Time { return now }})
	mux := http.NewServeMux()
	for _, d := range banks {
		mux.Handle("/"+d.Name+"/", in.Middleware(d.Name)(fakeBank()))
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		spec               faults.Spec
		status             int
		code, retry, debug string
		challenge          bool
	}{
		{faults.Spec{Bank: "citi", Means: "RateLimited"}, 503, `"501"`, "1", "injected", false},
		{faults.Spec{Bank: "chase", Means: "RateLimited", RetryAfter: ptr(3)}, 429, `"1207"`, "Wed, 21 Oct 2026 07:28:01 GMT", "injected", false},
		{faults.Spec{Bank: "wellsfargo", Means: "ConsentRevoked"}, 401, `"602"`, "", "injected", false},
		{faults.Spec{Bank: "usbank", Means: "ConsentExpired"}, 403, `"1107"`, "", "consent expired", false},
		{faults.Spec{Bank: "chase", Means: "ConsentExpired"}, 403, `"1106"`, "", "injected", false},
		{faults.Spec{Bank: "chase", Means: "Unauthenticated"}, 401, `"602"`, "", "injected", true},
		{faults.Spec{Bank: "citi", Means: "Unavailable", FDXCode: ptr(503)}, 503, `"503"`, "", "injected", false},
	} {
		spec := c.spec
		spec.Times = 1
		_, err := in.Add(t.Context(), spec)
		require.NoError(t, err)
		resp, err := http.Get(srv.URL + "/" + spec.Bank + "/fdx/accounts")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		what := spec.Bank + " " + spec.Means
		assert.Equal(t, c.status, resp.StatusCode, what)
		assert.Contains(t, string(body), `"code":`+c.code, what)
		assert.Contains(t, string(body), c.debug, what)
		assert.Equal(t, c.retry, resp.Header.Get("Retry-After"), what)
		assert.Equal(t, c.challenge, resp.Header.Get("WWW-Authenticate") != "", what)
	}
	resp, err := http.Get(srv.URL + "/usbank/fdx/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "every rule is spent")

	for _, bad := range []faults.Spec{
		{Bank: "chase", Means: "Teapot"},
		{Bank: "chase", Means: "ScopeNotGranted"},
		{Bank: "chase", Means: "RateLimited", Mode: faults.ModeMalformedBody},
	} {
		_, err := in.Add(t.Context(), bad)
		assert.ErrorIs(t, err, faults.ErrInvalid, "%+v", bad)
	}
}

// A rule limited to a consent or a client hits only that party's calls,
// so parallel tests sharing a bank each see their own faults.
func TestRulesLimitedToAParty(t *testing.T) {
	var asked int
	in := faults.New(faults.Options{Banks: builtin(t, "chase"), Party: func(bank string, r *http.Request) (string, string) {
		asked++
		return r.Header.Get("X-Client"), r.Header.Get("X-Consent")
	}})
	srv := httptest.NewServer(in.Middleware("chase")(fakeBank()))
	defer srv.Close()
	get := func(client, consent string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/chase/fdx/v6/accounts", nil)
		req.Header.Set("X-Client", client)
		req.Header.Set("X-Consent", consent)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, get("app", "c1"))
	assert.Zero(t, asked, "no scoped rule, no lookup")

	_, err := in.Add(t.Context(), faults.Spec{Bank: "chase", Status: 503, ConsentID: "c1", Times: 1})
	require.NoError(t, err)
	_, err = in.Add(t.Context(), faults.Spec{Bank: "chase", Status: 500, ClientID: "other-app"})
	require.NoError(t, err)
	assert.Equal(t, 200, get("app", "c2"), "another consent")
	assert.Equal(t, 503, get("app", "c1"))
	assert.Equal(t, 200, get("app", "c1"), "times 1 is spent")
	assert.Equal(t, 500, get("other-app", "c9"))
	assert.Positive(t, asked)

	blind := faults.New(faults.Options{Banks: builtin(t, "chase")})
	_, err = blind.Add(t.Context(), faults.Spec{Bank: "chase", Status: 503, ConsentID: "c1"})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	blind.Middleware("chase")(fakeBank()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/chase/fdx/v6/accounts", nil))
	assert.Equal(t, 200, rec.Code, "without a Party function a scoped rule matches nothing")
}

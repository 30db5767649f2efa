package mockbank

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi"
)

func TestChasePARAndStringCodes(t *testing.T) {
	e := newEnv(t, Options{Seed: 21})
	g := e.link("chase", "user_good", "", allClusters, nil)
	r := e.call("GET", "chase", "/accounts/nope", g.token, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, string(r.body), `"code":"701"`, "chase's bodies stay Core Exchange valid")
	validate(t, "chase", r)

	// Key-based pagination: pageKey in, page.nextPageKey out; offset refused.
	p1 := e.call("GET", "chase", "/accounts/"+g.accounts[0]+"/transactions?limit=100", g.token, nil)
	require.Equal(t, http.StatusOK, p1.status)
	validate(t, "chase", p1)
	page := p1.json(t)["page"].(map[string]any)
	key := page["nextPageKey"].(string)
	assert.Nil(t, page["nextOffset"])
	p2 := e.call("GET", "chase", "/accounts/"+g.accounts[0]+"/transactions?limit=100&pageKey="+key, g.token, nil)
	require.Equal(t, http.StatusOK, p2.status)
	assert.NotEqual(t, p1.body, p2.body)
	bad := e.call("GET", "chase", "/accounts/"+g.accounts[0]+"/transactions?offset=100", g.token, nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	// A limit above chase's maximum is clamped.
	big := e.call("GET", "chase", "/accounts/"+g.accounts[0]+"/transactions?limit=500", g.token, nil)
	require.Equal(t, http.StatusOK, big.status)
	assert.Len(t, big.json(t)["transactions"], 100)
}

func TestUSBankAccountLevelRevocation(t *testing.T) {
	e := newEnv(t, Options{Seed: 22})
	g := e.link("usbank", "user_good", "", allClusters, nil)
	require.Len(t, g.accounts, 4)
	rev := e.call("PUT", "usbank", "/consents/"+g.consentID+"/revocation", g.token,
		map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL", "accountIds": []string{g.accounts[0]}})
	require.Equal(t, http.StatusNoContent, rev.status, "%s", rev.body)

	cons := e.call("GET", "usbank", "/consents/"+g.consentID, g.token, nil)
	validate(t, "usbank", cons)
	m := cons.json(t)
	assert.Equal(t, "ACTIVE", m["status"])
	res := m["resources"].([]any)
	assert.Equal(t, "REVOKED", res[0].(map[string]any)["status"])
	assert.Nil(t, res[1].(map[string]any)["status"])

	list := e.call("GET", "usbank", "/accounts", g.token, nil)
	assert.Len(t, list.json(t)["accounts"], 3)
	gone := e.call("GET", "usbank", "/accounts/"+g.accounts[0]+"/transactions", g.token, nil)
	assert.Equal(t, http.StatusForbidden, gone.status)
	assert.Equal(t, "1107", gone.code(t))
	assert.Equal(t, http.StatusOK, e.call("GET", "usbank", "/accounts/"+g.accounts[1]+"/transactions", g.token, nil).status)

	again := e.call("PUT", "usbank", "/consents/"+g.consentID+"/revocation", g.token,
		map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL", "accountIds": []string{g.accounts[0]}})
	assert.Equal(t, http.StatusConflict, again.status)
}

func TestRateLimitQuirks(t *testing.T) {
	e := newEnv(t, Options{Seed: 23, Banks: connectors.Builtin()}) // the real limits
	for _, c := range []struct {
		bank   string
		burst  int
		status int
		code   string
	}{
		{"citi", 8, http.StatusServiceUnavailable, "501"},
		{"wellsfargo", 10, http.StatusTooManyRequests, "1207"},
		{"chase", 20, http.StatusTooManyRequests, "1207"},
	} {
		g := e.link(c.bank, "user_good", "", allClusters[:1], nil)
		var last resp
		for i := 0; i < c.burst+3; i++ {
			last = e.call("GET", c.bank, "/accounts", g.token, nil)
			if last.status != http.StatusOK {
				break
			}
		}
		assert.Equal(t, c.status, last.status, c.bank)
		assert.Equal(t, c.code, last.code(t), c.bank)
		ra := last.header.Get("Retry-After")
		if c.bank == "chase" {
			// chase's quirk: an HTTP-date, which must name about the wait
			// the limiter computed (1 s at these rates, rounded up to the
			// next whole second).
			at, err := http.ParseTime(ra)
			require.NoError(t, err, "chase's Retry-After %q is an HTTP-date", ra)
			wait := time.Until(at)
			assert.Greater(t, wait, -time.Second, "not in the past: %q", ra)
			assert.LessOrEqual(t, wait, 3*time.Second, "about a second ahead: %q", ra)
			assert.Equal(t, "GMT", ra[len(ra)-3:], "IMF-fixdate")
		} else {
			assert.Regexp(t, `^[1-9][0-9]*$`, ra, "%s sends delta-seconds", c.bank)
		}
		validate(t, c.bank, last)
	}
}

// Integer codes stay a description option (errors.codeForm) for a
// partner's bank that sends numeric codes, though no built-in bank does.
func TestIntegerCodeForm(t *testing.T) {
	for _, d := range connectors.Builtin() {
		assert.Equal(t, bankdesc.CodeString, d.Errors.CodeForm, "%s: built-in bodies stay Core Exchange valid", d.Name)
	}
	d := builtin(t, "usbank")
	d.Errors.CodeForm = bankdesc.CodeInteger
	e := newEnv(t, Options{Seed: 26, Banks: relaxed([]*bankdesc.Description{d})})
	g := e.link("usbank", "user_good", "", allClusters, nil)
	r := e.call("GET", "usbank", "/accounts/nope", g.token, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, string(r.body), `"code":701`)
}

// fakeAuth accepts any token as the given access, so the consent's expiry
// can be reached while a token is still valid (real tokens never outlive
// their consent).
type fakeAuth struct{ info *authz.AccessInfo }

func (f fakeAuth) Authenticate(context.Context, *http.Request) (*authz.AccessInfo, error) {
	return f.info, nil
}

func TestExpiredConsentQuirks(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		p      *bankdesc.Description
		status int
		code   string
		debug  string
	}{
		{builtin(t, "chase"), http.StatusForbidden, `"code":"1106"`, "the consent expired"},
		{builtin(t, "usbank"), http.StatusForbidden, `"code":"1107"`, "consent expired"},
	} {
		srv, err := New(ctx, &Options{Seed: 24, Banks: []*bankdesc.Description{c.p}, BaseURL: "http://127.0.0.1:1", LargeTransactions: 1000})
		require.NoError(t, err)
		st := srv.st
		u, err := st.UserByUsername(ctx, c.p.Name, "user_good")
		require.NoError(t, err)
		cons, err := st.CreateConsent(ctx, store.Consent{Bank: c.p.Name, UserID: u.ID, ClientID: "c1", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: u.Accounts, DurationDays: 1})
		require.NoError(t, err)
		api, err := newBankAPI(ctx, c.p, st, fakeAuth{&authz.AccessInfo{ClientID: "c1", ConsentID: cons.ID, Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: u.Accounts}}, srv.log, openapi.LoadFDX)
		require.NoError(t, err)
		get := func() *http.Response {
			rec := newRecorder()
			api.ServeHTTP(rec, mustReq(t, api.prefix+"/accounts"))
			return rec.Result()
		}
		assert.Equal(t, http.StatusOK, get().StatusCode)
		require.NoError(t, st.AdvanceClock(ctx, 25*time.Hour))
		res := get()
		body := readAll(t, res)
		assert.Equal(t, c.status, res.StatusCode, c.p.Name)
		assert.Contains(t, body, c.code, c.p.Name)
		assert.Contains(t, body, c.debug, c.p.Name)
		_ = srv.Close()
	}
}

func TestLookbackAndStatementFilters(t *testing.T) {
	ctx := context.Background()
	p := builtin(t, "wellsfargo")
	srv, err := New(ctx, &Options{Seed: 25, Banks: []*bankdesc.Description{p}, BaseURL: "http://127.0.0.1:1", LargeTransactions: 1000})
	require.NoError(t, err)
	defer srv.Close()
	st := srv.st
	u, err := st.UserByUsername(ctx, p.Name, "user_good")
	require.NoError(t, err)
	clusters := []string{"TRANSACTIONS", "STATEMENTS"}
	cons, err := st.CreateConsent(ctx, store.Consent{Bank: p.Name, UserID: u.ID, ClientID: "c1", Clusters: clusters, AccountIDs: u.Accounts, DurationDays: 30, LookbackDays: 30})
	require.NoError(t, err)
	api, err := newBankAPI(ctx, p, st, fakeAuth{&authz.AccessInfo{ClientID: "c1", ConsentID: cons.ID, Clusters: clusters, AccountIDs: u.Accounts}}, srv.log, openapi.LoadFDX)
	require.NoError(t, err)
	get := func(path string) (int, string) {
		rec := newRecorder()
		api.ServeHTTP(rec, mustReq(t, api.prefix+path))
		res := rec.Result()
		return res.StatusCode, readAll(t, res)
	}
	chk := u.Accounts[0]
	status, body := get("/accounts/" + chk + "/transactions?startTime=2026-03-01")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "lookback")
	status, body = get("/accounts/" + chk + "/transactions?limit=50")
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, body, `"transactionTimestamp":"2026-04-`, "nothing older than 30 days")
	assert.Contains(t, body, `"transactionTimestamp":"2026-05-`)

	status, body = get("/accounts/" + chk + "/statements?startTime=2026-04-30&endTime=2026-04-30")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"statementDate":"2026-04-30"`)
	assert.Contains(t, body, `"totalElements":1`)
}

// A consent revoked at the bank kills its tokens; the next data call must
// still say why, in the bank's own words, so the app deletes rather than
// refreshing into invalid_grant.
func TestRevokedAtTheBankAnswersTheRevokedConsentError(t *testing.T) {
	for _, c := range []struct {
		bank, code string
		status     int
	}{
		{"chase", `"code":"1107"`, http.StatusForbidden},
		{"wellsfargo", `"code":"602"`, http.StatusUnauthorized},
		{"citi", `"code":"1107"`, http.StatusForbidden},
		{"usbank", `"code":"1107"`, http.StatusForbidden},
	} {
		t.Run(c.bank, func(t *testing.T) {
			e := newEnv(t, Options{Seed: 5})
			g := e.link(c.bank, "user_good", "", []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, nil)
			ok := e.call("GET", c.bank, "/accounts", g.token, nil)
			require.Equal(t, http.StatusOK, ok.status)

			_, err := e.srv.st.RevokeConsent(t.Context(), c.bank, g.consentID, nil, "revoked at the bank")
			require.NoError(t, err)
			_, err = e.srv.provider(c.bank).RevokeConsent(t.Context(), g.consentID)
			require.NoError(t, err)

			r := e.call("GET", c.bank, "/accounts", g.token, nil)
			assert.Equal(t, c.status, r.status, string(r.body))
			assert.Contains(t, string(r.body), c.code)
			validate(t, c.bank, r)
		})
	}
}

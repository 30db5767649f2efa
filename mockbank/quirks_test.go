package mockbank

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
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

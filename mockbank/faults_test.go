package mockbank

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fault limited to one consent hits only the calls made with that
// consent's tokens, in the bank's words for its meaning; another grant of
// the same client and user is untouched. This is what lets parallel
// conformance subtests share one mockbank.
func TestFaultLimitedToOneConsent(t *testing.T) {
	e := newEnv(t, Options{Seed: 8})
	a := e.link("wellsfargo", "user_good", "", allClusters, nil)
	b := e.link("wellsfargo", "user_good", "", allClusters, nil)
	code, body := e.admin("POST", "/faults", `{"bank":"wellsfargo","means":"ConsentRevoked","consentId":"`+a.consentID+`","times":1}`)
	require.Equal(t, http.StatusCreated, code, body)
	assert.Contains(t, body, `"consentId":"`+a.consentID+`"`)

	assert.Equal(t, http.StatusOK, e.call("GET", "wellsfargo", "/accounts", b.token, nil).status, "another consent")
	hit := e.call("GET", "wellsfargo", "/accounts", a.token, nil)
	assert.Equal(t, http.StatusUnauthorized, hit.status, "wellsfargo's revoked consent: %s", hit.body)
	assert.Equal(t, "602", hit.code(t))
	assert.Empty(t, hit.header.Get("WWW-Authenticate"), "unchallenged, so the client reads it as revoked")
	validate(t, "wellsfargo", hit)
	assert.Equal(t, http.StatusOK, e.call("GET", "wellsfargo", "/accounts", a.token, nil).status, "spent")
}

// A fault limited to one client hits the token endpoint only for the
// client it names, however it authenticates.
func TestFaultLimitedToOneClient(t *testing.T) {
	e := newEnv(t, Options{Seed: 9})
	bank := e.bank("wellsfargo")
	code, body := e.admin("POST", "/faults", `{"bank":"wellsfargo","endpoint":"token","status":503,"clientId":"someone-else"}`)
	require.Equal(t, http.StatusCreated, code, body)
	token := func(basic bool) int {
		form := url.Values{"grant_type": {"client_credentials"}}
		if !basic {
			form.Set("client_id", bank.Client.ID)
			form.Set("client_secret", bank.Client.Secret)
		}
		req, err := http.NewRequest(http.MethodPost, bank.Issuer+bank.Description.Auth.Token, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(bank.Client.ID, bank.Client.Secret)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusOK, token(true))
	// The form was read to find client_id and put back: the bank still
	// reads all of it, and refuses secrets in the body (not the bank's
	// method) rather than a form without grant_type.
	assert.Equal(t, http.StatusUnauthorized, token(false))

	code, body = e.admin("POST", "/faults", `{"bank":"wellsfargo","endpoint":"token","status":503,"clientId":"`+bank.Client.ID+`"}`)
	require.Equal(t, http.StatusCreated, code, body)
	assert.Equal(t, http.StatusServiceUnavailable, token(true), "named with HTTP Basic")
	assert.Equal(t, http.StatusServiceUnavailable, token(false), "named in the form")
}

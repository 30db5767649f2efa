package authz

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegistrationRefusesInsecureRedirectURIs replays what an attack run
// registered successfully: plain http to remote hosts (including names
// that only look local), a wildcard host and userinfo. Each must be
// refused with invalid_redirect_uri and no client secret.
func TestRegistrationRefusesInsecureRedirectURIs(t *testing.T) {
	env := newEnv(t, nil)
	for _, ru := range []string{
		"http://evil.example/cb",
		"http://localhost.evil.example/cb",
		"http://127.0.0.1.nip.io/cb",
		"http://0.0.0.0/cb",
		"http://10.0.0.1/cb",
		"http://[::2]/cb",
		"https://*.example.com/cb",
		"http://*.localhost/cb",
		"https://user:pw@app.example/cb",
		"https://@app.example/cb",
		"https://app.example/cb#",
		"https:app.example/cb",
		"com.example.app:/cb",
		"ftp://app.example/cb",
	} {
		t.Run(ru, func(t *testing.T) {
			st, out := env.register(map[string]any{"redirect_uris": []string{testRedirect, ru}})
			assert.Equal(t, http.StatusBadRequest, st)
			assert.Equal(t, "invalid_redirect_uri", out["error"])
			assert.Contains(t, out["error_description"], "redirect_uris[1]")
			assert.NotContains(t, out["error_description"], "pw", "the URI may carry a password; it is not echoed")
			assert.Nil(t, out["client_secret"])
		})
	}
	for _, ru := range []string{
		"https://app.example/cb", "https://app.example:8443/cb?x=1",
		"http://127.0.0.1:8081/callback", "http://127.9.8.7/cb", "http://[::1]:8081/cb",
		"http://localhost:8081/callback", "http://LOCALHOST/cb",
	} {
		st, out := env.register(map[string]any{"redirect_uris": []string{ru}})
		require.Equal(t, http.StatusCreated, st, "%s: %v", ru, out)
		assert.NotEmpty(t, out["client_secret"])
	}
}

func TestValidateClientURLExplainsTheRule(t *testing.T) {
	err := ValidateClientURL("http://evil.example/hook")
	require.Error(t, err)
	assert.Equal(t, "must use https; plain http is allowed only to a loopback host (127.0.0.0/8, [::1] or localhost)", err.Error())
	assert.EqualError(t, ValidateClientURL("https://*.example.com/hook"), "must not contain a wildcard host")
	assert.EqualError(t, ValidateClientURL("https://u:p@app.example/hook"), "must not contain a user name or password")
	assert.EqualError(t, ValidateClientURL("https://app.example/"+string(make([]byte, 2000))), "is longer than 2000 characters")
	assert.EqualError(t, ValidateClientURL("https://app.example/%zz"), "is not a valid URL")
	assert.NoError(t, ValidateClientURL("https://app.example/hook"))
	assert.NoError(t, ValidateClientURL("http://[::1]/hook"))
}

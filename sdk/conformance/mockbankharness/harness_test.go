package mockbankharness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

const loginPage = `<!doctype html><html><body>
<form method="post" action="/chase/authorize" id="login-form"><input type="hidden" name="session" value="s1"><input type="hidden" name="csrf_token" value="c1">
<input type="hidden" name="action" value="login"><input type="text" name="username"><input type="password" name="password"></form>
<form method="post" action="/chase/authorize"><input type="hidden" name="session" value="s1"><input type="hidden" name="action" value="cancel"></form>
</body></html>`

const consentPage = `<!doctype html><html><body>
<form method="post" action="/chase/authorize" id="consent-form"><input type="hidden" name="session" value="s2"><input type="hidden" name="csrf_token" value="c2">
<input type="hidden" name="action" value="consent">
<div><input type="checkbox" name="account" value="acc-1"></div><div><input type="checkbox" name="account" value="acc-2"></div>
<button type="submit" name="decision" value="approve">Approve</button></form></body></html>`

func TestFill(t *testing.T) {
	u := consentUser{username: "user_good", password: "pass_good", otp: "123456"}
	f, err := u.fill([]byte(loginPage))
	require.NoError(t, err)
	assert.Equal(t, "/chase/authorize", f.action)
	assert.Equal(t, "login", f.values.Get("action"))
	assert.Equal(t, "c1", f.values.Get("csrf_token"))
	assert.Equal(t, "user_good", f.values.Get("username"))

	f, err = u.fill([]byte(consentPage))
	require.NoError(t, err)
	assert.Equal(t, []string{"acc-1", "acc-2"}, f.values["account"])
	assert.Equal(t, "approve", f.values.Get("decision"))
	assert.Equal(t, "c2", f.values.Get("csrf_token"))

	_, err = u.fill([]byte("<html><body>Sorry</body></html>"))
	assert.Error(t, err)
}

func TestFaultsFollowTheProfile(t *testing.T) {
	h := &Harness{profile: mockbank.Chase()}
	h.profile.Errors.StringCodes = true
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(h.middleware("chase")(next))
	defer srv.Close()

	require.NoError(t, h.InjectFault(context.Background(), nil, conformance.Fault{Code: sdk.RateLimited, RetryAfter: 1500 * time.Millisecond, Count: 2}))
	for range 2 {
		resp, err := http.Get(srv.URL + "/chase/fdx/v6/accounts")
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, "2", resp.Header.Get("Retry-After"), "rounded up to whole seconds")
	}
	resp, err := http.Get(srv.URL + "/chase/fdx/v6/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode, "the fault is spent")

	require.NoError(t, h.ExpireAccessTokens(context.Background(), nil))
	resp, err = http.Get(srv.URL + "/chase/authorize")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode, "OAuth endpoints are never faulted")
	resp, err = http.Get(srv.URL + "/chase/fdx/v6/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, `Bearer error="invalid_token"`, resp.Header.Get("WWW-Authenticate"))

	err = h.InjectFault(context.Background(), nil, conformance.Fault{Code: sdk.PermissionDenied})
	assert.Equal(t, sdk.Unimplemented, sdk.ErrorCode(err))
}

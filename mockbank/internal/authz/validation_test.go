package authz

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestCodesAreSingleUseAndExpire(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)

	v := oauth2.GenerateVerifier()
	q := env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk")
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err)
	_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	_, err = env.p.AuthenticateToken(ctx, tok.AccessToken)
	assert.ErrorIs(t, err, ErrTokenRevoked, "a replayed code revokes what it minted")

	q = env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk")
	env.clock.Advance(61 * time.Second)
	_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))

	// A code is bound to its client and redirect URI.
	q = env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk")
	other, otherSecret := env.basicClient("")
	st, out := env.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {testRedirect}, "code_verifier": {v}}, other, otherSecret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_grant", out["error"])
	st, out = env.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {testRedirect + "/"}, "code_verifier": {v}}, id, secret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_grant", out["error"])
}

func TestPKCEIsRequired(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	v := oauth2.GenerateVerifier()

	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"missing":       nil,
		"plain":         {oauth2.SetAuthURLParam("code_challenge", v), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
		"no method":     {oauth2.SetAuthURLParam("code_challenge", oauth2.S256ChallengeFromVerifier(v))},
		"short":         {oauth2.SetAuthURLParam("code_challenge", "abc"), oauth2.SetAuthURLParam("code_challenge_method", "S256")},
		"bad alphabet":  {oauth2.SetAuthURLParam("code_challenge", strings.Repeat("%", 43)), oauth2.SetAuthURLParam("code_challenge_method", "S256")},
		"unknown meth":  {oauth2.SetAuthURLParam("code_challenge", oauth2.S256ChallengeFromVerifier(v)), oauth2.SetAuthURLParam("code_challenge_method", "S512")},
		"empty method":  {oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("code_challenge_method", "")},
		"empty challng": {oauth2.SetAuthURLParam("code_challenge", ""), oauth2.SetAuthURLParam("code_challenge_method", "S256")},
	} {
		t.Run(name, func(t *testing.T) {
			pg := newBrowser(t).get(conf.AuthCodeURL("st", opts...))
			require.Equal(t, http.StatusSeeOther, pg.status, pg.body)
			q := env.redirectQuery(pg.location)
			assert.Equal(t, "invalid_request", q.Get("error"))
			assert.Equal(t, "st", q.Get("state"))
			assert.Empty(t, q.Get("code"))
		})
	}
	q := env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk")
	_, err := conf.Exchange(ctx, q.Get("code"))
	assert.Equal(t, "invalid_request", oauthErrorCode(t, err), "missing verifier")
	_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "wrong verifier")
	_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err, "a failed verifier does not burn the code for its owner")
}

func TestRedirectURIExactMatch(t *testing.T) {
	env := newEnv(t, nil)
	id, secret := env.basicClient("")
	for _, ru := range []string{
		"", testRedirect + "/", testRedirect + "?x=1", "https://APP.example/callback", "https://app.example/callback#f",
		"http://app.example/callback", "https://app.example/Callback", "https://evil.example/callback",
	} {
		t.Run(ru, func(t *testing.T) {
			conf := env.oauthConfig(id, secret)
			conf.RedirectURL = ru
			pg := newBrowser(t).get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			assert.Equal(t, http.StatusBadRequest, pg.status, "never redirect to an unregistered URI")
			assert.Empty(t, pg.location)
			assert.Contains(t, pg.body, "redirect_uri")
		})
	}
	pg := newBrowser(t).get(env.issuer + "/authorize?client_id=nobody&response_type=code")
	assert.Equal(t, http.StatusBadRequest, pg.status)
	assert.Contains(t, pg.body, "unknown or missing client_id")
}

func TestAuthorizationRequestValidation(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Clusters = []string{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "CUSTOMER_CONTACT", "PAYMENT_SUPPORT"}
	})
	id, secret := env.basicClient("")
	v := oauth2.GenerateVerifier()
	cases := []struct {
		name  string
		scope []string
		opts  []oauth2.AuthCodeOption
		code  string
	}{
		{"unsupported cluster", []string{"openid", "STATEMENTS"}, nil, "invalid_scope"},
		{"unknown scope", []string{"ACCOUNT_BASIC", "admin"}, nil, "invalid_scope"},
		{"no cluster", []string{"openid"}, nil, "invalid_scope"},
		{"advertising purpose", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("purpose", "ADVERTISING")}, "invalid_request"},
		{"duration zero", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("duration_days", "0")}, "invalid_request"},
		{"duration 366", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("duration_days", "366")}, "invalid_request"},
		{"duration text", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("duration_days", "ninety")}, "invalid_request"},
		{"lookback negative", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("lookback_days", "-1")}, "invalid_request"},
		{"token response", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_type", "token")}, "unsupported_response_type"},
		{"request object", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("request", "a.b.c")}, "request_not_supported"},
		{"fragment mode", nil, []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "fragment")}, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := env.oauthConfig(id, secret, tc.scope...)
			pg := newBrowser(t).get(conf.AuthCodeURL("st", append(tc.opts, oauth2.S256ChallengeOption(v))...))
			require.Equal(t, http.StatusSeeOther, pg.status, pg.body)
			q := env.redirectQuery(pg.location)
			assert.Equal(t, tc.code, q.Get("error"))
			assert.Equal(t, "st", q.Get("state"))
		})
	}
	// The unsupported cluster is not advertised either.
	assert.NotContains(t, env.p.Discovery().ScopesSupported, "STATEMENTS")
	// A registered scope list restricts requests.
	rid, rsecret := env.basicClient("openid ACCOUNT_BASIC")
	conf := env.oauthConfig(rid, rsecret, "ACCOUNT_BASIC", "TRANSACTIONS")
	pg := newBrowser(t).get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
	assert.Equal(t, "invalid_scope", env.redirectQuery(pg.location).Get("error"))
	// Repeated parameters are refused before anything is trusted.
	pg = newBrowser(t).get(env.issuer + "/authorize?client_id=" + id + "&client_id=" + id)
	assert.Equal(t, http.StatusBadRequest, pg.status)
}

func TestConsentPage(t *testing.T) {
	env := newEnv(t, nil)
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("purpose", "FRAUD_DETECTION"), oauth2.SetAuthURLParam("duration_days", "45"))

	login := func(t *testing.T, user, pass string) (*browser, page) {
		b := newBrowser(t)
		pg := b.get(authURL)
		require.Equal(t, http.StatusOK, pg.status)
		return b, env.submit(b, pg, url.Values{"action": {"login"}, "username": {user}, "password": {pass}})
	}

	t.Run("shows the request", func(t *testing.T) {
		_, pg := login(t, "user_good", "pass_good")
		require.Equal(t, http.StatusOK, pg.status)
		for _, s := range []string{"Budget App", "Detecting fraud", "45 days", "ACCOUNT_BASIC", "TRANSACTIONS", "Everyday Checking", "...1234", "Approve", "Deny"} {
			assert.Contains(t, pg.body, s)
		}
		assert.NotContains(t, pg.body, "<script")
	})
	t.Run("wrong password", func(t *testing.T) {
		b, pg := login(t, "user_good", "nope")
		assert.Equal(t, http.StatusBadRequest, pg.status)
		assert.Contains(t, pg.body, "username or password is incorrect")
		for range maxLoginAttempts - 2 {
			pg = env.submit(b, pg, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"x"}})
			assert.Equal(t, http.StatusBadRequest, pg.status)
		}
		pg = env.submit(b, pg, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"x"}})
		require.Equal(t, http.StatusSeeOther, pg.status)
		assert.Equal(t, "access_denied", env.redirectQuery(pg.location).Get("error"))
	})
	t.Run("locked user", func(t *testing.T) {
		_, pg := login(t, "user_locked", "pass_good")
		assert.Equal(t, http.StatusForbidden, pg.status)
		assert.Empty(t, pg.location)
		assert.Contains(t, pg.body, "locked")
		assert.NotContains(t, pg.body, "name=\"session\"")
	})
	t.Run("MFA", func(t *testing.T) {
		b, pg := login(t, "user_mfa", "pass_good")
		require.Contains(t, pg.body, "one-time code")
		pg = env.submit(b, pg, url.Values{"action": {"otp"}, "otp": {"000000"}})
		assert.Equal(t, http.StatusBadRequest, pg.status)
		assert.Contains(t, pg.body, "one-time code is incorrect")
		pg = env.submit(b, pg, url.Values{"action": {"otp"}, "otp": {"123456"}})
		assert.Contains(t, pg.body, "Choose the accounts to share")
	})
	t.Run("deny", func(t *testing.T) {
		b, pg := login(t, "user_good", "pass_good")
		pg = env.submit(b, pg, url.Values{"action": {"consent"}, "decision": {"deny"}})
		require.Equal(t, http.StatusSeeOther, pg.status)
		q := env.redirectQuery(pg.location)
		assert.Equal(t, "access_denied", q.Get("error"))
		assert.Equal(t, "st", q.Get("state"))
		assert.Empty(t, q.Get("code"))
	})
	t.Run("cancel at login", func(t *testing.T) {
		b := newBrowser(t)
		pg := b.get(authURL)
		pg = env.submit(b, pg, url.Values{"action": {"cancel"}})
		assert.Equal(t, "access_denied", env.redirectQuery(pg.location).Get("error"))
	})
	t.Run("no account or foreign account", func(t *testing.T) {
		b, pg := login(t, "user_good", "pass_good")
		pg = env.submit(b, pg, url.Values{"action": {"consent"}, "decision": {"approve"}})
		assert.Equal(t, http.StatusBadRequest, pg.status)
		assert.Contains(t, pg.body, "at least one account")
		pg = env.submit(b, pg, url.Values{"action": {"consent"}, "decision": {"approve"}, "account": {"acc-someone-else"}})
		assert.Equal(t, http.StatusBadRequest, pg.status)
		action, form := pg.hidden(t)
		form.Set("action", "consent")
		form.Set("decision", "approve")
		form["account"] = []string{"acc-chk", "acc-chk"}
		pg = b.post(env.srv.URL+action, form)
		require.Equal(t, http.StatusSeeOther, pg.status)
		// A double submit finds the session gone: no second consent.
		pg = b.post(env.srv.URL+action, form)
		assert.Equal(t, http.StatusBadRequest, pg.status)
	})
	t.Run("CSRF", func(t *testing.T) {
		b := newBrowser(t)
		pg := b.get(authURL)
		action, form := pg.hidden(t)
		form.Set("action", "login")
		form.Set("username", "user_good")
		form.Set("password", "pass_good")

		// Another browser (no cookie) posting the same form.
		out := newBrowser(t).post(env.srv.URL+action, form)
		assert.Equal(t, http.StatusForbidden, out.status)
		// A forged token.
		forged := url.Values{}
		for k, v := range form {
			forged[k] = v
		}
		forged.Set("csrf_token", "AAAA")
		out = b.post(env.srv.URL+action, forged)
		assert.Equal(t, http.StatusForbidden, out.status)
		// Unknown session.
		forged.Set("session", "nope")
		out = b.post(env.srv.URL+action, forged)
		assert.Equal(t, http.StatusBadRequest, out.status)
		// The real one still works.
		out = b.post(env.srv.URL+action, form)
		assert.Equal(t, http.StatusOK, out.status)
	})
	t.Run("session expiry", func(t *testing.T) {
		b := newBrowser(t)
		pg := b.get(authURL)
		env.clock.Advance(DefaultSessionTTL + time.Second)
		pg = env.submit(b, pg, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"pass_good"}})
		assert.Equal(t, http.StatusBadRequest, pg.status)
		assert.Contains(t, pg.body, "expired")
	})
}

// TestBadInputNeverFails500 throws malformed requests at every endpoint:
// each gets a 4xx with an OAuth error body (or the HTML page for the
// browser endpoint), never a 500.
func TestBadInputNeverFails500(t *testing.T) {
	env := newEnv(t, nil)
	id, secret := env.basicClient("")
	type req struct {
		method, path, ctype, body string
		basic                     bool
	}
	long := strings.Repeat("a", maxFormBytes+10)
	var reqs []req
	for _, path := range []string{"/token", "/par", "/revoke", "/introspect"} {
		reqs = append(reqs,
			req{"POST", path, "", "", false},
			req{"POST", path, "application/json", `{"grant_type":"x"}`, true},
			req{"POST", path, "application/x-www-form-urlencoded", "%%%", true},
			req{"POST", path, "application/x-www-form-urlencoded", "a=1&a=2", true},
			req{"POST", path, "application/x-www-form-urlencoded", "token=" + long, true},
			req{"POST", path, "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", true},
			req{"POST", path, "application/x-www-form-urlencoded", "grant_type=authorization_code", true},
			req{"POST", path, "application/x-www-form-urlencoded", "grant_type=authorization_code&code=x&code_verifier=short", true},
			req{"POST", path, "application/x-www-form-urlencoded", "grant_type=refresh_token", true},
			req{"POST", path, "application/x-www-form-urlencoded", "client_assertion_type=" + url.QueryEscape(clientAssertionType) + "&client_assertion=e30.e30.e30", false},
			req{"GET", path, "", "", false},
		)
	}
	for _, body := range []string{"", "null", "[]", "{", `{"redirect_uris":"x"}`, `{"redirect_uris":["/relative"]}`,
		`{"redirect_uris":["javascript:alert(1)"]}`, `{"redirect_uris":["https://a.example/cb#x"]}`,
		`{"redirect_uris":["https://a.example/cb"],"grant_types":["password"]}`,
		`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`,
		`{"redirect_uris":["https://a.example/cb"],"jwks_uri":"https://a.example/jwks"}`,
		`{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC"}]}}`,
		`{"redirect_uris":["https://a.example/cb"],"scope":"ACCOUNT_BASIC root"}`,
		`{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`,
		`{"grant_types":["authorization_code"]}`} {
		reqs = append(reqs, req{"POST", "/register", "application/json", body, false})
	}
	reqs = append(reqs, req{"POST", "/register", "text/plain", "{}", false}, req{"GET", "/nothing", "", "", false},
		req{"GET", "/userinfo", "", "", false}, req{"POST", "/authorize", "application/x-www-form-urlencoded", "session=x", false},
		req{"POST", "/authorize", "application/x-www-form-urlencoded", "%%%", false},
		req{"GET", "/authorize", "", "", false}, req{"GET", "/authorize?request_uri=x", "", "", false})

	for _, r := range reqs {
		hr, err := http.NewRequest(r.method, env.issuer+r.path, strings.NewReader(r.body))
		require.NoError(t, err)
		if r.ctype != "" {
			hr.Header.Set("Content-Type", r.ctype)
		}
		if r.basic {
			hr.SetBasicAuth(id, secret)
		}
		resp, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		name := r.method + " " + r.path + " " + truncate(r.body, 60)
		assert.GreaterOrEqual(t, resp.StatusCode, 400, name)
		assert.Less(t, resp.StatusCode, 500, name)
		if !strings.HasPrefix(r.path, "/authorize") {
			assert.Contains(t, string(body), `"error"`, name)
			assert.NotContains(t, string(body), secret, name)
		}
	}

	// Random bytes do no harm either.
	for range 50 {
		junk := make([]byte, 200)
		_, _ = rand.Read(junk)
		for _, path := range []string{"/token", "/par", "/register", "/introspect", "/revoke", "/authorize"} {
			resp, err := http.Post(env.issuer+path, "application/x-www-form-urlencoded", strings.NewReader(string(junk)))
			require.NoError(t, err)
			resp.Body.Close()
			assert.Less(t, resp.StatusCode, 500, path)
		}
	}
}

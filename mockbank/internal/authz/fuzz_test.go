package authz

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzEndpoints feeds arbitrary bodies and queries to every endpoint: the
// answer is always a 2xx/3xx/4xx, never a 500 or a panic. Plain `go test`
// runs the seeds; `go test -fuzz FuzzEndpoints` explores further.
func FuzzEndpoints(f *testing.F) {
	p, err := New(Config{Bank: "fz", Issuer: "http://127.0.0.1:1/fz", AuthMethods: []string{AuthClientSecretBasic, AuthPrivateKeyJWT}},
		Deps{Users: fakeUsers{}, Consents: newFakeConsents()})
	if err != nil {
		f.Fatal(err)
	}
	c, err := p.RegisterClient(f.Context(), ClientMetadata{RedirectURIs: []string{testRedirect},
		GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}})
	if err != nil {
		f.Fatal(err)
	}
	h := p.Handler()
	for _, s := range []string{
		"grant_type=authorization_code&code=x&code_verifier=" + strings.Repeat("a", 43) + "&redirect_uri=" + testRedirect,
		"grant_type=refresh_token&refresh_token=x&scope=openid",
		"grant_type=client_credentials",
		"response_type=code&client_id=" + c.ID + "&redirect_uri=" + testRedirect + "&scope=ACCOUNT_BASIC&code_challenge_method=S256&code_challenge=" + strings.Repeat("b", 43),
		"client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=a.b.c",
		`{"redirect_uris":["https://x.example/cb"],"jwks":{"keys":[]}}`,
		"token=abc&token_type_hint=refresh_token",
		"session=x&csrf_token=y&action=login",
		"%zz&&==;",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	paths := []string{"/token", "/par", "/revoke", "/introspect", "/register", "/authorize", "/userinfo"}
	f.Fuzz(func(t *testing.T, in string, basic bool) {
		for _, path := range paths {
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				target := "/fz" + path
				var body *strings.Reader
				if method == http.MethodGet {
					target += "?" + in
					body = strings.NewReader("")
				} else {
					body = strings.NewReader(in)
				}
				req, err := http.NewRequest(method, "http://127.0.0.1:1"+target, body)
				if err != nil {
					continue // not a request a client could send
				}
				if path == "/register" {
					req.Header.Set("Content-Type", "application/json")
				} else if method == http.MethodPost {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if basic {
					req.SetBasicAuth(c.ID, c.Secret)
				} else {
					req.Header.Set("Authorization", "Bearer "+in)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("%s %s with %q: status %d: %s", method, path, in, rec.Code, rec.Body.String())
				}
			}
		}
	})
}

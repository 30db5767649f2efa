package authz

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

type jwtClient struct {
	id  string
	key *ecdsa.PrivateKey
	kid string
}

func (c jwtClient) assertion(t *testing.T, aud string, exp time.Time, jti string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: c.key, KeyID: c.kid}}, nil)
	require.NoError(t, err)
	out, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: c.id, Subject: c.id, Audience: jwt.Audience{aud},
		Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(time.Now()), ID: jti}).Serialize()
	require.NoError(t, err)
	return out
}

func (c jwtClient) params(t *testing.T, aud string) url.Values {
	return url.Values{"client_assertion_type": {clientAssertionType},
		"client_assertion": {c.assertion(t, aud, time.Now().Add(time.Minute), randomToken(8))}}
}

func registerJWTClient(t *testing.T, env *testEnv) jwtClient {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	jwks, err := PublicJWKS(key.Public(), "k1")
	require.NoError(t, err)
	st, out := env.register(map[string]any{"client_name": "JWT App", "redirect_uris": []string{testRedirect},
		"token_endpoint_auth_method": "private_key_jwt", "jwks": json.RawMessage(jwks)})
	require.Equal(t, http.StatusCreated, st, out)
	assert.Nil(t, out["client_secret"])
	return jwtClient{id: out["client_id"].(string), key: key, kid: "k1"}
}

func TestPrivateKeyJWT(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.AuthMethods = []string{AuthPrivateKeyJWT} })
	ctx := context.Background()
	jc := registerJWTClient(t, env)

	conf := env.oauthConfig(jc.id, "")
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	v := oauth2.GenerateVerifier()
	q := env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-sav")
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v),
		oauth2.SetAuthURLParam("client_assertion_type", clientAssertionType),
		oauth2.SetAuthURLParam("client_assertion", jc.assertion(t, env.issuer+"/token", time.Now().Add(time.Minute), "j1")))
	require.NoError(t, err)
	assert.Equal(t, []any{"acc-sav"}, tok.Extra("account_ids"))

	refresh := func(form url.Values) (int, map[string]any) {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", tok.RefreshToken)
		return env.postForm("/token", form, "", "")
	}
	cases := map[string]url.Values{
		"replayed jti": {"client_assertion_type": {clientAssertionType},
			"client_assertion": {jc.assertion(t, env.issuer+"/token", time.Now().Add(time.Minute), "j1")}},
		"expired": {"client_assertion_type": {clientAssertionType},
			"client_assertion": {jc.assertion(t, env.issuer+"/token", time.Now().Add(-2*time.Minute), "j2")}},
		"too long lived": {"client_assertion_type": {clientAssertionType},
			"client_assertion": {jc.assertion(t, env.issuer+"/token", time.Now().Add(time.Hour), "j3")}},
		"wrong audience": {"client_assertion_type": {clientAssertionType},
			"client_assertion": {jc.assertion(t, "https://elsewhere.example/token", time.Now().Add(time.Minute), "j4")}},
		"wrong key": func() url.Values {
			other := jc
			other.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			return other.params(t, env.issuer)
		}(),
		"wrong type":      {"client_assertion_type": {"urn:x"}, "client_assertion": {"a.b.c"}},
		"garbage":         {"client_assertion_type": {clientAssertionType}, "client_assertion": {"not-a-jwt"}},
		"no auth at all":  {},
		"secret instead":  {"client_id": {jc.id}, "client_secret": {"x"}},
		"client mismatch": func() url.Values { v := jc.params(t, env.issuer); v.Set("client_id", "someone-else"); return v }(),
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			st, out := refresh(form)
			assert.Equal(t, http.StatusUnauthorized, st, out)
			assert.Equal(t, "invalid_client", out["error"])
		})
	}
	// x/oauth2 with AuthStyleInHeader and no secret adds an empty Basic
	// header next to the assertion: still accepted.
	headerConf := env.oauthConfig(jc.id, "")
	v2 := oauth2.GenerateVerifier()
	q2 := env.consent(headerConf.AuthCodeURL("s", oauth2.S256ChallengeOption(v2)), "user_good", "", "acc-sav")
	_, err = headerConf.Exchange(ctx, q2.Get("code"), oauth2.VerifierOption(v2),
		oauth2.SetAuthURLParam("client_assertion_type", clientAssertionType),
		oauth2.SetAuthURLParam("client_assertion", jc.assertion(t, env.issuer+"/token", time.Now().Add(time.Minute), "j-hdr")))
	require.NoError(t, err)

	// The issuer is an accepted audience too, and Basic is refused here.
	st, out := refresh(jc.params(t, env.issuer))
	require.Equal(t, http.StatusOK, st, out)
	st, out = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, jc.id, "x")
	assert.Equal(t, http.StatusUnauthorized, st)
	assert.Equal(t, "invalid_client", out["error"])
}

func TestClientSecretBasic(t *testing.T) {
	env := newEnv(t, nil)
	id, secret := env.basicClient("")
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"whatever"}}
	for name, cred := range map[string][2]string{
		"wrong secret":   {id, secret + "x"},
		"unknown client": {"nobody", secret},
		"empty secret":   {id, ""},
	} {
		t.Run(name, func(t *testing.T) {
			st, out := env.postForm("/token", form, cred[0], cred[1])
			assert.Equal(t, http.StatusUnauthorized, st)
			assert.Equal(t, "invalid_client", out["error"])
		})
	}
	st, out := env.postForm("/token", form, id, secret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_grant", out["error"], "right secret reaches grant validation")

	// private_key_jwt is not allowed at this bank.
	st, out = env.register(map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "private_key_jwt"})
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_client_metadata", out["error"])
}

func TestClientCredentials(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	st, out := env.register(map[string]any{"client_name": "Notifier", "redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"}})
	require.Equal(t, http.StatusCreated, st)
	id, secret := out["client_id"].(string), out["client_secret"].(string)

	st, out = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
	require.Equal(t, http.StatusOK, st, out)
	assert.Nil(t, out["refresh_token"])
	assert.Nil(t, out["id_token"])
	info, err := env.p.AuthenticateToken(ctx, out["access_token"].(string))
	require.NoError(t, err)
	assert.True(t, info.ClientCredentials)
	assert.Equal(t, id, info.Subject)
	assert.Empty(t, info.ConsentID)
	assert.Empty(t, info.AccountIDs)

	st, out = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"TRANSACTIONS"}}, id, secret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_scope", out["error"])

	plain, plainSecret := env.basicClient("")
	st, out = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, plain, plainSecret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "unauthorized_client", out["error"])
}

func TestPARRequired(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.RequirePAR = true })
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	v := oauth2.GenerateVerifier()

	// Straight to /authorize: refused, back to the client with an error.
	b := newBrowser(t)
	pg := b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
	require.Equal(t, http.StatusSeeOther, pg.status)
	q := env.redirectQuery(pg.location)
	assert.Equal(t, "invalid_request", q.Get("error"))
	assert.Contains(t, q.Get("error_description"), "PAR")
	assert.Equal(t, "st", q.Get("state"))

	// Discovery says so.
	d := env.p.Discovery()
	assert.True(t, d.RequirePAR)
	assert.Equal(t, env.issuer+"/par", d.PAREndpoint)

	// PAR requires client authentication.
	u, _ := url.Parse(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("nonce", "n")))
	params := u.Query()
	st, out := env.postForm("/par", params, "", "")
	assert.Equal(t, http.StatusUnauthorized, st)
	assert.Equal(t, "invalid_client", out["error"])
	// A bad pushed request is answered in JSON.
	bad := url.Values{}
	for k, vs := range params {
		bad[k] = vs
	}
	bad.Set("code_challenge_method", "plain")
	st, out = env.postForm("/par", bad, id, secret)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_request", out["error"])

	st, out = env.postForm("/par", params, id, secret)
	require.Equal(t, http.StatusCreated, st, out)
	reqURI := out["request_uri"].(string)
	assert.True(t, strings.HasPrefix(reqURI, requestURIPrefix))
	assert.EqualValues(t, 60, out["expires_in"])

	authURL := env.issuer + "/authorize?" + url.Values{"client_id": {id}, "request_uri": {reqURI}}.Encode()
	q = env.consent(authURL, "user_mfa", "123456", "acc-chk")
	assert.Equal(t, "st", q.Get("state"))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err)
	assert.NotEmpty(t, tok.Extra("id_token"))

	// request_uri is single use, and bound to its client.
	pg = newBrowser(t).get(authURL)
	assert.Equal(t, http.StatusBadRequest, pg.status)
	assert.Contains(t, pg.body, "expired or was already used")
	_, out = env.postForm("/par", params, id, secret)
	pg = newBrowser(t).get(env.issuer + "/authorize?" + url.Values{"client_id": {"other"}, "request_uri": {out["request_uri"].(string)}}.Encode())
	assert.Equal(t, http.StatusBadRequest, pg.status)
	// And it expires.
	_, out = env.postForm("/par", params, id, secret)
	env.clock.Advance(61 * time.Second)
	pg = newBrowser(t).get(env.issuer + "/authorize?" + url.Values{"client_id": {id}, "request_uri": {out["request_uri"].(string)}}.Encode())
	assert.Equal(t, http.StatusBadRequest, pg.status)
}

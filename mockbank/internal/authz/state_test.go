package authz

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestStateSurvivesRestart(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	tok := env.linked(conf)
	rotated, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	require.NoError(t, err)

	st, err := env.p.ExportState(ctx)
	require.NoError(t, err)
	raw, err := json.Marshal(st)
	require.NoError(t, err)
	for _, secretish := range []string{secret, tok.RefreshToken, rotated.RefreshToken, rotated.AccessToken} {
		assert.NotContains(t, string(raw), secretish, "state holds hashes, not credentials")
	}
	again, err := env.p.ExportState(ctx)
	require.NoError(t, err)
	raw2, _ := json.Marshal(again)
	assert.Equal(t, string(raw), string(raw2), "export is deterministic")

	// A new process: different random key until the state is imported.
	p2, err := New(Config{Bank: "testbank", Issuer: env.issuer, AuthMethods: []string{AuthClientSecretBasic}, Clock: env.clock.Now},
		Deps{Users: fakeUsers{}, Consents: env.consents})
	require.NoError(t, err)
	_, err = p2.AuthenticateToken(ctx, rotated.AccessToken)
	assert.ErrorIs(t, err, ErrInvalidToken)

	var decoded State
	require.NoError(t, json.Unmarshal(raw, &decoded))
	require.NoError(t, p2.ImportState(ctx, &decoded))
	assert.Equal(t, env.p.Discovery().IDTokenSigningAlgs, p2.Discovery().IDTokenSigningAlgs)
	assert.Equal(t, env.p.key.Load().kid, p2.key.Load().kid)

	// Access tokens minted before the restart still verify (signature path).
	info, err := p2.AuthenticateToken(ctx, rotated.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, rotated.Extra("consent_id"), info.ConsentID)
	assert.Equal(t, []string{"acc-chk"}, info.AccountIDs)

	post := func(form url.Values) (int, map[string]any) {
		req := httptest.NewRequest(http.MethodPost, "/testbank/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		rec := httptest.NewRecorder()
		p2.Handler().ServeHTTP(rec, req)
		var out map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
		return rec.Code, out
	}
	// The client's secret and the current refresh token still work.
	code, out := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rotated.RefreshToken}})
	require.Equal(t, http.StatusOK, code, out)
	// Reuse detection survives the restart too.
	code, out = post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "invalid_grant", out["error"])
	_, err = p2.AuthenticateToken(ctx, rotated.AccessToken)
	assert.ErrorIs(t, err, ErrTokenRevoked)

	// Bad state is refused without damage.
	assert.ErrorIs(t, p2.ImportState(ctx, &State{Version: 99}), ErrInvalidState)
	assert.ErrorIs(t, p2.ImportState(ctx, &State{Version: StateVersion, Bank: "other"}), ErrInvalidState)
	assert.ErrorIs(t, p2.ImportState(ctx, &State{Version: StateVersion, Bank: "testbank", SigningKey: []byte("x")}), ErrInvalidState)
	assert.ErrorIs(t, p2.ImportState(ctx, nil), ErrInvalidState)
}

func TestKeysAndConfig(t *testing.T) {
	mk := func(seed string) *Provider {
		p, err := New(Config{Bank: "b", Issuer: "http://127.0.0.1:1/b", AuthMethods: []string{AuthPrivateKeyJWT}, KeySeed: seed},
			Deps{Users: fakeUsers{}, Consents: newFakeConsents()})
		require.NoError(t, err)
		return p
	}
	assert.Equal(t, mk("s1").key.Load().kid, mk("s1").key.Load().kid, "same seed, same key")
	assert.NotEqual(t, mk("s1").key.Load().kid, mk("s2").key.Load().kid)

	k1, err := DemoClientKey("s1", "b")
	require.NoError(t, err)
	k2, err := DemoClientKey("s1", "b")
	require.NoError(t, err)
	assert.True(t, k1.Equal(k2))
	assert.False(t, k1.Equal(mk("s1").key.Load().priv), "demo client key is not the signing key")
	_, err = PublicJWKS(k1.Public(), "demo")
	require.NoError(t, err)

	d := mk("s1").Discovery()
	assert.Equal(t, []string{"ES256"}, d.IDTokenSigningAlgs)
	assert.Equal(t, []string{"private_key_jwt"}, d.TokenEndpointAuthMethods)
	assert.Equal(t, "http://127.0.0.1:1/b/jwks.json", d.JWKSURI)
	assert.Equal(t, []string{"S256"}, d.CodeChallengeMethodsSupported)

	deps := Deps{Users: fakeUsers{}, Consents: newFakeConsents()}
	for name, cfg := range map[string]Config{
		"no bank":      {Issuer: "http://x/b", AuthMethods: []string{AuthClientSecretBasic}},
		"bad issuer":   {Bank: "b", Issuer: "/relative", AuthMethods: []string{AuthClientSecretBasic}},
		"no methods":   {Bank: "b", Issuer: "http://x/b"},
		"bad method":   {Bank: "b", Issuer: "http://x/b", AuthMethods: []string{"none"}},
		"bad cluster":  {Bank: "b", Issuer: "http://x/b", AuthMethods: []string{AuthClientSecretBasic}, Clusters: []string{"ADS"}},
		"weak key rsa": {Bank: "b", Issuer: "http://x/b", AuthMethods: []string{AuthClientSecretBasic}, SigningKey: weakRSA(t)},
	} {
		_, err := New(cfg, deps)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	_, err = New(Config{Bank: "b", Issuer: "http://x/b", AuthMethods: []string{AuthClientSecretBasic}}, Deps{})
	assert.ErrorIs(t, err, ErrInvalidConfig)

	// TTLs are capped at FDX's 900 s.
	p, err := New(Config{Bank: "b", Issuer: "http://x/b", AuthMethods: []string{AuthClientSecretBasic}, AccessTokenTTL: 3600e9}, deps)
	require.NoError(t, err)
	assert.Equal(t, MaxAccessTokenTTL, p.cfg.AccessTokenTTL)
}

func weakRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	return k
}

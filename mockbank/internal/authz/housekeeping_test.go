package authz

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestWrongMethodIsAnOAuthError(t *testing.T) {
	env := newEnv(t, nil)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/token"}, {http.MethodPut, "/authorize"}, {http.MethodDelete, "/register"},
		{http.MethodPost, "/jwks.json"}, {http.MethodGet, "/par"},
	} {
		req, _ := http.NewRequest(c.method, env.issuer+c.path, strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out), c.path)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, c.path)
		assert.NotEmpty(t, resp.Header.Get("Allow"))
		assert.Equal(t, "invalid_request", out["error"])
	}
	// HEAD on discovery works (health checks).
	resp, err := http.Head(env.issuer + "/.well-known/openid-configuration")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestBasicClientIDMustMatch(t *testing.T) {
	env := newEnv(t, nil)
	id, secret := env.basicClient("")
	other, _ := env.basicClient("")
	st, out := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {other}}, id, secret)
	assert.Equal(t, http.StatusUnauthorized, st)
	assert.Equal(t, "invalid_client", out["error"])
}

func TestGrantsAreForgottenAfterTheyExpire(t *testing.T) {
	env := newEnv(t, nil)
	st, out := env.register(map[string]any{"redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "refresh_token", "client_credentials"}})
	require.Equal(t, http.StatusCreated, st)
	id, secret := out["client_id"].(string), out["client_secret"].(string)
	for range 20 {
		st, _ := env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		require.Equal(t, http.StatusOK, st)
	}
	tok := env.linked(env.oauthConfig(id, secret))
	_, err := env.oauthConfig(id, secret).TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	require.NoError(t, err)
	env.p.mu.RLock()
	assert.Len(t, env.p.grants, 2, "one client_credentials grant per client, one per authorization")
	assert.Len(t, env.p.refresh, 2, "the rotated token is kept for reuse detection")
	env.p.mu.RUnlock()

	// Past the consent (90 days) everything is swept on the next token call.
	env.clock.Advance(91 * 24 * time.Hour)
	st, _ = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
	require.Equal(t, http.StatusOK, st)
	env.p.mu.RLock()
	defer env.p.mu.RUnlock()
	assert.Len(t, env.p.grants, 1, "only the fresh client_credentials grant")
	assert.Empty(t, env.p.refresh)
}

func TestAccountLevelRevocationNarrowsTheGrant(t *testing.T) {
	env := newEnv(t, nil)
	ctx := t.Context()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	v := oauth2.GenerateVerifier()
	q := env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk", "acc-sav", "acc-cc")
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err)
	cid := tok.Extra("consent_id").(string)

	env.consents.keepAccounts(cid, "acc-chk", "acc-cc")
	tok, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	require.NoError(t, err)
	assert.Equal(t, []any{"acc-chk", "acc-cc"}, tok.Extra("account_ids"))
	info, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, []string{"acc-chk", "acc-cc"}, info.AccountIDs)

	env.consents.keepAccounts(cid)
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "no account left")
}

func TestClientNeverPrintsItsSecret(t *testing.T) {
	env := newEnv(t, nil)
	c, err := env.p.RegisterClient(t.Context(), ClientMetadata{ClientName: "Ready", RedirectURIs: []string{testRedirect},
		ClientID: "ready-client", ClientSecret: "s3cr3t-value"})
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t-value", c.Secret)
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	logger.Info("registered", "client", c)
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, c, c), buf.String()} {
		assert.NotContains(t, s, "s3cr3t-value")
		assert.Contains(t, s, "ready-client")
	}
	got, ok := env.p.Client(t.Context(), "ready-client")
	require.True(t, ok)
	assert.Empty(t, got.Secret)
	_, err = env.p.RegisterClient(t.Context(), ClientMetadata{RedirectURIs: []string{testRedirect}, ClientID: "ready-client"})
	assert.ErrorIs(t, err, ErrInvalidClientMetadata, "duplicate id")
	// The preset secret works at the token endpoint.
	st, out := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, "ready-client", "s3cr3t-value")
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "invalid_grant", out["error"])
}

func TestAccessCacheIsSwept(t *testing.T) {
	env := newEnv(t, nil)
	st, out := env.register(map[string]any{"redirect_uris": []string{testRedirect}, "grant_types": []string{"client_credentials"}})
	require.Equal(t, http.StatusCreated, st)
	id, secret := out["client_id"].(string), out["client_secret"].(string)
	env.p.atMu.Lock()
	env.p.sweepSize = 4
	env.p.atMu.Unlock()
	var first string
	for i := range 4 {
		_, out := env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		if i == 0 {
			first = out["access_token"].(string)
		}
	}
	env.clock.Advance(16 * time.Minute)
	_, _ = env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
	env.p.atMu.Lock()
	n := env.p.accessN
	env.p.atMu.Unlock()
	assert.Equal(t, 1, n, "expired tokens left the cache")
	_, err := env.p.AuthenticateToken(t.Context(), first)
	assert.ErrorIs(t, err, ErrTokenExpired, "an evicted token still verifies, as expired")
}

func TestRSASigningKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	env := newEnv(t, func(c *Config) { c.SigningKey = key; c.KeySeed = "" })
	ctx := t.Context()
	provider, err := oidc.NewProvider(ctx, env.issuer)
	require.NoError(t, err)
	id, secret := env.basicClient("")
	tok := env.linked(env.oauthConfig(id, secret))
	_, err = provider.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, tok.Extra("id_token").(string))
	require.NoError(t, err)
	assert.Equal(t, []string{"RS256"}, env.p.Discovery().IDTokenSigningAlgs)
	der, err := env.p.SigningKeyPKCS8(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, der)
	assert.Equal(t, env.issuer, env.p.Issuer())
}

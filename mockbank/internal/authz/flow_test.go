package authz

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func oauthErrorCode(t *testing.T, err error) string {
	t.Helper()
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	return re.ErrorCode
}

func TestAuthorizationCodeFlowWithStandardClients(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()

	// go-oidc discovers everything from the issuer alone.
	provider, err := oidc.NewProvider(ctx, env.issuer)
	require.NoError(t, err)
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	conf.Endpoint = provider.Endpoint()
	assert.Equal(t, env.issuer+"/authorize", conf.Endpoint.AuthURL)

	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", "n-456"),
		oauth2.SetAuthURLParam("purpose", "PERSONAL_FINANCIAL_MANAGEMENT"),
		oauth2.SetAuthURLParam("duration_days", "30"),
		oauth2.SetAuthURLParam("lookback_days", "180"))
	q := env.consent(authURL, "user_good", "", "acc-chk", "acc-cc")
	assert.Equal(t, "st-123", q.Get("state"))
	assert.Equal(t, env.issuer, q.Get("iss"))
	require.NotEmpty(t, q.Get("code"))

	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	consentID, _ := tok.Extra("consent_id").(string)
	require.NotEmpty(t, consentID)
	assert.Equal(t, []any{"acc-chk", "acc-cc"}, tok.Extra("account_ids"))
	assert.Equal(t, "openid offline_access ACCOUNT_BASIC TRANSACTIONS", tok.Extra("scope"))
	exp, err := time.Parse(time.RFC3339, tok.Extra("consent_expires_at").(string))
	require.NoError(t, err)
	assert.WithinDuration(t, env.clock.Now().Add(30*24*time.Hour), exp, time.Second)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.InDelta(t, 900, time.Until(tok.Expiry).Seconds(), 5)

	// The consent record carries what the user chose.
	cr := env.consents.get(consentID)
	assert.Equal(t, "u-good", cr.UserID)
	assert.Equal(t, "Budget App", cr.ClientName)
	assert.Equal(t, "PERSONAL_FINANCIAL_MANAGEMENT", cr.Purpose)
	assert.Equal(t, []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, cr.Clusters)
	assert.Equal(t, 30, cr.DurationDays)
	assert.Equal(t, 180, cr.LookbackDays)

	// The ID token verifies through discovery and JWKS.
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, rawID)
	require.NoError(t, err)
	assert.Equal(t, "u-good", idt.Subject)
	assert.Equal(t, "n-456", idt.Nonce)
	require.NoError(t, idt.VerifyAccessToken(tok.AccessToken))
	var claims struct {
		ConsentID string `json:"consent_id"`
		Name      string `json:"name"`
	}
	require.NoError(t, idt.Claims(&claims))
	assert.Equal(t, consentID, claims.ConsentID)
	assert.Equal(t, "Good User", claims.Name)

	// The data API's view of the access token.
	info, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, consentID, info.ConsentID)
	assert.Equal(t, id, info.ClientID)
	assert.Equal(t, "u-good", info.Subject)
	assert.Equal(t, []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, info.Clusters)
	assert.True(t, info.HasAccount("acc-cc"))
	assert.False(t, info.HasAccount("acc-sav"))
	assert.False(t, info.HasCluster("STATEMENTS"))

	// UserInfo answers for the token.
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	require.NoError(t, err)
	assert.Equal(t, "u-good", ui.Subject)

	// Introspection.
	st, out := env.postForm("/introspect", url.Values{"token": {tok.AccessToken}}, id, secret)
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, true, out["active"])
	assert.Equal(t, consentID, out["consent_id"])
	st, out = env.postForm("/introspect", url.Values{"token": {tok.RefreshToken}}, id, secret)
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, true, out["active"])

	// Refresh rotates the refresh token.
	env.clock.Advance(time.Minute)
	old := tok.RefreshToken
	tok2, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token()
	require.NoError(t, err)
	assert.NotEqual(t, old, tok2.RefreshToken)
	assert.NotEqual(t, tok.AccessToken, tok2.AccessToken)
	assert.Equal(t, consentID, tok2.Extra("consent_id"))
	_, err = env.p.AuthenticateToken(ctx, tok2.AccessToken)
	require.NoError(t, err)

	// Reusing the rotated refresh token revokes the whole family.
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token()
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token()
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	_, err = env.p.AuthenticateToken(ctx, tok2.AccessToken)
	assert.ErrorIs(t, err, ErrTokenRevoked)
	_, err = env.p.AuthenticateToken(ctx, tok.AccessToken)
	assert.ErrorIs(t, err, ErrTokenRevoked)
	_, out = env.postForm("/introspect", url.Values{"token": {tok2.AccessToken}}, id, secret)
	assert.Equal(t, false, out["active"])
}

// linked runs a whole link and returns the token.
func (e *testEnv) linked(conf *oauth2.Config, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	e.t.Helper()
	v := oauth2.GenerateVerifier()
	q := e.consent(conf.AuthCodeURL("s", append(opts, oauth2.S256ChallengeOption(v))...), "user_good", "", "acc-chk")
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(e.t, err)
	return tok
}

func TestRevocationIntrospectionAndConsentState(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)

	t.Run("revoke access token only", func(t *testing.T) {
		tok := env.linked(conf)
		st, _ := env.postForm("/revoke", url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}, id, secret)
		require.Equal(t, http.StatusOK, st)
		_, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrTokenRevoked)
		assert.NotErrorIs(t, err, ErrConsentRevoked, "the consent is untouched")
		_, out := env.postForm("/introspect", url.Values{"token": {tok.AccessToken}}, id, secret)
		assert.Equal(t, false, out["active"])
		// The grant lives on.
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		require.NoError(t, err)
	})
	t.Run("revoke refresh token revokes the grant", func(t *testing.T) {
		tok := env.linked(conf)
		st, _ := env.postForm("/revoke", url.Values{"token": {tok.RefreshToken}}, id, secret)
		require.Equal(t, http.StatusOK, st)
		_, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrTokenRevoked)
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	})
	t.Run("unknown token and foreign client", func(t *testing.T) {
		st, _ := env.postForm("/revoke", url.Values{"token": {"nonsense"}}, id, secret)
		assert.Equal(t, http.StatusOK, st)
		tok := env.linked(conf)
		other, otherSecret := env.basicClient("")
		st, _ = env.postForm("/revoke", url.Values{"token": {tok.RefreshToken}}, other, otherSecret)
		assert.Equal(t, http.StatusOK, st)
		_, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.NoError(t, err, "another client cannot revoke this client's tokens")
		_, out := env.postForm("/introspect", url.Values{"token": {tok.AccessToken}}, other, otherSecret)
		assert.Equal(t, false, out["active"])
	})
	t.Run("revoked consent fails refresh and introspection", func(t *testing.T) {
		tok := env.linked(conf)
		cid := tok.Extra("consent_id").(string)
		env.consents.set(cid, "REVOKED")
		_, out := env.postForm("/introspect", url.Values{"token": {tok.AccessToken}}, id, secret)
		assert.Equal(t, false, out["active"])
		_, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
		_, err = env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrTokenRevoked, "a refused refresh revokes the family")
		assert.ErrorIs(t, err, ErrConsentRevoked, "and says it died with its consent")
	})
	t.Run("RevokeConsent hook", func(t *testing.T) {
		tok := env.linked(conf)
		n, err := env.p.RevokeConsent(ctx, tok.Extra("consent_id").(string))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrTokenRevoked)
		assert.ErrorIs(t, err, ErrConsentRevoked, "the data API answers the bank's revoked-consent error")
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		var re *oauth2.RetrieveError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, "invalid_grant", re.ErrorCode)
		assert.Equal(t, "the consent is no longer active", re.ErrorDescription, "the refusal says why, so the client deletes")

		// It survives a restart with exported state.
		st, err := env.p.ExportState(ctx)
		require.NoError(t, err)
		require.NoError(t, env.p.ImportState(ctx, st))
		_, err = env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrConsentRevoked)
	})
	t.Run("access token expiry", func(t *testing.T) {
		tok := env.linked(conf)
		env.clock.Advance(901 * time.Second)
		_, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
		assert.ErrorIs(t, err, ErrTokenExpired)
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		require.NoError(t, err)
	})
	t.Run("consent expiry bounds tokens", func(t *testing.T) {
		tok := env.linked(conf, oauth2.SetAuthURLParam("duration_days", "1"))
		env.clock.Advance(24*time.Hour + time.Second)
		_, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	})
	t.Run("narrowing scope on refresh", func(t *testing.T) {
		tok := env.linked(conf)
		st, out := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "scope": {"ACCOUNT_BASIC"}}, id, secret)
		require.Equal(t, http.StatusOK, st, out)
		info, err := env.p.AuthenticateToken(ctx, out["access_token"].(string))
		require.NoError(t, err)
		assert.Equal(t, []string{"ACCOUNT_BASIC"}, info.Clusters)
		st, out = env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {out["refresh_token"].(string)}, "scope": {"STATEMENTS"}}, id, secret)
		assert.Equal(t, http.StatusBadRequest, st)
		assert.Equal(t, "invalid_scope", out["error"])
	})
	t.Run("bearer parsing", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		_, err := env.p.Authenticate(ctx, r)
		assert.ErrorIs(t, err, ErrMissingToken)
		r.Header.Set("Authorization", "Basic abc")
		_, err = env.p.Authenticate(ctx, r)
		assert.ErrorIs(t, err, ErrInvalidToken)
		for _, bad := range []string{"x", "a.b.c", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "....."} {
			r.Header.Set("Authorization", "Bearer "+bad)
			_, err = env.p.Authenticate(ctx, r)
			assert.True(t, errors.Is(err, ErrInvalidToken), bad)
		}
	})
}

// A simulated clock far from the wall clock must not break relying parties:
// go-oidc checks ID-token times with its own clock.
func TestSimulatedClockInThePast(t *testing.T) {
	env := newEnv(t, nil)
	env.clock.Advance(-400 * 24 * time.Hour)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, env.issuer)
	require.NoError(t, err)
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	tok := env.linked(conf)
	_, err = provider.Verifier(&oidc.Config{ClientID: id}).Verify(ctx, tok.Extra("id_token").(string))
	require.NoError(t, err)
	info, err := env.p.AuthenticateToken(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.WithinDuration(t, env.clock.Now().Add(15*time.Minute), info.ExpiresAt, time.Second, "access tokens follow the provider clock")
}

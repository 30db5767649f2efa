package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/webhook"
)

func jwksOf(t testing.TB, signers ...*webhook.TestSigner) []byte {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, s := range signers {
		set.Keys = append(set.Keys, s.PublicKey())
	}
	b, err := json.Marshal(set)
	require.NoError(t, err)
	return b
}

func newJWKSSource(t testing.TB, srv *jwksServer, clk *fakeClock) *webhook.JWKSKeySource {
	t.Helper()
	ks, err := webhook.NewJWKSKeySource(srv.URL+"/jwks.json", &webhook.JWKSOptions{HTTPClient: srv.Client(), Now: clk.Now})
	require.NoError(t, err)
	return ks
}

func TestJWKSRotation(t *testing.T) {
	oldKey, newKey := newSigner(t, "chase"), newSigner(t, "chase")
	srv := newJWKSServer(t, jwksOf(t, oldKey))
	wall := newClock() // the key source's wall clock
	ks := newJWKSSource(t, srv, wall)
	v := newVerifier(t, ks, newClock())
	ctx := context.Background()

	n := webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}}
	body, h := payload(t, oldKey, n)
	_, err := v.Verify(ctx, h, body)
	require.NoError(t, err)
	assert.EqualValues(t, 1, srv.fetches.Load())

	// Cached: more notifications cost no fetch.
	for range 5 {
		body, h = payload(t, oldKey, n)
		_, err = v.Verify(ctx, h, body)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, srv.fetches.Load())

	// The bank rotates: publishes both keys, signs with the new one.
	srv.doc.Store(jwksOf(t, oldKey, newKey))
	wall.Advance(31 * time.Second) // past MinRefreshInterval
	body, h = payload(t, newKey, n)
	_, err = v.Verify(ctx, h, body)
	require.NoError(t, err, "unknown kid triggers a refresh that finds the new key")
	assert.EqualValues(t, 2, srv.fetches.Load())

	// The bank withdraws the old key; after the cache ages out it stops
	// verifying.
	srv.doc.Store(jwksOf(t, newKey))
	wall.Advance(time.Hour)
	body, h = payload(t, oldKey, n)
	_, err = v.Verify(ctx, h, body)
	require.ErrorIs(t, err, webhook.ErrUnknownKey)
	assert.EqualValues(t, 3, srv.fetches.Load())
	body, h = payload(t, newKey, n)
	_, err = v.Verify(ctx, h, body)
	require.NoError(t, err)
}

func TestJWKSUnknownKidFloodIsRateLimited(t *testing.T) {
	bank := newSigner(t, "chase")
	srv := newJWKSServer(t, jwksOf(t, bank))
	wall := newClock()
	ks := newJWKSSource(t, srv, wall)
	ctx := context.Background()

	_, err := ks.Key(ctx, bank.KeyID())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ks.Key(ctx, fmt.Sprintf("bogus-%d", i))
			assert.ErrorIs(t, err, webhook.ErrUnknownKey)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, srv.fetches.Load(), "no refetch inside MinRefreshInterval")

	wall.Advance(30 * time.Second)
	for i := range 50 {
		_, err := ks.Key(ctx, fmt.Sprintf("bogus-again-%d", i))
		assert.ErrorIs(t, err, webhook.ErrUnknownKey)
	}
	assert.EqualValues(t, 2, srv.fetches.Load(), "one refetch per interval")

	// Known keys keep answering from the cache throughout.
	_, err = ks.Key(ctx, bank.KeyID())
	assert.NoError(t, err)
}

func TestJWKSConcurrentMissesShareOneFetch(t *testing.T) {
	bank := newSigner(t, "chase")
	srv := newJWKSServer(t, jwksOf(t, bank))
	ks := newJWKSSource(t, srv, newClock())
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ks.Key(context.Background(), bank.KeyID())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, srv.fetches.Load())
}

func TestJWKSOutage(t *testing.T) {
	bank := newSigner(t, "chase")
	srv := newJWKSServer(t, jwksOf(t, bank))
	wall := newClock()
	ctx := context.Background()

	t.Run("nothing cached", func(t *testing.T) {
		srv.fail.Store(true)
		defer srv.fail.Store(false)
		before := srv.fetches.Load()
		ks := newJWKSSource(t, srv, wall)
		_, err := ks.Key(ctx, bank.KeyID())
		assert.ErrorIs(t, err, webhook.ErrKeysUnavailable)
		assert.NotErrorIs(t, err, webhook.ErrUnknownKey)
		// Inside the refresh floor the answer stays "unavailable", not
		// "unknown": we still cannot tell.
		_, err = ks.Key(ctx, bank.KeyID())
		assert.ErrorIs(t, err, webhook.ErrKeysUnavailable)
		assert.Error(t, ks.Refresh(ctx))
		assert.EqualValues(t, 1, srv.fetches.Load()-before)
	})

	t.Run("cached keys outlive a failed refresh", func(t *testing.T) {
		ks := newJWKSSource(t, srv, wall)
		_, err := ks.Key(ctx, bank.KeyID())
		require.NoError(t, err)
		srv.fail.Store(true)
		defer srv.fail.Store(false)
		wall.Advance(2 * time.Hour) // cache expired, refetch fails
		_, err = ks.Key(ctx, bank.KeyID())
		assert.NoError(t, err)
	})

	t.Run("canceled context", func(t *testing.T) {
		ks := newJWKSSource(t, srv, wall)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := ks.Key(cctx, bank.KeyID())
		assert.ErrorIs(t, err, webhook.ErrKeysUnavailable)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = ks.Key(ctx, bank.KeyID())
		assert.NoError(t, err, "a canceled caller does not use up the refresh allowance")
	})
}

func TestDiscoverJWKS(t *testing.T) {
	bank := newSigner(t, "chase")
	srv := newJWKSServer(t, jwksOf(t, bank))
	ks, err := webhook.DiscoverJWKS(context.Background(), srv.URL+"/chase/.well-known/openid-configuration",
		&webhook.JWKSOptions{HTTPClient: srv.Client()})
	require.NoError(t, err)
	require.NoError(t, ks.Refresh(context.Background()))
	assert.EqualValues(t, 1, srv.fetches.Load())

	v := newVerifier(t, ks, newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})
	_, err = v.Verify(context.Background(), h, body)
	require.NoError(t, err)

	_, err = webhook.DiscoverJWKS(context.Background(), srv.URL+"/nope", &webhook.JWKSOptions{HTTPClient: srv.Client()})
	assert.Error(t, err)
}

func TestKeyURLPolicy(t *testing.T) {
	for _, u := range []string{"http://bank.example/jwks", "ftp://127.0.0.1/jwks", "/relative", "https://"} {
		_, err := webhook.NewJWKSKeySource(u, nil)
		assert.Error(t, err, u)
	}
	for _, u := range []string{"https://bank.example/jwks", "http://127.0.0.1:8080/chase/jwks.json", "http://localhost/jwks", "http://[::1]/jwks"} {
		_, err := webhook.NewJWKSKeySource(u, nil)
		assert.NoError(t, err, u)
	}
	_, err := webhook.NewJWKSKeySource("http://bank.example/jwks", &webhook.JWKSOptions{AllowInsecureHTTP: true})
	assert.NoError(t, err)
}

func TestJWKSParsing(t *testing.T) {
	good := newSigner(t, "chase")
	goodJSON, err := good.PublicKey().MarshalJSON()
	require.NoError(t, err)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	privJSON, err := jose.JSONWebKey{Key: priv, KeyID: "priv"}.MarshalJSON()
	require.NoError(t, err)
	dupA, dupB := newSigner(t, "x").PublicKey(), newSigner(t, "x").PublicKey()
	dupA.KeyID, dupB.KeyID = "dup", "dup"
	dupAJSON, _ := dupA.MarshalJSON()
	dupBJSON, _ := dupB.MarshalJSON()

	doc := `{"keys":[` + string(goodJSON) + `,` +
		`{"kty":"oct","kid":"secret","k":"c2VjcmV0"},` + // a published secret is no secret
		`{"kty":"PQ","kid":"future","x":"AAAA"},` + // unknown key type: skipped, not fatal
		`{"kty":"EC","crv":"P-256","x":"bad","y":"bad","kid":"broken"},` +
		`{"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},` +
		string(privJSON) + `,` + string(dupAJSON) + `,` + string(dupBJSON) + `]}`
	keys, err := webhook.StaticKeysFromJWKS([]byte(doc))
	require.NoError(t, err)
	ctx := context.Background()
	k, err := keys.Key(ctx, good.KeyID())
	require.NoError(t, err)
	assert.True(t, k.IsPublic())
	k, err = keys.Key(ctx, "priv")
	require.NoError(t, err)
	assert.True(t, k.IsPublic(), "private halves are dropped")
	for _, kid := range []string{"secret", "future", "broken", "enc", "dup"} {
		_, err := keys.Key(ctx, kid)
		assert.ErrorIs(t, err, webhook.ErrUnknownKey, kid)
	}

	for _, bad := range []string{"", "[]", `{"keys":"x"}`, `{}`} {
		_, err := webhook.StaticKeysFromJWKS([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestStaticKeysValidation(t *testing.T) {
	s := newSigner(t, "chase")
	_, err := webhook.NewStaticKeys(jose.JSONWebKey{Key: s.PublicKey().Key})
	assert.Error(t, err, "kid required")
	_, err = webhook.NewStaticKeys(s.PublicKey(), s.PublicKey())
	assert.Error(t, err, "duplicate kid")
	_, err = webhook.NewStaticKeys(jose.JSONWebKey{Key: "nonsense", KeyID: "k"})
	assert.Error(t, err)
}

func TestJWKSRedirectToPlainHTTPRefused(t *testing.T) {
	srv := httptest.NewServer(http.RedirectHandler("http://bank.example/jwks.json", http.StatusFound))
	defer srv.Close()
	ks, err := webhook.NewJWKSKeySource(srv.URL+"/jwks.json", nil) // default client
	require.NoError(t, err)
	_, err = ks.Key(context.Background(), "any")
	require.ErrorIs(t, err, webhook.ErrKeysUnavailable)
	assert.Contains(t, err.Error(), "must use https")
}

package fakebank

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// idKey signs ID tokens; one per process is enough for a test double.
var idKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

const idKeyID = "fakebank-1"

func (b *Bank) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &idKey.PublicKey, KeyID: idKeyID, Algorithm: string(jose.ES256), Use: "sig"}}})
}

// idToken signs an OpenID Connect ID token for the client.
func (b *Bank) idToken(clientID, nonce, consentID string) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: idKey}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", idKeyID))
	if err != nil {
		return ""
	}
	now := b.now()
	claims := map[string]any{
		"iss": b.Server.URL, "sub": "user-1", "aud": clientID, "nonce": nonce, "consent_id": consentID,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return ""
	}
	return s
}

func clientIDOf(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok {
		if id, err := url.QueryUnescape(u); err == nil {
			return id
		}
		return u
	}
	return r.PostForm.Get("client_id")
}

// TamperNonce makes the next ID tokens carry a wrong nonce.
func (b *Bank) TamperNonce(v bool) { b.mu.Lock(); b.badNonce = v; b.mu.Unlock() }

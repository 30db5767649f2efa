package webhook

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// SignTestPayload signs body as a bank does and returns the x-jws-signature
// value: a detached compact JWS with protected header {alg, kid, typ:
// "JOSE"}. key is an *ecdsa.PrivateKey (ES256/384/512 by curve), an
// *rsa.PrivateKey (RS256) or an ed25519.PrivateKey (EdDSA), or a
// jose.JSONWebKey wrapping one with Algorithm set to choose another.
//
// It exists for integrators' unit tests, like stripe-go's
// GenerateTestSignedPayload; production code never signs notifications.
func SignTestPayload(key any, kid string, body []byte) (string, error) {
	if kid == "" {
		return "", errors.New("webhook: SignTestPayload needs a kid")
	}
	var alg jose.SignatureAlgorithm
	if jwk, ok := key.(jose.JSONWebKey); ok {
		alg = jose.SignatureAlgorithm(jwk.Algorithm)
		key = jwk.Key
	}
	if alg == "" {
		var err error
		if alg, err = algFor(key); err != nil {
			return "", err
		}
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JOSE"))
	if err != nil {
		return "", fmt.Errorf("webhook: test signer: %w", err)
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", fmt.Errorf("webhook: test signature: %w", err)
	}
	return jws.DetachedCompactSerialize()
}

func algFor(key any) (jose.SignatureAlgorithm, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256, nil
		case elliptic.P384():
			return jose.ES384, nil
		case elliptic.P521():
			return jose.ES512, nil
		}
	case *rsa.PrivateKey:
		return jose.RS256, nil
	case ed25519.PrivateKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("webhook: cannot infer a signature algorithm for %T", key)
}

// TestSigner plays a bank in integrators' tests: it holds a fresh P-256 key,
// publishes it (as a KeySource or a JWKS document to serve from httptest)
// and produces signed notifications. Safe for concurrent use.
type TestSigner struct {
	key       *ecdsa.PrivateKey
	kid       string
	publisher string
	seq       atomic.Uint64
}

// NewTestSigner returns a signer whose notifications name publisher as the
// bank (e.g. "chase").
func NewTestSigner(publisher string) (*TestSigner, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: k.Public()}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &TestSigner{key: k, kid: base64.RawURLEncoding.EncodeToString(tp), publisher: publisher}, nil
}

// KeyID is the kid of the signer's key.
func (s *TestSigner) KeyID() string { return s.kid }

// PublicKey is the signer's public key as a JWK (kid, alg ES256, use sig).
func (s *TestSigner) PublicKey() jose.JSONWebKey {
	return jose.JSONWebKey{Key: s.key.Public(), KeyID: s.kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// Keys returns a KeySource that knows only this signer's public key.
func (s *TestSigner) Keys() *StaticKeys {
	k, _ := NewStaticKeys(s.PublicKey()) // cannot fail: one valid key with a kid
	return k
}

// JWKS returns the JWK Set document publishing the public key.
func (s *TestSigner) JWKS() []byte {
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.PublicKey()}})
	return b
}

// Sign returns the x-jws-signature value for body.
func (s *TestSigner) Sign(body []byte) (string, error) {
	return SignTestPayload(s.key, s.kid, body)
}

// TestNotification describes a notification for [TestSigner.Payload]. Zero
// fields get test defaults: a fresh ID, SentOn = time.Now(), the category
// matching Type, and Subject.Kind matching Type.
type TestNotification struct {
	ID      string
	Type    Type
	SentOn  time.Time
	Subject Subject
	Fields  []Field
	// Subscriber is the subscriber party's name (the receiving app's
	// client id at mockbank); empty leaves the party out.
	Subscriber string
}

// Payload builds a Notification body as mockbank sends it and signs it. The
// header returned holds Content-Type and x-jws-signature, ready for an
// httptest request or for Verifier.Verify.
func (s *TestSigner) Payload(n TestNotification) (body []byte, header http.Header, err error) {
	if n.Type == "" {
		return nil, nil, errors.New("webhook: TestNotification needs a Type")
	}
	if n.ID == "" {
		n.ID = fmt.Sprintf("test-%s-%d", s.kid[:8], s.seq.Add(1))
	}
	if n.SentOn.IsZero() {
		n.SentOn = time.Now()
	}
	if n.Subject.Kind == "" {
		n.Subject.Kind = defaultKind(n.Type)
	}
	if n.Subject.ID == "" {
		n.Subject.ID = "test-subject"
	}
	note := fdxclient.Notification{
		NotificationId: n.ID,
		Type:           fdxclient.NotificationType(n.Type),
		SentOn:         n.SentOn.UTC(),
		Category:       defaultCategory(n.Type),
		Publisher:      fdxclient.Party{Name: s.publisher, Type: fdxclient.PartyTypeDATAPROVIDER},
		NotificationPayload: fdxclient.NotificationPayload{
			Id:     n.Subject.ID,
			IdType: fdxclient.NotificationPayloadIdType(n.Subject.Kind),
		},
	}
	if n.Subscriber != "" {
		note.Subscriber = &fdxclient.Party{Name: n.Subscriber, Type: fdxclient.PartyTypeDATARECIPIENT}
	}
	if len(n.Fields) > 0 {
		cf := make([]struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}, len(n.Fields))
		for i, f := range n.Fields {
			cf[i].Name, cf[i].Value = f.Name, f.Value
		}
		note.NotificationPayload.CustomFields = &cf
	}
	body, err = json.Marshal(note)
	if err != nil {
		return nil, nil, err
	}
	sig, err := s.Sign(body)
	if err != nil {
		return nil, nil, err
	}
	header = http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set(SignatureHeader, sig)
	return body, header, nil
}

func defaultKind(t Type) string {
	switch t {
	case TypeFraudSuspected:
		return "TRANSACTION"
	case TypeConsentRevoked, TypeConsentUpdated, TypeConsentExpiring:
		return "CONSENT"
	case TypePlannedOutage:
		return "MAINTENANCE"
	default:
		return "ACCOUNT"
	}
}

func defaultCategory(t Type) fdxclient.NotificationCategory {
	switch t {
	case TypeFraudSuspected:
		return fdxclient.NotificationCategoryFRAUD
	case TypeConsentRevoked, TypeConsentUpdated, TypeConsentExpiring:
		return fdxclient.NotificationCategoryCONSENT
	case TypePlannedOutage:
		return fdxclient.NotificationCategoryMAINTENANCE
	default:
		return fdxclient.NotificationCategoryNEWDATA
	}
}

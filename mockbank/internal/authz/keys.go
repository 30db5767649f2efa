package authz

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// signingKey holds the provider's private key with its JOSE identity.
type signingKey struct {
	priv   crypto.Signer
	alg    jose.SignatureAlgorithm
	kid    string
	signer jose.Signer // typ JWT, for ID tokens
	atSign jose.Signer // typ at+jwt, for access tokens (RFC 9068)
	public jose.JSONWebKey
}

func newSigningKey(priv crypto.Signer) (*signingKey, error) {
	var alg jose.SignatureAlgorithm
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: ECDSA signing key must be on P-256", ErrInvalidConfig)
		}
		alg = jose.ES256
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%w: RSA signing key must have at least 2048 bits", ErrInvalidConfig)
		}
		alg = jose.RS256
	default:
		return nil, fmt.Errorf("%w: signing key must be *ecdsa.PrivateKey or *rsa.PrivateKey", ErrInvalidConfig)
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: thumbprint: %v", ErrInvalidConfig, err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	mk := func(typ jose.ContentType) (jose.Signer, error) {
		return jose.NewSigner(
			jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: priv, KeyID: pub.KeyID}},
			(&jose.SignerOptions{}).WithType(typ))
	}
	idSigner, err := mk("JWT")
	if err != nil {
		return nil, fmt.Errorf("%w: signer: %v", ErrInvalidConfig, err)
	}
	atSigner, err := mk("at+jwt")
	if err != nil {
		return nil, fmt.Errorf("%w: signer: %v", ErrInvalidConfig, err)
	}
	return &signingKey{priv: priv, alg: alg, kid: pub.KeyID, signer: idSigner, atSign: atSigner, public: pub}, nil
}

// deriveP256 turns a seed into a P-256 private key deterministically, so a
// mockbank restarted with the same seed keeps the same JWKS and tokens issued
// before the restart still verify. Not for production keys: the seed is the
// whole secret.
func deriveP256(seed, bank string) (*ecdsa.PrivateKey, error) {
	return deriveP256Label("signing-key", seed, bank)
}

// DemoClientKey derives the private key of a bank's ready private_key_jwt
// client from the mockbank seed, so the wiring can register its public half
// (PublicJWKS) and the CLI, examples and tests can sign assertions with the
// same key without storing it. It is a test credential, never a real one.
func DemoClientKey(seed, bank string) (*ecdsa.PrivateKey, error) {
	return deriveP256Label("demo-client-key", seed, bank)
}

func deriveP256Label(label, seed, bank string) (*ecdsa.PrivateKey, error) {
	for counter := uint32(0); counter < 64; counter++ {
		h := sha256.New()
		h.Write([]byte("obconnect/mockbank/authz/" + label + "/v1\x00"))
		h.Write([]byte(bank))
		h.Write([]byte{0})
		h.Write([]byte(seed))
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], counter)
		h.Write(c[:])
		// A scalar of zero or >= n is rejected; retry with the next counter
		// (probability about 2^-32 per try).
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), h.Sum(nil)); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: cannot derive key from seed", ErrInvalidConfig)
}

func generateP256() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// marshalKey and parseKey carry the signing key through State as PKCS #8.
func marshalKey(k crypto.Signer) ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k) }

func parseKey(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: signing key: %v", ErrInvalidState, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: signing key is not a signer", ErrInvalidState)
	}
	return s, nil
}

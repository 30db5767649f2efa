package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Errors of the keyring, for errors.Is. Their messages never hold key
// material or plaintext.
var (
	// ErrBadKey: a key or keyring specification is malformed.
	ErrBadKey = errors.New("sqlstore: bad encryption key")
	// ErrUnknownKey: a value was sealed with a key id the keyring does
	// not hold (an old key was dropped before Reencrypt finished).
	ErrUnknownKey = errors.New("sqlstore: value sealed with a key the keyring does not hold")
	// ErrDecrypt: a sealed value failed authentication: altered, moved
	// to another row, or sealed with a different key under the same id.
	ErrDecrypt = errors.New("sqlstore: sealed value failed authentication")
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// sealVersion is the first byte of every sealed value.
const sealVersion = 1

// Key is one encryption key: 32 random bytes and the id that names it in
// every value it seals. Its String hides the secret.
type Key struct {
	// ID names the key; 1 to 64 characters of [A-Za-z0-9._-].
	ID string
	// Secret is the AES-256 key.
	Secret []byte
}

// String shows the key id only.
func (k Key) String() string { return "sqlstore.Key{ID: " + k.ID + "}" }

// GoString is String, so that %#v hides the secret too.
func (k Key) GoString() string { return k.String() }

// GenerateKey returns a new random key named id.
func GenerateKey(id string) (Key, error) {
	if err := validKeyID(id); err != nil {
		return Key{}, err
	}
	k := Key{ID: id, Secret: make([]byte, KeySize)}
	_, _ = rand.Read(k.Secret) // crypto/rand.Read never fails (Go 1.24+)
	return k, nil
}

// Encode returns the key in the form ParseKeyring reads: "id:base64".
// The result is secret.
func (k Key) Encode() string { return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret) }

// Keyring holds the keys that seal tokens at rest: the primary key seals
// every new value; the others only open values sealed before a rotation.
// Sealing is AES-256-GCM (crypto/cipher: the standard library's AEAD),
// with a random 96-bit nonce per value and the row's key as additional
// data, so a sealed value moved to another row fails to open. A Keyring
// is immutable and safe for concurrent use.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a keyring whose primary key is primary; older keys
// (by rotation) still open what they sealed. Errors wrap ErrBadKey.
func NewKeyring(primary Key, older ...Key) (*Keyring, error) {
	kr := &Keyring{primary: primary.ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range append([]Key{primary}, older...) {
		if err := validKeyID(k.ID); err != nil {
			return nil, err
		}
		if _, dup := kr.aeads[k.ID]; dup {
			return nil, fmt.Errorf("%w: key id %q appears twice", ErrBadKey, k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("%w: key %q must be %d bytes (AES-256), not %d", ErrBadKey, k.ID, KeySize, len(k.Secret))
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrBadKey, k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrBadKey, k.ID, err)
		}
		kr.aeads[k.ID] = aead
	}
	return kr, nil
}

// ParseKeyring reads a keyring from "id:base64key[,id:base64key...]",
// the form an environment variable or a secret manager holds (Key.Encode
// writes one element). The first key is the primary. Errors wrap
// ErrBadKey and never repeat the key material.
func ParseKeyring(spec string) (*Keyring, error) {
	var keys []Key
	for i, part := range strings.Split(strings.TrimSpace(spec), ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || id == "" || b64 == "" {
			return nil, fmt.Errorf("%w: element %d is not id:base64key", ErrBadKey, i+1)
		}
		if err := validKeyID(id); err != nil {
			return nil, err
		}
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q is not standard base64", ErrBadKey, id)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return NewKeyring(keys[0], keys[1:]...)
}

// PrimaryID is the id of the key that seals new values.
func (kr *Keyring) PrimaryID() string { return kr.primary }

// Seal encrypts plaintext with the primary key, binding it to aad. The
// result names the key, so Open finds it after a rotation.
func (kr *Keyring) Seal(plaintext, aad []byte) []byte {
	aead := kr.aeads[kr.primary]
	out := make([]byte, 0, 2+len(kr.primary)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, sealVersion, byte(len(kr.primary)))
	out = append(out, kr.primary...)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad)
}

// Open decrypts a value Seal produced with the same aad and reports the
// id of the key that sealed it. Errors wrap ErrUnknownKey or ErrDecrypt.
func (kr *Keyring) Open(sealed, aad []byte) (plaintext []byte, keyID string, err error) {
	id, nonceAndCT, err := splitSealed(sealed)
	if err != nil {
		return nil, "", err
	}
	aead, ok := kr.aeads[id]
	if !ok {
		return nil, id, fmt.Errorf("%w: %q", ErrUnknownKey, id)
	}
	if len(nonceAndCT) < aead.NonceSize()+aead.Overhead() {
		return nil, id, fmt.Errorf("%w: value too short", ErrDecrypt)
	}
	nonce, ct := nonceAndCT[:aead.NonceSize()], nonceAndCT[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, id, ErrDecrypt
	}
	return pt, id, nil
}

// SealedKeyID returns the id of the key that sealed a value, without
// opening it.
func SealedKeyID(sealed []byte) (string, error) {
	id, _, err := splitSealed(sealed)
	return id, err
}

func splitSealed(sealed []byte) (id string, rest []byte, err error) {
	if len(sealed) < 2 || sealed[0] != sealVersion || len(sealed) < 2+int(sealed[1]) {
		return "", nil, fmt.Errorf("%w: not a sealed value of version %d", ErrDecrypt, sealVersion)
	}
	n := int(sealed[1])
	return string(sealed[2 : 2+n]), sealed[2+n:], nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w: a key id must be 1 to 64 characters", ErrBadKey)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%w: a key id may hold only letters, digits, '.', '_' and '-'", ErrBadKey)
		}
	}
	return nil
}

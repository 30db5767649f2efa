package sqlstore_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/store/sqlstore"
)

func TestKeyringSealOpen(t *testing.T) {
	k1, err := sqlstore.GenerateKey("k1")
	require.NoError(t, err)
	k2, err := sqlstore.GenerateKey("k2")
	require.NoError(t, err)
	old, err := sqlstore.NewKeyring(k1)
	require.NoError(t, err)
	sealed := old.Seal([]byte("refresh-token"), []byte("row-a"))
	assert.NotContains(t, string(sealed), "refresh-token")
	id, err := sqlstore.SealedKeyID(sealed)
	require.NoError(t, err)
	assert.Equal(t, "k1", id)
	assert.NotEqual(t, sealed, old.Seal([]byte("refresh-token"), []byte("row-a")), "a fresh nonce each time")

	rotated, err := sqlstore.ParseKeyring(k2.Encode() + "," + k1.Encode())
	require.NoError(t, err)
	assert.Equal(t, "k2", rotated.PrimaryID())
	pt, id, err := rotated.Open(sealed, []byte("row-a"))
	require.NoError(t, err)
	assert.Equal(t, "refresh-token", string(pt))
	assert.Equal(t, "k1", id)

	_, _, err = rotated.Open(sealed, []byte("row-b"))
	assert.ErrorIs(t, err, sqlstore.ErrDecrypt, "bound to its row")
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	_, _, err = rotated.Open(tampered, []byte("row-a"))
	assert.ErrorIs(t, err, sqlstore.ErrDecrypt)
	_, _, err = rotated.Open([]byte("plain"), []byte("row-a"))
	assert.ErrorIs(t, err, sqlstore.ErrDecrypt)
	onlyNew, err := sqlstore.NewKeyring(k2)
	require.NoError(t, err)
	_, _, err = onlyNew.Open(sealed, []byte("row-a"))
	assert.ErrorIs(t, err, sqlstore.ErrUnknownKey)
}

func TestKeyringBadInput(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 16)
	short := base64.StdEncoding.EncodeToString(secret)
	for name, spec := range map[string]string{
		"empty":        "",
		"no id":        short,
		"short key":    "k1:" + short,
		"not base64":   "k1:%%%",
		"bad id":       "k 1:" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"duplicate id": "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + ",k1:" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sqlstore.ParseKeyring(spec)
			require.ErrorIs(t, err, sqlstore.ErrBadKey)
			assert.NotContains(t, err.Error(), short, "no key material in the message")
			assert.Less(t, len(err.Error()), 120, "short")
		})
	}
	k, err := sqlstore.GenerateKey("k1")
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k)} {
		assert.NotContains(t, s, base64.StdEncoding.EncodeToString(k.Secret))
		assert.Contains(t, s, "k1")
	}
}

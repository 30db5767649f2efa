package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

func TestRotateAndReencrypt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := func(env map[string]string, args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := run(ctx, args, func(k string) string { return env[k] }, &out, &errs)
		return out.String() + errs.String(), err
	}
	k1, err := cmd(nil, "genkey", "-id", "k1")
	require.NoError(t, err)
	k2, err := cmd(nil, "genkey", "-id", "k2")
	require.NoError(t, err)
	k1, k2 = strings.TrimSpace(k1), strings.TrimSpace(k2)

	old, err := sqlstore.ParseKeyring(k1)
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, path, &sqlite.Options{Keys: old})
	require.NoError(t, err)
	for _, k := range []string{"b/1", "b/2", "b/3"} {
		require.NoError(t, st.Tokens().Put(ctx, k, &sdk.TokenRecord{AccessToken: "at", RefreshToken: "rt"}))
	}
	require.NoError(t, st.Close())

	out, err := cmd(map[string]string{"OBCONNECT_KEYS": k2 + "," + k1}, "reencrypt", "-sqlite", path)
	require.NoError(t, err, out)
	assert.Contains(t, out, "sealed 3 token records again with key k2")

	onlyNew, err := sqlstore.ParseKeyring(k2)
	require.NoError(t, err)
	st, err = sqlite.Open(ctx, path, &sqlite.Options{Keys: onlyNew})
	require.NoError(t, err)
	defer st.Close()
	got, err := st.Tokens().Get(ctx, "b/2")
	require.NoError(t, err, "the old key is no longer needed")
	assert.Equal(t, "rt", got.RefreshToken)

	out, err = cmd(map[string]string{"OBCONNECT_KEYS": k2}, "migrate", "-sqlite", path)
	require.NoError(t, err)
	assert.Contains(t, out, "schema at version 1")
}

func TestBadInputIsShortAndSecretFree(t *testing.T) {
	ctx := context.Background()
	secretish := "c2VjcmV0LXNlY3JldC1zZWNyZXQ="
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "usage"},
		{nil, []string{"rotate"}, "usage"},
		{map[string]string{"OBCONNECT_KEYS": "k1:" + secretish}, []string{"reencrypt", "-sqlite", "x.db"}, "must be 32 bytes"},
		{map[string]string{"OBCONNECT_KEYS": ""}, []string{"reencrypt", "-sqlite", "x.db"}, "OBCONNECT_KEYS"},
		{map[string]string{"OBCONNECT_KEYS": "k1:" + strings.Repeat("A", 43) + "="}, []string{"reencrypt"}, "no database"},
		{map[string]string{"OBCONNECT_KEYS": "k1:" + strings.Repeat("A", 43) + "="}, []string{"reencrypt", "-postgres", "postgres://u:hunter2@[bad"}, "bad DSN"},
	} {
		var out, errs bytes.Buffer
		err := run(ctx, tc.args, func(k string) string { return tc.env[k] }, &out, &errs)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), secretish)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

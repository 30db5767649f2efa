package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
	"github.com/obconnect/obconnect/store/internal/storetest"
	"github.com/obconnect/obconnect/store/sqlite"
)

// The embedded default end to end: a client on an SQLite file links at
// mockbank, refreshes, and a restarted process carries on from the file.
func TestClientOnSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "obconnect.db")
	keys := storetest.Keys(t, "k1")
	st, err := sqlite.Open(ctx, path, &sqlite.Options{Keys: keys})
	require.NoError(t, err)
	h := mockbankharness.Start(t, mockbankharness.Options{Bank: "wellsfargo"})
	withStore := func(st *sqlite.Store) func(*sdk.Options) {
		return func(o *sdk.Options) { o.TokenStore, o.GrantStore = st.Tokens(), st.Grants() }
	}
	c, err := h.NewClient(ctx, withStore(st))
	require.NoError(t, err)
	g, err := h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed},
		Purpose: sdk.PurposePersonalFinancialManagement, Duration: 30 * 24 * time.Hour})
	require.NoError(t, err)
	first, err := st.Tokens().Get(ctx, g.TokenKey())
	require.NoError(t, err)

	require.NoError(t, h.ExpireAccessTokens(ctx, g))
	_, err = c.Account(ctx, g, g.AccountIDs[0])
	require.NoError(t, err)
	rotated, err := st.Tokens().Get(ctx, g.TokenKey())
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, rotated.RefreshToken, "the rotation was stored")
	assert.Equal(t, g.AccountIDs, rotated.AccountIDs, "with what the bank said of the grant")

	var raw []byte
	require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT sealed FROM obconnect_tokens").Scan(&raw))
	for _, tok := range []string{first.AccessToken, first.RefreshToken, rotated.AccessToken, rotated.RefreshToken} {
		assert.NotContains(t, string(raw), tok)
	}
	require.NoError(t, st.Close())

	// A restarted process: the grant and its rotated tokens come from the file.
	st2, err := sqlite.Open(ctx, path, &sqlite.Options{Keys: keys})
	require.NoError(t, err)
	defer st2.Close()
	saved, err := st2.Grants().Get(ctx, g.TokenKey())
	require.NoError(t, err)
	c2, err := h.NewClient(ctx, withStore(st2))
	require.NoError(t, err)
	require.NoError(t, h.ExpireAccessTokens(ctx, saved))
	_, err = c2.Account(ctx, saved, saved.AccountIDs[0])
	require.NoError(t, err, "refreshed with the stored rotated token")
	require.NoError(t, c2.Revoke(ctx, saved))
	_, err = st2.Grants().Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	_, err = st2.Tokens().Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound)
}

package app

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// TestIsolation: every read and write of the app's tables is keyed by the
// app user; one user's id never reaches another's rows, even for the same
// bank.
func TestIsolation(t *testing.T) {
	ctx := t.Context()
	k, err := sqlstore.GenerateKey("test")
	require.NoError(t, err)
	keys, err := sqlstore.NewKeyring(k)
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"), &sqlite.Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	d := &db{sql: st.DB()}
	require.NoError(t, d.migrate(ctx))
	require.NoError(t, d.migrate(ctx), "migrations run again harmlessly")

	alice, err := d.addUser(ctx, "alice", "alice-pass")
	require.NoError(t, err)
	bob, err := d.addUser(ctx, "bob", "bob-pass1")
	require.NoError(t, err)
	_, err = d.addUser(ctx, "carol", "short")
	require.Error(t, err, "passwords of fewer than 8 characters are refused")

	save := func(user, consent, acct string) {
		g := &sdk.Grant{Bank: "chase", ConsentID: consent, Purpose: sdk.PurposePersonalFinancialManagement, AccountIDs: []string{acct}}
		gj, err := json.Marshal(g)
		require.NoError(t, err)
		require.NoError(t, d.saveLink(ctx, &link{Bank: "chase", ConsentID: consent, UserID: user, Grant: g, Created: time.Now(),
			Accounts: []account{{UserID: user, Bank: "chase", ID: acct, ConsentID: consent, Type: "CHECKING", Name: "Checking", Masked: "••••" + acct[len(acct)-4:]}}}, gj))
		require.NoError(t, d.audit(ctx, user, auditEntry{At: time.Now(), What: "balances", Bank: "chase", Account: acct}))
		require.NoError(t, d.saveAlert(ctx, user, Alert{At: time.Now(), Kind: "fraud", Title: "t", Body: acct}))
	}
	save(alice, "c-alice", "acc-1111")
	save(bob, "c-bob", "acc-2222")

	for _, c := range []struct{ user, own, other, ownAcct string }{{alice, "c-alice", "c-bob", "acc-1111"}, {bob, "c-bob", "c-alice", "acc-2222"}} {
		ls, err := d.links(ctx, c.user)
		require.NoError(t, err)
		require.Len(t, ls, 1)
		assert.Equal(t, c.own, ls[0].ConsentID)
		require.Len(t, ls[0].Accounts, 1)
		assert.Equal(t, c.ownAcct, ls[0].Accounts[0].ID)
		_, err = d.link(ctx, c.user, "chase", c.other)
		assert.ErrorIs(t, err, sql.ErrNoRows)
		accts, err := d.accounts(ctx, c.user)
		require.NoError(t, err)
		require.Len(t, accts, 1)
		assert.Equal(t, c.ownAcct, accts[0].ID)
		log, err := d.auditLog(ctx, c.user, 10)
		require.NoError(t, err)
		require.Len(t, log, 1)
		assert.Equal(t, c.ownAcct, log[0].Account)
		als, err := d.alerts(ctx, c.user, 10)
		require.NoError(t, err)
		require.Len(t, als, 1)
		assert.Equal(t, c.ownAcct, als[0].Body)
		// Another's consent cannot be claimed or marked revoked.
		ok, err := d.claimRevocation(ctx, c.user, "chase", c.other)
		require.NoError(t, err)
		assert.False(t, ok)
		require.NoError(t, d.markRevoked(ctx, c.user, "chase", c.other, "x"))
	}
	ls, err := d.links(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "active", ls[0].Status, "bob's attempts changed nothing of alice's")

	// Notifications name bank ids; they map to their owner only.
	owners, err := d.ownersOfAccount(ctx, "chase", "acc-1111")
	require.NoError(t, err)
	require.Len(t, owners, 1)
	assert.Equal(t, alice, owners[0].UserID)
	u, _, err := d.ownerOfConsent(ctx, "chase", "c-bob")
	require.NoError(t, err)
	assert.Equal(t, bob, u)

	// Sessions: the cookie's token opens its own user's session only.
	tok, csrf, err := d.newSession(ctx, alice, time.Hour)
	require.NoError(t, err)
	s, ok := d.session(ctx, tok)
	require.True(t, ok)
	assert.Equal(t, alice, s.User.ID)
	assert.Equal(t, csrf, s.CSRF)
	_, ok = d.session(ctx, tok+"0")
	assert.False(t, ok)
	old, _, err := d.newSession(ctx, bob, -time.Minute)
	require.NoError(t, err)
	_, ok = d.session(ctx, old)
	assert.False(t, ok, "an expired session does not open")
	_, ok = d.checkPassword(ctx, "alice", "bob-pass1")
	assert.False(t, ok)
	got, ok := d.checkPassword(ctx, "alice", "alice-pass")
	require.True(t, ok)
	assert.Equal(t, alice, got.ID)
}

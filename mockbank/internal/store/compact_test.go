package store_test

// Tests of the seams the control side (issue 4) relies on: compact
// snapshots (MarkSeeded, ExportCompact, FromSeed) and dropped-pending events.

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/store"
)

func compactStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := store.New(store.Options{})
	st.EnsureBank("b")
	require.NoError(t, st.AddUser(ctx, "b", &store.User{ID: "u", Username: "u"}))
	at := store.DefaultNow.Add(-time.Hour)
	eager := []*store.Transaction{{ID: "e1", Status: store.TxPosted, TxTime: at, PostedTime: at, Amount: 5, Type: "FEE"}}
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "eager", UserID: "u", Kind: store.KindChecking, Status: store.StatusOpen}, eager, nil, nil))
	lazy := func() ([]*store.Transaction, []*store.Statement) {
		return []*store.Transaction{{ID: "l1", Status: store.TxPosted, TxTime: at, PostedTime: at, Amount: 7, Type: "FEE"}}, nil
	}
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "lazy", UserID: "u", Kind: store.KindSavings, Status: store.StatusOpen}, nil, nil, lazy))
	st.MarkSeeded()
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "later", UserID: "u", Kind: store.KindChecking, Status: store.StatusOpen}, nil, nil, nil))
	return st
}

func TestExportCompactLeavesSeededRecordsOut(t *testing.T) {
	ctx := context.Background()
	st := compactStore(t)
	snap, err := st.ExportCompact(ctx)
	require.NoError(t, err)
	byID := map[string]store.AccountData{}
	for _, a := range snap.Banks[0].Accounts {
		byID[a.Account.ID] = a
	}
	assert.True(t, byID["eager"].FromSeed)
	assert.True(t, byID["lazy"].FromSeed)
	assert.False(t, byID["later"].FromSeed, "created after MarkSeeded")
	assert.Empty(t, byID["eager"].Transactions)

	full, err := st.Export(ctx)
	require.NoError(t, err)
	for _, a := range full.Banks[0].Accounts {
		assert.False(t, a.FromSeed, "Export is unchanged")
	}

	// Extend a seeded account: compact snapshots now carry its records,
	// and the compact snapshot taken before still restores the seed.
	require.NoError(t, st.AddTransactions(ctx, "b", "eager", []*store.Transaction{{ID: "x", Status: store.TxPosted, TxTime: store.DefaultNow, PostedTime: store.DefaultNow, Amount: 1, Type: "FEE"}}))
	after, err := st.ExportCompact(ctx)
	require.NoError(t, err)
	for _, a := range after.Banks[0].Accounts {
		if a.Account.ID == "eager" {
			assert.False(t, a.FromSeed)
			assert.Len(t, a.Transactions, 2)
		}
	}
	require.NoError(t, st.Import(ctx, snap))
	recs, err := st.Records(ctx, "b", "eager")
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "e1", recs[0].ID)
	recs, err = st.Records(ctx, "b", "lazy")
	require.NoError(t, err)
	require.Len(t, recs, 1)

	// A store that was not populated with the same seed refuses it.
	other := store.New(store.Options{})
	assert.ErrorIs(t, other.Import(ctx, snap), store.ErrInvalid)
}

func TestDroppedPendingEmitsAnEvent(t *testing.T) {
	ctx := context.Background()
	st := compactStore(t)
	var got []store.Event
	st.OnEvent(func(e store.Event) { got = append(got, e) })
	now := st.Now()
	require.NoError(t, st.AddTransactions(ctx, "b", "later", []*store.Transaction{
		{ID: "drop", Status: store.TxPending, TxTime: now, ResolvedAt: now.Add(time.Hour), Amount: 3, Type: "POSDEBIT"},
		{ID: "post", Status: store.TxPending, TxTime: now, ResolvedAt: now.Add(time.Hour), Amount: 4, Type: "POSDEBIT"},
		{ID: "post-p", Status: store.TxPosted, TxTime: now, PostedTime: now.Add(time.Hour), ReferenceID: "post", Amount: 4, Type: "POSDEBIT"},
	}))
	got = nil
	require.NoError(t, st.AdvanceClock(ctx, 2*time.Hour))
	var dropped []string
	for _, e := range got {
		if e.Kind == store.EventTransactionDropped {
			dropped = append(dropped, e.TransactionID)
		}
	}
	assert.Equal(t, []string{"drop"}, dropped)
}

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/store"
)

var t0 = store.DefaultNow

func seed(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := store.New(store.Options{Seed: 1})
	require.NoError(t, st.AddUser(ctx, "b", &store.User{ID: "u1", Username: "alice", Password: "pw"}))
	require.NoError(t, st.AddUser(ctx, "b", &store.User{ID: "u2", Username: "bob", Password: "pw"}))
	var txs []*store.Transaction
	for i := range 50 {
		at := t0.Add(-time.Duration(50-i) * time.Hour)
		txs = append(txs, &store.Transaction{ID: fmt.Sprintf("t%02d", i), Status: store.TxPosted, TxTime: at, PostedTime: at, Amount: 100, Type: "FEE"})
	}
	// A pending that resolves in an hour, and one resolved in the past.
	txs = append(txs,
		&store.Transaction{ID: "p1", Status: store.TxPending, TxTime: t0.Add(-time.Minute), ResolvedAt: t0.Add(time.Hour), Amount: 700},
		&store.Transaction{ID: "p0", Status: store.TxPending, TxTime: t0.Add(-3 * time.Hour), ResolvedAt: t0.Add(-2 * time.Hour), Amount: 900},
		&store.Transaction{ID: "p0-post", Status: store.TxPosted, TxTime: t0.Add(-3 * time.Hour), PostedTime: t0.Add(-2 * time.Hour), ReferenceID: "p0", Amount: 950},
	)
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "a1", UserID: "u1", Kind: store.KindChecking, Last4: "1234", OpeningBalance: 10000}, txs, nil, nil))
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "a2", UserID: "u1", Kind: store.KindSavings, Last4: "9999"}, nil, nil, nil))
	return st
}

func TestPagesCoverEverythingOnce(t *testing.T) {
	ctx := context.Background()
	st := seed(t)
	for _, limit := range []int{1, 7, 10, 100} {
		seen := map[string]bool{}
		cursor := 0
		for {
			page, next, err := st.Transactions(ctx, "b", "a1", store.TxQuery{Now: st.Now(), From: t0.Add(-40 * time.Hour), Cursor: cursor, Limit: limit})
			require.NoError(t, err)
			for _, tx := range page {
				require.False(t, seen[tx.ID], "%s twice at limit %d", tx.ID, limit)
				seen[tx.ID] = true
				assert.False(t, tx.TxTime.Before(t0.Add(-40*time.Hour)))
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		assert.True(t, seen["p1"], "open pending listed")
		assert.False(t, seen["p0"], "resolved pending hidden")
		assert.True(t, seen["p0-post"])
		assert.Len(t, seen, 40+2, "limit %d", limit) // 40 fees in range (t10..t49) + p1 + p0-post
	}
	_, _, err := st.Transactions(ctx, "b", "nope", store.TxQuery{Now: st.Now(), Limit: 1})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = st.Transactions(ctx, "b", "a1", store.TxQuery{Now: st.Now(), Limit: 0})
	require.ErrorIs(t, err, store.ErrInvalid)
}

func TestBalancesAndClock(t *testing.T) {
	ctx := context.Background()
	st := seed(t)
	b, err := st.BalancesAt(ctx, "b", "a1", st.Now())
	require.NoError(t, err)
	assert.Equal(t, store.Money(10000-50*100-950), b.Current)
	assert.Equal(t, store.Money(700), b.Holds)

	var evs []store.Event
	st.OnEvent(func(e store.Event) { evs = append(evs, e) })
	require.ErrorIs(t, st.AdvanceClock(ctx, -time.Second), store.ErrInvalid)
	require.NoError(t, st.AdvanceClock(ctx, 2*time.Hour))
	assert.Equal(t, t0.Add(2*time.Hour), st.Now())
	b, err = st.BalancesAt(ctx, "b", "a1", st.Now())
	require.NoError(t, err)
	assert.Zero(t, b.Holds, "the pending dropped (no posted replacement)")

	require.NoError(t, st.AddTransactions(ctx, "b", "a2", []*store.Transaction{{ID: "d1", Status: store.TxPosted, TxTime: st.Now(), PostedTime: st.Now(), Amount: 5, Credit: true}}))
	require.Error(t, st.AddTransactions(ctx, "b", "a2", []*store.Transaction{{ID: "d1", Status: store.TxPosted, Amount: 5}}))
	require.ErrorIs(t, st.AddTransactions(ctx, "b", "a2", []*store.Transaction{{ID: "d2", Status: "WEIRD", Amount: 5}}), store.ErrInvalid)
	b, err = st.BalancesAt(ctx, "b", "a2", st.Now())
	require.NoError(t, err)
	assert.Equal(t, store.Money(5), b.Current)
	kinds := []store.EventKind{}
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []store.EventKind{store.EventTransactionDropped, store.EventClockAdvanced, store.EventTransactionNew}, kinds)
}

func TestConsentsAndSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := seed(t)
	_, err := st.CreateConsent(ctx, store.Consent{Bank: "b", UserID: "u1", ClientID: "c", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: []string{"a1"}, DurationDays: 0})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = st.CreateConsent(ctx, store.Consent{Bank: "b", UserID: "u2", ClientID: "c", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: []string{"a1"}, DurationDays: 5})
	require.ErrorIs(t, err, store.ErrInvalid, "another user's account")

	c, err := st.CreateConsent(ctx, store.Consent{Bank: "b", UserID: "u1", ClientID: "c", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: []string{"a1", "a2"}, DurationDays: 5})
	require.NoError(t, err)
	assert.Equal(t, store.ConsentActive, c.StatusAt(st.Now()))
	assert.Equal(t, store.ConsentExpired, c.StatusAt(st.Now().Add(5*24*time.Hour)))

	c2, err := st.RevokeConsent(ctx, "b", c.ID, []string{"a1"}, "USER_ACTION")
	require.NoError(t, err)
	assert.Equal(t, store.ConsentActive, c2.StatusAt(st.Now()))
	assert.False(t, c2.GrantsAccount("a1"))
	assert.True(t, c2.GrantsAccount("a2"))
	_, err = st.RevokeConsent(ctx, "b", c.ID, []string{"a1"}, "USER_ACTION")
	require.ErrorIs(t, err, store.ErrAlreadyRevoked)
	c3, err := st.RevokeConsent(ctx, "b", c.ID, []string{"a2"}, "USER_ACTION")
	require.NoError(t, err)
	assert.Equal(t, store.ConsentRevoked, c3.StatusAt(st.Now()), "revoking the last account revokes the consent")
	_, err = st.RevokeConsent(ctx, "b", c.ID, nil, "USER_ACTION")
	require.ErrorIs(t, err, store.ErrAlreadyRevoked)
	assert.True(t, c.GrantsAccount("a1"), "records are copy on write")

	s1, err := st.CreateSubscription(ctx, store.Subscription{Bank: "b", ClientID: "c1", CallbackURL: "https://x", Types: []string{"BALANCE"}})
	require.NoError(t, err)
	_, err = st.Subscription(ctx, "b", "c2", s1.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "another client's subscription is invisible")
	require.ErrorIs(t, st.DeleteSubscription(ctx, "b", "c2", s1.ID), store.ErrNotFound)
	require.NoError(t, st.DeleteSubscription(ctx, "b", "c1", s1.ID))
	subs, err := st.Subscriptions(ctx, "b", "c1")
	require.NoError(t, err)
	assert.Empty(t, subs)
}

func TestLazyAccountIsGeneratedOnce(t *testing.T) {
	ctx := context.Background()
	st := store.New(store.Options{})
	require.NoError(t, st.AddUser(ctx, "b", &store.User{ID: "u", Username: "u"}))
	calls := 0
	gen := func() ([]*store.Transaction, []*store.Statement) {
		calls++
		return []*store.Transaction{{ID: "x", AccountID: "a", Status: store.TxPosted, TxTime: t0.Add(-time.Hour), PostedTime: t0.Add(-time.Hour), Amount: 1}}, nil
	}
	require.NoError(t, st.AddAccount(ctx, "b", &store.Account{ID: "a", UserID: "u", Kind: store.KindChecking}, nil, nil, gen))
	assert.Zero(t, calls, "nothing generated before the first read")
	for range 3 {
		page, _, err := st.Transactions(ctx, "b", "a", store.TxQuery{Now: st.Now(), Limit: 10})
		require.NoError(t, err)
		assert.Len(t, page, 1)
	}
	assert.Equal(t, 1, calls)
}

func TestParseErrorUser(t *testing.T) {
	for in, want := range map[string]int{"user_error_501": 501, "user_error_1207": 1207} {
		got, ok := store.ParseErrorUser(in)
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"user_error_", "user_error_5", "user_error_12345", "user_error_50x", "user_good"} {
		_, ok := store.ParseErrorUser(in)
		assert.False(t, ok, in)
	}
}

func TestConcurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	st := seed(t)
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, _, err := st.Transactions(ctx, "b", "a1", store.TxQuery{Now: st.Now(), Limit: 5}); err != nil {
					errs <- err
					return
				}
				if _, err := st.BalancesAt(ctx, "b", "a1", st.Now()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 50 {
		require.NoError(t, st.AdvanceClock(ctx, time.Minute))
		require.NoError(t, st.AddTransactions(ctx, "b", "a1", []*store.Transaction{{ID: fmt.Sprintf("n%d", i), Status: store.TxPosted, TxTime: st.Now(), PostedTime: st.Now(), Amount: 1}}))
		_, err := st.CreateConsent(ctx, store.Consent{Bank: "b", UserID: "u1", ClientID: "c", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: []string{"a1"}, DurationDays: 1})
		require.NoError(t, err)
	}
	close(done)
	for range 4 {
		require.NoError(t, <-errs)
	}
}

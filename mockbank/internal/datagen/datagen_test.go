package datagen_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/datagen"
	"github.com/obconnect/obconnect/mockbank/internal/store"
)

func populate(t testing.TB, seed uint64, banks ...string) *store.Store {
	t.Helper()
	st := store.New(store.Options{Seed: seed})
	for _, b := range banks {
		require.NoError(t, datagen.Populate(context.Background(), st, datagen.Config{Seed: seed, Bank: b, LargeTransactions: 10_000}))
	}
	return st
}

// allTransactions reads every record of an account, visible or not.
func allTransactions(t testing.TB, st *store.Store, bank, id string) []*store.Transaction {
	t.Helper()
	txs, err := st.Records(context.Background(), bank, id)
	require.NoError(t, err)
	return txs
}

// reference recomputes balances by brute force, independently of the
// store's indexes.
func reference(a *store.Account, all []*store.Transaction, at time.Time) (cur, holds store.Money) {
	cur = a.OpeningBalance
	for _, tx := range all {
		switch tx.Status {
		case store.TxPosted:
			if !tx.PostedTime.After(at) {
				cur += tx.Effect(a.Kind)
			}
		case store.TxPending:
			open := !tx.TxTime.After(at) && (tx.ResolvedAt.IsZero() || tx.ResolvedAt.After(at))
			if open && !tx.Credit {
				holds += tx.Amount
			}
		}
	}
	return cur, holds
}

// productWords are what an account's product name must contain for its
// kind, so that a name never contradicts the FDX accountType the data API
// shows (every generated loan is an AUTOLOAN).
var productWords = map[store.Kind][]string{
	store.KindChecking:   {"Checking"},
	store.KindSavings:    {"Savings"},
	store.KindCreditCard: {"Visa", "Mastercard", "Card"},
	store.KindLoan:       {"Auto Loan"},
}

// coherentAccount checks an account's descriptors against its history and
// the simulated now: opened before its first record, named for its kind,
// and, for an open loan, a maturity after now with a balance its remaining
// payments can repay.
func coherentAccount(t *testing.T, a *store.Account, all []*store.Transaction, now time.Time, where string) {
	t.Helper()
	named := false
	for _, w := range productWords[a.Kind] {
		named = named || strings.Contains(a.ProductName, w)
	}
	assert.True(t, named, "%s: %s %q is not named for its kind", where, a.Kind, a.ProductName)
	for _, tx := range all {
		assert.False(t, tx.TxTime.Before(a.OpenDate), "%s: %s before the account opened", where, tx.ID)
	}
	if a.Kind != store.KindLoan || a.Status != store.StatusOpen {
		return
	}
	assert.Empty(t, a.LoanType, "%s: generated loans are auto loans", where)
	require.Positive(t, a.LoanTermMonths, where)
	maturity := a.OpenDate.AddDate(0, int(a.LoanTermMonths), 0)
	assert.True(t, maturity.After(now), "%s: an open loan matures after now (%s, now %s)", where, maturity, now)
	assert.True(t, a.OpenDate.Before(now), where)
	left := 0
	for m := now; m.Before(maturity); m = m.AddDate(0, 1, 0) {
		left++
	}
	var owed store.Money = a.OpeningBalance
	for _, tx := range all {
		if tx.Status == store.TxPosted && !tx.PostedTime.After(now) {
			owed += tx.Effect(a.Kind)
		}
	}
	assert.LessOrEqual(t, int64(owed), int64(a.MonthlyPayment)*int64(left), "%s: %d left owed cannot be repaid in %d payments", where, owed, left)
}

func TestBalancesReconcileForEveryAccount(t *testing.T) {
	ctx := context.Background()
	st := populate(t, 42, "chase", "citi")
	now := st.Now()
	for _, bank := range st.Banks() {
		users, err := st.Users(ctx, bank)
		require.NoError(t, err)
		for _, u := range users {
			for _, id := range u.Accounts {
				a, err := st.Account(ctx, bank, id)
				require.NoError(t, err)
				all := allTransactions(t, st, bank, id)
				require.NotEmpty(t, all, "%s/%s/%s has no history", bank, u.Username, id)

				byID := map[string]*store.Transaction{}
				for _, tx := range all {
					if _, dup := byID[tx.ID]; dup {
						require.Failf(t, "duplicate id", "%s", tx.ID)
					}
					byID[tx.ID] = tx
					assert.Positive(t, tx.Amount, "%s", tx.ID)
				}
				// Every posted replacement points at a pending that resolves
				// exactly when it posts; a pending posts at most once.
				replaced := map[string]bool{}
				for _, tx := range all {
					if tx.ReferenceID == "" {
						continue
					}
					p := byID[tx.ReferenceID]
					require.NotNil(t, p, "%s refers to a missing pending", tx.ID)
					assert.Equal(t, store.TxPending, p.Status)
					assert.True(t, p.ResolvedAt.Equal(tx.PostedTime), "%s posts when its pending resolves", tx.ID)
					assert.False(t, replaced[p.ID], "pending %s posted twice", p.ID)
					replaced[p.ID] = true
				}

				// Balances at every instant something changes, plus now.
				instants := map[time.Time]bool{now: true}
				for _, tx := range all {
					instants[tx.TxTime] = true
					if !tx.PostedTime.IsZero() {
						instants[tx.PostedTime] = true
					}
					if !tx.ResolvedAt.IsZero() {
						instants[tx.ResolvedAt] = true
					}
				}
				times := make([]time.Time, 0, len(instants))
				for at := range instants {
					times = append(times, at)
				}
				sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
				if len(times) > 200 {
					// Every instant for small accounts; a stride for big ones.
					stride := len(times) / 200
					var s []time.Time
					for i := 0; i < len(times); i += stride {
						s = append(s, times[i])
					}
					times = append(s, now)
				}
				for _, at := range times {
					got, err := st.BalancesAt(ctx, bank, id, at)
					require.NoError(t, err)
					cur, holds := reference(a, all, at)
					require.Equal(t, cur, got.Current, "%s/%s %s current at %s", bank, u.Username, id, at)
					require.Equal(t, holds, got.Holds, "%s/%s %s holds at %s", bank, u.Username, id, at)
					switch a.Kind {
					case store.KindChecking, store.KindSavings:
						assert.GreaterOrEqual(t, int64(got.Current-got.Holds), int64(0), "%s/%s %s available goes negative at %s", bank, u.Username, id, at)
					case store.KindCreditCard:
						assert.LessOrEqual(t, int64(got.Current+got.Holds), int64(a.CreditLine), "%s over its limit at %s", id, at)
					case store.KindLoan:
						assert.GreaterOrEqual(t, int64(got.Current), int64(0))
					}
				}

				// What a client sees now adds up to the current balance.
				visible, _, err := st.Transactions(ctx, bank, id, store.TxQuery{Now: now, Limit: 1 << 30})
				require.NoError(t, err)
				sum := a.OpeningBalance
				var openHolds store.Money
				for _, tx := range visible {
					if tx.Status == store.TxPosted {
						sum += tx.Effect(a.Kind)
					} else if !tx.Credit {
						openHolds += tx.Amount
					}
				}
				bal, err := st.BalancesAt(ctx, bank, id, now)
				require.NoError(t, err)
				assert.Equal(t, bal.Current, sum, "%s: visible posted records add up to the balance", id)
				assert.Equal(t, bal.Holds, openHolds, "%s: visible pendings are the holds", id)

				// Statements chain and close at the balance of their end.
				stmts, err := st.Statements(ctx, bank, id, time.Time{}, time.Time{})
				require.NoError(t, err)
				for i, s := range stmts {
					cur, _ := reference(a, all, s.PeriodEnd.Add(-time.Nanosecond))
					assert.Equal(t, cur, s.ClosingBalance, "%s closes at its balance", s.ID)
					if i+1 < len(stmts) {
						assert.Equal(t, stmts[i+1].ClosingBalance, s.OpeningBalance, "%s opens where the previous closed", s.ID)
					}
					// A statement's rows are in posting order, inside its period.
					rows, err := st.StatementTransactions(ctx, bank, id, s)
					require.NoError(t, err)
					assert.True(t, sort.SliceIsSorted(rows, func(i, j int) bool { return rows[i].PostedTime.Before(rows[j].PostedTime) }), "%s rows in date order", s.ID)
					for _, r := range rows {
						assert.False(t, r.PostedTime.Before(s.PeriodStart) || !r.PostedTime.Before(s.PeriodEnd), "%s: %s outside the period", s.ID, r.ID)
					}
				}

				coherentAccount(t, a, all, now, bank+"/"+u.Username)
			}
		}
	}
}

func TestUsersAndScenarios(t *testing.T) {
	ctx := context.Background()
	st := populate(t, 1, "chase")
	now := st.Now()
	good, err := st.UserByUsername(ctx, "chase", "user_good")
	require.NoError(t, err)
	require.Len(t, good.Accounts, 4)
	kinds := map[store.Kind]bool{}
	for _, id := range good.Accounts {
		a, err := st.Account(ctx, "chase", id)
		require.NoError(t, err)
		kinds[a.Kind] = true
		all := allTransactions(t, st, "chase", id)
		oldest := all[len(all)-1].TxTime
		assert.False(t, all[0].TxTime.After(now), "no future activity outside user_live")
		assert.True(t, oldest.Before(now.AddDate(0, -23, 0)), "%s has 24 months of history", id)
	}
	assert.Len(t, kinds, 4)

	mfa, err := st.UserByUsername(ctx, "chase", "user_mfa")
	require.NoError(t, err)
	assert.Equal(t, "123456", mfa.OTP)

	locked, err := st.UserByUsername(ctx, "chase", "user_locked")
	require.NoError(t, err)
	a, err := st.Account(ctx, "chase", locked.Accounts[0])
	require.NoError(t, err)
	assert.Equal(t, store.StatusRestricted, a.Status)

	closed, err := st.UserByUsername(ctx, "chase", "user_closed")
	require.NoError(t, err)
	var statuses []string
	for _, id := range closed.Accounts {
		a, err := st.Account(ctx, "chase", id)
		require.NoError(t, err)
		statuses = append(statuses, a.Status)
		if a.Status == store.StatusClosed {
			bal, err := st.BalancesAt(ctx, "chase", id, now)
			require.NoError(t, err)
			assert.Zero(t, bal.Current, "a closed account was swept to zero")
		}
	}
	assert.Contains(t, statuses, store.StatusClosed)

	eu, err := st.UserByUsername(ctx, "chase", "user_error_501")
	require.NoError(t, err)
	assert.Equal(t, 501, eu.ErrorCode)
	require.NoError(t, datagen.EnsureErrorUser(ctx, st, datagen.Config{Seed: 1, Bank: "chase"}, 1207))
	require.NoError(t, datagen.EnsureErrorUser(ctx, st, datagen.Config{Seed: 1, Bank: "chase"}, 1207))
	eu, err = st.UserByUsername(ctx, "chase", "user_error_1207")
	require.NoError(t, err)
	assert.Equal(t, 1207, eu.ErrorCode)

	large, err := st.UserByUsername(ctx, "chase", "user_large")
	require.NoError(t, err)
	assert.Greater(t, len(allTransactions(t, st, "chase", large.Accounts[0])), 8_000)
}

func TestLiveUserPostsAsClockAdvances(t *testing.T) {
	ctx := context.Background()
	st := populate(t, 7, "usbank")
	var events []store.Event
	st.OnEvent(func(e store.Event) { events = append(events, e) })
	live, err := st.UserByUsername(ctx, "usbank", "user_live")
	require.NoError(t, err)
	id := live.Accounts[len(live.Accounts)-1] // the card
	page := func() []*store.Transaction {
		txs, _, err := st.Transactions(ctx, "usbank", id, store.TxQuery{Now: st.Now(), Limit: 50})
		require.NoError(t, err)
		return txs
	}
	var pending []string
	for _, tx := range page() {
		if tx.Status == store.TxPending {
			pending = append(pending, tx.ID)
		}
	}
	require.NotEmpty(t, pending, "the live user has pending transactions now")
	require.NoError(t, st.AdvanceClock(ctx, 5*24*time.Hour))
	after := map[string]bool{}
	for _, tx := range page() {
		after[tx.ID] = true
	}
	for _, p := range pending {
		assert.False(t, after[p], "pending %s resolved after five days", p)
	}
	var posted, added int
	for _, e := range events {
		switch e.Kind {
		case store.EventTransactionPosted:
			posted++
		case store.EventTransactionNew:
			added++
		}
	}
	assert.Positive(t, posted)
	assert.Positive(t, added)
	assert.Equal(t, store.EventClockAdvanced, events[len(events)-1].Kind)
}

func TestSameSeedSameData(t *testing.T) {
	ctx := context.Background()
	export := func(seed uint64) []byte {
		st := populate(t, seed, "wellsfargo")
		b, err := st.ExportJSON(ctx)
		require.NoError(t, err)
		return b
	}
	a, b := export(3), export(3)
	require.Equal(t, a, b)
	assert.NotEqual(t, a, export(4))
}

func TestSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := populate(t, 5, "citi")
	good, err := st.UserByUsername(ctx, "citi", "user_good")
	require.NoError(t, err)
	c, err := st.CreateConsent(ctx, store.Consent{Bank: "citi", UserID: good.ID, ClientID: "cl1", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: good.Accounts[:1], DurationDays: 30})
	require.NoError(t, err)
	require.NoError(t, st.AdvanceClock(ctx, time.Hour))
	snap, err := st.Export(ctx)
	require.NoError(t, err)
	raw, err := json.Marshal(snap)
	require.NoError(t, err)

	var back store.Snapshot
	require.NoError(t, json.Unmarshal(raw, &back))
	other := store.New(store.Options{Seed: 5})
	require.NoError(t, other.Import(ctx, &back))
	again, err := other.ExportJSON(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(again))
	got, err := other.Consent(ctx, "citi", c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.AccountIDs, got.AccountIDs)
	assert.Equal(t, st.Now(), other.Now())

	// A bad snapshot changes nothing.
	bad := back
	bad.Version = 99
	require.ErrorIs(t, other.Import(ctx, &bad), store.ErrInvalid)
	_, err = other.Consent(ctx, "citi", c.ID)
	require.NoError(t, err)
}

// TestLargeUserIsCompact pins what keeps four banks' user_large under the
// memory target: the default size, and one copy of each description
// however many records carry it.
func TestLargeUserIsCompact(t *testing.T) {
	ctx := context.Background()
	st := store.New(store.Options{Seed: 3})
	require.NoError(t, datagen.Populate(ctx, st, datagen.Config{Seed: 3, Bank: "usbank"}))
	large, err := st.UserByUsername(ctx, "usbank", "user_large")
	require.NoError(t, err)
	all := allTransactions(t, st, "usbank", large.Accounts[0])
	assert.InDelta(t, 50_000, len(all), 10_000, "default user_large size")
	copies := map[string]map[*byte]bool{}
	for _, tx := range all {
		if copies[tx.Description] == nil {
			copies[tx.Description] = map[*byte]bool{}
		}
		copies[tx.Description][unsafe.StringData(tx.Description)] = true
	}
	for desc, ptrs := range copies {
		assert.Equal(t, 1, len(ptrs), "%q is stored %d times", desc, len(ptrs))
	}
}

package txsync_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/txsync"
)

const day = 24 * time.Hour

var debugSync = os.Getenv("TXSYNC_DEBUG") != ""

func newSyncer(t testing.TB, b *fakeBank, store txsync.StateStore) *txsync.Syncer {
	t.Helper()
	s, err := txsync.New(store, &txsync.Options{Now: b.clock})
	require.NoError(t, err)
	return s
}

func ids(txs []model.Transaction) []string {
	out := make([]string, 0, len(txs))
	for _, t := range txs {
		out = append(out, t.ID)
	}
	slices.Sort(out)
	return out
}

type mod struct{ id, prev string }

func mods(ms []txsync.Modification) []mod {
	out := make([]mod, 0, len(ms))
	for _, m := range ms {
		out = append(out, mod{m.Transaction.ID, m.PreviousID})
	}
	slices.SortFunc(out, func(a, b mod) int { return cmpID(a.id, b.id) })
	return out
}

// TestScriptedHistory walks one account through every kind of change and
// checks each Sync's exact output.
func TestScriptedHistory(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	s := newSyncer(t, b, txsync.NewMemoryStore())
	l := ledger{}

	old1 := b.addPosted(60*day, 1000)
	old2 := b.addPosted(40*day, 2000)
	p1 := b.addPending(1*day, 300)
	p2 := b.addPending(2*day, 400)
	p3 := b.addPending(3*day, 500)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	assert.Equal(t, []string{old1, old2, p1, p2, p3}, ids(r.Added))
	assert.Empty(t, r.Modified)
	assert.Empty(t, r.Removed)
	require.NoError(t, l.apply(r))

	// Nothing changed: nothing reported.
	r2, err := s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
	assert.Empty(t, r2.Added)
	assert.Empty(t, r2.Modified)
	assert.Empty(t, r2.Removed)
	assert.NotEqual(t, r.Next, r2.Next)

	b.advance(day)
	b.postSameID(p1)                  // posts under its own id
	x2 := b.postNewID(p2, 410, false) // posts under a new id, amount changed
	b.drop(p3)                        // dropped
	late := b.addPosted(5*day, 700)   // late posting inside the lookback
	p4 := b.addPending(0, 900)
	tooLate := b.addPosted(20*day, 50) // beyond the lookback: not guaranteed, must not break anything
	r3, err := s.Sync(ctx, c, g, acct, r2.Next)
	require.NoError(t, err)
	assert.Equal(t, []string{late, p4}, ids(r3.Added))
	assert.Equal(t, []mod{{p1, p1}, {x2, p2}}, mods(r3.Modified))
	assert.Equal(t, []string{p3}, r3.Removed)
	require.NoError(t, l.apply(r3))

	b.advance(day)
	b.setAmount(p4, 950) // amount change while pending
	p5 := b.addPending(0, 120)
	r4, err := s.Sync(ctx, c, g, acct, r3.Next)
	require.NoError(t, err)
	assert.Equal(t, []string{p5}, ids(r4.Added))
	assert.Equal(t, []mod{{p4, p4}}, mods(r4.Modified))
	assert.Empty(t, r4.Removed)
	require.NoError(t, l.apply(r4))

	b.advance(day)
	x5 := b.postNewID(p5, 120, true) // the bank lists the pending and the posted one
	r5, err := s.Sync(ctx, c, g, acct, r4.Next)
	require.NoError(t, err)
	assert.Empty(t, r5.Added)
	assert.Equal(t, []mod{{x5, p5}}, mods(r5.Modified))
	assert.Empty(t, r5.Removed)
	require.NoError(t, l.apply(r5))

	b.drop(p5) // the superseded pending disappears later: nothing to report
	r6, err := s.Sync(ctx, c, g, acct, r5.Next)
	require.NoError(t, err)
	assert.Empty(t, r6.Added)
	assert.Empty(t, r6.Modified)
	assert.Empty(t, r6.Removed)
	require.NoError(t, l.apply(r6))

	truth := b.truth()
	delete(truth, tooLate)
	assert.Equal(t, map[string]model.Transaction(truth), map[string]model.Transaction(l))
}

// TestOldPendingStaysTracked: a pending transaction older than the
// lookback is still read until it posts or drops.
func TestOldPendingStaysTracked(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	s := newSyncer(t, b, txsync.NewMemoryStore())
	p := b.addPending(day, 100)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	b.advance(30 * day)
	r, err = s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
	assert.Empty(t, r.Removed)
	x := b.postNewID(p, 100, false)
	r, err = s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
	assert.Equal(t, []mod{{x, p}}, mods(r.Modified))
	assert.Empty(t, r.Added)
	assert.Empty(t, r.Removed)
}

// TestBankClockBehind: the Syncer's clock runs far ahead of the bank's
// (a test bank whose simulated time stands in the past, synced with the
// default wall clock): nothing may be dismissed as too old.
func TestBankClockBehind(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	s, err := txsync.New(txsync.NewMemoryStore(), &txsync.Options{Now: func() time.Time { return b.clock().Add(200 * day) }})
	require.NoError(t, err)
	l := ledger{}
	b.addPosted(30*day, 100)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	require.NoError(t, l.apply(r))
	for range 3 {
		b.advance(day)
		p := b.addPending(0, 200)
		b.addPosted(2*day, 300)
		r, err = s.Sync(ctx, c, g, acct, r.Next)
		require.NoError(t, err)
		require.NoError(t, l.apply(r))
		b.postNewID(p, 250, false)
		r, err = s.Sync(ctx, c, g, acct, r.Next)
		require.NoError(t, err)
		require.NoError(t, l.apply(r))
		require.Equal(t, map[string]model.Transaction(b.truth()), map[string]model.Transaction(l))
	}
}

// TestRetryWithPreviousCursor: the integrator crashed after Sync returned
// but before persisting; the old cursor yields the same changes again.
func TestRetryWithPreviousCursor(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	s := newSyncer(t, b, txsync.NewMemoryStore())
	b.addPending(0, 100)
	r1, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	b.addPosted(day, 5)
	a, err := s.Sync(ctx, c, g, acct, r1.Next)
	require.NoError(t, err)
	again, err := s.Sync(ctx, c, g, acct, r1.Next)
	require.NoError(t, err)
	assert.Equal(t, ids(a.Added), ids(again.Added))
	assert.Len(t, again.Added, 1)
	// The lost result's snapshot is dropped once the retry commits: only
	// one line of history is kept.
	_, err = s.Sync(ctx, c, g, acct, a.Next)
	require.ErrorIs(t, err, txsync.ErrStateNotFound)
	// Later syncs keep the current line: the newest snapshot and two
	// ancestors, so the first cursor eventually falls out of reach.
	next := again.Next
	for range 2 {
		r, err := s.Sync(ctx, c, g, acct, next)
		require.NoError(t, err)
		next = r.Next
	}
	_, err = s.Sync(ctx, c, g, acct, r1.Next)
	require.ErrorIs(t, err, txsync.ErrStateNotFound)
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	_, err = s.Sync(ctx, c, g, acct, next)
	require.NoError(t, err)
}

func TestCursorErrors(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	store := txsync.NewMemoryStore()
	s := newSyncer(t, b, store)
	b.addPending(0, 100)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)

	for _, bad := range []string{"x", "!!!", r.Next[:len(r.Next)-2], r.Next + "AA", string(make([]byte, 10000))} {
		_, err := s.Sync(ctx, c, g, acct, bad)
		require.ErrorIs(t, err, txsync.ErrInvalidCursor, "%.20q", bad)
		assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
	}
	// One flipped character breaks the checksum.
	flipped := []byte(r.Next)
	flipped[10] ^= 1
	if flipped[10] == '-' || flipped[10] == '_' || flipped[10] >= 0x7f {
		flipped[10] = 'A'
	}
	_, err = s.Sync(ctx, c, g, acct, string(flipped))
	require.ErrorIs(t, err, txsync.ErrInvalidCursor)

	g.AccountIDs = append(g.AccountIDs, "acc-2")
	_, err = s.Sync(ctx, c, g, "acc-2", r.Next)
	require.ErrorIs(t, err, txsync.ErrCursorMismatch)

	_, err = s.Sync(ctx, c, g, "bad/id", "")
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	_, err = s.Sync(ctx, nil, g, acct, "")
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)

	n, err := txsync.Forget(ctx, store, fakeName, acct)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = s.Sync(ctx, c, g, acct, r.Next)
	require.ErrorIs(t, err, txsync.ErrStateNotFound)
	assert.Zero(t, store.Len())

	assert.NotContains(t, r.Next, acct, "the cursor names no account")
}

func TestConsentRevokedCommitsNothing(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	store := txsync.NewMemoryStore()
	s := newSyncer(t, b, store)
	b.addPending(0, 100)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	g.RevokedAt = b.clock()
	calls := b.pages
	_, err = s.Sync(ctx, c, g, acct, r.Next)
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	assert.Equal(t, calls, b.pages, "no page requested under a revoked grant")
}

func TestCorruptState(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	store := &corruptingStore{MemoryStore: txsync.NewMemoryStore()}
	s := newSyncer(t, b, store)
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	store.corrupt = true
	_, err = s.Sync(ctx, c, g, acct, r.Next)
	require.ErrorIs(t, err, txsync.ErrCorruptState)
	assert.ErrorIs(t, err, sdk.ErrInternal)
}

type corruptingStore struct {
	*txsync.MemoryStore
	corrupt bool
}

func (s *corruptingStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.MemoryStore.Get(ctx, key)
	if err == nil && s.corrupt {
		v[len(v)-2] ^= 0x20
	}
	return v, err
}

// TestShiftingPagesRestart: transactions appear and pendings post between
// page reads; the pass restarts and the result is still exact.
func TestShiftingPagesRestart(t *testing.T) {
	for _, keyset := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyset=%v", keyset), func(t *testing.T) { shiftingPages(t, keyset) })
	}
}

func shiftingPages(t *testing.T, keyset bool) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	b.keyset = keyset
	s := newSyncer(t, b, txsync.NewMemoryStore())
	l := ledger{}
	var pend []string
	for i := range 12 {
		pend = append(pend, b.addPending(time.Duration(i)*time.Hour, int64(100+i)))
	}
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	require.NoError(t, l.apply(r))

	// During the next pass: after the first page, a new transaction
	// shifts everything down, and a pending on a later page posts under a
	// new id dated on an earlier page.
	b.pageHook = func(page int) error {
		if page == b.firstPageOfPass+1 {
			b.addPending(0, 5)
			b.postNewID(pend[10], 110, false)
		}
		return nil
	}
	b.firstPageOfPass = b.pages
	r, err = s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
	assert.Positive(t, r.Restarts)
	require.NoError(t, l.apply(r))
	b.pageHook = nil
	assert.Equal(t, map[string]model.Transaction(b.truth()), map[string]model.Transaction(l))
}

// TestOverlappingPages: a bank whose pages always repeat one item is
// stable, not changing: the sync succeeds, exact, without restarts.
func TestOverlappingPages(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	b.overlap = true
	s := newSyncer(t, b, txsync.NewMemoryStore())
	for i := range 15 {
		b.addPending(time.Duration(i)*time.Hour, int64(i+1))
	}
	l := ledger{}
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	assert.Zero(t, r.Restarts)
	require.NoError(t, l.apply(r))
	b.advance(day)
	b.postSameID(b.ids(func(model.Transaction) bool { return true })[3])
	r, err = s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
	assert.Zero(t, r.Restarts)
	require.NoError(t, l.apply(r))
	assert.Len(t, r.Modified, 1)
	assert.Equal(t, map[string]model.Transaction(b.truth()), map[string]model.Transaction(l))
}

func TestUnstableGivesUp(t *testing.T) {
	ctx := context.Background()
	b, c, g := newFakeBank(t)
	s, err := txsync.New(txsync.NewMemoryStore(), &txsync.Options{Now: b.clock, MaxRestarts: 2})
	require.NoError(t, err)
	for i := range 10 {
		b.addPending(time.Duration(i)*time.Hour, 100)
	}
	r, err := s.Sync(ctx, c, g, acct, "")
	require.NoError(t, err)
	b.pageHook = func(page int) error {
		if page%2 == 1 {
			b.addPending(0, 1) // something new on every pass
		}
		return nil
	}
	_, err = s.Sync(ctx, c, g, acct, r.Next)
	require.ErrorIs(t, err, txsync.ErrUnstable)
	assert.True(t, obcerr.ErrorCode(err).Retryable())
	b.pageHook = nil
	// Nothing was committed: the same cursor still works.
	_, err = s.Sync(ctx, c, g, acct, r.Next)
	require.NoError(t, err)
}

// TestRandomHistory is the property test: a seeded random history with
// faults injected at random pages, changes during passes, lost results
// and process restarts (a new Syncer over the reopened bbolt file). After
// every quiet sync the integrator's ledger must equal the bank's truth.
func TestRandomHistory(t *testing.T) {
	for seed := uint64(1); seed <= 9; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { randomHistory(t, seed) })
	}
}

func randomHistory(t *testing.T, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x7a5c))
	b, c, g := newFakeBank(t)
	// A third of the histories come from a bank with page keys, a third
	// from one whose offset pages overlap by one item.
	b.keyset, b.overlap = seed%3 == 1, seed%3 == 2
	path := filepath.Join(t.TempDir(), "state.db")
	store, err := txsync.OpenBolt(path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	s := newSyncer(t, b, store)
	l := ledger{}
	cur := ""
	for range 15 {
		b.addPosted(time.Duration(rng.IntN(200))*day, rng.Int64N(10000)+1)
	}
	lookbackSafe := 12 * day // inside the 14-day lookback with a margin for date truncation

	mutate := func() {
		// A pending one already replaced by a posted one (still listed by
		// some banks) does not post a second time.
		replaced := map[string]bool{}
		for _, t := range b.truthless() {
			replaced[t.ReplacesID] = true
		}
		pend := b.ids(func(t model.Transaction) bool { return t.Status == model.Pending && !replaced[t.ID] })
		recent := b.ids(func(t model.Transaction) bool {
			return t.Status == model.Posted && b.now.Sub(t.TransactionTime) < lookbackSafe
		})
		switch k := rng.IntN(10); {
		case k < 3:
			b.addPending(time.Duration(rng.IntN(48))*time.Hour, rng.Int64N(5000)+1)
		case k < 4:
			b.addPosted(time.Duration(rng.IntN(int(lookbackSafe/time.Hour)))*time.Hour, rng.Int64N(5000)+1)
		case k < 6 && len(pend) > 0:
			id := pend[rng.IntN(len(pend))]
			if rng.IntN(2) == 0 {
				b.postSameID(id)
			} else {
				b.postNewID(id, rng.Int64N(5000)+1, rng.IntN(3) == 0)
			}
		case k < 7 && len(pend) > 0:
			b.drop(pend[rng.IntN(len(pend))])
		case k < 8 && len(pend) > 0:
			b.setAmount(pend[rng.IntN(len(pend))], rng.Int64N(5000)+1)
		case k < 9 && len(recent) > 0:
			b.setAmount(recent[rng.IntN(len(recent))], rng.Int64N(5000)+1)
		default:
			b.addPending(0, rng.Int64N(100)+1)
		}
	}

	faultErr := obcerr.New(obcerr.Unavailable, "injected fault")
	for round := range 40 {
		b.advance(time.Duration(rng.IntN(36)+1) * time.Hour)
		for range rng.IntN(6) {
			mutate()
		}
		quiet := rng.IntN(3) == 0
		var r *txsync.Result
		for attempt := 0; ; attempt++ {
			require.Less(t, attempt, 50, "round %d never completed", round)
			b.pageHook = nil
			if !quiet && attempt < 6 {
				// A bad spell: failing pages and changes under the pass,
				// for a few attempts.
				b.pageHook = func(int) error {
					if rng.IntN(10) == 0 {
						return faultErr
					}
					if rng.IntN(12) == 0 {
						mutate()
					}
					return nil
				}
			}
			r, err = s.Sync(ctx, c, g, acct, cur)
			if err != nil {
				require.True(t, errors.Is(err, faultErr) || errors.Is(err, txsync.ErrUnstable), "round %d: %v", round, err)
				continue
			}
			if !quiet && rng.IntN(5) == 0 {
				continue // the integrator lost this result: retry with the old cursor
			}
			break
		}
		if debugSync {
			t.Logf("round %d now=%s added=%v modified=%v removed=%v restarts=%d", round, b.clock().Format(time.DateTime), ids(r.Added), mods(r.Modified), r.Removed, r.Restarts)
		}
		require.NoError(t, l.apply(r), "round %d", round)
		cur = r.Next
		b.pageHook = nil

		if rng.IntN(4) == 0 { // process restart
			require.NoError(t, store.Close())
			store, err = txsync.OpenBolt(path, nil)
			require.NoError(t, err)
			s = newSyncer(t, b, store)
		}
		if quiet {
			require.Equal(t, map[string]model.Transaction(b.truth()), map[string]model.Transaction(l), "round %d", round)
		}
	}
	// Settle: one quiet sync must leave the ledger exact.
	r, err := s.Sync(ctx, c, g, acct, cur)
	require.NoError(t, err)
	require.NoError(t, l.apply(r))
	require.Equal(t, map[string]model.Transaction(b.truth()), map[string]model.Transaction(l))
}

func TestBoltReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := txsync.OpenBolt(path, nil)
	require.NoError(t, err)
	require.NoError(t, st.Put(ctx, "txsync/b/a/1", []byte("one")))
	require.NoError(t, st.Put(ctx, "txsync/b/a/2", []byte("two")))
	require.NoError(t, st.Put(ctx, "txsync/b/c/1", []byte("other")))
	require.NoError(t, st.Close())

	st, err = txsync.OpenBolt(path, nil)
	require.NoError(t, err)
	defer st.Close()
	v, err := st.Get(ctx, "txsync/b/a/2")
	require.NoError(t, err)
	assert.Equal(t, "two", string(v))
	n, err := st.DeletePrefix(ctx, "txsync/b/a/")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = st.Get(ctx, "txsync/b/a/1")
	require.ErrorIs(t, err, txsync.ErrNotFound)
	v, err = st.Get(ctx, "txsync/b/c/1")
	require.NoError(t, err)
	assert.Equal(t, "other", string(v))

	// A second opener waits for the lock, then gives up.
	_, err = txsync.OpenBolt(path, &txsync.BoltOptions{Timeout: 50 * time.Millisecond})
	require.Error(t, err)
}

func TestTransactionWithoutID(t *testing.T) {
	b, c, g := newFakeBank(t)
	s := newSyncer(t, b, txsync.NewMemoryStore())
	b.txs[""] = model.Transaction{AccountID: acct, Status: model.Posted, Amount: usd(-1), TransactionTime: b.now}
	_, err := s.Sync(context.Background(), c, g, acct, "")
	require.ErrorIs(t, err, sdk.ErrInternal)
}

func TestNewValidates(t *testing.T) {
	_, err := txsync.New(nil, nil)
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	_, err = txsync.New(txsync.NewMemoryStore(), &txsync.Options{Lookback: -1})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
}

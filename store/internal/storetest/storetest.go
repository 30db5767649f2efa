// Package storetest is the conformance suite of the SQL stores: the same
// subtests run on SQLite and on PostgreSQL, each on a fresh database.
package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/lifecycle"
	"github.com/obconnect/obconnect/sdk/txsync"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// Opener opens a store on the subtest's database; every call opens the
// same database (as another process would), with opts' keys and clock.
// The store is closed when the test ends.
type Opener func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store

// NewDB makes a fresh, empty database for one subtest.
type NewDB func(t *testing.T) Opener

// Keys returns a keyring of fixed test keys: the first is the primary.
func Keys(t testing.TB, ids ...string) *sqlstore.Keyring {
	t.Helper()
	var keys []sqlstore.Key
	for _, id := range ids {
		keys = append(keys, sqlstore.Key{ID: id, Secret: bytes.Repeat([]byte(id[:1]), sqlstore.KeySize)})
	}
	kr, err := sqlstore.NewKeyring(keys[0], keys[1:]...)
	require.NoError(t, err)
	return kr
}

// Run runs every subtest, each on a database of its own.
func Run(t *testing.T, newDB NewDB) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, Opener)
	}{
		{"Migrations", migrations},
		{"Tokens", tokens},
		{"RefreshSerialises", refreshSerialises},
		{"RefreshAcrossStores", refreshAcrossStores},
		{"NoTokenInClear", noTokenInClear},
		{"SealedValueBoundToRow", boundToRow},
		{"KeyRotation", keyRotation},
		{"Grants", grants},
		{"SyncState", syncState},
		{"Replay", replay},
		{"Deletions", deletions},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, newDB(t)) })
	}
}

var ctx = context.Background()

func record(i int) *sdk.TokenRecord {
	return &sdk.TokenRecord{AccessToken: fmt.Sprintf("access-secret-%d", i), TokenType: "Bearer",
		RefreshToken: fmt.Sprintf("refresh-secret-%d", i), Expiry: time.Date(2026, 3, 2, 12, 0, i, 0, time.UTC),
		Scope: "openid ACCOUNT_BASIC", AccountIDs: []string{}, ConsentExpiresAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ConsentID: "c-1"}
}

func migrations(t *testing.T, open Opener) {
	a := open(t, &sqlstore.Options{Keys: Keys(t, "k1")})
	v, err := a.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
	// Opening again (another replica, a restart) applies nothing twice;
	// so do several at once.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { open(t, &sqlstore.Options{Keys: Keys(t, "k1")}) })
	}
	wg.Wait()
	v, err = a.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
}

func tokens(t *testing.T, open Opener) {
	ts := open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).Tokens()
	_, err := ts.Get(ctx, "bank/c-1")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	require.NoError(t, ts.Put(ctx, "bank/c-1", record(1)))
	got, err := ts.Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(1), got, "the whole record, narrowing included")
	assert.NotNil(t, got.AccountIDs, "an empty account list stays a list")
	require.NoError(t, ts.Put(ctx, "bank/c-1", record(2)))
	got, err = ts.Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(2), got)
	require.NoError(t, ts.Delete(ctx, "bank/c-1"))
	require.NoError(t, ts.Delete(ctx, "bank/c-1"), "deleting nothing is fine")
	_, err = ts.Get(ctx, "bank/c-1")
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	assert.Error(t, ts.Put(ctx, "k", nil))

	_, err = ts.Refresh(ctx, "bank/none", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) {
		t.Error("fn called without a record")
		return nil, nil
	})
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	require.NoError(t, ts.Put(ctx, "bank/c-1", record(1)))
	got, err = ts.Refresh(ctx, "bank/c-1", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) { return nil, nil })
	require.NoError(t, err)
	assert.Equal(t, record(1), got)
	boom := errors.New("the bank said no")
	_, err = ts.Refresh(ctx, "bank/c-1", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) { return record(9), boom })
	assert.Same(t, boom, err)
	got, err = ts.Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(1), got, "a failed fn writes nothing")
	got, err = ts.Refresh(ctx, "bank/c-1", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) { return record(3), nil })
	require.NoError(t, err)
	assert.Equal(t, record(3), got)
	got, err = ts.Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(3), got)
}

// rotate is a refresh as a bank with rotation answers it: the next
// number, from the refresh token presented.
func rotate(inside, most *atomic.Int32) func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
	return func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
		n := inside.Add(1)
		defer inside.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond) // the bank's answer takes time
		var i int
		if _, err := fmt.Sscanf(cur.RefreshToken, "refresh-secret-%d", &i); err != nil {
			return nil, err
		}
		return record(i + 1), nil
	}
}

func refreshSerialises(t *testing.T, open Opener) {
	ts := open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).Tokens()
	require.NoError(t, ts.Put(ctx, "bank/c-1", record(0)))
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := ts.Refresh(ctx, "bank/c-1", rotate(&inside, &most))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load(), "one refresh at a time")
	got, err := ts.Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(10), got, "each refresh saw the previous one's token")

	// A waiter gives up with its context.
	held, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = ts.Refresh(ctx, "bank/c-1", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) { close(held); <-release; return nil, nil })
	}()
	<-held
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = ts.Refresh(short, "bank/c-1", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) { return nil, nil })
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	_, err = ts.Get(ctx, "bank/c-1")
	assert.NoError(t, err, "Get does not wait for the lock")
	close(release)
}

// Stores opened separately on one database (processes) serialise too.
func refreshAcrossStores(t *testing.T, open Opener) {
	var stores []*sqlstore.TokenStore
	for range 3 {
		stores = append(stores, open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).Tokens())
	}
	require.NoError(t, stores[0].Put(ctx, "bank/c-1", record(0)))
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			_, err := stores[i%3].Refresh(ctx, "bank/c-1", rotate(&inside, &most))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load())
	got, err := stores[2].Get(ctx, "bank/c-1")
	require.NoError(t, err)
	assert.Equal(t, record(12), got)
}

// rawRows returns every byte of every row of table, as text.
func rawRows(t *testing.T, db *sql.DB, table string) [][]byte {
	t.Helper()
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		var b []byte
		for _, v := range vals {
			b = fmt.Appendf(b, "%v|%s|", v, v)
		}
		out = append(out, b)
	}
	require.NoError(t, rows.Err())
	return out
}

func noTokenInClear(t *testing.T, open Opener) {
	s := open(t, &sqlstore.Options{Keys: Keys(t, "k1")})
	require.NoError(t, s.Tokens().Put(ctx, "bank/c-1", record(1)))
	_, err := s.Tokens().Refresh(ctx, "bank/c-1", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) { return record(2), nil })
	require.NoError(t, err)
	require.NoError(t, s.Tokens().Put(ctx, "bank/c-2", record(3)))
	rows := rawRows(t, s.DB(), "obconnect_tokens")
	require.Len(t, rows, 2)
	for _, row := range rows {
		assert.NotContains(t, string(row), "secret", "no token in clear")
		assert.NotContains(t, string(row), "ACCOUNT_BASIC", "nothing of the record in clear")
	}
}

func boundToRow(t *testing.T, open Opener) {
	s := open(t, &sqlstore.Options{Keys: Keys(t, "k1")})
	require.NoError(t, s.Tokens().Put(ctx, "bank/a", record(1)))
	require.NoError(t, s.Tokens().Put(ctx, "bank/b", record(2)))
	// An attacker with write access to the table swaps rows.
	_, err := s.DB().ExecContext(ctx, q(s, "UPDATE obconnect_tokens SET sealed = (SELECT sealed FROM obconnect_tokens WHERE key = ?) WHERE key = ?"), "bank/a", "bank/b")
	require.NoError(t, err)
	_, err = s.Tokens().Get(ctx, "bank/b")
	assert.ErrorIs(t, err, sqlstore.ErrDecrypt)
	assert.Equal(t, sdk.Internal, sdk.ErrorCode(err))
	assert.NotContains(t, err.Error(), "secret")
}

func q(s *sqlstore.Store, query string) string {
	if s.Dialect() == sqlstore.Postgres {
		n := 0
		var b []byte
		for _, c := range []byte(query) {
			if c == '?' {
				n++
				b = fmt.Appendf(b, "$%d", n)
				continue
			}
			b = append(b, c)
		}
		return string(b)
	}
	return query
}

func keyRotation(t *testing.T, open Opener) {
	old := open(t, &sqlstore.Options{Keys: Keys(t, "k1")})
	for i := range 250 { // more than one Reencrypt batch
		require.NoError(t, old.Tokens().Put(ctx, fmt.Sprintf("bank/c-%03d", i), record(i)))
	}
	// The integrator adds k2 as primary and keeps k1 to read old rows.
	rotated := open(t, &sqlstore.Options{Keys: Keys(t, "k2", "k1")})
	got, err := rotated.Tokens().Get(ctx, "bank/c-007")
	require.NoError(t, err, "old rows still open")
	assert.Equal(t, record(7), got)
	require.NoError(t, rotated.Tokens().Put(ctx, "bank/c-new", record(1)))
	var keyID string
	require.NoError(t, rotated.DB().QueryRowContext(ctx, q(rotated, "SELECT key_id FROM obconnect_tokens WHERE key = ?"), "bank/c-new").Scan(&keyID))
	assert.Equal(t, "k2", keyID, "new writes use the new key")

	n, err := rotated.Reencrypt(ctx)
	require.NoError(t, err)
	assert.Equal(t, 250, n)
	n, err = rotated.Reencrypt(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left")

	// k1 can go now.
	only := open(t, &sqlstore.Options{Keys: Keys(t, "k2")})
	for _, k := range []string{"bank/c-000", "bank/c-249", "bank/c-new"} {
		_, err := only.Tokens().Get(ctx, k)
		assert.NoError(t, err, k)
	}
	// Before Reencrypt, dropping the old key is an error that says so.
	require.NoError(t, old.Tokens().Put(ctx, "bank/late", record(1))) // a k1 writer still running
	_, err = only.Tokens().Get(ctx, "bank/late")
	assert.ErrorIs(t, err, sqlstore.ErrUnknownKey)
	_, err = only.Reencrypt(ctx)
	assert.ErrorIs(t, err, sqlstore.ErrUnknownKey)
}

func grants(t *testing.T, open Opener) {
	gs := open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).Grants()
	g := &sdk.Grant{Bank: "chase", ConsentID: "c-1", Clusters: []sdk.Cluster{sdk.AccountBasic}, AccountIDs: []string{"a1"},
		Purpose: sdk.PurposePersonalFinancialManagement, DurationDays: 30, CreatedAt: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), UserRef: "user-9", ID: "g-1"}
	_, err := gs.Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound)
	require.NoError(t, gs.Put(ctx, g))
	got, err := gs.Get(ctx, g.TokenKey())
	require.NoError(t, err)
	assert.Equal(t, g, got)
	g2 := g.Clone()
	g2.AccountIDs = []string{}
	require.NoError(t, gs.Put(ctx, g2))
	got, err = gs.Get(ctx, g.TokenKey())
	require.NoError(t, err)
	assert.Equal(t, g2, got)
	for i := range 5 {
		require.NoError(t, gs.Put(ctx, &sdk.Grant{Bank: "citi", ConsentID: fmt.Sprintf("c-%d", i), Purpose: sdk.PurposePersonalFinancialManagement}))
	}
	page, err := gs.List(ctx, "citi", "", 3)
	require.NoError(t, err)
	require.Len(t, page, 3)
	rest, err := gs.List(ctx, "citi", page[2].TokenKey(), 3)
	require.NoError(t, err)
	assert.Len(t, rest, 2)
	require.NoError(t, gs.Delete(ctx, g.TokenKey()))
	_, err = gs.Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound)
}

func syncState(t *testing.T, open Opener) {
	st := open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).SyncState()
	_, err := st.Get(ctx, "txsync/chase/a1/s1")
	assert.ErrorIs(t, err, txsync.ErrNotFound)
	for _, k := range []string{"txsync/chase/a1/s1", "txsync/chase/a1/s2", "txsync/chase/a10/s1", "txsync/chase/a2/s1", "txsync/chase/a1"} {
		require.NoError(t, st.Put(ctx, k, []byte(k)))
	}
	require.NoError(t, st.Put(ctx, "txsync/chase/a1/s1", []byte("v2")))
	v, err := st.Get(ctx, "txsync/chase/a1/s1")
	require.NoError(t, err)
	assert.Equal(t, []byte("v2"), v)
	n, err := st.DeletePrefix(ctx, "txsync/chase/a1/")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "a1's streams, not a10's nor the key a1 itself")
	for _, k := range []string{"txsync/chase/a10/s1", "txsync/chase/a2/s1", "txsync/chase/a1"} {
		_, err := st.Get(ctx, k)
		assert.NoError(t, err, k)
	}
	n, err = st.DeletePrefix(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	// txsync runs on it unchanged.
	_, err = txsync.New(st, nil)
	require.NoError(t, err)
	n, err = txsync.Forget(ctx, st, "chase", "a1")
	require.NoError(t, err)
	assert.Zero(t, n)
}

func replay(t *testing.T, open Opener) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a := open(t, &sqlstore.Options{Keys: Keys(t, "k1"), Now: clock}).Replay()
	b := open(t, &sqlstore.Options{Keys: Keys(t, "k1"), Now: clock}).Replay()
	ok, err := a.Claim(ctx, "chase/n-1", 5*time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = b.Claim(ctx, "chase/n-1", 5*time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "another receiver refuses the replay")
	require.NoError(t, a.Release(ctx, "chase/n-1"))
	ok, err = b.Claim(ctx, "chase/n-1", 5*time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "released: the bank's redelivery is processed")
	mu.Lock()
	now = now.Add(6 * time.Minute)
	mu.Unlock()
	ok, err = a.Claim(ctx, "chase/n-1", 5*time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "an expired claim is no claim")

	// Many receivers, one notification: one accepts.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			r := a
			if i%2 == 1 {
				r = b
			}
			ok, err := r.Claim(ctx, "chase/n-2", time.Minute)
			assert.NoError(t, err)
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, wins.Load())
}

func deletions(t *testing.T, open Opener) {
	ds := open(t, &sqlstore.Options{Keys: Keys(t, "k1")}).Deletions()
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	o1 := &lifecycle.Outcome{ID: "d-2", At: at, Bank: "usbank", ConsentID: "c-1", Source: lifecycle.FromNotification,
		AccountIDs: []string{"a1"}, Reason: "USER_ACTION", SyncStreamsDeleted: 1}
	o2 := &lifecycle.Outcome{ID: "d-1", At: at.Add(time.Second), Bank: "usbank", ConsentID: "c-2", Source: lifecycle.FromApp, Whole: true, TokensDeleted: true}
	require.NoError(t, ds.Add(ctx, o2))
	require.NoError(t, ds.Add(ctx, o1))
	assert.Error(t, ds.Add(ctx, &lifecycle.Outcome{}), "an outcome needs an id")
	got, err := ds.Pending(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, []*lifecycle.Outcome{o1, o2}, got, "oldest first")
	got, err = ds.Pending(ctx, 1)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	require.NoError(t, ds.Done(ctx, "d-2"))
	require.NoError(t, ds.Done(ctx, "d-2"))
	got, err = ds.Pending(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, []*lifecycle.Outcome{o2}, got)
}

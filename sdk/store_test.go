package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

func TestTokenRecordRoundTripsThroughJSON(t *testing.T) {
	full := &sdk.TokenRecord{AccessToken: "at-secret", TokenType: "Bearer", RefreshToken: "rt-secret",
		Expiry: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), Scope: "openid ACCOUNT_BASIC",
		AccountIDs: []string{"a1", "a2"}, ConsentExpiresAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ConsentID: "c-1"}
	for name, rec := range map[string]*sdk.TokenRecord{
		"full":            full,
		"accounts absent": {AccessToken: "a"},
		"accounts empty":  {AccessToken: "a", AccountIDs: []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(rec)
			require.NoError(t, err)
			var back sdk.TokenRecord
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, rec, &back)
			assert.Equal(t, rec.AccountIDs == nil, back.AccountIDs == nil, "nil (not said) and empty (none left) stay apart")
		})
	}

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "tok", full)
	for _, s := range []string{fmt.Sprint(full), fmt.Sprintf("%+v", full), fmt.Sprintf("%#v", full), logs.String()} {
		assert.NotContains(t, s, "secret")
	}
}

func TestMemoryTokenStoreRefresh(t *testing.T) {
	ctx := context.Background()
	s := sdk.NewMemoryTokenStore()
	_, err := s.Refresh(ctx, "k", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) {
		t.Fatal("fn called without a record")
		return nil, nil
	})
	assert.ErrorIs(t, err, sdk.ErrNotFound)

	require.NoError(t, s.Put(ctx, "k", &sdk.TokenRecord{AccessToken: "a0", RefreshToken: "r0"}))
	got, err := s.Refresh(ctx, "k", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) { return nil, nil })
	require.NoError(t, err)
	assert.Equal(t, "a0", got.AccessToken, "nil leaves the record")

	boom := errors.New("bank said no")
	_, err = s.Refresh(ctx, "k", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
		cur.AccessToken = "scribbled" // a copy: not stored
		return nil, boom
	})
	assert.Same(t, boom, err, "fn's error comes back unchanged")
	got, err = s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "a0", got.AccessToken)

	// Concurrent refreshes run one at a time, each on the previous one's
	// result: a refresh token is never presented twice.
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := s.Refresh(ctx, "k", func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
				n := inside.Add(1)
				defer inside.Add(-1)
				if n > most.Load() {
					most.Store(n)
				}
				time.Sleep(time.Millisecond)
				var i int
				_, _ = fmt.Sscanf(cur.RefreshToken, "r%d", &i)
				return &sdk.TokenRecord{AccessToken: fmt.Sprintf("a%d", i+1), RefreshToken: fmt.Sprintf("r%d", i+1)}, nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load())
	got, err = s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "r20", got.RefreshToken)

	// Waiting for the lock ends with the context; Put and Delete wait too.
	hold := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_, _ = s.Refresh(ctx, "k", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) { close(held); <-hold; return nil, nil })
	}()
	<-held
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = s.Refresh(short, "k", func(*sdk.TokenRecord) (*sdk.TokenRecord, error) { return nil, nil })
	assert.ErrorIs(t, err, sdk.ErrDeadlineExceeded)
	assert.ErrorIs(t, s.Delete(short, "k"), sdk.ErrDeadlineExceeded)
	_, err = s.Get(ctx, "k")
	assert.NoError(t, err, "Get does not wait")
	close(hold)
	require.NoError(t, s.Delete(ctx, "k"))
}

// jsonStore is a TokenStore that keeps records as JSON, as a database
// does: only what the record's fields hold survives.
type jsonStore struct {
	m        *sdk.MemoryTokenStore
	refreshs atomic.Int32
}

func (s *jsonStore) rt(r *sdk.TokenRecord) *sdk.TokenRecord {
	if r == nil {
		return nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	var out sdk.TokenRecord
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

func (s *jsonStore) Get(ctx context.Context, key string) (*sdk.TokenRecord, error) {
	r, err := s.m.Get(ctx, key)
	return s.rt(r), err
}

func (s *jsonStore) Put(ctx context.Context, key string, rec *sdk.TokenRecord) error {
	return s.m.Put(ctx, key, s.rt(rec))
}

func (s *jsonStore) Delete(ctx context.Context, key string) error { return s.m.Delete(ctx, key) }

func (s *jsonStore) Refresh(ctx context.Context, key string, fn func(*sdk.TokenRecord) (*sdk.TokenRecord, error)) (*sdk.TokenRecord, error) {
	s.refreshs.Add(1)
	r, err := s.m.Refresh(ctx, key, func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
		next, err := fn(s.rt(cur))
		return s.rt(next), err
	})
	return s.rt(r), err
}

// peer opens a second client of c's fake bank: another process sharing
// the store.
func peer(t *testing.T, bank *fakebank.Bank, c *sdk.Client, mutate func(*sdk.Options)) *sdk.Client {
	t.Helper()
	opts := &sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: bank.URL(),
		Retry: sdk.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}
	if mutate != nil {
		mutate(opts)
	}
	p, err := sdk.OpenWith(context.Background(), fakebank.Opener(fakebank.Options{Name: c.Bank()}), testCreds, opts)
	require.NoError(t, err)
	return p
}

// Clients sharing a store (processes, for the bank) refresh a grant once
// between them: the others find the rotated token under the store's lock.
func TestClientsSharingAStoreRefreshOnce(t *testing.T) {
	store := &jsonStore{m: sdk.NewMemoryTokenStore()}
	bank, a := setup(t, fakebank.Options{}, func(o *sdk.Options) { o.TokenStore = store })
	b := peer(t, bank, a, func(o *sdk.Options) { o.TokenStore = store })
	g := link(t, a)
	ctx := context.Background()
	for round := range 5 {
		bank.ExpireAccessTokens()
		before := bank.TokenCalls.Load()
		var wg sync.WaitGroup
		for i := range 8 {
			c := a
			if i%2 == 1 {
				c = b
			}
			wg.Go(func() {
				_, err := c.Account(ctx, g, "chk-1")
				assert.NoError(t, err, "round %d", round)
			})
		}
		wg.Wait()
		assert.Equal(t, before+1, bank.TokenCalls.Load(), "round %d: one refresh for both clients", round)
	}
}

// A narrowing learnt by one client reaches another through a store that
// keeps only the record's fields, and is enforced before the network.
func TestNarrowingSurvivesStorage(t *testing.T) {
	store := &jsonStore{m: sdk.NewMemoryTokenStore()}
	grants := sdk.NewMemoryGrantStore()
	nb := &narrowingBank{next: http.DefaultTransport}
	withStores := func(o *sdk.Options) {
		o.TokenStore, o.GrantStore = store, grants
		o.HTTPClient = &http.Client{Transport: nb}
	}
	bank, a := setup(t, fakebank.Options{}, withStores)
	g := link(t, a)
	ctx := context.Background()
	saved, err := grants.Get(ctx, g.TokenKey())
	require.NoError(t, err, "CompleteLink saved the grant")
	assert.Equal(t, g, saved)

	nb.withdraw([]string{"cc-1"})
	bank.ExpireAccessTokens()
	_, err = a.Account(ctx, g, "chk-1")
	require.NoError(t, err)
	saved, err = grants.Get(ctx, g.TokenKey())
	require.NoError(t, err)
	assert.Equal(t, []string{"chk-1", "loan-1"}, saved.AccountIDs, "the narrowed grant was saved")

	// A fresh process with the grant as first linked.
	b := peer(t, bank, a, withStores)
	before := bank.DataCalls.Load()
	_, err = b.Account(ctx, g, "cc-1")
	assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
	assert.Equal(t, before, bank.DataCalls.Load(), "refused before the network")
	_, err = b.Account(ctx, g, "loan-1")
	assert.NoError(t, err)

	require.NoError(t, b.Forget(ctx, g))
	_, err = grants.Get(ctx, g.TokenKey())
	assert.ErrorIs(t, err, sdk.ErrNotFound, "Forget deleted the grant record")
}

package lifecycle_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/lifecycle"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/txsync"
	"github.com/obconnect/obconnect/sdk/webhook"
)

const fakeName = "lifecyclefake"

// open opens a client for b, with tokens as its TokenStore.
func open(b *bank, tokens sdk.TokenStore, opts *sdk.Options) (*sdk.Client, error) {
	opener := func(context.Context, driver.OpenConfig) (driver.Connector, error) { return b, nil }
	o := sdk.Options{TokenStore: tokens}
	if opts != nil {
		o = *opts
		o.TokenStore = tokens
	}
	return sdk.OpenWith(context.Background(), opener, sdk.Credentials{ClientID: "app", ClientSecret: "s"}, &o)
}

// bank answers as a bank whose consent state the test sets.
type bank struct {
	driver.Connector // unused methods panic: the tests must not reach them
	mu               sync.Mutex
	revoked          bool         // whole consent revoked at the bank
	revokedAccts     []string     // accounts revoked on their own
	unreachable      bool         // every call fails as a network error
	calls            atomic.Int32 // connector calls that would be requests
	consentAccounts  []model.ConsentAccount
}

func (b *bank) Profile() driver.Profile {
	return driver.Profile{Name: fakeName, Pagination: driver.PaginationOffset, MaxPageSize: 10, DefaultPageSize: 10,
		Clusters: []model.Cluster{model.Transactions},
		Auth:     driver.AuthProfile{AuthorizationURL: "https://fake.invalid/a", TokenURL: "https://fake.invalid/t", ClientAuth: driver.ClientSecretBasic}}
}

func (b *bank) ErrorCode(err error) obcerr.Code { return obcerr.ErrorCode(err) }

func (b *bank) state() error {
	b.calls.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.unreachable:
		return obcerr.New(obcerr.Unavailable, "connection refused")
	case b.revoked:
		return obcerr.New(obcerr.ConsentRevoked, "consent revoked")
	}
	return nil
}

func (b *bank) ListTransactions(_ context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	if err := b.state(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range b.revokedAccts {
		if a == q.AccountID {
			return nil, obcerr.New(obcerr.ConsentRevoked, "account revoked")
		}
	}
	return &model.Page[model.Transaction]{Items: []model.Transaction{{ID: "t-" + q.AccountID, AccountID: q.AccountID, Status: model.Posted,
		Amount: model.Money{Minor: -100, Currency: "USD"}, TransactionTime: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}}, nil
}

func (b *bank) GetConsent(_ context.Context, id string) (*model.Consent, error) {
	b.calls.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.unreachable {
		return nil, obcerr.New(obcerr.Unavailable, "connection refused")
	}
	st := model.ConsentStatusActive
	if b.revoked {
		st = model.ConsentStatusRevoked
	}
	return &model.Consent{ID: id, Status: st, Accounts: b.consentAccounts}, nil
}

func (b *bank) RevokeConsent(context.Context, string, driver.RevocationReason) error {
	if err := b.state(); err != nil {
		return err
	}
	b.mu.Lock()
	b.revoked = true
	b.mu.Unlock()
	return nil
}

func (b *bank) RevokeAccounts(_ context.Context, _ string, ids []string, _ driver.RevocationReason) error {
	if err := b.state(); err != nil {
		return err
	}
	b.mu.Lock()
	b.revokedAccts = append(b.revokedAccts, ids...)
	b.mu.Unlock()
	return nil
}

type env struct {
	b      *bank
	c      *sdk.Client
	g      *sdk.Grant
	tokens *sdk.MemoryTokenStore
	sync   *txsync.MemoryStore
	f      *lifecycle.Forgetter
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	b := &bank{}
	tokens := sdk.NewMemoryTokenStore()
	c, err := open(b, tokens, &sdk.Options{Retry: sdk.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	g := &sdk.Grant{Bank: fakeName, ConsentID: "cns-1", Clusters: []sdk.Cluster{sdk.Transactions}, AccountIDs: []string{"a1", "a2"}}
	require.NoError(t, tokens.Put(ctx, g.TokenKey(), &sdk.TokenRecord{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}))
	store := txsync.NewMemoryStore()
	s, err := txsync.New(store, nil)
	require.NoError(t, err)
	for _, a := range g.AccountIDs {
		_, err := s.Sync(ctx, c, g, a, "")
		require.NoError(t, err)
	}
	require.Equal(t, 2, store.Len())
	f, err := lifecycle.New(c, &lifecycle.Options{Tokens: tokens, SyncState: store})
	require.NoError(t, err)
	return &env{b: b, c: c, g: g, tokens: tokens, sync: store, f: f}
}

// noMoreTraffic checks that every data call with the grant fails before
// reaching the bank.
func (e *env) noMoreTraffic(t *testing.T, account string, code obcerr.Code) {
	t.Helper()
	before := e.b.calls.Load()
	for _, err := range e.c.Transactions(context.Background(), e.g, account, sdk.TxQuery{}) {
		require.Error(t, err)
		assert.Equal(t, code, sdk.ErrorCode(err))
	}
	assert.Equal(t, before, e.b.calls.Load(), "no request reached the bank")
}

func TestNotificationWholeConsent(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	e.b.revoked = true // the user revoked at the bank
	out, err := e.f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1", Reason: "USER_ACTION", Initiator: "CUSTOMER"})
	require.NoError(t, err)
	assert.True(t, out.Whole)
	assert.Equal(t, []string{"a1", "a2"}, out.AccountIDs)
	assert.True(t, out.TokensDeleted)
	assert.Equal(t, 2, out.SyncStreamsDeleted)
	assert.Equal(t, "USER_ACTION", out.Reason)
	assert.Equal(t, lifecycle.FromNotification, out.Source)
	assert.Zero(t, e.sync.Len())
	_, err = e.tokens.Get(ctx, e.g.TokenKey())
	require.ErrorIs(t, err, sdk.ErrNotFound)
	assert.False(t, e.g.RevokedAt.IsZero())
	e.noMoreTraffic(t, "a1", sdk.ConsentRevoked)
	e.noMoreTraffic(t, "a2", sdk.ConsentRevoked)
}

func TestNotificationOneAccount(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	out, err := e.f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1", AccountID: "a2"})
	require.NoError(t, err)
	assert.False(t, out.Whole)
	assert.Equal(t, []string{"a2"}, out.AccountIDs)
	assert.False(t, out.TokensDeleted)
	assert.Equal(t, 1, out.SyncStreamsDeleted)
	assert.Equal(t, []string{"a2"}, e.g.RevokedAccounts)
	_, err = e.tokens.Get(ctx, e.g.TokenKey())
	require.NoError(t, err, "the tokens still serve a1")
	e.noMoreTraffic(t, "a2", sdk.ScopeNotGranted)

	// Revoking the last account ends the consent.
	out, err = e.f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1", AccountID: "a1"})
	require.NoError(t, err)
	assert.True(t, out.Whole)
	assert.True(t, out.TokensDeleted)
	assert.Zero(t, e.sync.Len())
	e.noMoreTraffic(t, "a1", sdk.ConsentRevoked)
}

func TestNotificationForAnotherConsent(t *testing.T) {
	e := setup(t)
	_, err := e.f.OnNotification(context.Background(), e.g, &webhook.ConsentRevoked{ConsentID: "other"})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	assert.True(t, e.g.RevokedAt.IsZero())
	_, err = (&lifecycle.Forgetter{}).OnNotification(context.Background(), e.g, &webhook.ConsentRevoked{ConsentID: "cns-1"})
	require.ErrorIs(t, err, sdk.ErrInvalidArgument, "a Forgetter not made by New")
	_, err = lifecycle.New(nil, nil)
	require.ErrorIs(t, err, sdk.ErrInvalidArgument)
	f, err := lifecycle.New(e.c, nil)
	require.NoError(t, err, "nil options: no token or sync store")
	_, err = f.OnNotification(context.Background(), e.g, &webhook.ConsentRevoked{ConsentID: "cns-1"})
	require.NoError(t, err)
	assert.False(t, e.g.RevokedAt.IsZero())
}

func TestErrorWholeConsent(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	e.b.revoked = true
	var callErr error
	for _, err := range e.c.Transactions(ctx, e.g, "a1", sdk.TxQuery{}) {
		callErr = err
	}
	require.ErrorIs(t, callErr, sdk.ErrConsentRevoked)
	out, ok, err := e.f.OnError(ctx, e.g, "a1", callErr)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, out.Whole, "the bank shows the consent revoked")
	assert.Equal(t, lifecycle.FromError, out.Source)
	assert.Zero(t, e.sync.Len())
	e.noMoreTraffic(t, "a2", sdk.ConsentRevoked)
}

func TestErrorOneAccount(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	e.b.revokedAccts = []string{"a2"}
	e.b.consentAccounts = []model.ConsentAccount{{AccountID: "a1", Status: model.ConsentStatusActive}, {AccountID: "a2", Status: model.ConsentStatusRevoked}}
	var callErr error
	for _, err := range e.c.Transactions(ctx, e.g, "a2", sdk.TxQuery{}) {
		callErr = err
	}
	out, ok, err := e.f.OnError(ctx, e.g, "a2", callErr)
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, out.Whole)
	assert.Equal(t, []string{"a2"}, out.AccountIDs)
	assert.Equal(t, 1, e.sync.Len())
	e.noMoreTraffic(t, "a2", sdk.ScopeNotGranted)
}

func TestErrorThatIsNotARevocation(t *testing.T) {
	e := setup(t)
	for _, err := range []error{nil, obcerr.New(obcerr.ConsentExpired, "expired"), obcerr.New(obcerr.Unavailable, "down")} {
		out, ok, ferr := e.f.OnError(context.Background(), e.g, "a1", err)
		assert.False(t, ok)
		assert.Nil(t, out)
		assert.NoError(t, ferr)
	}
	assert.Equal(t, 2, e.sync.Len())
}

func TestWholeWhenTheBankIsUnreachable(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	e.b.unreachable = true
	out, err := e.f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1"})
	require.NoError(t, err)
	assert.True(t, out.TokensDeleted, "deleted from the TokenStore directly")
	_, err = e.tokens.Get(ctx, e.g.TokenKey())
	require.ErrorIs(t, err, sdk.ErrNotFound)
	e.noMoreTraffic(t, "a1", sdk.ConsentRevoked)
}

func TestRevokeFromTheApp(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	out, err := e.f.Revoke(ctx, e.g, "a1")
	require.NoError(t, err)
	assert.Equal(t, lifecycle.FromApp, out.Source)
	assert.False(t, out.Whole)
	assert.Equal(t, []string{"a1"}, out.AccountIDs)
	assert.Equal(t, 1, out.SyncStreamsDeleted)
	assert.Equal(t, []string{"a1"}, e.b.revokedAccts, "revoked at the bank")
	e.noMoreTraffic(t, "a1", sdk.ScopeNotGranted)

	out, err = e.f.Revoke(ctx, e.g)
	require.NoError(t, err)
	assert.True(t, out.Whole)
	assert.ElementsMatch(t, []string{"a1", "a2"}, out.AccountIDs)
	assert.Zero(t, e.sync.Len())
	assert.True(t, e.b.revoked, "revoked at the bank")
	_, err = e.tokens.Get(ctx, e.g.TokenKey())
	require.ErrorIs(t, err, sdk.ErrNotFound)
	e.noMoreTraffic(t, "a2", sdk.ConsentRevoked)
}

func TestRevokeFromTheAppFails(t *testing.T) {
	e := setup(t)
	e.b.unreachable = true
	_, err := e.f.Revoke(context.Background(), e.g, "a1")
	require.ErrorIs(t, err, sdk.ErrUnavailable)
	assert.Equal(t, 2, e.sync.Len(), "nothing forgotten when the bank did not revoke")
	assert.Empty(t, e.g.RevokedAccounts)
}

// With a DeletionStore, every outcome is recorded before it is returned
// and stays pending until the integrator says its data is gone.
func TestDeletionsRecordedUntilDone(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	dels := lifecycle.NewMemoryDeletionStore()
	f, err := lifecycle.New(e.c, &lifecycle.Options{Tokens: e.tokens, SyncState: e.sync, Deletions: dels})
	require.NoError(t, err)
	one, err := f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1", AccountID: "a2"})
	require.NoError(t, err)
	require.NotEmpty(t, one.ID)
	e.b.revoked = true
	whole, err := f.OnNotification(ctx, e.g, &webhook.ConsentRevoked{ConsentID: "cns-1"})
	require.NoError(t, err)

	pending, err := dels.Pending(ctx, 0)
	require.NoError(t, err)
	require.Len(t, pending, 2)
	assert.Equal(t, one, pending[0], "oldest first, as returned")
	assert.Equal(t, whole, pending[1])

	require.NoError(t, dels.Done(ctx, one.ID))
	pending, err = dels.Pending(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, whole.ID, pending[0].ID)
}

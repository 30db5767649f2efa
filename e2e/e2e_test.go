package e2e_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/usbank"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/lifecycle"
	"github.com/obconnect/obconnect/sdk/txsync"
	"github.com/obconnect/obconnect/sdk/webhook"
)

const liveUser = "user_live" // pending transactions post and new ones arrive as the clock moves

// bank is everything the integrator holds for one bank.
type bank struct {
	name     string
	info     mockbanktest.Bank
	client   *sdk.Client
	grant    *sdk.Grant
	tokens   *sdk.MemoryTokenStore
	count    *counter
	in       *inbox
	forget   *lifecycle.Forgetter
	accounts []string
	ledgers  map[string]ledger
	cursors  map[string]string
	floor    time.Time // the bank's history floor at the first sync
	subVia   string
}

type world struct {
	t      *testing.T
	srv    *mockbanktest.Server
	hooks  *httptest.Server
	admin  admin
	syncer *txsync.Syncer
	store  *txsync.BoltStore
	path   string
	banks  []*bank
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts mockbank with all four banks")
	}
	w := setup(t)
	ctx := t.Context()

	// Link at every bank and subscribe to notifications.
	for _, b := range w.banks {
		w.linkAndSubscribe(b, 90*24*time.Hour)
	}

	// First sync: the whole history the bank serves.
	for _, b := range w.banks {
		w.syncAll(b)
		w.check(b, "first sync")
	}

	// Scripted activity on top of user_live's own: a pending transaction
	// that posts with a different amount, one that is dropped, and a late
	// posting dated five days ago (inside the 14-day lookback).
	now := w.srv.Now()
	for _, b := range w.banks {
		acct := b.accounts[0]
		w.admin.createTx(acct, adminapi.TransactionCreate{Amount: dec(t, "-12.34"), Description: "E2E POSTS", Status: ptr(adminapi.TransactionCreateStatus("PENDING")),
			PostAfter: ptr("20h"), PostedAmount: ptr(dec(t, "-15.00"))})
		w.admin.createTx(acct, adminapi.TransactionCreate{Amount: dec(t, "-5.00"), Description: "E2E DROPS", Status: ptr(adminapi.TransactionCreateStatus("PENDING")),
			DropAfter: ptr("30h")})
		w.admin.createTx(acct, adminapi.TransactionCreate{Amount: dec(t, "-42.00"), Description: "E2E LATE", Status: ptr(adminapi.TransactionCreateStatus("POSTED")),
			Timestamp: ptr(now.Add(-5 * 24 * time.Hour))})
	}

	// Days pass: pendings post and drop, new activity arrives, the bank
	// notifies; each notification is verified, then the integrator syncs.
	for day := 1; day <= 4; day++ {
		w.admin.advance("24h")
		w.admin.settle(w.hooks.URL)
		if day == 2 {
			w.restart() // the integrator's process restarts from its stored cursors
		}
		if day == 3 {
			// A bad day at every bank: a third of the transaction pages
			// fail (errors, reset connections, truncated bodies) and some
			// syncs are interrupted; retried with the same cursor they
			// must still lose and duplicate nothing.
			for i, b := range w.banks {
				mode := []adminapi.FaultCreateMode{"error", "connection_reset", "truncated_body", "error"}[i]
				w.admin.fault(b.name, mode, 0.35)
			}
		}
		failed := 0
		for _, b := range w.banks {
			failed += w.syncAll(b)
			w.check(b, "day "+strconv.Itoa(day))
		}
		if day == 3 {
			w.admin.clearFaults()
			assert.Positive(t, failed, "the faults interrupted some syncs")
			t.Logf("day 3: %d syncs interrupted by injected faults, each resumed from its cursor", failed)
		}
	}
	for _, b := range w.banks {
		got := b.in.count(webhook.TypeTransactionsNew) + b.in.count(webhook.TypeTransactionsPosted)
		assert.Positive(t, got, "%s: transaction notifications received and verified", b.name)
		t.Logf("%s: %d accounts, %d transactions held, %d notifications verified (subscribed via %s)", b.name, len(b.accounts), held(b), len(b.in.snapshot()), b.subVia)
	}

	chase, wf, citi, usb := w.bank("chase"), w.bank("wellsfargo"), w.bank("citi"), w.bank("usbank")

	// 1. Revoked from the app: revoked at the bank, tokens and sync state
	// forgotten.
	out, err := chase.forget.Revoke(ctx, chase.grant)
	require.NoError(t, err)
	assert.True(t, out.Whole)
	assert.Equal(t, len(chase.accounts), out.SyncStreamsDeleted)
	w.proveDead(chase, chase.accounts, true)

	// 2. Revoked at the bank (whole consent), learned from the verified
	// CONSENT_REVOKED notification.
	w.admin.revoke(wf.grant.ConsentID)
	w.admin.settle(w.hooks.URL)
	ev := revokedEvent(t, wf, "")
	out, err = wf.forget.OnNotification(ctx, wf.grant, ev)
	require.NoError(t, err)
	assert.True(t, out.Whole)
	assert.ElementsMatch(t, wf.accounts, out.AccountIDs)
	assert.True(t, out.TokensDeleted)
	assert.Equal(t, len(wf.accounts), out.SyncStreamsDeleted)
	w.proveDead(wf, wf.accounts, true)

	// 3. Revoked at the bank, noticed on the next call: the bank answers
	// an error, never data. Mockbank revokes the tokens with the consent,
	// so the call fails when the sdk's refresh is refused (Unauthenticated)
	// or, with a still-valid token, with ConsentRevoked; the verified
	// notification says which it was.
	w.admin.revoke(citi.grant.ConsentID)
	w.admin.settle(w.hooks.URL)
	acct := citi.accounts[0]
	before := citi.count.data.Load()
	_, err = w.syncer.Sync(ctx, citi.client, citi.grant, acct, citi.cursors[acct])
	require.Error(t, err)
	require.True(t, errors.Is(err, sdk.ErrConsentRevoked) || errors.Is(err, sdk.ErrUnauthenticated), "%v", err)
	assert.LessOrEqual(t, citi.count.data.Load()-before, int64(2), "one data request, retried once after a refresh at most")
	out, err = citi.forget.OnNotification(ctx, citi.grant, revokedEvent(t, citi, ""))
	require.NoError(t, err)
	assert.True(t, out.Whole)
	w.proveDead(citi, citi.accounts, true)

	// 4. One account revoked at U.S. Bank (account-level revocation). The
	// token stays valid, so the next call for that account fails with
	// ConsentRevoked; lifecycle reads the consent to learn that only this
	// account went. The notification, applied afterwards, changes nothing
	// more. The other accounts keep syncing exactly.
	require.GreaterOrEqual(t, len(usb.accounts), 2)
	gone, kept := usb.accounts[0], usb.accounts[1:]
	w.admin.revoke(usb.grant.ConsentID, gone)
	w.admin.settle(w.hooks.URL)
	_, err = w.syncer.Sync(ctx, usb.client, usb.grant, gone, usb.cursors[gone])
	require.ErrorIs(t, err, sdk.ErrConsentRevoked)
	out, ok, err := usb.forget.OnError(ctx, usb.grant, gone, err)
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, out.Whole)
	assert.Equal(t, []string{gone}, out.AccountIDs)
	assert.Equal(t, 1, out.SyncStreamsDeleted)
	out, err = usb.forget.OnNotification(ctx, usb.grant, revokedEvent(t, usb, gone))
	require.NoError(t, err)
	assert.False(t, out.Whole)
	assert.Zero(t, out.SyncStreamsDeleted, "already forgotten")
	w.proveDead(usb, []string{gone}, false)
	w.admin.advance("24h")
	w.admin.settle(w.hooks.URL)
	usb.accounts = kept
	w.syncAll(usb)
	w.check(usb, "after one account was revoked")
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{t: t}
	// The banks' real throttles would turn the test's reads of whole
	// histories into minutes of 429s; throttling has its own tests.
	srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: 11, LargeTransactions: 100, Banks: mockbanktest.Unthrottled(nil),
		NotificationRetryBase: 10 * time.Millisecond})
	w.srv = srv
	w.admin = admin{t: t, c: srv.Admin()}

	// The integrator's webhook receiver: one verified route per bank.
	mux := http.NewServeMux()
	w.hooks = httptest.NewServer(mux)
	t.Cleanup(w.hooks.Close)

	w.path = filepath.Join(t.TempDir(), "sync.db")
	w.openSyncer()
	t.Cleanup(func() { _ = w.store.Close() })

	for _, info := range srv.Banks() {
		b := &bank{name: info.Name, info: info, tokens: sdk.NewMemoryTokenStore(), in: &inbox{}, ledgers: map[string]ledger{}, cursors: map[string]string{}}
		b.count = &counter{}
		creds := sdk.Credentials{ClientID: info.Client.ID, ClientSecret: info.Client.Secret, KeyID: info.Client.KeyID, PrivateKey: info.PrivateKey}
		cfg := &sdk.Options{
			BaseURL: info.Issuer, RedirectURL: info.Client.RedirectURIs[0], TokenStore: b.tokens, Now: srv.Now,
			PageSize: 1 << 20, RateLimit: sdk.RateLimit{RequestsPerSecond: -1}, // largest pages the bank allows, no client-side throttle
			// No retries in the sdk: injected faults must reach txsync.
			Retry:         sdk.RetryPolicy{MaxAttempts: 1},
			HTTPClient:    &http.Client{Transport: srv.Client().Transport, Timeout: 30 * time.Second},
			WrapTransport: func(rt http.RoundTripper) http.RoundTripper { b.count.next = rt; return b.count },
		}
		var err error
		b.client, err = sdk.Open(ctx, info.Name, creds, cfg)
		require.NoError(t, err, info.Name)
		b.forget, err = lifecycle.New(b.client, &lifecycle.Options{Tokens: b.tokens, SyncState: w.store})
		require.NoError(t, err, info.Name)

		keys, err := webhook.DiscoverJWKS(ctx, info.DiscoveryURL, nil)
		require.NoError(t, err, info.Name)
		v, err := webhook.NewVerifier(keys, &webhook.Options{Now: srv.Now, Publisher: info.Name, Subscriber: info.Client.ID})
		require.NoError(t, err)
		mux.Handle("/hooks/"+info.Name, webhook.Handler(v, b.in.add))
		w.banks = append(w.banks, b)
	}
	require.Len(t, w.banks, 4, "every bank")
	return w
}

func (w *world) openSyncer() {
	var err error
	w.store, err = txsync.OpenBolt(w.path, nil)
	require.NoError(w.t, err)
	w.syncer, err = txsync.New(w.store, &txsync.Options{Now: w.srv.Now})
	require.NoError(w.t, err)
	for _, b := range w.banks { // as a restarted process would make them
		b.forget, err = lifecycle.New(b.client, &lifecycle.Options{Tokens: b.tokens, SyncState: w.store})
		require.NoError(w.t, err)
	}
}

// restart closes the state database and opens a new Syncer over it, as a
// restarted process would; the cursors are what the integrator stored.
func (w *world) restart() {
	require.NoError(w.t, w.store.Close())
	w.openSyncer()
}

func (w *world) bank(name string) *bank {
	for _, b := range w.banks {
		if b.name == name {
			return b
		}
	}
	w.t.Fatalf("no bank %s", name)
	return nil
}

func (w *world) linkAndSubscribe(b *bank, d time.Duration) {
	t := w.t
	ctx := t.Context()
	g := w.linkOnly(b, d)
	b.grant = g
	b.accounts = slices.Clone(g.AccountIDs)
	if b.accounts == nil {
		for a, err := range b.client.Accounts(ctx, g) {
			require.NoError(t, err)
			b.accounts = append(b.accounts, a.ID)
		}
	}
	require.NotEmpty(t, b.accounts, b.name)
	b.subVia = subscribe(t, b.client, g, b.tokens, b.info.DataURL, w.hooks.URL+"/hooks/"+b.name, &http.Client{Transport: w.srv.Client().Transport})
}

// linkOnly sends the user through a link at the bank (every account
// ticked on the consent page) and returns the new grant.
func (w *world) linkOnly(b *bank, d time.Duration) *sdk.Grant {
	t := w.t
	var clusters []sdk.Cluster
	for _, c := range []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.Statements, sdk.CustomerContact, sdk.PaymentSupport} {
		if slices.Contains(b.client.Profile().Clusters, c) {
			clusters = append(clusters, c)
		}
	}
	ctx := t.Context()
	pending, err := b.client.StartLink(ctx, sdk.LinkRequest{Clusters: clusters, Purpose: sdk.PurposePersonalFinancialManagement, Duration: d, UserRef: "e2e"})
	require.NoError(t, err, b.name)
	// The live user signs in at the bank's real consent page and approves
	// every account offered.
	callback, err := w.srv.Approve(ctx, pending.AuthURL, mockbanktest.Answers{Username: liveUser})
	require.NoError(t, err, b.name)
	g, err := b.client.CompleteLink(ctx, pending, callback.Query())
	require.NoError(t, err, b.name)
	return g
}

// syncAll syncs every account of the bank, retrying an interrupted sync
// with the same cursor, and returns how many attempts failed.
func (w *world) syncAll(b *bank) (failed int) {
	t := w.t
	if b.floor.IsZero() {
		b.floor = w.srv.Now().AddDate(0, -b.info.Description.HistoryMonths, 0)
	}
	for _, acct := range b.accounts {
		var r *txsync.Result
		for attempt := 0; ; attempt++ {
			var err error
			r, err = w.syncer.Sync(t.Context(), b.client, b.grant, acct, b.cursors[acct])
			if err == nil {
				break
			}
			require.Less(t, attempt, 30, "%s %s: %v", b.name, acct, err)
			require.True(t, sdk.ErrorCode(err).Retryable(), "%s %s: %v", b.name, acct, err)
			failed++
		}
		if b.ledgers[acct] == nil {
			b.ledgers[acct] = ledger{}
		}
		mods := make([]modification, 0, len(r.Modified))
		for _, m := range r.Modified {
			mods = append(mods, modification{tx: m.Transaction, prev: m.PreviousID})
		}
		b.ledgers[acct].apply(t, r.Added, mods, r.Removed)
		b.cursors[acct] = r.Next
	}
	return failed
}

func (w *world) check(b *bank, label string) {
	for _, acct := range b.accounts {
		compare(w.t, b.name+" "+acct+" "+label, b.ledgers[acct], w.admin.truth(acct), b.floor)
	}
}

// proveDead calls every data method for the accounts and checks that each
// fails without a single request leaving the client.
func (w *world) proveDead(b *bank, accounts []string, whole bool) {
	t := w.t
	ctx := t.Context()
	before := b.count.all.Load()
	if whole {
		for _, err := range b.client.Accounts(ctx, b.grant) {
			require.ErrorIs(t, err, sdk.ErrConsentRevoked, b.name)
		}
		_, err := b.client.Consent(ctx, b.grant)
		require.Error(t, err)
	}
	for _, acct := range accounts {
		_, err := b.client.Account(ctx, b.grant, acct)
		require.Error(t, err)
		for _, err := range b.client.Transactions(ctx, b.grant, acct, sdk.TxQuery{}) {
			require.Error(t, err)
			if whole {
				require.ErrorIs(t, err, sdk.ErrConsentRevoked)
			}
		}
		for _, err := range b.client.Statements(ctx, b.grant, acct, sdk.TxQuery{}) {
			require.Error(t, err)
		}
		_, err = b.client.Contact(ctx, b.grant, acct)
		require.Error(t, err)
		_, err = b.client.PaymentNetworks(ctx, b.grant, acct)
		require.Error(t, err)
		_, err = w.syncer.Sync(ctx, b.client, b.grant, acct, "")
		require.Error(t, err)
		_, err = w.syncer.Sync(ctx, b.client, b.grant, acct, b.cursors[acct])
		require.Error(t, err, "the sync state is gone or the grant refuses")
	}
	assert.Equal(t, before, b.count.all.Load(), "%s: no request was sent after the revocation was applied", b.name)
	if whole {
		_, err := b.tokens.Get(ctx, b.grant.TokenKey())
		require.ErrorIs(t, err, sdk.ErrNotFound, "%s: tokens deleted", b.name)
	}
}

func revokedEvent(t *testing.T, b *bank, account string) *webhook.ConsentRevoked {
	t.Helper()
	for _, ev := range b.in.snapshot() {
		if d, ok := ev.Data.(*webhook.ConsentRevoked); ok && d.ConsentID == b.grant.ConsentID && d.AccountID == account {
			return d
		}
	}
	t.Fatalf("%s: no verified CONSENT_REVOKED notification for consent %s account %q", b.name, b.grant.ConsentID, account)
	return nil
}

func held(b *bank) int {
	n := 0
	for _, l := range b.ledgers {
		n += len(l)
	}
	return n
}

func dec(t *testing.T, s string) adminapi.Amount {
	var d adminapi.Amount
	require.NoError(t, d.UnmarshalJSON([]byte(s)))
	return d
}

func ptr[T any](v T) *T { return &v }

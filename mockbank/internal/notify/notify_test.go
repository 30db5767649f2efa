package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// receiver records what it is sent and fails the first failFirst calls.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	got       []received
	srv       *httptest.Server
	// gate, when set, holds the next call until it is closed.
	gate chan struct{}
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.calls++
		r.got = append(r.got, received{req.Header.Clone(), b})
		gate := r.gate
		r.gate = nil
		r.mu.Unlock()
		if gate != nil {
			<-gate
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.calls <= r.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) notifications(t *testing.T) []fdxclient.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []fdxclient.Notification
	for _, g := range r.got {
		var n fdxclient.Notification
		require.NoError(t, json.Unmarshal(g.body, &n))
		if !seen[n.NotificationId] {
			seen[n.NotificationId] = true
			out = append(out, n)
		}
	}
	return out
}

type env struct {
	st   *store.Store
	d    *notify.Dispatcher
	key  *ecdsa.PrivateKey
	cns  *store.Consent
	rcv  *receiver
	acct string
}

func setup(t *testing.T, failFirst, maxAttempts int) *env {
	t.Helper()
	ctx := t.Context()
	st := store.New(store.Options{Seed: 1})
	st.EnsureBank("usbank")
	require.NoError(t, st.AddUser(ctx, "usbank", &store.User{ID: "u1", Username: "qa"}))
	acct := &store.Account{ID: "acc-1", UserID: "u1", Kind: store.KindChecking, Status: store.StatusOpen, Currency: "USD",
		OpenDate: store.DefaultNow.AddDate(-1, 0, 0), OpeningBalance: 150_00}
	require.NoError(t, st.AddAccount(ctx, "usbank", acct, nil, nil, nil))
	acct2 := &store.Account{ID: "acc-2", UserID: "u1", Kind: store.KindSavings, Status: store.StatusOpen, Currency: "USD",
		OpenDate: store.DefaultNow.AddDate(-1, 0, 0), OpeningBalance: 5000_00}
	require.NoError(t, st.AddAccount(ctx, "usbank", acct2, nil, nil, nil))
	cns, err := st.CreateConsent(ctx, store.Consent{Bank: "usbank", UserID: "u1", ClientID: "app-1", Clusters: []string{"TRANSACTIONS", "ACCOUNT_DETAILED"},
		AccountIDs: []string{"acc-1", "acc-2"}, DurationDays: 30})
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	d, err := notify.New(notify.Options{
		Store: st, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxAttempts: maxAttempts,
		Keys: func(ctx context.Context, bank string) (notify.Key, error) {
			return notify.Key{Signer: key, KeyID: "kid-" + bank}, nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	st.OnEvent(d.HandleEvent)
	rcv := newReceiver(t, failFirst)
	types := []string{"TRANSACTIONS_NEW", "TRANSACTIONS_POSTED", "BALANCE", "FRAUD_SUSPECTED", "CONSENT_REVOKED", "CONSENT_UPDATED", "CONSENT_EXPIRING", "PLANNED_OUTAGE"}
	_, err = st.CreateSubscription(ctx, store.Subscription{Bank: "usbank", ClientID: "app-1", CallbackURL: rcv.srv.URL, Types: types})
	require.NoError(t, err)
	return &env{st: st, d: d, key: key, cns: cns, rcv: rcv, acct: "acc-1"}
}

func wait(t *testing.T, d *notify.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, d.Wait(ctx))
}

func TestSignedAndRetriedUntil2xx(t *testing.T) {
	e := setup(t, 2, 6)
	now := e.st.Now()
	require.NoError(t, e.st.AddTransactions(t.Context(), "usbank", "acc-1", []*store.Transaction{
		{ID: "t1", Status: store.TxPosted, TxTime: now, PostedTime: now, Amount: 10_00, Description: "COFFEE", Type: "DEBIT"},
	}))
	wait(t, e.d)

	ds := e.d.Deliveries(t.Context(), "usbank")
	require.Len(t, ds, 1)
	assert.Equal(t, notify.StatusDelivered, ds[0].Status)
	require.Len(t, ds[0].Attempts, 3)
	assert.Equal(t, http.StatusServiceUnavailable, ds[0].Attempts[0].HTTPStatus)
	assert.NotEmpty(t, ds[0].Attempts[0].Error)
	assert.Equal(t, http.StatusNoContent, ds[0].Attempts[2].HTTPStatus)

	e.rcv.mu.Lock()
	g := e.rcv.got[2]
	e.rcv.mu.Unlock()
	assert.Equal(t, "application/json", g.header.Get("Content-Type"))
	assert.Equal(t, "mockbank/1", g.header.Get("User-Agent"))
	assert.NotEmpty(t, g.header.Get("x-fapi-interaction-id"))

	sig := g.header.Get("x-jws-signature")
	jws, err := jose.ParseDetached(sig, g.body, []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	require.Len(t, jws.Signatures, 1)
	h := jws.Signatures[0].Protected
	assert.Equal(t, "kid-usbank", h.KeyID)
	assert.Equal(t, "ES256", h.Algorithm)
	assert.Equal(t, "JOSE", h.ExtraHeaders[jose.HeaderType])
	require.NoError(t, jws.DetachedVerify(g.body, &e.key.PublicKey))

	tampered := append([]byte(nil), g.body...)
	tampered[len(tampered)-2] ^= 1
	assert.Error(t, jws.DetachedVerify(tampered, &e.key.PublicKey))

	ns := e.rcv.notifications(t)
	require.Len(t, ns, 1)
	n := ns[0]
	assert.Equal(t, fdxclient.TRANSACTIONSNEW, n.Type)
	assert.Equal(t, fdxclient.NotificationCategoryNEWDATA, n.Category)
	assert.Equal(t, "usbank", n.Publisher.Name)
	assert.True(t, n.SentOn.Equal(now), "sentOn is simulated now")
	assert.Equal(t, "acc-1", n.NotificationPayload.Id)
	require.NotNil(t, n.NotificationPayload.CustomFields)
	assert.Equal(t, "t1", (*n.NotificationPayload.CustomFields)[0].Value)
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	e := setup(t, 1000, 3)
	_, err := e.d.Fire(t.Context(), notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	wait(t, e.d)
	ds := e.d.Deliveries(t.Context(), "")
	require.Len(t, ds, 1)
	assert.Equal(t, notify.StatusFailed, ds[0].Status)
	assert.Len(t, ds[0].Attempts, 3)
}

func TestClockAdvancePostsPendingsAndNotifies(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	now := e.st.Now()
	later := now.Add(24 * time.Hour)
	require.NoError(t, e.st.AddTransactions(ctx, "usbank", "acc-1", []*store.Transaction{
		{ID: "p1", Status: store.TxPending, TxTime: now, ResolvedAt: later, Amount: 60_00, Description: "DINER", Type: "DEBIT"},
		{ID: "p1-post", Status: store.TxPosted, TxTime: now, PostedTime: later, ReferenceID: "p1", Amount: 72_00, Description: "DINER", Type: "DEBIT"},
	}))
	wait(t, e.d)
	require.NoError(t, e.st.AdvanceClock(ctx, 36*time.Hour))
	wait(t, e.d)

	// Deliveries run concurrently, so the receiver may see them in any
	// order; the delivery log is in production order (newest first).
	var types []string
	for _, x := range e.d.Deliveries(ctx, "usbank") {
		assert.Equal(t, notify.StatusDelivered, x.Status)
		types = append(types, x.Type)
	}
	// The pending's 60.00 hold takes the available 150.00 under the 100.00
	// threshold (BALANCE once); the clock step posts it.
	assert.Equal(t, []string{"TRANSACTIONS_POSTED", "BALANCE", "TRANSACTIONS_NEW"}, types)
	assert.Len(t, e.rcv.notifications(t), 3)
}

func TestLowBalanceOnceOnCrossing(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	now := e.st.Now()
	for i, id := range []string{"d1", "d2", "d3"} {
		require.NoError(t, e.st.AddTransactions(ctx, "usbank", "acc-1", []*store.Transaction{
			{ID: id, Status: store.TxPosted, TxTime: now.Add(time.Duration(i) * time.Second), PostedTime: now, Amount: 30_00, Description: "X", Type: "DEBIT"},
		}))
	}
	wait(t, e.d)
	n := 0
	for _, x := range e.rcv.notifications(t) {
		if x.Type == fdxclient.BALANCE {
			n++
		}
	}
	assert.Equal(t, 1, n, "150 → 120 → 90 (crossing) → 60: one BALANCE")
}

func TestConsentRevocationAndExpiry(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	_, err := e.st.RevokeConsent(ctx, "usbank", e.cns.ID, []string{"acc-2"}, "user")
	require.NoError(t, err)
	wait(t, e.d)
	ns := e.rcv.notifications(t)
	require.Len(t, ns, 1)
	assert.Equal(t, fdxclient.CONSENTREVOKED, ns[0].Type)
	assert.Equal(t, e.cns.ID, ns[0].NotificationPayload.Id)
	require.NotNil(t, ns[0].NotificationPayload.CustomFields)
	assert.Equal(t, "accountId", (*ns[0].NotificationPayload.CustomFields)[0].Name)
	assert.Equal(t, "acc-2", (*ns[0].NotificationPayload.CustomFields)[0].Value)

	// 30-day consent: 22 days later it expires within 7 days; a second step
	// does not repeat the notification.
	require.NoError(t, e.st.AdvanceClock(ctx, 22*24*time.Hour))
	require.NoError(t, e.st.AdvanceClock(ctx, 24*time.Hour))
	wait(t, e.d)
	ns = e.rcv.notifications(t)
	require.Len(t, ns, 2)
	assert.Equal(t, fdxclient.CONSENTEXPIRING, ns[1].Type)

	_, err = e.st.RevokeConsent(ctx, "usbank", e.cns.ID, nil, "user")
	require.NoError(t, err)
	wait(t, e.d)
	ns = e.rcv.notifications(t)
	require.Len(t, ns, 3)
	assert.Equal(t, fdxclient.CONSENTREVOKED, ns[2].Type)
	require.NotNil(t, ns[2].NotificationPayload.CustomFields)
	for _, f := range *ns[2].NotificationPayload.CustomFields {
		assert.NotEqual(t, "accountId", f.Name, "whole consent")
	}
	assert.Equal(t, "reason", (*ns[2].NotificationPayload.CustomFields)[0].Name)
	assert.Equal(t, "user", (*ns[2].NotificationPayload.CustomFields)[0].Value)
}

func TestOnlyClientsWithConsentHearAboutAnAccount(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	other := newReceiver(t, 0)
	_, err := e.st.CreateSubscription(ctx, store.Subscription{Bank: "usbank", ClientID: "nosy-app", CallbackURL: other.srv.URL, Types: []string{"FRAUD_SUSPECTED", "PLANNED_OUTAGE", "BALANCE"}})
	require.NoError(t, err)
	// A consent without the clusters the news is about does not qualify.
	_, err = e.st.CreateConsent(ctx, store.Consent{Bank: "usbank", UserID: "u1", ClientID: "nosy-app", Clusters: []string{"ACCOUNT_BASIC"},
		AccountIDs: []string{"acc-1"}, DurationDays: 30})
	require.NoError(t, err)
	ids, err := e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypeBalance, AccountID: "acc-1"})
	require.NoError(t, err)
	assert.Len(t, ids, 1, "only app-1 may read balances")
	ids, err = e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypeFraudSuspected, AccountID: "acc-1", TransactionID: "t9"})
	require.NoError(t, err)
	assert.Len(t, ids, 1)
	ids, err = e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	assert.Len(t, ids, 2, "an outage goes to every subscriber")
	wait(t, e.d)
	assert.Len(t, other.notifications(t), 1)
	var fr fdxclient.Notification
	for _, n := range e.rcv.notifications(t) {
		if n.Type == fdxclient.FRAUDSUSPECTED {
			fr = n
		}
	}
	assert.Equal(t, fdxclient.FRAUDSUSPECTED, fr.Type)
	assert.Equal(t, "t9", fr.NotificationPayload.Id)
	assert.Equal(t, fdxclient.NotificationPayloadIdTypeTRANSACTION, fr.NotificationPayload.IdType)
}

func TestFireValidates(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	for _, r := range []notify.Request{
		{Bank: "hsbc", Type: notify.TypePlannedOutage},
		{Bank: "usbank", Type: "NOPE"},
		{Bank: "usbank", Type: notify.TypeBalance},
		{Bank: "usbank", Type: notify.TypeConsentRevoked},
		{Bank: "usbank", Type: notify.TypeBalance, AccountID: "missing"},
	} {
		_, err := e.d.Fire(ctx, r)
		assert.Error(t, err, "%+v", r)
	}
	assert.Empty(t, e.d.Deliveries(ctx, ""))
}

func TestExportImportResumesPending(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	_, err := e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	wait(t, e.d)
	st := e.d.Export(ctx)
	require.Len(t, st.Deliveries, 1)

	// A pending delivery from a previous run is sent after import.
	p := st.Deliveries[0]
	p.ID, p.Status, p.Attempts = "dlv-old", notify.StatusPending, nil
	st.Deliveries = append(st.Deliveries, p)
	d2, err := notify.New(notify.Options{Store: e.st, Keys: func(context.Context, string) (notify.Key, error) {
		return notify.Key{Signer: e.key, KeyID: "k"}, nil
	}})
	require.NoError(t, err)
	defer d2.Close()
	require.NoError(t, d2.Import(ctx, st))
	wait(t, d2)
	ds := d2.Deliveries(ctx, "")
	require.Len(t, ds, 2)
	assert.Equal(t, notify.StatusDelivered, ds[0].Status)

	bad := st
	bad.Deliveries = append(bad.Deliveries, notify.Delivery{ID: "x"})
	assert.ErrorIs(t, d2.Import(ctx, bad), notify.ErrInvalid)
	assert.Len(t, d2.Deliveries(ctx, ""), 2)
}

func TestDeliveryLogIsBounded(t *testing.T) {
	e := setup(t, 0, 3)
	d, err := notify.New(notify.Options{Store: e.st, MaxDeliveries: 3, Keys: func(context.Context, string) (notify.Key, error) {
		return notify.Key{Signer: e.key, KeyID: "k"}, nil
	}})
	require.NoError(t, err)
	defer d.Close()
	for range 5 {
		_, err := d.Fire(t.Context(), notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
		require.NoError(t, err)
		wait(t, d)
	}
	assert.Len(t, d.Deliveries(t.Context(), ""), 3)
}

func TestRetryCarriesTheCurrentSimulatedTime(t *testing.T) {
	e := setup(t, 1, 3)
	ctx := t.Context()
	// The receiver holds, then fails, the first call; the clock jumps
	// before the retry.
	block := make(chan struct{})
	e.rcv.mu.Lock()
	e.rcv.gate = block
	e.rcv.mu.Unlock()
	_, err := e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	require.Eventually(t, func() bool { e.rcv.mu.Lock(); defer e.rcv.mu.Unlock(); return e.rcv.calls == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, e.st.AdvanceClock(ctx, 24*time.Hour))
	close(block)
	wait(t, e.d)

	e.rcv.mu.Lock()
	defer e.rcv.mu.Unlock()
	require.Len(t, e.rcv.got, 2)
	var first, second fdxclient.Notification
	require.NoError(t, json.Unmarshal(e.rcv.got[0].body, &first))
	require.NoError(t, json.Unmarshal(e.rcv.got[1].body, &second))
	assert.Equal(t, first.NotificationId, second.NotificationId)
	assert.True(t, first.SentOn.Equal(store.DefaultNow))
	assert.True(t, second.SentOn.Equal(store.DefaultNow.Add(24*time.Hour)))
	jws, err := jose.ParseDetached(e.rcv.got[1].header.Get("x-jws-signature"), e.rcv.got[1].body, []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	require.NoError(t, jws.DetachedVerify(e.rcv.got[1].body, &e.key.PublicKey))
}

func TestIDsNeverRepeatAfterAnOlderStateComesBack(t *testing.T) {
	e := setup(t, 0, 3)
	ctx := t.Context()
	old := e.d.Export(ctx)
	first, err := e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	wait(t, e.d)
	require.NoError(t, e.d.Import(ctx, old))
	second, err := e.d.Fire(ctx, notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	wait(t, e.d)
	assert.NotEqual(t, first, second)
}

func TestPlannedOutageCarriesAWindow(t *testing.T) {
	e := setup(t, 0, 3)
	_, err := e.d.Fire(t.Context(), notify.Request{Bank: "usbank", Type: notify.TypePlannedOutage})
	require.NoError(t, err)
	wait(t, e.d)
	ns := e.rcv.notifications(t)
	require.Len(t, ns, 1)
	fields := map[string]string{}
	for _, f := range *ns[0].NotificationPayload.CustomFields {
		fields[f.Name] = f.Value
	}
	assert.Equal(t, "2026-06-02T12:00:00Z", fields["startTime"])
	assert.Equal(t, "2026-06-02T14:00:00Z", fields["endTime"])
	assert.NotEmpty(t, fields["description"])
}

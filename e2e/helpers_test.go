package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// counter is the RoundTripper under every request a Client sends: it
// counts them, and the data-API ones apart, so the test can prove that a
// call sent nothing.
type counter struct {
	next      http.RoundTripper
	all, data atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.all.Add(1)
	if strings.Contains(r.URL.Path, "/fdx/") {
		c.data.Add(1)
	}
	return c.next.RoundTrip(r)
}

// inbox collects the verified events of one bank's receiver.
type inbox struct {
	mu     sync.Mutex
	events []*webhook.Event
}

func (in *inbox) add(_ context.Context, ev *webhook.Event) error {
	in.mu.Lock()
	in.events = append(in.events, ev)
	in.mu.Unlock()
	return nil
}

func (in *inbox) snapshot() []*webhook.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*webhook.Event(nil), in.events...)
}

func (in *inbox) count(typ webhook.Type) int {
	n := 0
	for _, ev := range in.snapshot() {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// admin wraps the generated admin client with fail-fast helpers.
type admin struct {
	t *testing.T
	c *adminapi.ClientWithResponses
}

func (a admin) advance(by string) {
	a.t.Helper()
	r, err := a.c.AdvanceClockWithResponse(context.Background(), adminapi.AdvanceClockJSONRequestBody{By: &by})
	require.NoError(a.t, err)
	require.NotNil(a.t, r.JSON200, "advance clock: %s", r.Body)
}

// truth is mockbank's ground truth for an account: the transactions a
// client should hold (pending and posted; not dropped, not the pending
// ones that posted), by id.
func (a admin) truth(accountID string) map[string]adminapi.Transaction {
	a.t.Helper()
	r, err := a.c.ListTransactionsWithResponse(context.Background(), accountID, nil)
	require.NoError(a.t, err)
	require.NotNil(a.t, r.JSON200, "list transactions: %s", r.Body)
	out := map[string]adminapi.Transaction{}
	for _, tx := range r.JSON200.Transactions {
		if tx.Status != "DROPPED" {
			out[tx.TransactionId] = tx
		}
	}
	return out
}

func (a admin) createTx(accountID string, body adminapi.TransactionCreate) string {
	a.t.Helper()
	r, err := a.c.CreateTransactionWithResponse(context.Background(), accountID, body)
	require.NoError(a.t, err)
	require.NotNil(a.t, r.JSON201, "create transaction: %s", r.Body)
	return r.JSON201.TransactionId
}

// fault makes a fraction of the bank's transaction-list calls fail.
func (a admin) fault(bank string, mode adminapi.FaultCreateMode, fraction float32) {
	a.t.Helper()
	ep, status := "searchForAccountTransactions", 503
	r, err := a.c.CreateFaultWithResponse(context.Background(), adminapi.FaultCreate{Bank: bank, Endpoint: &ep, Status: &status, Mode: &mode, Fraction: &fraction})
	require.NoError(a.t, err)
	require.Equal(a.t, http.StatusCreated, r.StatusCode(), "create fault: %s", r.Body)
}

func (a admin) clearFaults() {
	a.t.Helper()
	r, err := a.c.ClearFaultsWithResponse(context.Background())
	require.NoError(a.t, err)
	require.Less(a.t, r.StatusCode(), 300, "clear faults: %s", r.Body)
}

func (a admin) revoke(consentID string, accounts ...string) {
	a.t.Helper()
	var body adminapi.RevokeConsentJSONRequestBody
	if len(accounts) > 0 {
		body.AccountIds = &accounts
	}
	r, err := a.c.RevokeConsentWithResponse(context.Background(), consentID, body)
	require.NoError(a.t, err)
	require.NotNil(a.t, r.JSON200, "revoke: %s", r.Body)
}

// settle waits until mockbank has no delivery in flight to our receiver.
// Deliveries are asynchronous and retried in wall-clock time; this is a
// wait for completion, not a timing assertion.
func (a admin) settle(callbackPrefix string) {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := a.c.ListDeliveriesWithResponse(context.Background(), nil)
		require.NoError(a.t, err)
		require.NotNil(a.t, r.JSON200, "deliveries: %s", r.Body)
		busy := 0
		for _, d := range r.JSON200.Deliveries {
			if strings.HasPrefix(d.CallbackUrl, callbackPrefix) {
				require.NotEqual(a.t, adminapi.DeliveryStatusFAILED, d.Status, "delivery %s of %s failed: %+v", d.DeliveryId, d.Type, d.Attempts)
				if d.Status == adminapi.DeliveryStatusPENDING {
					busy++
				}
			}
		}
		if busy == 0 {
			return
		}
		require.True(a.t, time.Now().Before(deadline), "%d deliveries still pending", busy)
		time.Sleep(20 * time.Millisecond)
	}
}

// ledger is the integrator's copy of one account, built only from sync
// results; apply fails on any duplicate or unknown id.
type ledger map[string]model.Transaction

func (l ledger) apply(t *testing.T, added []model.Transaction, modified []modification, removed []string) {
	t.Helper()
	for _, tx := range added {
		_, dup := l[tx.ID]
		require.False(t, dup, "added twice: %s", tx.ID)
		l[tx.ID] = tx
	}
	for _, m := range modified {
		_, ok := l[m.prev]
		require.True(t, ok, "modified %s (was %s) is not held", m.tx.ID, m.prev)
		if m.prev != m.tx.ID {
			_, dup := l[m.tx.ID]
			require.False(t, dup, "%s replaces %s but is already held", m.tx.ID, m.prev)
			delete(l, m.prev)
		}
		l[m.tx.ID] = m.tx
	}
	for _, id := range removed {
		_, ok := l[id]
		require.True(t, ok, "removed %s is not held", id)
		delete(l, id)
	}
}

type modification struct {
	tx   model.Transaction
	prev string
}

// compare checks the ledger against the ground truth restricted to what
// the bank serves (its history window at the first sync): zero missing,
// zero extra, same status and amount.
func compare(t *testing.T, label string, l ledger, truth map[string]adminapi.Transaction, floor time.Time) (missing, extra int) {
	t.Helper()
	want := map[string]adminapi.Transaction{}
	for id, tx := range truth {
		if !tx.TransactionTimestamp.Before(floor) {
			want[id] = tx
		}
	}
	var problems []string
	for id, tx := range want {
		got, ok := l[id]
		if !ok {
			missing++
			problems = append(problems, "missing "+id)
			continue
		}
		amt, err := model.ParseMoney(tx.Amount.String(), "USD")
		require.NoError(t, err)
		if string(got.Status) != string(tx.Status) || got.Amount.Minor != amt.Minor {
			problems = append(problems, fmt.Sprintf("%s: got %s %d, truth %s %d", id, got.Status, got.Amount.Minor, tx.Status, amt.Minor))
		}
	}
	for id := range l {
		if _, ok := want[id]; !ok {
			extra++
			problems = append(problems, "extra "+id)
		}
	}
	require.Empty(t, problems, "%s: ledger of %d vs truth of %d", label, len(l), len(want))
	return missing, extra
}

// subscribe subscribes the grant's client to every notification type:
// through the sdk when the connector supports it, else through FDX's
// POST /notification-subscriptions with the grant's access token (the
// connectors may not implement driver.NotificationSubscriber yet).
func subscribe(t *testing.T, c *sdk.Client, g *sdk.Grant, tokens sdk.TokenStore, dataURL, callback string, hc *http.Client) string {
	t.Helper()
	ctx := context.Background()
	types := []string{"TRANSACTIONS_NEW", "TRANSACTIONS_POSTED", "BALANCE", "FRAUD_SUSPECTED", "CONSENT_REVOKED", "CONSENT_UPDATED", "CONSENT_EXPIRING", "PLANNED_OUTAGE"}
	_, err := c.Subscribe(ctx, g, callback, types...)
	if err == nil {
		return "sdk"
	}
	require.ErrorIs(t, err, sdk.ErrUnimplemented)
	tok, err := tokens.Get(ctx, g.TokenKey())
	require.NoError(t, err)
	body, _ := json.Marshal(map[string]any{"callbackUrl": callback, "notificationTypes": types})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(dataURL, "/")+"/notification-subscriptions", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "subscribe at %s", dataURL)
	return "fdx"
}

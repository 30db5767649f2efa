package admin_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/admin"
	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/persist"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

const token = "test-admin-token-0123456789"

type world struct {
	st     *store.Store
	inj    *faults.Injector
	nd     *notify.Dispatcher
	srv    *admin.Server
	http   *httptest.Server
	client *adminapi.ClientWithResponses
	key    *ecdsa.PrivateKey
	cns    *store.Consent
	resets int
}

// newWorld builds the control side over a real store with two banks, one
// user with a checking account and a consent at each, and a fake FDX data
// API behind the fault middleware.
func newWorld(t *testing.T, key *ecdsa.PrivateKey) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{key: key}
	w.st = store.New(store.Options{Seed: 7})
	for _, b := range []string{"chase", "usbank"} {
		w.st.EnsureBank(b)
		require.NoError(t, w.st.AddUser(ctx, b, &store.User{ID: b + "-u1", Username: "user_good", Password: "pass_good"}))
		for _, id := range []string{b + "-chk", b + "-sav"} {
			require.NoError(t, w.st.AddAccount(ctx, b, &store.Account{ID: id, UserID: b + "-u1", Kind: store.KindChecking, Status: store.StatusOpen,
				Currency: "USD", Last4: "1234", OpenDate: store.DefaultNow.AddDate(-1, 0, 0), OpeningBalance: 2000_00}, nil, nil, nil))
		}
		require.NoError(t, w.st.AddAccount(ctx, b, &store.Account{ID: b + "-big", UserID: b + "-u1", Kind: store.KindSavings, Status: store.StatusOpen,
			Currency: "USD", Last4: "9999", OpenDate: store.DefaultNow.AddDate(-1, 0, 0)}, nil, nil, bigHistory))
		c, err := w.st.CreateConsent(ctx, store.Consent{Bank: b, UserID: b + "-u1", ClientID: "app", Clusters: []string{"TRANSACTIONS"},
			AccountIDs: []string{b + "-chk", b + "-sav"}, DurationDays: 90})
		require.NoError(t, err)
		if b == "usbank" {
			w.cns = c
		}
	}
	w.st.MarkSeeded()
	w.st.EnsureBank("citi")
	var banks []*bankdesc.Description
	for _, n := range []string{"chase", "citi", "usbank"} {
		d, err := connectors.Lookup(n)
		require.NoError(t, err)
		banks = append(banks, d)
	}
	w.inj = faults.New(faults.Options{Banks: banks})
	var err error
	w.nd, err = notify.New(notify.Options{Store: w.st, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxAttempts: 5,
		Keys: func(context.Context, string) (notify.Key, error) { return notify.Key{Signer: key, KeyID: "k1"}, nil }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.nd.Close() })
	w.st.OnEvent(w.nd.HandleEvent)
	w.srv, err = admin.New(admin.Options{Token: token}, admin.Deps{Store: w.st, Faults: w.inj, Notify: w.nd,
		Reset: func(context.Context) error { w.resets++; return nil },
		AccountLevelRevocation: func(bank string) bool {
			i := slices.IndexFunc(banks, func(d *bankdesc.Description) bool { return d.Name == bank })
			return i >= 0 && banks[i].AccountRevocation
		}})
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.Handle("/admin/", w.srv.Handler())
	data := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(rw, `{"page":{"nextPageKey":"p2"},"transactions":[]}`)
	})
	mux.Handle("/usbank/", w.inj.Middleware("usbank")(data))
	w.http = httptest.NewServer(mux)
	t.Cleanup(w.http.Close)
	w.client, err = adminapi.NewClientWithResponses(w.http.URL+"/admin", adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	require.NoError(t, err)
	return w
}

// bigHistory stands for user_large: records generated on first use.
func bigHistory() ([]*store.Transaction, []*store.Statement) {
	var out []*store.Transaction
	for i := range 50 {
		at := store.DefaultNow.Add(-time.Duration(i+1) * time.Hour)
		out = append(out, &store.Transaction{ID: "big-" + strconv.Itoa(i), Status: store.TxPosted, TxTime: at, PostedTime: at,
			Amount: 1_00, Credit: true, Description: "INTEREST", Type: "INTEREST"})
	}
	return out, nil
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func (w *world) raw(t *testing.T, method, path, body string, hdr map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, w.http.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (w *world) state(t *testing.T) string {
	t.Helper()
	b, err := w.srv.ExportState(t.Context())
	require.NoError(t, err)
	return string(b)
}

func TestTokenRequired(t *testing.T) {
	w := newWorld(t, newKey(t))
	before := w.state(t)
	for _, h := range []map[string]string{
		{"Authorization": ""},
		{"Authorization": "Bearer wrong-token-wrong-token"},
		{"Authorization": "Basic " + token},
		{"Authorization": "Bearer " + token + "x"},
	} {
		code, body := w.raw(t, http.MethodPost, "/admin/users", `{"bank":"chase","username":"x","password":"y"}`, h)
		assert.Equal(t, http.StatusUnauthorized, code, "%v", h)
		assert.Contains(t, body, `"error":"unauthorized"`)
		assert.NotContains(t, body, token)
	}
	assert.Equal(t, before, w.state(t))

	resp, err := w.client.GetClock(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestLoopbackOnlyByDefault(t *testing.T) {
	w := newWorld(t, newKey(t))
	req := httptest.NewRequest(http.MethodGet, "/admin/clock", nil)
	req.RemoteAddr = "203.0.113.9:4711"
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	w.srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code)

	req.RemoteAddr = "[::1]:4711"
	rec = httptest.NewRecorder()
	w.srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)

	open, err := admin.New(admin.Options{Token: token, AllowRemote: true}, admin.Deps{Store: w.st, Faults: w.inj, Notify: w.nd})
	require.NoError(t, err)
	req.RemoteAddr = "203.0.113.9:4711"
	rec = httptest.NewRecorder()
	open.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)

	_, err = admin.New(admin.Options{Token: "short"}, admin.Deps{Store: w.st, Faults: w.inj, Notify: w.nd})
	assert.ErrorIs(t, err, admin.ErrConfig)
}

func TestMalformedRequestsChangeNothing(t *testing.T) {
	w := newWorld(t, newKey(t))
	before := w.state(t)
	cases := []struct{ method, path, body string }{
		{"POST", "/admin/users", `{"bank":"chase","username":"x"`},
		{"POST", "/admin/users", `{"bank":"chase","username":"x","password":"y","extra":1}`},
		{"POST", "/admin/users", `{"bank":"hsbc","username":"x","password":"y"}`},
		{"POST", "/admin/users", `{"bank":"chase","username":"user_good","password":"y"}`},
		{"POST", "/admin/users", `{"bank":"chase","username":"bad name","password":"y"}`},
		{"POST", "/admin/users", `{"bank":"chase","username":"x","password":"y","failWithCode":42}`},
		{"POST", "/admin/users/chase-u1/accounts", `{"type":"BROKERAGE"}`},
		{"POST", "/admin/users/chase-u1/accounts", `{"type":"CHECKING","openingBalance":1.005}`},
		{"POST", "/admin/users/nobody/accounts", `{"type":"CHECKING"}`},
		{"POST", "/admin/accounts/chase-chk/transactions", `{"amount":0,"description":"zero"}`},
		{"POST", "/admin/accounts/chase-chk/transactions", `{"amount":-1,"description":"x","status":"POSTED","postAfter":"1h"}`},
		{"POST", "/admin/accounts/chase-chk/transactions", `{"amount":-1,"description":"x","status":"PENDING","postAfter":"soon"}`},
		{"POST", "/admin/accounts/chase-chk/transactions", `{"amount":"-1","description":"x"}`},
		{"PATCH", "/admin/accounts/chase-chk", `{"status":"FROZEN"}`},
		{"POST", "/admin/clock/advance", `{"by":"-1h"}`},
		{"POST", "/admin/clock/advance", `{"by":"1h","to":"2030-01-01T00:00:00Z"}`},
		{"POST", "/admin/clock/advance", `{}`},
		{"POST", "/admin/faults", `{"bank":"hsbc","status":503}`},
		{"POST", "/admin/faults", `{"bank":"chase","endpoint":"nope"}`},
		{"POST", "/admin/faults", `{"bank":"chase","fraction":0.5,"times":2}`},
		{"POST", "/admin/faults", `{"bank":"chase","mode":"explode"}`},
		{"POST", "/admin/notifications", `{"bank":"chase","type":"BALANCE"}`},
		{"POST", "/admin/consents/" + w.cns.ID + "/revoke", `{"accountIds":["not-in-consent"]}`},
		{"POST", "/admin/consents/nope/revoke", ``},
		{"PUT", "/admin/snapshot", `{"version":1,"state":{"store":{"version":99}}}`},
		{"PUT", "/admin/snapshot", `{"version":2,"state":{}}`},
		{"PUT", "/admin/snapshot", `not json`},
		// A scenario whose second user is bad creates nobody.
		{"POST", "/admin/scenarios", `{"users":[{"user":{"bank":"chase","username":"ok1","password":"p"}},{"user":{"bank":"chase","username":"ok2","password":"p"},"accounts":[{"account":{"type":"CHECKING"},"transactions":[{"amount":1.001,"description":"x"}]}]}]}`},
		{"POST", "/admin/scenarios", `{"users":[{"user":{"bank":"chase","username":"ok1","password":"p"}}],"clockSteps":["1h","forever"]}`},
		{"POST", "/admin/scenarios", `{"users":[{"user":{"bank":"chase","username":"dup","password":"p"}},{"user":{"bank":"chase","username":"dup","password":"p"}}]}`},
		{"GET", "/admin/nowhere", ``},
	}
	for _, c := range cases {
		code, body := w.raw(t, c.method, c.path, c.body, nil)
		assert.GreaterOrEqual(t, code, 400, "%s %s %s", c.method, c.path, c.body)
		assert.Less(t, code, 500, "%s %s %s: %s", c.method, c.path, c.body, body)
		var e adminapi.AdminError
		assert.NoError(t, json.Unmarshal([]byte(body), &e), body)
		assert.NotEmpty(t, e.Message)
	}
	assert.Equal(t, before, w.state(t))
	assert.Empty(t, w.nd.Deliveries(t.Context(), ""))
}

// receiver answers 500 to the first failFirst calls, then 200.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	bodies    [][]byte
	sigs      []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, b)
	r.sigs = append(r.sigs, req.Header.Get("x-jws-signature"))
	if len(r.bodies) <= r.failFirst {
		w.WriteHeader(500)
		return
	}
	w.WriteHeader(200)
}

func TestCreateDataAdvanceClockAndNotify(t *testing.T) {
	key := newKey(t)
	w := newWorld(t, key)
	ctx := t.Context()
	rcv := &receiver{failFirst: 2}
	cb := httptest.NewServer(rcv)
	defer cb.Close()
	_, err := w.st.CreateSubscription(ctx, store.Subscription{Bank: "usbank", ClientID: "app", CallbackURL: cb.URL, Types: []string{"TRANSACTIONS_POSTED"}})
	require.NoError(t, err)

	u, err := w.client.CreateUserWithResponse(ctx, adminapi.UserCreate{Bank: "usbank", Username: "qa_alice", Password: "pw"})
	require.NoError(t, err)
	require.Equal(t, 201, u.StatusCode(), string(u.Body))
	userID := u.JSON201.UserId

	bal := fdxtypes.MustDecimal("1500.00")
	a, err := w.client.CreateAccountWithResponse(ctx, userID, adminapi.AccountCreate{Type: "CHECKING", OpeningBalance: &bal})
	require.NoError(t, err)
	require.Equal(t, 201, a.StatusCode(), string(a.Body))
	acct := a.JSON201.AccountId
	assert.Equal(t, "1500.00", a.JSON201.CurrentBalance.String())

	// The consent covers the seeded accounts; add a pending that posts to
	// a consented account so the subscriber hears about it.
	pending := adminapi.TransactionCreateStatus("PENDING")
	tip := fdxtypes.MustDecimal("-50.00")
	tx, err := w.client.CreateTransactionWithResponse(ctx, "usbank-chk", adminapi.TransactionCreate{
		Amount: fdxtypes.MustDecimal("-42.50"), Description: "DINER", Status: &pending, PostAfter: ptr("24h"), PostedAmount: &tip})
	require.NoError(t, err)
	require.Equal(t, 201, tx.StatusCode(), string(tx.Body))
	assert.Equal(t, adminapi.TransactionStatus("PENDING"), tx.JSON201.Status)
	assert.Equal(t, "-42.50", tx.JSON201.Amount.String())

	_, err = w.client.CreateTransactionWithResponse(ctx, acct, adminapi.TransactionCreate{Amount: fdxtypes.MustDecimal("-1.00"), Description: "GUM"})
	require.NoError(t, err)

	adv, err := w.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("36h")})
	require.NoError(t, err)
	require.Equal(t, 200, adv.StatusCode(), string(adv.Body))
	assert.Equal(t, 1, adv.JSON200.Posted)
	assert.Equal(t, 1, adv.JSON200.Notifications)
	assert.True(t, adv.JSON200.Now.Equal(store.DefaultNow.Add(36*time.Hour)))

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, w.nd.Wait(wctx))

	ds, err := w.client.ListDeliveriesWithResponse(ctx, &adminapi.ListDeliveriesParams{Bank: ptr("usbank")})
	require.NoError(t, err)
	require.Len(t, ds.JSON200.Deliveries, 1)
	d := ds.JSON200.Deliveries[0]
	assert.Equal(t, adminapi.DeliveryStatus("DELIVERED"), d.Status)
	require.Len(t, d.Attempts, 3, "two 500s, then 200")
	assert.Equal(t, 500, *d.Attempts[0].HttpStatus)
	assert.Equal(t, 200, *d.Attempts[2].HttpStatus)

	rcv.mu.Lock()
	body, sig := rcv.bodies[2], rcv.sigs[2]
	rcv.mu.Unlock()
	jws, err := jose.ParseDetached(sig, body, []jose.SignatureAlgorithm{jose.ES256})
	require.NoError(t, err)
	require.NoError(t, jws.DetachedVerify(body, &key.PublicKey))
	assert.Contains(t, string(body), `"type":"TRANSACTIONS_POSTED"`)

	txs, err := w.client.ListTransactionsWithResponse(ctx, "usbank-chk", nil)
	require.NoError(t, err)
	require.Len(t, txs.JSON200.Transactions, 1)
	got := txs.JSON200.Transactions[0]
	assert.Equal(t, adminapi.TransactionStatus("POSTED"), got.Status)
	assert.Equal(t, "-50.00", got.Amount.String(), "posted with the tip")
	assert.Equal(t, tx.JSON201.TransactionId, *got.ReplacesTransactionId)
}

func TestDroppedPendingIsReported(t *testing.T) {
	w := newWorld(t, newKey(t))
	ctx := t.Context()
	pending := adminapi.TransactionCreateStatus("PENDING")
	_, err := w.client.CreateTransactionWithResponse(ctx, "chase-chk", adminapi.TransactionCreate{
		Amount: fdxtypes.MustDecimal("-9.99"), Description: "AUTH", Status: &pending, DropAfter: ptr("2h")})
	require.NoError(t, err)
	adv, err := w.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("3h")})
	require.NoError(t, err)
	assert.Equal(t, 1, adv.JSON200.Dropped)
	st := adminapi.ListTransactionsParamsStatus("DROPPED")
	txs, err := w.client.ListTransactionsWithResponse(ctx, "chase-chk", &adminapi.ListTransactionsParams{Status: &st})
	require.NoError(t, err)
	assert.Len(t, txs.JSON200.Transactions, 1)
}

func TestFaultInjectedThroughAdminIsOnTheWire(t *testing.T) {
	w := newWorld(t, newKey(t))
	ctx := t.Context()
	f, err := w.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "usbank", Endpoint: ptr("searchForAccountTransactions"),
		Status: ptr(429), FdxCode: ptr(1207), RetryAfterSeconds: ptr(7), Times: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, 201, f.StatusCode(), string(f.Body))

	resp, err := http.Get(w.http.URL + "/usbank/fdx/v6/accounts/usbank-chk/transactions")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(b), `"code":"1207"`)

	resp, err = http.Get(w.http.URL + "/usbank/fdx/v6/accounts/usbank-chk/transactions")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	l, err := w.client.ListFaultsWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, l.JSON200.Faults, 1)
	assert.Equal(t, 1, l.JSON200.Faults[0].Hits)

	frac := float32(0.1)
	f2, err := w.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "usbank", Fraction: &frac})
	require.NoError(t, err)
	assert.Equal(t, frac, *f2.JSON201.Fraction)
	assert.Equal(t, 0.1, *w.inj.List(ctx)[1].Fraction, "float32 0.1 is stored as the decimal 0.1")
	del, err := w.client.DeleteFaultWithResponse(ctx, f2.JSON201.FaultId)
	require.NoError(t, err)
	assert.Equal(t, 204, del.StatusCode())
	clr, err := w.client.ClearFaultsWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, 204, clr.StatusCode())
}

func TestRevokeConsent(t *testing.T) {
	w := newWorld(t, newKey(t))
	ctx := t.Context()
	r, err := w.client.RevokeConsentWithResponse(ctx, w.cns.ID, adminapi.RevokeConsentJSONRequestBody{AccountIds: &[]string{"usbank-sav"}})
	require.NoError(t, err)
	require.Equal(t, 200, r.StatusCode(), string(r.Body))
	assert.Equal(t, adminapi.ConsentStatus("ACTIVE"), r.JSON200.Status)
	assert.Equal(t, []string{"usbank-sav"}, *r.JSON200.RevokedAccountIds)

	r, err = w.client.RevokeConsentWithResponse(ctx, w.cns.ID, adminapi.RevokeConsentJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, adminapi.ConsentStatus("REVOKED"), r.JSON200.Status)

	r, err = w.client.RevokeConsentWithResponse(ctx, w.cns.ID, adminapi.RevokeConsentJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, 409, r.StatusCode())

	cs, err := w.client.ListConsentsWithResponse(ctx, &adminapi.ListConsentsParams{Bank: ptr("chase")})
	require.NoError(t, err)
	require.Len(t, cs.JSON200.Consents, 1)
	r, err = w.client.RevokeConsentWithResponse(ctx, cs.JSON200.Consents[0].ConsentId, adminapi.RevokeConsentJSONRequestBody{AccountIds: &[]string{"chase-sav"}})
	require.NoError(t, err)
	assert.Equal(t, 400, r.StatusCode(), "chase revokes whole consents only")

	st := adminapi.ListConsentsParamsStatus("REVOKED")
	cs, err = w.client.ListConsentsWithResponse(ctx, &adminapi.ListConsentsParams{Status: &st})
	require.NoError(t, err)
	assert.Len(t, cs.JSON200.Consents, 1)
}

func TestScenarioAndSnapshot(t *testing.T) {
	w := newWorld(t, newKey(t))
	ctx := t.Context()
	snap, err := w.client.ExportSnapshotWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, 200, snap.StatusCode())

	ts := store.DefaultNow.Add(-48 * time.Hour)
	pending := adminapi.TransactionCreateStatus("PENDING")
	sc := adminapi.Scenario{
		Users: &[]adminapi.ScenarioUser{{
			User: adminapi.UserCreate{Bank: "chase", Username: "qa_bob", Password: "pw", Otp: ptr("123456")},
			Accounts: &[]struct {
				Account      adminapi.AccountCreate        `json:"account"`
				Transactions *[]adminapi.TransactionCreate `json:"transactions,omitempty"`
			}{{
				Account: adminapi.AccountCreate{Type: "CHECKING"},
				Transactions: &[]adminapi.TransactionCreate{
					{Amount: fdxtypes.MustDecimal("2500.00"), Description: "PAYROLL", Timestamp: &ts},
					{Amount: fdxtypes.MustDecimal("-12.00"), Description: "CAFE", Status: &pending, PostAfter: ptr("12h")},
				},
			}},
		}},
		Faults:     &[]adminapi.FaultCreate{{Bank: "chase", Status: ptr(503), Times: ptr(2)}},
		ClockSteps: &[]string{"24h"},
	}
	res, err := w.client.LoadScenarioWithResponse(ctx, nil, sc)
	require.NoError(t, err)
	require.Equal(t, 200, res.StatusCode(), string(res.Body))
	require.Len(t, *res.JSON200.UserIds, 1)
	require.Len(t, *res.JSON200.AccountIds, 1)
	require.Len(t, *res.JSON200.FaultIds, 1)

	// Extend a seeded account too: the restore must take it back.
	_, err = w.client.CreateTransactionWithResponse(ctx, "chase-chk", adminapi.TransactionCreate{Amount: fdxtypes.MustDecimal("-5.00"), Description: "EXTRA"})
	require.NoError(t, err)
	assert.Contains(t, string(snap.Body), `"fromSeed":true`, "seeded accounts are not written")

	acct, err := w.client.GetAccountWithResponse(ctx, (*res.JSON200.AccountIds)[0])
	require.NoError(t, err)
	assert.Equal(t, "2488.00", acct.JSON200.CurrentBalance.String())

	// Import the snapshot taken before: the scenario is gone.
	imp, err := w.client.ImportSnapshotWithBodyWithResponse(ctx, "application/json", bytes.NewReader(snap.Body))
	require.NoError(t, err)
	require.Equal(t, 204, imp.StatusCode(), string(imp.Body))
	u, err := w.client.GetUserWithResponse(ctx, (*res.JSON200.UserIds)[0])
	require.NoError(t, err)
	assert.Equal(t, 404, u.StatusCode())
	l, err := w.client.ListFaultsWithResponse(ctx)
	require.NoError(t, err)
	assert.Empty(t, l.JSON200.Faults)
	txs, err := w.client.ListTransactionsWithResponse(ctx, "chase-chk", nil)
	require.NoError(t, err)
	assert.Empty(t, txs.JSON200.Transactions, "the seeded account is back to its seeded records")
	c, err := w.client.GetClockWithResponse(ctx)
	require.NoError(t, err)
	assert.True(t, c.JSON200.Now.Equal(store.DefaultNow))
}

// TestRestartWithDataFile saves the state through persist, starts a fresh
// control side from the file and finds consents, clients' subscriptions and
// created data again.
func TestRestartWithDataFile(t *testing.T) {
	key := newKey(t)
	w := newWorld(t, key)
	ctx := t.Context()
	u, err := w.client.CreateUserWithResponse(ctx, adminapi.UserCreate{Bank: "chase", Username: "qa_carol", Password: "pw"})
	require.NoError(t, err)
	_, err = w.st.CreateSubscription(ctx, store.Subscription{Bank: "chase", ClientID: "app", CallbackURL: "http://127.0.0.1:1/cb", Types: []string{"BALANCE"}})
	require.NoError(t, err)
	_, err = w.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("5h")})
	require.NoError(t, err)

	f, err := persist.Open(filepath.Join(t.TempDir(), "mockbank.json"))
	require.NoError(t, err)
	saver := persist.NewSaver(f, w.srv.ExportState, 0, nil)
	require.NoError(t, saver.Flush(ctx))
	before := w.state(t)

	assert.NotContains(t, before, "big-1", "generated history is not saved")

	w2 := newWorld(t, key)
	state, err := f.Load(ctx)
	require.NoError(t, err)
	require.NoError(t, w2.srv.ImportState(ctx, state))
	assert.JSONEq(t, before, w2.state(t))

	got, err := w2.client.GetUserWithResponse(ctx, u.JSON201.UserId)
	require.NoError(t, err)
	assert.Equal(t, 200, got.StatusCode())
	subs, err := w2.st.Subscriptions(ctx, "chase", "app")
	require.NoError(t, err)
	assert.Len(t, subs, 1)
	cs, err := w2.client.ListConsentsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, cs.JSON200.Consents, 2)
	assert.True(t, w2.st.Now().Equal(store.DefaultNow.Add(5*time.Hour)))
	big, err := w2.client.ListTransactionsWithResponse(ctx, "chase-big", nil)
	require.NoError(t, err)
	assert.Len(t, big.JSON200.Transactions, 50, "regenerated after the restart")

	// New ids after the restart do not collide with old ones.
	u2, err := w2.client.CreateUserWithResponse(ctx, adminapi.UserCreate{Bank: "chase", Username: "qa_dave", Password: "pw"})
	require.NoError(t, err)
	require.Equal(t, 201, u2.StatusCode(), string(u2.Body))
	assert.NotEqual(t, u.JSON201.UserId, u2.JSON201.UserId)
}

func TestResetAndBanks(t *testing.T) {
	w := newWorld(t, newKey(t))
	ctx := t.Context()
	_, err := w.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "chase"})
	require.NoError(t, err)
	r, err := w.client.ResetWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, 204, r.StatusCode())
	assert.Equal(t, 1, w.resets)
	assert.Empty(t, w.inj.List(ctx))

	b, err := w.client.ListBanksWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, b.JSON200.Banks, 3)
	assert.Equal(t, w.http.URL+"/chase/.well-known/openid-configuration", b.JSON200.Banks[0].DiscoveryUrl)

	users, err := w.client.ListUsersWithResponse(ctx, &adminapi.ListUsersParams{Bank: ptr("usbank")})
	require.NoError(t, err)
	require.Len(t, users.JSON200.Users, 1)
	assert.Len(t, *users.JSON200.Users[0].Accounts, 3)
	assert.Equal(t, "...1234", *(*users.JSON200.Users[0].Accounts)[0].AccountNumberDisplay)
}

func ptr[T any](v T) *T { return &v }

func TestExampleScenarioFileApplies(t *testing.T) {
	w := newWorld(t, newKey(t))
	sc, err := scenario.ReadFile(t.Context(), filepath.Join("..", "..", "scenario", "testdata", "example.yaml"))
	require.NoError(t, err)
	res, err := w.srv.ApplyScenario(t.Context(), sc, "", "test")
	require.NoError(t, err)
	require.Len(t, res.AccountIDs, 2)
	require.Len(t, res.FaultIDs, 2)
	require.Len(t, res.Steps, 1)
	assert.Equal(t, 1, res.Steps[0].Posted)
	a, err := w.client.GetAccountWithResponse(t.Context(), res.AccountIDs[0])
	require.NoError(t, err)
	assert.Equal(t, "3950.00", a.JSON200.CurrentBalance.String(), "1500 + 2500 payroll - 50 posted with tip")
	card, err := w.client.GetAccountWithResponse(t.Context(), res.AccountIDs[1])
	require.NoError(t, err)
	assert.Equal(t, "3000.00", card.JSON200.AvailableBalance.String())
}

// A known path with a method the spec does not serve is 405 with Allow,
// for paths with parameters too; an unknown path stays 404.
func TestUnsupportedMethodIs405(t *testing.T) {
	w := newWorld(t, newKey(t))
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/admin/clock", 405, "GET"},
		{"PUT", "/admin/faults", 405, "GET, POST, DELETE"},
		{"POST", "/admin/accounts/chase-chk", 405, "GET, PATCH"},
		{"PUT", "/admin/consents/" + w.cns.ID + "/revoke", 405, "POST"},
		{"GET", "/admin/nope", 404, ""},
		{"DELETE", "/admin/nope/deeper", 404, ""},
	} {
		req, err := http.NewRequestWithContext(t.Context(), c.method, w.http.URL+c.path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, c.status, resp.StatusCode, "%s %s: %s", c.method, c.path, b)
		assert.Equal(t, c.allow, resp.Header.Get("Allow"), "%s %s", c.method, c.path)
		assert.Contains(t, string(b), `"error"`)
	}
}

package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/internal/admin"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// live is a real in-process mockbank with its control side attached.
type live struct {
	srv    *mockbank.Server
	ctl    *admin.Control
	http   *httptest.Server
	client *adminapi.ClientWithResponses
}

func startLive(t *testing.T, dataFile string) *live {
	t.Helper()
	ctx := t.Context()
	var banks []string
	for _, p := range mockbank.Profiles() {
		banks = append(banks, p.Name)
	}
	ctl := admin.NewControl(admin.ControlOptions{Banks: banks, Seed: 42, DataFile: dataFile, SaveInterval: 250 * time.Millisecond,
		Notify: notify.Options{BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxAttempts: 6}})
	srv, err := mockbank.New(ctx, mockbank.Options{Seed: 42, AdminToken: token, Middleware: ctl.Middleware, LargeTransactions: 2000})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	require.NoError(t, srv.SetBaseURL(ctx, ts.URL))
	require.NoError(t, ctl.Attach(ctx, srv))
	l := &live{srv: srv, ctl: ctl, http: ts}
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	l.client, err = adminapi.NewClientWithResponses(ts.URL+"/admin", adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	require.NoError(t, err)
	return l
}

func (l *live) stop(t *testing.T) {
	l.http.Close()
	require.NoError(t, l.srv.Close())
}

func fresh(t *testing.T) *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestLiveFaultsOnTheWire(t *testing.T) {
	l := startLive(t, "")
	ctx := t.Context()
	dataURL := l.srv.Banks()[2].DataURL // citi
	require.Equal(t, "citi", l.srv.Banks()[2].Name)

	f, err := l.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "citi", Endpoint: ptr("searchForAccountTransactions"),
		Status: ptr(503), FdxCode: ptr(501), RetryAfterSeconds: ptr(2), LatencyMs: ptr(30), Times: ptr(1)})
	require.NoError(t, err)
	require.Equal(t, 201, f.StatusCode(), string(f.Body))

	start := time.Now()
	resp, err := fresh(t).Get(dataURL + "/accounts/x/transactions")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "latency is at least what was asked")
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	var e fdxclient.Error
	require.NoError(t, json.Unmarshal(body, &e))
	code, _ := e.Code.Int()
	assert.Equal(t, 501, code)

	// Used up: the real API answers again (no token: its own 401).
	resp, err = fresh(t).Get(dataURL + "/accounts/x/transactions")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)

	_, err = l.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "citi", Endpoint: ptr("searchForAccounts"),
		Mode: ptr(adminapi.FaultCreateMode("truncated_body")), Times: ptr(1)})
	require.NoError(t, err)
	resp, err = fresh(t).Get(dataURL + "/accounts")
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	_, err = l.client.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "citi", Endpoint: ptr("token"),
		Mode: ptr(adminapi.FaultCreateMode("connection_reset")), Times: ptr(1)})
	require.NoError(t, err)
	_, err = fresh(t).Post(l.srv.Banks()[2].Issuer+"/token", "application/x-www-form-urlencoded", nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF), "%v", err)
}

// sink is a notification receiver that fails its first calls.
type sink struct {
	mu        sync.Mutex
	failFirst int
	got       []received
}

type received struct {
	sig  string
	body []byte
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, received{r.Header.Get("x-jws-signature"), b})
	if len(s.got) <= s.failFirst {
		w.WriteHeader(503)
		return
	}
	w.WriteHeader(202)
}

func TestLiveClockNotificationsSignedWithTheBankJWKS(t *testing.T) {
	l := startLive(t, "")
	ctx := t.Context()
	st := l.srv.Store()
	good, err := st.UserByUsername(ctx, "chase", "user_good")
	require.NoError(t, err)
	_, err = st.CreateConsent(ctx, store.Consent{Bank: "chase", UserID: good.ID, ClientID: "qa-app", Clusters: []string{"TRANSACTIONS"},
		AccountIDs: good.Accounts, DurationDays: 30, LookbackDays: 30})
	require.NoError(t, err)
	rcv := &sink{failFirst: 2}
	cb := httptest.NewServer(rcv)
	defer cb.Close()
	_, err = st.CreateSubscription(ctx, store.Subscription{Bank: "chase", ClientID: "qa-app", CallbackURL: cb.URL, Types: []string{"TRANSACTIONS_POSTED"}})
	require.NoError(t, err)

	pending := adminapi.TransactionCreateStatus("PENDING")
	_, err = l.client.CreateTransactionWithResponse(ctx, good.Accounts[0], adminapi.TransactionCreate{
		Amount: fdxtypes.MustDecimal("-18.75"), Description: "TACOS", Status: &pending, PostAfter: ptr("20h")})
	require.NoError(t, err)
	adv, err := l.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("24h")})
	require.NoError(t, err)
	require.Equal(t, 200, adv.StatusCode(), string(adv.Body))
	assert.GreaterOrEqual(t, adv.JSON200.Posted, 1)
	assert.GreaterOrEqual(t, adv.JSON200.Notifications, 1)

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, l.ctl.Notify.Wait(wctx))

	// Fetch the bank's JWKS as an integrator would and verify.
	resp, err := http.Get(l.srv.Banks()[0].DiscoveryURL)
	require.NoError(t, err)
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&disc))
	resp.Body.Close()
	resp, err = http.Get(disc.JWKSURI)
	require.NoError(t, err)
	var set jose.JSONWebKeySet
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
	resp.Body.Close()

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	require.GreaterOrEqual(t, len(rcv.got), 3, "retried until the receiver answered 2xx")
	last := rcv.got[len(rcv.got)-1]
	jws, err := jose.ParseDetached(last.sig, last.body, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	require.NoError(t, err)
	keys := set.Key(jws.Signatures[0].Protected.KeyID)
	require.Len(t, keys, 1, "the kid is in the bank's JWKS")
	require.NoError(t, jws.DetachedVerify(last.body, keys[0].Key))
	var n fdxclient.Notification
	require.NoError(t, json.Unmarshal(last.body, &n))
	assert.Equal(t, fdxclient.TRANSACTIONSPOSTED, n.Type)
	assert.True(t, n.SentOn.Equal(st.Now()))

	ds, err := l.client.ListDeliveriesWithResponse(ctx, &adminapi.ListDeliveriesParams{Bank: ptr("chase")})
	require.NoError(t, err)
	require.NotEmpty(t, ds.JSON200.Deliveries)
	assert.Equal(t, adminapi.DeliveryStatus("DELIVERED"), ds.JSON200.Deliveries[len(ds.JSON200.Deliveries)-1].Status)
}

func TestLiveRestartWithDataFileKeepsState(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "mockbank.json")
	l := startLive(t, path)
	st := l.srv.Store()
	good, err := st.UserByUsername(ctx, "usbank", "user_good")
	require.NoError(t, err)
	cns, err := st.CreateConsent(ctx, store.Consent{Bank: "usbank", UserID: good.ID, ClientID: "qa-app", Clusters: []string{"ACCOUNT_BASIC"},
		AccountIDs: good.Accounts[:2], DurationDays: 60})
	require.NoError(t, err)
	cl, err := l.srv.Provider("usbank").RegisterClient(ctx, authz.ClientMetadata{ClientName: "QA app", RedirectURIs: []string{"http://127.0.0.1:9/cb"},
		TokenEndpointAuthMethod: "private_key_jwt", GrantTypes: []string{"authorization_code", "refresh_token"},
		JWKS: json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1","alg":"ES256","use":"sig"}]}`)})
	require.NoError(t, err)
	u, err := l.client.CreateUserWithResponse(ctx, adminapi.UserCreate{Bank: "usbank", Username: "qa_erin", Password: "pw"})
	require.NoError(t, err)
	require.Equal(t, 201, u.StatusCode(), string(u.Body))
	extra, err := l.client.CreateTransactionWithResponse(ctx, good.Accounts[0], adminapi.TransactionCreate{Amount: fdxtypes.MustDecimal("-3.10"), Description: "EXTRA"})
	require.NoError(t, err)
	require.Equal(t, 201, extra.StatusCode(), string(extra.Body))
	_, err = l.client.RevokeConsentWithResponse(ctx, cns.ID, adminapi.RevokeConsentJSONRequestBody{AccountIds: &[]string{good.Accounts[1]}})
	require.NoError(t, err)
	_, err = l.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("48h")})
	require.NoError(t, err)
	now := st.Now()
	l.stop(t) // a clean shutdown writes the final state

	l2 := startLive(t, path)
	st2 := l2.srv.Store()
	assert.True(t, st2.Now().Equal(now), "simulated time survives")
	got, err := st2.Consent(ctx, "usbank", cns.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{good.Accounts[1]}, got.RevokedAccounts)
	_, ok := l2.srv.Provider("usbank").Client(ctx, cl.ID)
	assert.True(t, ok, "registered clients survive")
	g, err := l2.client.GetUserWithResponse(ctx, u.JSON201.UserId)
	require.NoError(t, err)
	assert.Equal(t, 200, g.StatusCode())
	recs, err := st2.Records(ctx, "usbank", good.Accounts[0])
	require.NoError(t, err)
	assert.True(t, hasTx(recs, extra.JSON201.TransactionId), "a transaction added to a seeded account survives")

	// Reset: back to the seeded state, whatever was loaded or created.
	r, err := l2.client.ResetWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, 204, r.StatusCode(), string(r.Body))
	g, err = l2.client.GetUserWithResponse(ctx, u.JSON201.UserId)
	require.NoError(t, err)
	assert.Equal(t, 404, g.StatusCode())
	_, err = st2.Consent(ctx, "usbank", cns.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	recs, err = st2.Records(ctx, "usbank", good.Accounts[0])
	require.NoError(t, err)
	assert.False(t, hasTx(recs, extra.JSON201.TransactionId))
	assert.True(t, st2.Now().Equal(store.DefaultNow))
}

func hasTx(recs []*store.Transaction, id string) bool {
	for _, r := range recs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// TestLiveSubscriptionThroughFDXVerifiedBySDK runs the whole path an
// integrator sees: a client-credentials token, a subscription through the
// FDX endpoint, a clock step that posts a pending, a fired fraud alert, and
// a receiver built on sdk/webhook that verifies each notification against
// the bank's published JWKS (and fails twice first, to prove the retries).
func TestLiveSubscriptionThroughFDXVerifiedBySDK(t *testing.T) {
	l := startLive(t, "")
	ctx := t.Context()
	bank := l.srv.Banks()[1] // wellsfargo: client_secret_basic
	require.Equal(t, "wellsfargo", bank.Name)
	st := l.srv.Store()

	// A client-credentials token for the ready client.
	form := strings.NewReader("grant_type=client_credentials")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bank.Issuer+"/token", form)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(bank.Client.ID, bank.Client.Secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.NotEmpty(t, tok.AccessToken)

	// The receiver: sdk/webhook's handler behind two failures.
	keys, err := webhook.DiscoverJWKS(ctx, bank.DiscoveryURL, nil)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(keys, &webhook.Options{Now: st.Now, Publisher: "wellsfargo", Subscriber: bank.Client.ID})
	require.NoError(t, err)
	var mu sync.Mutex
	var events []*webhook.Event
	calls := 0
	verified := webhook.Handler(v, func(_ context.Context, ev *webhook.Event) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	})
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		verified.ServeHTTP(w, r)
	}))
	defer cb.Close()

	body := `{"callbackUrl":"` + cb.URL + `/hook","notificationTypes":["TRANSACTIONS_POSTED","FRAUD_SUSPECTED"]}`
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, bank.DataURL+"/notification-subscriptions", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode, string(b))

	// The app holds a consent for user_good's accounts.
	good, err := st.UserByUsername(ctx, "wellsfargo", "user_good")
	require.NoError(t, err)
	_, err = st.CreateConsent(ctx, store.Consent{Bank: "wellsfargo", UserID: good.ID, ClientID: bank.Client.ID, Clusters: []string{"TRANSACTIONS"},
		AccountIDs: good.Accounts, DurationDays: 90})
	require.NoError(t, err)

	pending := adminapi.TransactionCreateStatus("PENDING")
	tx, err := l.client.CreateTransactionWithResponse(ctx, good.Accounts[0], adminapi.TransactionCreate{
		Amount: fdxtypes.MustDecimal("-61.00"), Description: "GARAGE", Status: &pending, PostAfter: ptr("6h"), SuspectedFraud: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, 201, tx.StatusCode(), string(tx.Body))
	// The clock jumps while the fraud alert may still be retried: each
	// attempt carries the simulated now, so the SDK still finds it fresh.
	_, err = l.client.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: ptr("7h")})
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	require.NoError(t, l.ctl.Notify.Wait(wctx))

	mu.Lock()
	defer mu.Unlock()
	types := map[webhook.Type]*webhook.Event{}
	for _, ev := range events {
		types[ev.Type] = ev
	}
	require.Contains(t, types, webhook.Type("FRAUD_SUSPECTED"), "verified by the SDK: %v", events)
	require.Contains(t, types, webhook.Type("TRANSACTIONS_POSTED"))
	assert.Equal(t, tx.JSON201.TransactionId, types["FRAUD_SUSPECTED"].Subject.ID)
	ds := l.ctl.Notify.Deliveries(ctx, "wellsfargo")
	require.NotEmpty(t, ds)
	for _, d := range ds {
		assert.Equal(t, notify.StatusDelivered, d.Status, "%s %+v", d.Type, d.Attempts)
	}
}

// TestLiveLockedOutUserClearedThroughAdmin: user_lockout starts with its
// sign-in failure budget spent at every bank, so even its right password
// gets the wrong-password answer; DELETE /admin/login-failures clears it at
// one bank, and a reset locks it out again.
func TestLiveLockedOutUserClearedThroughAdmin(t *testing.T) {
	l := startLive(t, "")
	ctx := t.Context()
	signIn := func(bank string) error {
		for _, b := range l.srv.Banks() {
			if b.Name != bank {
				continue
			}
			conf := oauth2.Config{ClientID: b.Client.ID, RedirectURL: b.Client.RedirectURIs[0], Scopes: []string{"ACCOUNT_BASIC"},
				Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + "/authorize"}}
			authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			_, err := mockbank.Approve(ctx, fresh(t), authURL, mockbank.Answers{Username: "user_lockout"})
			return err
		}
		t.Fatalf("no bank %s", bank)
		return nil
	}
	require.ErrorIs(t, signIn("wellsfargo"), mockbank.ErrWrongCredentials)
	require.ErrorIs(t, signIn("citi"), mockbank.ErrWrongCredentials)

	r, err := l.client.ClearLoginFailuresWithResponse(ctx, &adminapi.ClearLoginFailuresParams{Bank: ptr("wellsfargo"), Username: ptr("user_lockout")})
	require.NoError(t, err)
	require.Equal(t, 200, r.StatusCode(), string(r.Body))
	assert.Equal(t, 1, r.JSON200.Cleared)
	require.NoError(t, signIn("wellsfargo"))
	assert.ErrorIs(t, signIn("citi"), mockbank.ErrWrongCredentials, "only wellsfargo was cleared")

	bad, err := l.client.ClearLoginFailuresWithResponse(ctx, &adminapi.ClearLoginFailuresParams{Bank: ptr("hsbc")})
	require.NoError(t, err)
	assert.Equal(t, 400, bad.StatusCode())

	reset, err := l.client.ResetWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, 204, reset.StatusCode(), string(reset.Body))
	assert.ErrorIs(t, signIn("wellsfargo"), mockbank.ErrWrongCredentials, "a reset locks it out again")

	all, err := l.client.ClearLoginFailuresWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 200, all.StatusCode(), string(all.Body))
	assert.Equal(t, len(l.srv.Banks()), all.JSON200.Cleared, "user_lockout at every bank")
	require.NoError(t, signIn("citi"))
}

package fleet_test

import (
	"bufio"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/usbank"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/internal/pgtest"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/store/postgres"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// ---- mockbank ---------------------------------------------------------
//
// startMock is the one place these tests start mockbank. It serves
// mockbank behind an httptest server of its own, rather than through
// mockbanktest, because the wire must see every request before mockbank
// does.

type mock struct {
	srv   *mockbank.Server
	ts    *httptest.Server
	admin *adminapi.ClientWithResponses
	banks []bankEnv
	wire  *wire
	real  bool // the banks throttle as their descriptions say
}

// bankEnv is what a worker process needs to reach one bank: serialised
// to the workers' environment.
type bankEnv struct {
	Name         string `json:"name"`
	Issuer       string `json:"issuer"`
	DiscoveryURL string `json:"discovery"`
	ClientID     string `json:"client_id"`
	Secret       string `json:"secret,omitempty"`
	KeyID        string `json:"kid,omitempty"`
	KeyPEM       string `json:"key_pem,omitempty"`
	RedirectURL  string `json:"redirect"`
}

// startMock starts mockbank with the four banks. With realLimits the
// banks throttle as their descriptions say (the fleet's budget is under
// test); without, throttling is lifted (throughput benchmarks).
func startMock(t testing.TB, realLimits bool) *mock {
	t.Helper()
	ctx := context.Background()
	m := &mock{wire: newWire(), real: realLimits}
	var handler atomic.Value
	m.ts = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		m.wire.serve(rw, r, handler.Load().(http.Handler))
	}))
	t.Cleanup(m.ts.Close)
	banks := connectors.Builtin()
	if !realLimits {
		banks = mockbanktest.Unthrottled(banks)
	}
	for _, d := range banks {
		// How the bank says "slow down" is in its description (citi: 503).
		a, _ := d.Answer(sdk.RateLimited, "")
		m.wire.rlStatus[d.Name] = a.Status
	}
	// Workers are killed at random, some in the middle of a refresh: after
	// the bank rotated the refresh token, before the store kept the new
	// one. No client can recover that token, so the bank offers the reuse
	// grace real providers do (docs/stores.md, "What the refresh guarantee
	// covers"); without it such a grant is lost and the test measures the
	// bank's strictness, not the fleet. The grace runs on simulated time,
	// which the test moves twelve hours a step, hence a day.
	srv, err := mockbank.New(ctx, &mockbank.Options{BaseURL: m.ts.URL, Seed: 12, Banks: banks, Clock: time.Now,
		NotificationRetryBase: 20 * time.Millisecond, RefreshReuseGrace: 24 * time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	handler.Store(http.Handler(srv))
	m.srv = srv
	m.admin, err = adminapi.NewClientWithResponses(m.ts.URL+"/admin", adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+srv.AdminToken())
		return nil
	}))
	require.NoError(t, err)
	for _, b := range srv.Banks() {
		m.banks = append(m.banks, bankEnv{Name: b.Name, Issuer: b.Issuer, DiscoveryURL: b.DiscoveryURL, ClientID: b.Client.ID, Secret: b.Client.Secret,
			KeyID: b.Client.KeyID, KeyPEM: b.Client.PrivateKeyPEM, RedirectURL: b.Client.RedirectURIs[0]})
	}
	return m
}

// wire watches every request to mockbank from outside it: rate-limit
// answers per bank (injected and real alike) and how many transaction
// reads of one account are in flight at once (two would mean two syncs of
// the account at the same time).
type wire struct {
	rlStatus  map[string]int
	mu        sync.Mutex
	inflight  map[string]int
	overlaps  int
	refusals  map[string]int
	dataCalls map[string]int
	first     map[string]time.Time
	last      map[string]time.Time
}

func newWire() *wire {
	return &wire{rlStatus: map[string]int{}, inflight: map[string]int{}, refusals: map[string]int{}, dataCalls: map[string]int{},
		first: map[string]time.Time{}, last: map[string]time.Time{}}
}

var txPath = regexp.MustCompile(`^/([a-z0-9]+)/fdx/v\d+/accounts/([^/]+)/transactions$`)

// statusRecorder notes the status and calls answered once, when the
// answer starts (header written or connection hijacked): from then on the
// client may act on it, so the read no longer counts as in flight.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	answered func()
	once     sync.Once
}

func (s *statusRecorder) answer() { s.once.Do(s.answered) }

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.answer()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.answer()
	return s.ResponseWriter.Write(b)
}

// Hijack keeps connection-reset faults working through the recorder.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("not a hijacker")
	}
	s.answer()
	return h.Hijack()
}

func (w *wire) serve(rw http.ResponseWriter, r *http.Request, next http.Handler) {
	bank, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	isData := strings.HasPrefix(strings.TrimPrefix(r.URL.Path, "/"+bank), "/fdx/")
	key := ""
	if m := txPath.FindStringSubmatch(r.URL.Path); m != nil {
		key = m[1] + "/" + m[2]
		w.mu.Lock()
		w.inflight[key]++
		if w.inflight[key] > 1 {
			w.overlaps++
		}
		w.mu.Unlock()
	}
	rec := &statusRecorder{ResponseWriter: rw, answered: func() {
		if key != "" {
			w.mu.Lock()
			w.inflight[key]--
			w.mu.Unlock()
		}
	}}
	next.ServeHTTP(rec, r)
	rec.answer()
	w.mu.Lock()
	if isData {
		now := time.Now()
		if w.first[bank].IsZero() {
			w.first[bank] = now
		}
		w.last[bank] = now
		w.dataCalls[bank]++
		if rec.status == w.rlStatus[bank] {
			w.refusals[bank]++
		}
	}
	w.mu.Unlock()
}

func (w *wire) snapshot() (refusals, data map[string]int, overlaps int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	refusals, data = map[string]int{}, map[string]int{}
	for k, v := range w.refusals {
		refusals[k] = v
	}
	for k, v := range w.dataCalls {
		data[k] = v
	}
	return refusals, data, w.overlaps
}

// reset forgets the counts, starting a measurement window now.
func (w *wire) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refusals, w.dataCalls = map[string]int{}, map[string]int{}
	w.first, w.last = map[string]time.Time{}, map[string]time.Time{}
	w.first["*"] = time.Now()
}

// window reports the bank's data requests since reset and the time from
// reset to its last one.
func (w *wire) window(bank string) (int, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dataCalls[bank], w.last[bank].Sub(w.first["*"])
}

func (m *mock) advance(t testing.TB, by string) {
	t.Helper()
	r, err := m.admin.AdvanceClockWithResponse(context.Background(), adminapi.AdvanceClockJSONRequestBody{By: &by})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "advance clock: %s", r.Body)
}

// truth is mockbank's ground truth for an account: the transactions a
// client should hold (pending and posted; not dropped, not the pending
// ones that posted), by id.
func (m *mock) truth(t testing.TB, accountID string) map[string]adminapi.Transaction {
	t.Helper()
	r, err := m.admin.ListTransactionsWithResponse(context.Background(), accountID, nil)
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "list transactions: %s", r.Body)
	out := map[string]adminapi.Transaction{}
	for _, tx := range r.JSON200.Transactions {
		if tx.Status != "DROPPED" {
			out[tx.TransactionId] = tx
		}
	}
	return out
}

func (m *mock) fault(t testing.TB, f adminapi.FaultCreate) string {
	t.Helper()
	r, err := m.admin.CreateFaultWithResponse(context.Background(), f)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, r.StatusCode(), "create fault: %s", r.Body)
	require.NotNil(t, r.JSON201)
	return r.JSON201.FaultId
}

// faultHits reports each fault's hits by id.
func (m *mock) faultHits(t testing.TB) map[string]adminapi.Fault {
	t.Helper()
	r, err := m.admin.ListFaultsWithResponse(context.Background())
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "faults: %s", r.Body)
	out := map[string]adminapi.Fault{}
	for _, f := range r.JSON200.Faults {
		out[f.FaultId] = f
	}
	return out
}

// ---- scenario ---------------------------------------------------------

// population creates perBank users at every bank, each with a checking
// account and a credit card whose histories are small (one page at every
// bank) and full of what a sync must get right as the clock moves:
// pendings that post, post with a tip, or drop; and activity dated in the
// next days, which appears when the clock gets there.
func (m *mock) population(t testing.TB, perBank int) (users map[string][]string) {
	t.Helper()
	now := time.Now().UTC()
	users = map[string][]string{}
	var su []adminapi.ScenarioUser
	pending := adminapi.TransactionCreateStatus("PENDING")
	for _, b := range m.banks {
		for i := range perBank {
			name := fmt.Sprintf("fleet_%s_%03d", b.Name, i)
			users[b.Name] = append(users[b.Name], name)
			var accts []struct {
				Account      adminapi.AccountCreate        `json:"account"`
				Transactions *[]adminapi.TransactionCreate `json:"transactions,omitempty"`
			}
			for k, typ := range []adminapi.AccountCreateType{"CHECKING", "CREDITCARD"} {
				var txs []adminapi.TransactionCreate
				for d := range 5 {
					ts := now.Add(-time.Duration(12-2*d)*24*time.Hour - time.Duration(i%7)*time.Hour)
					txs = append(txs, adminapi.TransactionCreate{Amount: dec(t, fmt.Sprintf("-%d.%02d", 10+d, (i+k)%100)), Description: fmt.Sprintf("HISTORY %d", d), Timestamp: &ts})
				}
				tip := now.Add(-2 * time.Hour)
				txs = append(txs,
					adminapi.TransactionCreate{Amount: dec(t, "-20.00"), Description: "DINNER", Status: &pending, PostAfter: ptr(fmt.Sprintf("%dh", 10+i%20)), PostedAmount: ptr(dec(t, "-24.00")), Timestamp: &tip},
					adminapi.TransactionCreate{Amount: dec(t, "-7.50"), Description: "COFFEE", Status: &pending, PostAfter: ptr(fmt.Sprintf("%dh", 20+i%15))},
					adminapi.TransactionCreate{Amount: dec(t, "-99.00"), Description: "HOTEL HOLD", Status: &pending, DropAfter: ptr(fmt.Sprintf("%dh", 30+i%10))},
				)
				for d := 1; d <= 3; d++ {
					ts := now.Add(time.Duration(d*16+i%5) * time.Hour)
					if d == 2 {
						txs = append(txs, adminapi.TransactionCreate{Amount: dec(t, "-31.00"), Description: "FUTURE PENDING", Status: &pending, Timestamp: &ts, PostAfter: ptr("14h")})
						continue
					}
					txs = append(txs, adminapi.TransactionCreate{Amount: dec(t, fmt.Sprintf("%d.00", 100*d)), Description: fmt.Sprintf("FUTURE %d", d), Timestamp: &ts})
				}
				accts = append(accts, struct {
					Account      adminapi.AccountCreate        `json:"account"`
					Transactions *[]adminapi.TransactionCreate `json:"transactions,omitempty"`
				}{Account: adminapi.AccountCreate{Type: typ}, Transactions: &txs})
			}
			su = append(su, adminapi.ScenarioUser{User: adminapi.UserCreate{Bank: b.Name, Username: name, Password: "pass_good"}, Accounts: &accts})
		}
	}
	r, err := m.admin.LoadScenarioWithResponse(context.Background(), nil, adminapi.Scenario{Users: &su})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "scenario: %s", r.Body)
	return users
}

// histories creates perBank users at every bank with one checking account
// each holding n posted transactions over the last months: several pages
// at every bank, for throughput runs.
func (m *mock) histories(t testing.TB, perBank map[string]int, n int) map[string][]string {
	t.Helper()
	now := time.Now().UTC()
	users := map[string][]string{}
	var su []adminapi.ScenarioUser
	for _, b := range m.banks {
		for i := range perBank[b.Name] {
			name := fmt.Sprintf("bench_%s_%03d", b.Name, i)
			users[b.Name] = append(users[b.Name], name)
			txs := make([]adminapi.TransactionCreate, 0, n)
			for k := range n {
				ts := now.Add(-time.Duration(k*150/n+1)*24*time.Hour - time.Duration(k%24)*time.Hour)
				txs = append(txs, adminapi.TransactionCreate{Amount: dec(t, fmt.Sprintf("-%d.%02d", 1+k%90, k%100)), Description: fmt.Sprintf("PURCHASE %d", k), Timestamp: &ts})
			}
			accts := []struct {
				Account      adminapi.AccountCreate        `json:"account"`
				Transactions *[]adminapi.TransactionCreate `json:"transactions,omitempty"`
			}{{Account: adminapi.AccountCreate{Type: "CHECKING"}, Transactions: &txs}}
			su = append(su, adminapi.ScenarioUser{User: adminapi.UserCreate{Bank: b.Name, Username: name, Password: "pass_good"}, Accounts: &accts})
		}
	}
	r, err := m.admin.LoadScenarioWithResponse(context.Background(), nil, adminapi.Scenario{Users: &su})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "scenario: %s", r.Body)
	return users
}

// ---- linking ----------------------------------------------------------

// bankOptions builds the fleet's Bank entries from the environment a
// worker got, with a shared token store.
func bankOptions(t testing.TB, envs []bankEnv, tokens sdk.TokenStore, hc *http.Client) []fleet.Bank {
	t.Helper()
	var out []fleet.Bank
	for _, b := range envs {
		creds := sdk.Credentials{ClientID: b.ClientID, ClientSecret: b.Secret, KeyID: b.KeyID}
		if b.KeyPEM != "" {
			creds.PrivateKey = parseKey(t, b.KeyPEM)
		}
		out = append(out, fleet.Bank{Name: b.Name, Credentials: creds, Options: &sdk.Options{
			BaseURL: b.Issuer, RedirectURL: b.RedirectURL, TokenStore: tokens, HTTPClient: hc,
			PageSize: 1 << 20, // the largest page each bank allows
		}})
	}
	return out
}

// link sends a user through the bank's consent page and records the grant
// in the fleet.
func link(t testing.TB, ctx context.Context, f *fleet.Fleet, hc *http.Client, bank, username string) *sdk.Grant {
	t.Helper()
	c := f.Client(bank)
	pending, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.Transactions},
		Purpose: sdk.PurposePersonalFinancialManagement, Duration: 90 * 24 * time.Hour, UserRef: username})
	require.NoError(t, err)
	cb, err := mockbanktest.Approve(ctx, hc, pending.AuthURL, mockbanktest.Answers{Username: username, Password: "pass_good"})
	require.NoError(t, err, "%s %s", bank, username)
	g, err := c.CompleteLink(ctx, pending, cb.Query())
	require.NoError(t, err)
	require.NotEmpty(t, g.AccountIDs)
	require.NoError(t, f.Link(ctx, g))
	return g
}

func parseKey(t testing.TB, p string) crypto.Signer {
	blk, _ := pem.Decode([]byte(p))
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	s, ok := k.(crypto.Signer)
	require.True(t, ok)
	return s
}

func dec(t testing.TB, s string) adminapi.Amount {
	var d adminapi.Amount
	require.NoError(t, d.UnmarshalJSON([]byte(s)))
	return d
}

func ptr[T any](v T) *T { return &v }

// ---- comparing --------------------------------------------------------

// diffCounts compares the fleet's table with the ground truth for one
// account: missing (in truth, not in the table), duplicated (the table
// lists an id twice: impossible by its key, counted for the record) and
// stale (present with another status or amount), plus extra rows.
type diffCounts struct{ missing, duplicated, stale, extra int }

func (d *diffCounts) add(o diffCounts) {
	d.missing += o.missing
	d.duplicated += o.duplicated
	d.stale += o.stale
	d.extra += o.extra
}

func compareAccount(t testing.TB, held []sdk.Transaction, truth map[string]adminapi.Transaction) (diffCounts, []string) {
	var d diffCounts
	var problems []string
	seen := map[string]sdk.Transaction{}
	for _, tx := range held {
		if _, dup := seen[tx.ID]; dup {
			d.duplicated++
			problems = append(problems, "duplicated "+tx.ID)
		}
		seen[tx.ID] = tx
	}
	for id, want := range truth {
		got, ok := seen[id]
		if !ok {
			d.missing++
			problems = append(problems, "missing "+id+" "+want.Description)
			continue
		}
		amt, err := sdkMoney(want)
		require.NoError(t, err)
		if string(got.Status) != string(want.Status) || got.Amount.Minor != amt {
			d.stale++
			problems = append(problems, fmt.Sprintf("stale %s: held %s %d, truth %s %d", id, got.Status, got.Amount.Minor, want.Status, amt))
		}
	}
	for id := range seen {
		if _, ok := truth[id]; !ok {
			d.extra++
			problems = append(problems, "extra "+id)
		}
	}
	return d, problems
}

func sdkMoney(tx adminapi.Transaction) (int64, error) {
	m, err := sdk.ParseMoney(tx.Amount.String(), "USD")
	return m.Minor, err
}

// ---- PostgreSQL -------------------------------------------------------

// postgresDSN returns a DSN for a fresh schema of its own on the test
// server (internal/pgtest: a failure under CI without a server, a skip
// elsewhere).
func postgresDSN(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}

// testKeys seals the tokens the test processes share; every worker
// process derives the same keyring, as replicas of one service would get
// the same OBCONNECT_KEYS.
func testKeys() *sqlstore.Keyring {
	kr, err := sqlstore.ParseKeyring("fleettest:" + base64.StdEncoding.EncodeToString(make([]byte, sqlstore.KeySize)))
	if err != nil {
		panic(err)
	}
	return kr
}

// openTokens opens the shared PostgreSQL token store (store/postgres):
// one refresher per grant across the worker processes.
func openTokens(ctx context.Context, dsn string) (sdk.TokenStore, func(), error) {
	st, err := postgres.Open(ctx, dsn, &postgres.Options{Keys: testKeys()})
	if err != nil {
		return nil, nil, err
	}
	return st.Tokens(), func() { _ = st.Close() }, nil
}

func openPGTokens(t testing.TB, dsn string) sdk.TokenStore {
	t.Helper()
	tokens, closeFn, err := openTokens(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(closeFn)
	return tokens
}

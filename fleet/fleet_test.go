package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/fleet"
	_ "github.com/obconnect/obconnect/fleet/fleetpg"
	_ "github.com/obconnect/obconnect/fleet/fleetsqlite"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// A worker process of the fleet test is this test binary started again
// with envWorker set to its configuration: TestMain runs the worker
// instead of the tests.
const envWorker = "OBCONNECT_FLEET_TEST_WORKER"

type workerConfig struct {
	DSN     string    `json:"dsn"`
	Banks   []bankEnv `json:"banks"`
	Workers int       `json:"workers"`
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(envWorker); cfg != "" {
		os.Exit(runWorker(cfg))
	}
	os.Exit(m.Run())
}

// runWorker is a fleet worker process: it works jobs until killed (the
// test sends SIGKILL) or until its standard input closes.
func runWorker(cfgJSON string) int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker config:", err)
		return 2
	}
	t := &testing.T{}
	ctx := context.Background()
	tokens, closeTokens, err := openTokens(ctx, cfg.DSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker tokens:", err)
		return 2
	}
	defer closeTokens()
	f, err := fleet.Open(ctx, cfg.DSN, workerOptions(t, cfg.Banks, tokens, cfg.Workers))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker open:", err)
		return 2
	}
	if err := f.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "worker start:", err)
		return 2
	}
	buf := make([]byte, 1)
	_, _ = os.Stdin.Read(buf) // the parent closes stdin to stop us gracefully
	_ = f.Close()
	return 0
}

// workerOptions are the options of every process of the fleet test,
// coordinator and workers alike.
func workerOptions(t testing.TB, banks []bankEnv, tokens sdk.TokenStore, workers int) *fleet.Options {
	hc := &http.Client{Timeout: 20 * time.Second}
	return &fleet.Options{
		Banks:        bankOptions(t, banks, tokens, hc),
		Workers:      workers,
		SyncInterval: -1, // syncs come from links and notifications; the test asks for the final pass itself
		Retry:        fleet.RetryPolicy{Base: 200 * time.Millisecond, Max: 3 * time.Second, MaxAttempts: 100},
		// A killed worker's job is handed to another after RescueAfter,
		// plus River's rescuer period (30 s).
		JobTimeout:        20 * time.Second,
		RescueAfter:       25 * time.Second,
		FetchPollInterval: 200 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	}
}

// receiver verifies mockbank's notifications per bank and hands them to
// the fleet, as an integrator's webhook endpoint would.
func receiver(t testing.TB, m *mock, f *fleet.Fleet) (events *counterMap) {
	t.Helper()
	ctx := context.Background()
	events = &counterMap{m: map[string]int{}}
	mux := http.NewServeMux()
	hooks := httptest.NewServer(mux)
	t.Cleanup(hooks.Close)
	for _, b := range m.banks {
		keys, err := webhook.DiscoverJWKS(ctx, b.DiscoveryURL, nil)
		require.NoError(t, err)
		v, err := webhook.NewVerifier(keys, &webhook.Options{Now: m.srv.Now, Publisher: b.Name, Subscriber: b.ClientID})
		require.NoError(t, err)
		name := b.Name
		mux.Handle("/hooks/"+name, webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
			events.add(string(ev.Type))
			return f.HandleEvent(ctx, name, ev)
		}))
		_, err = f.Client(name).Subscribe(ctx, nil, hooks.URL+"/hooks/"+name, "TRANSACTIONS_NEW", "TRANSACTIONS_POSTED", "CONSENT_REVOKED")
		require.NoError(t, err, name)
	}
	return events
}

type counterMap struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counterMap) add(k string) {
	c.mu.Lock()
	c.m[k]++
	c.mu.Unlock()
}

func (c *counterMap) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.m {
		n += v
	}
	return n
}

// idleWithin reports whether the fleet's backlog drained within d.
func idleWithin(t testing.TB, f *fleet.Fleet, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if n, err := f.Backlog(context.Background()); err == nil && n == 0 {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

// dumpJobs logs the unfinished jobs with their last error.
func dumpJobs(t testing.TB, dsn string) {
	pool, err := pgxpool.New(context.Background(), dsn)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(context.Background(), `SELECT kind, args::text, state, attempt, coalesce(errors[array_upper(errors, 1)]::text, '') FROM river_job
		WHERE state NOT IN ('completed', 'cancelled', 'discarded') ORDER BY id LIMIT 20`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var kind, args, state, lastErr string
		var attempt int
		require.NoError(t, rows.Scan(&kind, &args, &state, &attempt, &lastErr))
		t.Logf("unfinished %s %s %s attempt %d: %.300s", kind, args, state, attempt, lastErr)
	}
}

// waitIdle waits until the fleet has no job left, for up to d.
func waitIdle(t testing.TB, f *fleet.Fleet, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n, err := f.Backlog(context.Background())
		require.NoError(t, err)
		if n == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d jobs still unfinished after %s", n, d)
		time.Sleep(200 * time.Millisecond)
	}
}

// linked is an account the test linked.
type linked struct{ bank, account string }

// linkAll links every user; the coordinator's fleet enqueues the first
// syncs.
func linkAll(t testing.TB, m *mock, f *fleet.Fleet, users map[string][]string) []linked {
	t.Helper()
	ctx := context.Background()
	var out []linked
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for bank, names := range users {
		for _, u := range names {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				g := link(t, ctx, f, m.ts.Client(), bank, u)
				mu.Lock()
				for _, a := range g.AccountIDs {
					out = append(out, linked{bank, a})
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return out
}

// compareAll compares every account's rows with mockbank's ground truth.
func compareAll(t testing.TB, m *mock, f *fleet.Fleet, accounts []linked) (diffCounts, int) {
	t.Helper()
	var total diffCounts
	rows := 0
	for _, a := range accounts {
		held, err := f.Transactions(context.Background(), a.bank, a.account)
		require.NoError(t, err)
		rows += len(held)
		d, problems := compareAccount(t, held, m.truth(t, a.account))
		total.add(d)
		if len(problems) > 0 {
			t.Errorf("%s %s: %v", a.bank, a.account, problems)
		}
	}
	return total, rows
}

// faultPlan injects, on the transaction reads of each bank, one kind of
// failure the fleet must survive: the bank's own 429 with Retry-After
// (chase), 500 (wellsfargo), a malformed body (citi) and a reset
// connection (usbank). 503 is not injected at citi, whose rate-limit
// answer it is, so every 503 there would be a real refusal.
func faultPlan(t testing.TB, m *mock, fraction float32) (ids []string, rateLimitFault string) {
	ep := "searchForAccountTransactions"
	s429, s500 := 429, 500
	errMode := adminapi.FaultCreateMode("error")
	rateLimitFault = m.fault(t, adminapi.FaultCreate{Bank: "chase", Endpoint: &ep, Mode: &errMode, Status: &s429, RetryAfterSeconds: ptr(1), Fraction: &fraction})
	ids = append(ids, rateLimitFault,
		m.fault(t, adminapi.FaultCreate{Bank: "wellsfargo", Endpoint: &ep, Mode: &errMode, Status: &s500, Fraction: &fraction}),
		m.fault(t, adminapi.FaultCreate{Bank: "citi", Endpoint: &ep, Mode: ptr(adminapi.FaultCreateMode("malformed_body")), Fraction: &fraction}),
		m.fault(t, adminapi.FaultCreate{Bank: "usbank", Endpoint: &ep, Mode: ptr(adminapi.FaultCreateMode("connection_reset")), Fraction: &fraction}))
	return ids, rateLimitFault
}

func clearFaults(t testing.TB, m *mock) {
	r, err := m.admin.ClearFaultsWithResponse(context.Background())
	require.NoError(t, err)
	require.Less(t, r.StatusCode(), 300)
}

// TestFleetSQLite runs the embedded fleet (one process, SQLite through
// riversqlite on one connection) against mockbank with the banks' real
// rate limits, simulated days of activity and injected faults, and checks
// the transactions table against mockbank's ground truth.
func TestFleetSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank and a fleet")
	}
	m := startMock(t, true)
	users := m.population(t, 3)
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "fleet.db")
	opts := workerOptions(t, m.banks, sdk.NewMemoryTokenStore(), 6)
	f, err := fleet.Open(t.Context(), dsn, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	require.NoError(t, f.Start(t.Context()))
	events := receiver(t, m, f)

	accounts := linkAll(t, m, f, users)
	require.Len(t, accounts, 4*3*2)
	waitIdle(t, f, 2*time.Minute)

	_, rlFault := faultPlan(t, m, 0.15)
	for range 4 {
		m.advance(t, "12h")
		time.Sleep(300 * time.Millisecond) // notifications arrive and enqueue
		waitIdle(t, f, 2*time.Minute)
	}
	hits := m.faultHits(t)
	clearFaults(t, m)
	for _, a := range accounts {
		require.NoError(t, f.RequestSync(t.Context(), a.bank, a.account, "final"))
	}
	waitIdle(t, f, 2*time.Minute)

	diff, rows := compareAll(t, m, f, accounts)
	assert.Equal(t, diffCounts{}, diff)
	refusals, data, overlaps := m.wire.snapshot()
	assert.Zero(t, overlaps, "two syncs of one account at once")
	stats, err := f.Stats(t.Context())
	require.NoError(t, err)
	var rlSeen int64
	for _, s := range stats {
		rlSeen += s.RateLimited
	}
	injected := int64(hits[rlFault].Hits)
	assert.Equal(t, injected, rlSeen, "rate-limit refusals seen by the fleet = those injected")
	assert.Equal(t, int(injected), refusals["chase"], "mockbank refused for rate only when told to")
	for _, b := range []string{"wellsfargo", "citi", "usbank"} {
		assert.Zero(t, refusals[b], "%s refused for rate", b)
	}
	t.Logf("sqlite: %d accounts, %d rows, %d notifications, %d data calls %v, %d injected 429s, diff %+v", len(accounts), rows, events.total(), sum(data), data, injected, diff)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestFleetPostgres is the fleet test of issue 12: worker processes on
// one PostgreSQL database, hundreds of accounts at the four banks under
// their real rate limits, simulated days of postings, tips, drops and new
// activity, injected 429/5xx/malformed/reset faults and random SIGKILLs of
// workers. At the end the transactions table must equal mockbank's ground
// truth for every account, and mockbank must have refused for rate no more
// often than the fault plan told it to.
//
// OBCONNECT_FLEET_USERS sets the users per bank (two accounts each; 25 by
// default, so 200 accounts), OBCONNECT_FLEET_WORKERS the worker
// processes (3).
func TestFleetPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank, PostgreSQL schemas and worker processes")
	}
	dsn := postgresDSN(t)
	perBank := envInt("OBCONNECT_FLEET_USERS", 25)
	procs := envInt("OBCONNECT_FLEET_WORKERS", 3)
	m := startMock(t, true)
	users := m.population(t, perBank)
	tokens := openPGTokens(t, dsn)

	// The coordinator links and receives notifications; it works no job.
	f, err := fleet.Open(t.Context(), dsn, workerOptions(t, m.banks, tokens, -1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	events := receiver(t, m, f)

	cfg, err := json.Marshal(workerConfig{DSN: dsn, Banks: m.banks, Workers: 8})
	require.NoError(t, err)
	pool := newProcs(t, string(cfg), procs)
	defer pool.stopAll()

	// Kill workers at random moments from the first link until the
	// clock stops, while faults fly.
	killCtx, stopKilling := context.WithCancel(t.Context())
	killed := make(chan int, 1)
	go func() { killed <- pool.killRandomly(killCtx, 2*time.Second, 5*time.Second) }()
	_, rlFault := faultPlan(t, m, 0.1)

	start := time.Now()
	accounts := linkAll(t, m, f, users)
	require.Len(t, accounts, 4*perBank*2)
	t.Logf("linked %d accounts in %s", len(accounts), time.Since(start).Round(time.Millisecond))
	for range 6 {
		m.advance(t, "12h")
		time.Sleep(3 * time.Second)
	}
	stopKilling()
	kills := <-killed
	hits := m.faultHits(t)
	clearFaults(t, m)
	// A last pass, as the schedule would run one: every account synced
	// after the last change.
	for _, a := range accounts {
		require.NoError(t, f.RequestSync(t.Context(), a.bank, a.account, "final"))
	}
	if !idleWithin(t, f, 3*time.Minute) {
		dumpJobs(t, dsn)
		t.FailNow()
	}
	elapsed := time.Since(start)

	diff, rows := compareAll(t, m, f, accounts)
	assert.Equal(t, diffCounts{}, diff, "missing, duplicated, stale, extra")
	refusals, data, overlaps := m.wire.snapshot()
	assert.Zero(t, overlaps, "two syncs of one account at once")
	stats, err := f.Stats(t.Context())
	require.NoError(t, err)
	var rlSeen int64
	for _, s := range stats {
		if s.Bank != "chase" {
			assert.Zero(t, s.RateLimited, "%s: rate-limit refusals", s.Bank)
		}
		rlSeen += s.RateLimited
	}
	injected := int64(hits[rlFault].Hits)
	// Each refusal is recorded by the worker that saw it; one killed
	// between the answer and the write loses that one.
	assert.LessOrEqual(t, rlSeen, injected, "refusals beyond the fault plan")
	assert.GreaterOrEqual(t, rlSeen, injected-int64(kills), "refusals recorded")
	assert.Equal(t, int(injected), refusals["chase"], "mockbank refused chase only as injected")
	for _, b := range []string{"wellsfargo", "citi", "usbank"} {
		assert.Zero(t, refusals[b], "%s: mockbank refused for rate", b)
	}
	faults := 0
	for _, h := range hits {
		faults += h.Hits
	}
	t.Logf("postgres: %d worker processes, %d SIGKILLs, %d accounts, %d rows, %d notifications, %d data calls %v, %d faults fired (%d injected 429s; fleet counted %d), mockbank refusals %v, diff %+v, %s",
		procs, kills, len(accounts), rows, events.total(), sum(data), data, faults, injected, rlSeen, refusals, diff, elapsed.Round(time.Second))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// procs runs worker processes: this test binary in the worker role.
type procs struct {
	t    testing.TB
	cfg  string
	mu   sync.Mutex
	cmds []*exec.Cmd
}

func newProcs(t testing.TB, cfg string, n int) *procs {
	p := &procs{t: t, cfg: cfg, cmds: make([]*exec.Cmd, n)}
	for i := range n {
		p.start(i)
	}
	return p
}

func (p *procs) start(i int) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorker+"="+p.cfg)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(p.t, err)
	require.NoError(p.t, cmd.Start())
	_ = stdin // closed by stopAll through the process's exit
	p.cmds[i] = cmd
	go func() { _ = cmd.Wait() }()
}

// killRandomly SIGKILLs a random worker every lo..hi and restarts it a
// moment later, until ctx ends; it returns how many it killed.
func (p *procs) killRandomly(ctx context.Context, lo, hi time.Duration) int {
	kills := 0
	for {
		select {
		case <-ctx.Done():
			return kills
		case <-time.After(lo + time.Duration(rand.Int64N(int64(hi-lo)))):
		}
		p.mu.Lock()
		i := rand.IntN(len(p.cmds))
		if c := p.cmds[i]; c != nil && c.Process != nil {
			_ = c.Process.Signal(syscall.SIGKILL)
			kills++
		}
		time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
		p.start(i)
		p.mu.Unlock()
	}
}

func (p *procs) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.cmds {
		if c != nil && c.Process != nil {
			_ = c.Process.Signal(syscall.SIGKILL)
		}
	}
}

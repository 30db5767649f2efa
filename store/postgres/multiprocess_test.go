package postgres_test

// Several processes sharing one grant through PostgreSQL, against a real
// mockbank that rotates refresh tokens and revokes the whole family on
// reuse. The test binary is its own child process: the parent runs
// mockbank and the database schema, the children run sdk clients.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/internal/pgtest"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/store/postgres"
	"github.com/obconnect/obconnect/store/sqlstore"
)

const (
	envChild  = "OBCONNECT_TEST_REFRESH_CHILD" // JSON childConfig
	victimHdr = "X-Obconnect-Test-Victim"      // the victim child's pid
	testKeys  = "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
)

// childConfig is what a child process needs to act for the grant.
type childConfig struct {
	DSN, Issuer, ClientID, Secret, Redirect, Account string
	Grant                                            *sdk.Grant
	Duration                                         time.Duration
	Workers                                          int
	Victim                                           bool
}

// childResult is what a child reports on its last line of output.
type childResult struct {
	Calls, OK int
	// Relinks are calls refused because the grant's tokens are unusable
	// (the token endpoint refused the refresh, or no token is stored):
	// what sends a user through a new link.
	Relinks int
	// Stale are data calls whose retry was refused again, because the
	// bank's clock moved on between the refresh and the retry: the
	// grant is fine, the next call succeeds.
	Stale  int
	Others map[string]int
}

// TestRefreshChild is the child's side; it does nothing in a normal run.
func TestRefreshChild(t *testing.T) {
	raw := os.Getenv(envChild)
	if raw == "" {
		t.Skip("run by TestRefreshAcrossProcesses as a child process")
	}
	var cfg childConfig
	require.NoError(t, json.Unmarshal([]byte(raw), &cfg))
	ctx := context.Background()
	keys, err := sqlstore.ParseKeyring(testKeys)
	require.NoError(t, err)
	st, err := postgres.Open(ctx, cfg.DSN, &postgres.Options{Keys: keys})
	require.NoError(t, err)
	defer st.Close()
	opts := &sdk.Options{BaseURL: cfg.Issuer, RedirectURL: cfg.Redirect, TokenStore: st.Tokens(),
		RateLimit: sdk.RateLimit{RequestsPerSecond: -1}}
	if cfg.Victim {
		pid := strconv.Itoa(os.Getpid())
		opts.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set(victimHdr, pid)
				return next.RoundTrip(r)
			})
		}
	}
	c, err := sdk.Open(ctx, "wellsfargo", sdk.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.Secret}, opts)
	require.NoError(t, err)

	var mu sync.Mutex
	res := childResult{Others: map[string]int{}}
	deadline := time.Now().Add(cfg.Duration)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				_, err := c.Account(ctx, cfg.Grant, cfg.Account)
				mu.Lock()
				res.Calls++
				switch {
				case err == nil:
					res.OK++
				case fromTokenEndpoint(err):
					res.Relinks++
				case sdk.ErrorCode(err) == sdk.Unauthenticated:
					res.Stale++
				default:
					res.Others[sdk.ErrorCode(err).String()]++
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	out, _ := json.Marshal(res)
	fmt.Printf("CHILDRESULT %s\n", out)
}

// fromTokenEndpoint reports whether err, or an error it wraps, is the
// client's token source failing: the refresh refused or no token stored.
func fromTokenEndpoint(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if se, ok := err.(*sdk.Error); ok && strings.HasPrefix(se.Op, "sdk.token") {
			return true
		}
	}
	return false
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// bank is an in-process mockbank on a clock the test moves, counting
// refreshes and the token families it revokes.
type bank struct {
	srv    *mockbank.Server
	ts     *httptest.Server
	info   mockbank.BankInfo
	offset atomic.Int64 // simulated time = wall time + offset

	refreshes atomic.Int64
	revoked   atomic.Int64 // token families revoked for reuse

	mu       sync.Mutex
	killed   int       // pid killed mid-refresh
	killedAt time.Time // when
	resumed  time.Duration
}

func startBank(t *testing.T, grace time.Duration) *bank {
	t.Helper()
	ctx := context.Background()
	b := &bank{}
	// The listener comes first so that mockbank knows its URL; the
	// middleware sees every request before mockbank does.
	b.ts = httptest.NewUnstartedServer(nil)
	var err error
	b.srv, err = mockbank.New(ctx, &mockbank.Options{
		// The test is about tokens, not the bank's throttle.
		Seed: 7, Banks: mockbanktest.Unthrottled(nil), RefreshReuseGrace: grace, BaseURL: "http://" + b.ts.Listener.Addr().String(),
		Clock:  func() time.Time { return time.Now().Add(time.Duration(b.offset.Load())) },
		Logger: slog.New(revocations{b}),
	})
	require.NoError(t, err)
	t.Cleanup(func() { b.srv.Close() })
	b.ts.Config.Handler = b.middleware("")(b.srv)
	b.ts.Start()
	t.Cleanup(b.ts.Close)
	for _, info := range b.srv.Banks() {
		if info.Name == "wellsfargo" {
			b.info = info
		}
	}
	return b
}

// expire moves the bank's clock past every access token's life (900 s).
func (b *bank) expire() { b.offset.Add(int64(16 * time.Minute)) }

// middleware counts refreshes and, for a victim's first refresh, lets the
// bank rotate, then kills the victim before it can read the answer.
func (b *bank) middleware(string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/token") {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if !strings.Contains(string(body), "grant_type=refresh_token") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if rec.Code == http.StatusOK {
				b.refreshes.Add(1)
			}
			b.mu.Lock()
			victim, _ := strconv.Atoi(r.Header.Get(victimHdr))
			kill := victim != 0 && b.killed == 0 && rec.Code == http.StatusOK
			if kill {
				b.killed = victim
				_ = syscall.Kill(victim, syscall.SIGKILL)
				b.killedAt = time.Now()
			} else if b.killed != 0 && b.resumed == 0 && rec.Code == http.StatusOK {
				b.resumed = time.Since(b.killedAt)
			}
			b.mu.Unlock()
			if kill {
				// The bank rotated; its answer dies with the victim.
				panic(http.ErrAbortHandler)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// revocations counts mockbank's "grant revoked" events for token reuse.
type revocations struct{ b *bank }

func (h revocations) Enabled(context.Context, slog.Level) bool { return true }
func (h revocations) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h revocations) WithGroup(string) slog.Handler            { return h }
func (h revocations) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "grant revoked" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "reason" && a.Value.String() == "refresh token reuse" {
				h.b.revoked.Add(1)
			}
			return true
		})
	}
	return nil
}

// link links user_good at the bank with the tokens in st, and returns the
// grant and its checking account.
func (b *bank) link(t *testing.T, st *postgres.Store) (*sdk.Grant, string) {
	t.Helper()
	ctx := context.Background()
	c := b.client(t, st)
	pending, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed},
		Purpose: sdk.PurposePersonalFinancialManagement, Duration: 90 * 24 * time.Hour})
	require.NoError(t, err)
	cb, err := mockbanktest.Approve(ctx, b.ts.Client(), pending.AuthURL, mockbanktest.Answers{Username: "user_good", Password: "pass_good"})
	require.NoError(t, err)
	g, err := c.CompleteLink(ctx, pending, cb.Query())
	require.NoError(t, err)
	for a, err := range c.Accounts(ctx, g) {
		require.NoError(t, err)
		if a.Type == sdk.Checking {
			return g, a.ID
		}
	}
	t.Fatal("user_good has no checking account")
	return nil, ""
}

func (b *bank) client(t *testing.T, st *postgres.Store) *sdk.Client {
	t.Helper()
	c, err := sdk.Open(context.Background(), "wellsfargo", sdk.Credentials{ClientID: b.info.Client.ID, ClientSecret: b.info.Client.Secret},
		&sdk.Options{BaseURL: b.info.Issuer, RedirectURL: b.info.Client.RedirectURIs[0], TokenStore: st.Tokens(), HTTPClient: b.ts.Client(),
			RateLimit: sdk.RateLimit{RequestsPerSecond: -1}})
	require.NoError(t, err)
	return c
}

// child starts a child process acting for g.
type child struct {
	cmd *exec.Cmd
	out bytes.Buffer
	res *childResult
	err error
}

func startChild(t *testing.T, cfg childConfig) *child {
	t.Helper()
	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	ch := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestRefreshChild$", "-test.count=1")}
	ch.cmd.Env = append(os.Environ(), envChild+"="+string(js))
	ch.cmd.Stdout, ch.cmd.Stderr = &ch.out, &ch.out
	require.NoError(t, ch.cmd.Start())
	return ch
}

func (ch *child) wait() {
	ch.err = ch.cmd.Wait()
	sc := bufio.NewScanner(bytes.NewReader(ch.out.Bytes()))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "CHILDRESULT "); ok {
			var r childResult
			if json.Unmarshal([]byte(rest), &r) == nil {
				ch.res = &r
			}
		}
	}
}

type scenario struct {
	processes int
	duration  time.Duration
	every     time.Duration // between expiries
	victim    bool
	grace     time.Duration
}

type outcome struct {
	expiries             int
	refreshes, reuses    int64
	calls, ok, relinks   int
	stale                int
	others               map[string]int
	usable               bool
	killed               bool
	lockReleasedIn       time.Duration
	survivorsWithResults int
}

func run(t *testing.T, sc scenario) outcome {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	keys, err := sqlstore.ParseKeyring(testKeys)
	require.NoError(t, err)
	st, err := postgres.Open(ctx, dsn, &postgres.Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	b := startBank(t, sc.grace)
	g, account := b.link(t, st)

	cfg := childConfig{DSN: dsn, Issuer: b.info.Issuer, ClientID: b.info.Client.ID, Secret: b.info.Client.Secret,
		Redirect: b.info.Client.RedirectURIs[0], Account: account, Grant: g, Duration: sc.duration, Workers: 2}
	var children []*child
	for i := range sc.processes {
		c := cfg
		c.Victim = sc.victim && i == 0
		children = append(children, startChild(t, c))
	}
	var o outcome
	start := time.Now()
	for time.Since(start) < sc.duration-sc.every {
		time.Sleep(sc.every)
		b.expire()
		o.expiries++
	}
	o.others = map[string]int{}
	for i, ch := range children {
		ch.wait()
		if sc.victim && i == 0 {
			var ee *exec.ExitError
			o.killed = errors.As(ch.err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
			continue
		}
		if !assert.NoError(t, ch.err, "child %d:\n%s", i, ch.out.String()) || !assert.NotNil(t, ch.res, "child %d result:\n%s", i, ch.out.String()) {
			continue
		}
		o.survivorsWithResults++
		o.calls += ch.res.Calls
		o.ok += ch.res.OK
		o.relinks += ch.res.Relinks
		o.stale += ch.res.Stale
		for k, v := range ch.res.Others {
			o.others[k] += v
		}
	}
	o.refreshes, o.reuses = b.refreshes.Load(), b.revoked.Load()
	b.mu.Lock()
	o.lockReleasedIn = b.resumed
	b.mu.Unlock()
	// The grant as a restarted process finds it.
	b.expire()
	_, err = b.client(t, st).Account(ctx, g, account)
	o.usable = err == nil
	t.Logf("%d processes x 2 workers, %d expiries in %s: %d calls (%d ok, %d stale retries), %d refreshes at the bank, %d reuse revocations, %d relinks, other errors %v, grant usable after: %v",
		sc.processes, o.expiries, sc.duration, o.calls, o.ok, o.stale, o.refreshes, o.reuses, o.relinks, o.others, o.usable)
	return o
}

// Three processes hammer one grant across many expiries: each expiry is
// refreshed once between them, the bank never sees a reuse, and nobody
// has to link again.
func TestRefreshAcrossProcesses(t *testing.T) {
	pgtest.DSN(t)
	if os.Getenv(envChild) != "" {
		t.Skip("child")
	}
	o := run(t, scenario{processes: 3, duration: 8 * time.Second, every: 150 * time.Millisecond})
	assert.Equal(t, 3, o.survivorsWithResults)
	assert.GreaterOrEqual(t, o.expiries, 40)
	assert.Zero(t, o.reuses, "no refresh token presented twice")
	assert.Zero(t, o.relinks, "no grant lost")
	assert.True(t, o.usable, "the grant works after the run")
	assert.Empty(t, o.others)
	// One refresh per expiry (the link's first token and the final check
	// aside): never one per process.
	assert.LessOrEqual(t, o.refreshes, int64(o.expiries+1))
	assert.GreaterOrEqual(t, o.refreshes, int64(o.expiries*3/4))
	assert.Greater(t, o.ok, o.calls*9/10)
}

// A process killed with SIGKILL in the middle of a refresh, after the bank
// rotated but before the answer reached it: its row lock dies with it at
// once, and with a bank that allows the previous refresh token once more
// (a reuse grace), another process's retry keeps the grant usable. With a
// strict bank the grant is lost: no client can recover a refresh token
// that died with the process that received it.
func TestRefreshSurvivesSIGKILL(t *testing.T) {
	pgtest.DSN(t)
	if os.Getenv(envChild) != "" {
		t.Skip("child")
	}
	t.Run("reuse grace", func(t *testing.T) {
		o := run(t, scenario{processes: 3, duration: 6 * time.Second, every: 200 * time.Millisecond, victim: true, grace: 30 * time.Second})
		require.True(t, o.killed, "the victim was killed mid-refresh")
		t.Logf("lock released and the grant refreshed %s after the kill", o.lockReleasedIn)
		assert.Positive(t, o.lockReleasedIn)
		assert.Less(t, o.lockReleasedIn, 5*time.Second, "the lock died with the process")
		assert.Zero(t, o.reuses)
		assert.Zero(t, o.relinks, "the survivors never lost the grant")
		assert.True(t, o.usable)
		assert.Equal(t, 2, o.survivorsWithResults)
	})
	t.Run("strict bank", func(t *testing.T) {
		o := run(t, scenario{processes: 3, duration: 3 * time.Second, every: 200 * time.Millisecond, victim: true})
		require.True(t, o.killed)
		assert.EqualValues(t, 1, o.reuses, "the retry with the old refresh token is reuse")
		assert.Positive(t, o.relinks)
		assert.False(t, o.usable, "the documented limit: the user links again")
	})
}

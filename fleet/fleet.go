package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/fleet/internal/backend"
	"github.com/obconnect/obconnect/fleet/internal/migrations"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/txsync"
)

// Defaults for Options.
const (
	DefaultWorkers      = 10
	DefaultSyncInterval = 6 * time.Hour
	DefaultJobTimeout   = 5 * time.Minute
	DefaultMaxAttempts  = 25
	DefaultRetryBase    = time.Second
	DefaultRetryMax     = 10 * time.Minute
	// DefaultBudgetShare is the share of a bank's published rate the fleet
	// spends by default: the rest absorbs network jitter, so requests sent
	// evenly do not arrive bunched at a bank whose bucket is empty.
	DefaultBudgetShare = 0.98
)

// Queue is the River queue of the fleet's deletions and schedule; each
// bank's syncs run in a queue of their own, BankQueue(bank), so that a
// bank whose budget is booked ahead does not hold the workers of the
// others.
const Queue = "obconnect_fleet"

// BankQueue is the River queue of the bank's sync jobs.
func BankQueue(bank string) string { return Queue + "_" + bank }

// migrationTable is goose's version table for the fleet's schema, apart
// from any other goose user's in the same database.
const migrationTable = "obconnect_fleet_goose_version"

// Bank is one bank the fleet syncs: the integrator's credentials there and
// the sdk options its client is opened with.
type Bank struct {
	// Name is the bank's registry name ("chase"); its connector must be
	// registered (blank import of connectors/<bank>).
	Name        string
	Credentials sdk.Credentials
	// Options are the client's options, nil meaning defaults. Every
	// process of a fleet must share TokenStore (a database-backed store
	// with a single refresher across processes), or refresh-token
	// rotation breaks. The fleet adds its budget to WrapTransport (inside
	// the one given), its counters to Observer (after the one given), and
	// turns the client's own limiter off: the shared budget replaces it.
	Options *sdk.Options
	// Budget is the fleet-wide request budget at this bank. Zero means
	// DefaultBudgetShare of the bank's published rate with half its burst
	// (sdk.Client.Profile().RateLimit, from the bank's description);
	// RequestsPerSecond < 0 means no budget (a bank without limits, or a
	// benchmark).
	Budget sdk.RateLimit
}

// RetryPolicy is how failed jobs are retried: full-jitter exponential
// backoff from Base, capped at Max, at most MaxAttempts runs in all.
type RetryPolicy struct {
	// Base is the first backoff ceiling; 0 means DefaultRetryBase.
	Base time.Duration
	// Max caps one backoff; 0 means DefaultRetryMax.
	Max time.Duration
	// MaxAttempts counts the first run; 0 means DefaultMaxAttempts. A job
	// that fails that often is discarded (Stats counts it).
	MaxAttempts int
}

// Options configures a Fleet. A nil *Options, like the zero value of each
// field, means the documented default.
type Options struct {
	// Banks are the banks this process syncs. A process that only links
	// accounts and enqueues syncs needs the banks it links at.
	Banks []Bank
	// Workers is how many syncs this process runs at once at each bank
	// (each bank has its own queue); 0 means DefaultWorkers, and a
	// negative value makes an enqueue-only process (Start is then an
	// error).
	Workers int
	// SyncInterval is how stale an account may get without a notification:
	// the scheduler enqueues a sync for every account not synced for that
	// long. 0 means DefaultSyncInterval; negative disables the schedule.
	SyncInterval time.Duration
	// Lookback and Now configure txsync (see txsync.Options): the window
	// each sync re-reads, and the clock it is measured from.
	Lookback time.Duration
	Now      func() time.Time
	// Retry is the backoff of failed jobs.
	Retry RetryPolicy
	// JobTimeout bounds one sync; 0 means DefaultJobTimeout. RescueAfter
	// is how long a job may stay running before River hands it to another
	// worker (its process died); 0 means JobTimeout plus a minute, and it
	// must exceed JobTimeout.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// Logger receives the fleet's and River's logs: job failures with their
	// error codes, bank and account ids (never tokens, secrets or account
	// numbers). Nil means silent.
	Logger *slog.Logger
	// MaxConns bounds the database pool (PostgreSQL; SQLite always uses
	// one connection); 0 means the driver's default or the DSN's
	// pool_max_conns.
	MaxConns int
	// SkipMigrations leaves the schema alone, for deployments that migrate
	// in a separate step (Migrate). By default Open migrates.
	SkipMigrations bool
	// FetchPollInterval is how often an idle worker looks for jobs when
	// the database cannot push (SQLite); 0 means River's default (1 s).
	FetchPollInterval time.Duration
	// Middleware wraps every job the fleet inserts and works (River's
	// rivertype.Middleware), e.g. telemetry/otelfleet's spans and metrics
	// for sync jobs. The fleet's own exactness does not depend on it.
	Middleware []rivertype.Middleware
}

// Fleet is one process's handle on the sync fleet: it links accounts,
// enqueues their syncs, works the jobs when started, and reads the
// synced transactions. It is safe for concurrent use. Any number of
// processes may open the same PostgreSQL database; they share the queue,
// the per-bank budget and the tables.
type Fleet struct {
	db       backend.DB
	log      *slog.Logger
	opts     Options
	clients  map[string]*sdk.Client
	budgets  map[string]*budget
	rlStatus map[string]int
	metrics  *metrics
	now      func() time.Time

	mu      sync.Mutex
	started bool
	closed  bool
}

// Open connects to the database named by dsn, migrates it (unless
// Options.SkipMigrations) and returns the fleet; Start makes this process
// work jobs. The DSN's scheme picks the database, whose package must be
// imported for its side effect:
//
//	postgres://user:pass@host:5432/db?sslmode=require   fleet/fleetpg
//	sqlite:///var/lib/app/fleet.db                       fleet/fleetsqlite
//
// Errors: InvalidArgument (ErrNoBackend, an unknown or misconfigured bank,
// bad options), Unavailable when the database cannot be reached or
// migrated. The DSN never appears in an error.
func Open(ctx context.Context, dsn string, opts *Options) (*Fleet, error) {
	const op = "fleet.Open"
	if ctx == nil {
		return nil, fail(obcerr.InvalidArgument, op, nil, "nil context")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	opener, scheme, ok := backend.Lookup(dsn)
	if !ok {
		return nil, fail(obcerr.InvalidArgument, op, ErrNoBackend, fmt.Sprintf("scheme %q is not registered (registered: %v); import github.com/obconnect/obconnect/fleet/fleetpg for postgres://, fleet/fleetsqlite for sqlite:", scheme, backend.Schemes()))
	}
	if err := o.fill(); err != nil {
		return nil, err
	}
	f := &Fleet{
		log:      o.Logger,
		opts:     o,
		clients:  map[string]*sdk.Client{},
		budgets:  map[string]*budget{},
		rlStatus: map[string]int{},
		metrics:  newMetrics(),
		now:      o.Now,
	}
	for _, b := range o.Banks {
		if err := f.addBank(ctx, b); err != nil {
			return nil, err
		}
	}
	db, err := opener(ctx, dsn, backend.Config{River: f.riverConfig(), MaxConns: o.MaxConns})
	if err != nil {
		return nil, &obcerr.Error{Code: obcerr.Unavailable, Op: op, Msg: "open the database", Err: err}
	}
	f.db = db
	for _, b := range f.budgets {
		b.db = db
	}
	if !o.SkipMigrations {
		if err := f.migrate(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	for _, b := range f.budgets {
		if err := b.install(ctx); err != nil {
			_ = db.Close()
			return nil, &obcerr.Error{Code: obcerr.Unavailable, Op: op, Msg: "install the request budget of " + b.bank, Err: err}
		}
	}
	return f, nil
}

// Migrate applies River's migrations and the fleet's own to the database
// named by dsn and returns, for a deployment step that runs before the
// workers start (Options.SkipMigrations). Open does the same by default.
func Migrate(ctx context.Context, dsn string) error {
	f, err := Open(ctx, dsn, &Options{Workers: -1, SkipMigrations: true})
	if err != nil {
		return err
	}
	defer f.Close()
	return f.migrate(ctx)
}

func (f *Fleet) migrate(ctx context.Context) error {
	dir := "postgres"
	if f.db.Dialect() == backend.SQLite {
		dir = "sqlite"
	}
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return &obcerr.Error{Code: obcerr.Internal, Op: "fleet.Migrate", Err: err}
	}
	if err := f.db.Migrate(ctx, sub, migrationTable); err != nil {
		return &obcerr.Error{Code: obcerr.Unavailable, Op: "fleet.Migrate", Msg: "migrate the database", Err: err}
	}
	return nil
}

func (o *Options) fill() error {
	const op = "fleet.Open"
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = DefaultJobTimeout
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = o.JobTimeout + time.Minute
	}
	if o.RescueAfter <= o.JobTimeout {
		return fail(obcerr.InvalidArgument, op, nil, "RescueAfter must exceed JobTimeout")
	}
	if o.Retry.Base <= 0 {
		o.Retry.Base = DefaultRetryBase
	}
	if o.Retry.Max <= 0 {
		o.Retry.Max = DefaultRetryMax
	}
	if o.Retry.MaxAttempts <= 0 {
		o.Retry.MaxAttempts = DefaultMaxAttempts
	}
	if o.Lookback < 0 {
		return fail(obcerr.InvalidArgument, op, nil, "negative Lookback")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// addBank opens the bank's client with the fleet's budget in its transport.
func (f *Fleet) addBank(ctx context.Context, b Bank) error {
	const op = "fleet.Open"
	if b.Name == "" {
		return fail(obcerr.InvalidArgument, op, ErrUnknownBank, "a Bank without a Name")
	}
	if _, dup := f.clients[b.Name]; dup {
		return fail(obcerr.InvalidArgument, op, ErrUnknownBank, "bank "+b.Name+" listed twice")
	}
	var so sdk.Options
	if b.Options != nil {
		so = *b.Options
	}
	so.RateLimit = sdk.RateLimit{RequestsPerSecond: -1}
	so.Limiter = nil
	bg := &budget{bank: b.Name, metrics: f.metrics}
	inner := so.WrapTransport
	so.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return &budgetTransport{next: rt, b: bg}
	}
	userObs := so.Observer
	so.Observer = func(ex sdk.Exchange) {
		if userObs != nil {
			userObs(ex)
		}
		f.observe(b.Name, ex)
	}
	client, err := sdk.Open(ctx, b.Name, b.Credentials, &so)
	if err != nil {
		return err
	}
	rl := b.Budget
	if rl.RequestsPerSecond == 0 {
		p := client.Profile().RateLimit
		rl = sdk.RateLimit{RequestsPerSecond: p.RequestsPerSecond * DefaultBudgetShare, Burst: max(1, p.Burst/2)}
	}
	if rl.RequestsPerSecond > 0 {
		bg.rate, bg.burst = rl.RequestsPerSecond, float64(max(1, rl.Burst))
		f.budgets[b.Name] = bg
	} else {
		bg.off = true
	}
	// The status the bank answers when it throttles: 429 by FDX, or the
	// bank's own (citi: 503 + 501), from its description file.
	f.rlStatus[b.Name] = http.StatusTooManyRequests
	if d, err := connectors.Lookup(b.Name); err == nil {
		for _, q := range d.Errors.Quirks {
			if q.Means == obcerr.RateLimited.String() && q.Status != 0 {
				f.rlStatus[b.Name] = q.Status
			}
		}
	}
	f.clients[b.Name] = client
	return nil
}

// observe counts what the banks answered. A rate-limit refusal is also
// written to the database at once, so the fleet-wide count survives a
// worker killed right after.
func (f *Fleet) observe(bank string, ex sdk.Exchange) {
	m := f.metrics.bank(bank)
	m.requests.Add(1)
	if ex.Status == 0 || ex.Status >= 500 {
		m.failures.Add(1)
	}
	if ex.Status == f.rlStatus[bank] {
		m.rateLimited.Add(1)
		if f.db != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := f.addCounter(ctx, bank, counterRateLimited, 1); err != nil {
				f.log.Warn("fleet: cannot record a rate-limit refusal", "bank", bank, "error", err)
			}
		}
	}
}

// Client returns the sdk client the fleet opened for the bank (with the
// fleet's budget in its transport), for linking and other calls that
// should count against the same budget; nil for a bank not configured.
func (f *Fleet) Client(bank string) *sdk.Client { return f.clients[bank] }

func (f *Fleet) riverConfig() *river.Config {
	o := f.opts
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{f: f})
	river.AddWorker(workers, &deleteWorker{f: f})
	river.AddWorker(workers, &scheduleWorker{f: f})
	cfg := &river.Config{
		Logger:               o.Logger,
		Workers:              workers,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		MaxAttempts:          o.Retry.MaxAttempts,
		RetryPolicy:          &retryPolicy{base: o.Retry.Base, max: o.Retry.Max},
		FetchPollInterval:    o.FetchPollInterval,
		// Completed jobs are not kept long: the fleet's own tables are the
		// record of what was synced.
		CompletedJobRetentionPeriod: time.Hour,
		Middleware:                  o.Middleware,
	}
	if o.Workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{Queue: {MaxWorkers: o.Workers}}
		for _, b := range o.Banks {
			cfg.Queues[BankQueue(b.Name)] = river.QueueConfig{MaxWorkers: o.Workers}
		}
		if o.SyncInterval > 0 {
			every := min(max(o.SyncInterval/6, time.Second), 10*time.Minute)
			cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
				func() (river.JobArgs, *river.InsertOpts) { return scheduleArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "obconnect_fleet_schedule"})}
		}
	}
	return cfg
}

// Start makes this process work the fleet's jobs (syncs, deletions, the
// schedule) until Stop or Close, or until ctx ends. Errors: InvalidArgument
// for an enqueue-only fleet (Options.Workers < 0).
func (f *Fleet) Start(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fail(obcerr.Canceled, "fleet.Start", ErrClosed, "the fleet is closed")
	}
	if f.opts.Workers < 0 {
		return fail(obcerr.InvalidArgument, "fleet.Start", nil, "an enqueue-only fleet (Options.Workers < 0) works no jobs")
	}
	if f.started {
		return nil
	}
	if err := f.db.Start(ctx); err != nil {
		return &obcerr.Error{Code: obcerr.Unavailable, Op: "fleet.Start", Err: err}
	}
	f.started = true
	return nil
}

// Stop stops working jobs: no new job starts, running syncs finish (or
// are cancelled when ctx ends, and retried later; nothing is lost).
func (f *Fleet) Stop(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started {
		return nil
	}
	f.started = false
	return f.db.Stop(ctx)
}

// Close stops working jobs, giving running ones 10 seconds, and closes the
// database.
func (f *Fleet) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.Stop(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return errors.Join(err, f.db.Close())
}

// retryPolicy is full-jitter exponential backoff: a retry waits a random
// time up to base·2^(attempt−1), capped at max, so retries of many jobs
// failing together (a bank's outage) spread out instead of returning in
// a wave.
type retryPolicy struct{ base, max time.Duration }

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	ceil := p.base
	for i := 1; i < job.Attempt && ceil < p.max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.max)
	wait := time.Duration(rand.Int64N(int64(ceil)) + 1)
	return time.Now().Add(max(wait, p.base/4))
}

// uniqueStates are the job states in which a second job for the same
// account is refused: everything but the final ones, so that the moment a
// sync completes (in the transaction that applies its changes) a new one
// may be queued.
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

func (f *Fleet) bankClient(op, bank string) (*sdk.Client, error) {
	c := f.clients[bank]
	if c == nil {
		return nil, fail(obcerr.InvalidArgument, op, ErrUnknownBank, "bank "+bank+" is not in Options.Banks")
	}
	return c, nil
}

func linkID(g *sdk.Grant) string { return g.TokenKey() }

func decodeGrant(s string) (*sdk.Grant, error) {
	var g sdk.Grant
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// statePrefixMatch is the SQL that selects an account's txsync state keys.
const statePrefixMatch = "substr(key, 1, ?) = ?"

func prefixArgs(bank, account string) []any {
	p := txsync.AccountPrefix(bank, account)
	// substr counts characters in both databases.
	return []any{int64(utf8.RuneCountInString(p)), p}
}

// redactErr is an error's text for logs: the sdk's errors never carry
// tokens or secrets; this only bounds the length.
func redactErr(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Dialect names the SQL engine behind a *sql.DB.
type Dialect string

// The engines this package speaks.
const (
	// SQLite is modernc.org/sqlite (package store/sqlite opens it).
	SQLite Dialect = "sqlite"
	// Postgres is PostgreSQL through pgx's database/sql driver (package
	// store/postgres opens it).
	Postgres Dialect = "postgres"
)

// Options configures a Store. Keys is required; a nil *Options is an
// error.
type Options struct {
	// Keys seals tokens at rest (required): neither database ever holds
	// a token in clear.
	Keys *Keyring
	// Now is the clock of webhook claims' expiry; nil means time.Now.
	Now func() time.Time
}

// Store is obconnect's state in one SQL database: tokens, grants, sync
// state, webhook replay claims and deletion records, each behind the
// sdk's interface for it. It is safe for concurrent use, by many
// processes sharing the database.
type Store struct {
	db      *sql.DB
	dialect Dialect
	keys    *Keyring
	now     func() time.Time

	tokens    *TokenStore
	grants    *GrantStore
	syncState *SyncStateStore
	replay    *ReplayStore
	deletions *DeletionStore
}

//go:embed migrations
var migrations embed.FS

// Migration bookkeeping lives in its own table, and PostgreSQL migrations
// take their own advisory lock, so they do not meet another goose user's
// (River has its own migrator) in the same database.
const (
	versionTable = "obconnect_schema_version"
	// migrationLockID is the advisory lock held while PostgreSQL migrates
	// (the first 8 bytes of SHA-256("obconnect schema")).
	migrationLockID int64 = 0x4f42434f4e4e4543
)

// New returns a Store over db, which must already be open on the
// dialect's engine, after bringing its schema up to date: the versioned
// migrations embedded in this package run at every New, each once, under
// an advisory lock in PostgreSQL so that replicas starting together
// migrate once. Close closes db.
//
// For SQLite, db must be a file database with a busy timeout (package
// store/sqlite sets one); an in-memory database is one per connection.
//
// Errors: ErrBadKey (wrapped) when opts has no Keys; the database's own
// errors, wrapped, when it cannot be reached or migrated.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts *Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("sqlstore: unknown dialect %q (want %q or %q)", dialect, SQLite, Postgres)
	}
	if opts == nil || opts.Keys == nil {
		return nil, fmt.Errorf("%w: Options.Keys is required (tokens are encrypted at rest)", ErrBadKey)
	}
	s := &Store{db: db, dialect: dialect, keys: opts.Keys, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	s.tokens = &TokenStore{s: s}
	s.grants = &GrantStore{s: s}
	s.syncState = &SyncStateStore{s: s}
	s.replay = &ReplayStore{s: s}
	s.deletions = &DeletionStore{s: s}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(versionTable),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
	}
	gd := goose.DialectSQLite3
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("sqlstore: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, s.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	// SQLite has no advisory lock: two processes creating a fresh file at
	// once may collide on the first migration. The loser tries again and
	// finds it applied.
	for attempt := 1; ; attempt++ {
		_, err = p.Up(ctx)
		if err == nil || s.dialect != SQLite || attempt == 3 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlstore: migrate: %w", ctx.Err())
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// SchemaVersion reports the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, s.q("SELECT COALESCE(MAX(version_id), 0) FROM "+versionTable+" WHERE is_applied")).Scan(&v)
	return v, err
}

// DB returns the database, for queries of the integrator's own (in the
// same transaction as their data, say).
func (s *Store) DB() *sql.DB { return s.db }

// Dialect reports the database's engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Tokens is the sdk.TokenStore (sdk.Options.TokenStore).
func (s *Store) Tokens() *TokenStore { return s.tokens }

// Grants is the sdk.GrantStore (sdk.Options.GrantStore).
func (s *Store) Grants() *GrantStore { return s.grants }

// SyncState is the txsync.StateStore (txsync.New).
func (s *Store) SyncState() *SyncStateStore { return s.syncState }

// Replay is the webhook.ReplayStore (webhook.Options.Replay).
func (s *Store) Replay() *ReplayStore { return s.replay }

// Deletions is the lifecycle.DeletionStore (lifecycle.Options.Deletions).
func (s *Store) Deletions() *DeletionStore { return s.deletions }

// q rewrites a query written with ? placeholders for the dialect:
// PostgreSQL numbers them ($1, $2, ...). Queries hold no ? inside
// literals.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	return rebind(query)
}

var rebound sync.Map // query -> PostgreSQL query

func rebind(query string) string {
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	rebound.Store(query, b.String())
	return b.String()
}

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// execer is what a statement runs on: the database, or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// lockedTx is a transaction that holds the database's lock on one row
// from its first statement: SELECT ... FOR UPDATE in PostgreSQL, BEGIN
// IMMEDIATE (the database's write lock) in SQLite, whose locks are
// whole-database. Both die with the process that holds them: PostgreSQL
// aborts a transaction whose connection drops, and SQLite's file locks
// go with the process.
type lockedTx struct {
	execer
	tx   *sql.Tx   // PostgreSQL
	conn *sql.Conn // SQLite
}

// begin starts a locked transaction. forUpdate is the suffix that makes
// a SELECT take the row lock ("" in SQLite, where BEGIN IMMEDIATE took
// the lock already).
func (s *Store) begin(ctx context.Context) (lt *lockedTx, forUpdate string, err error) {
	if s.dialect == Postgres {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, "", err
		}
		return &lockedTx{execer: tx, tx: tx}, " FOR UPDATE", nil
	}
	// database/sql's BeginTx says BEGIN (deferred): two processes would
	// both read the old token and only then contend for the write lock.
	// BEGIN IMMEDIATE takes it first, waiting under the busy timeout,
	// which modernc.org/sqlite ends with ctx.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, "", err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		_ = conn.Close()
		return nil, "", err
	}
	return &lockedTx{execer: conn, conn: conn}, "", nil
}

func (t *lockedTx) commit(ctx context.Context) error {
	if t.tx != nil {
		return t.tx.Commit()
	}
	_, err := t.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT")
	if err != nil {
		t.discard()
		return err
	}
	return t.conn.Close()
}

func (t *lockedTx) rollback(ctx context.Context) {
	if t.tx != nil {
		_ = t.tx.Rollback()
		return
	}
	if _, err := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		t.discard()
		return
	}
	_ = t.conn.Close()
}

// discard drops a connection that may still be inside a transaction,
// rather than hand it back to the pool: database/sql closes a connection
// whose Raw callback reports driver.ErrBadConn.
func (t *lockedTx) discard() {
	_ = t.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = t.conn.Close()
}

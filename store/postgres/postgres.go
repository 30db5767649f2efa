// Package postgres opens obconnect's state store in PostgreSQL, through
// github.com/jackc/pgx/v5: the store for many processes on many hosts.
// Every replica points at the same database with one DSN:
//
//	keys, err := sqlstore.ParseKeyring(os.Getenv("OBCONNECT_KEYS"))
//	st, err := postgres.Open(ctx, os.Getenv("OBCONNECT_DATABASE_URL"), &postgres.Options{Keys: keys})
//	defer st.Close()
//	client, err := sdk.Open(ctx, "chase", creds, &sdk.Options{TokenStore: st.Tokens(), GrantStore: st.Grants()})
//
// The DSN is pgx's: a URL (postgres://user:pass@host:5432/db?sslmode=verify-full)
// or key=value pairs, with pgxpool's pool settings (pool_max_conns=20) and
// PostgreSQL run-time settings such as search_path, which selects the
// schema the tables live in. [New] takes a *pgxpool.Pool the program
// already has instead (a job queue on the same database, say).
//
// This is a package of its own, apart from store/sqlstore and
// store/sqlite, so that a program compiles pgx only when it imports this
// package; an integrator who imports only sdk and a connector compiles no
// database driver at all.
//
// # Refresh lock
//
// A token refresh holds one row lock (SELECT ... FOR UPDATE) while the
// bank answers; other replicas refreshing the same grant wait for it,
// each holding one pool connection while it waits, and then read the
// rotated token. Other grants are not held up. If the refreshing process
// dies, PostgreSQL sees its connection close, rolls the transaction back
// and releases the lock at once.
//
// # Stability
//
// v0.x: the API may change between minor versions; the schema only moves
// forward, by migrations Open and New apply.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/obconnect/obconnect/store/sqlstore"
)

// Options configures Open and New. Keys is required; a nil *Options is an
// error.
type Options struct {
	// Keys seals tokens at rest (sqlstore.Options.Keys).
	Keys *sqlstore.Keyring
	// Now is the clock of webhook claims (sqlstore.Options.Now).
	Now func() time.Time
}

// Store is a sqlstore.Store over PostgreSQL.
type Store struct {
	*sqlstore.Store
	pool    *pgxpool.Pool
	ownPool bool
}

// ErrBadDSN is wrapped by Open's error for a DSN pgx cannot read. The
// message does not repeat the DSN, which may hold a password.
var ErrBadDSN = errors.New("postgres: bad DSN")

// Open connects to the database dsn names, checks that it answers, and
// migrates the schema (sqlstore.New). Close closes the pool it opened.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	if opts == nil || opts.Keys == nil {
		return nil, fmt.Errorf("%w: Options.Keys is required (tokens are encrypted at rest)", sqlstore.ErrBadKey)
	}
	if dsn == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadDSN)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN, password included.
		return nil, fmt.Errorf("%w: pgx cannot parse it (see the pgx documentation for the URL and key=value forms)", ErrBadDSN)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	st, err := newStore(ctx, pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	st.ownPool = true
	return st, nil
}

// New returns a Store over a pool the caller opened and keeps: Close
// leaves the pool open.
func New(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: nil pool")
	}
	if opts == nil || opts.Keys == nil {
		return nil, fmt.Errorf("%w: Options.Keys is required (tokens are encrypted at rest)", sqlstore.ErrBadKey)
	}
	return newStore(ctx, pool, opts)
}

func newStore(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	st, err := sqlstore.New(ctx, db, sqlstore.Postgres, &sqlstore.Options{Keys: opts.Keys, Now: opts.Now})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Store{Store: st, pool: pool}, nil
}

// Pool returns the connection pool, for programs that use the same
// database for their own work (a River job queue, say).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the store, and the pool when Open opened it.
func (s *Store) Close() error {
	err := s.Store.Close()
	if s.ownPool {
		s.pool.Close()
	}
	return err
}

// Package fleetsqlite connects package fleet to an embedded SQLite file:
// the pure-Go modernc.org/sqlite driver (no cgo) for the fleet's tables
// and River's riversqlite driver for the queue, on one database/sql pool.
// Import it for its side effect and open the fleet with a sqlite DSN:
//
//	import _ "github.com/obconnect/obconnect/fleet/fleetsqlite"
//
//	f, err := fleet.Open(ctx, "sqlite:///var/lib/app/fleet.db", opts)
//
// sqlite:PATH and sqlite://PATH are accepted (sqlite:///abs/path for an
// absolute path); a query string is passed to the driver, and
// sqlite::memory: keeps everything in memory (lost on exit).
//
// # One process, one connection
//
// riversqlite is young and its documentation asks for a pool of one
// connection, because River runs maintenance in parallel and SQLite allows
// one writer at a time. This package does exactly that: the pool has one
// connection, the file is in WAL mode with a busy timeout, and every
// statement of the fleet and of River takes turns on it. So the embedded
// fleet is one process working many accounts with many goroutines, not a
// fleet of processes: a second process on the same file would contend for
// the write lock on every statement and is not supported. For several
// processes, use PostgreSQL (package fleetpg). docs/fleet.md has the
// figures measured on both.
//
// # Stability
//
// v0.x: the package has no API beyond its registration.
package fleetsqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // registers database/sql driver "sqlite"

	"github.com/obconnect/obconnect/fleet/internal/backend"
)

func init() { backend.Register("sqlite", open) }

type db struct {
	sql   *sql.DB
	river *river.Client[*sql.Tx]
	cfg   *river.Config
}

// driverDSN turns the fleet's DSN into modernc's, adding the pragmas the
// fleet depends on: WAL (readers do not block the writer), a busy timeout
// (a brief lock by a backup tool is waited for, not an error), foreign keys,
// and synchronous=FULL so a committed sync survives a power cut.
func driverDSN(dsn string) (string, error) {
	rest, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return "", errors.New("fleetsqlite: the DSN must start with \"sqlite:\" (e.g. sqlite:///var/lib/app/fleet.db)")
	}
	rest = strings.TrimPrefix(rest, "//")
	path, query, _ := strings.Cut(rest, "?")
	if path == "" {
		return "", errors.New("fleetsqlite: DSN names no file (sqlite:///path/to/fleet.db, or sqlite::memory:)")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("fleetsqlite: DSN query: %w", err)
	}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	// time.Time values are written in a format the driver reads back.
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode(), nil
}

func open(ctx context.Context, dsn string, cfg backend.Config) (backend.DB, error) {
	ddsn, err := driverDSN(dsn)
	if err != nil {
		return nil, err
	}
	sqlDB, err := sql.Open("sqlite", ddsn)
	if err != nil {
		return nil, fmt.Errorf("fleetsqlite: open: %w", err)
	}
	// riversqlite's documented requirement; see the package comment.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("fleetsqlite: open: %w", err)
	}
	rc, err := river.NewClient(riversqlite.New(sqlDB), cfg.River)
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("fleetsqlite: river: %w", err)
	}
	return &db{sql: sqlDB, river: rc, cfg: cfg.River}, nil
}

func (d *db) Dialect() backend.Dialect { return backend.SQLite }

func (d *db) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := d.sql.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d *db) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	rows, err := d.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (d *db) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	return row{d.sql.QueryRowContext(ctx, q, args...)}
}

// row maps database/sql's no-rows error to the backend's.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.ErrNoRows
	}
	return err
}

func (d *db) Begin(ctx context.Context) (backend.Tx, error) {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{tx: tx, river: d.river}, nil
}

func (d *db) InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return d.river.InsertMany(ctx, params)
}

func (d *db) Migrate(ctx context.Context, fsys fs.FS, table string) error {
	// One connection, one process: nothing else can migrate concurrently.
	m, err := rivermigrate.New(riversqlite.New(d.sql), &rivermigrate.Config{Logger: d.cfg.Logger})
	if err != nil {
		return fmt.Errorf("fleetsqlite: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("fleetsqlite: river migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, d.sql, fsys, goose.WithTableName(table))
	if err != nil {
		return fmt.Errorf("fleetsqlite: fleet migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("fleetsqlite: fleet migrations: %w", err)
	}
	return nil
}

func (d *db) Start(ctx context.Context) error { return d.river.Start(ctx) }
func (d *db) Stop(ctx context.Context) error  { return d.river.Stop(ctx) }
func (d *db) Close() error                    { return d.sql.Close() }

type txn struct {
	tx    *sql.Tx
	river *river.Client[*sql.Tx]
}

func (t *txn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *txn) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (t *txn) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	return row{t.tx.QueryRowContext(ctx, q, args...)}
}

func (t *txn) InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.river.InsertManyTx(ctx, t.tx, params)
}

func (t *txn) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, t.tx, &river.Job[backend.CompleteArgs]{JobRow: job})
	return err
}

func (t *txn) CancelJob(ctx context.Context, id int64) error {
	_, err := t.river.JobCancelTx(ctx, t.tx, id)
	return err
}

func (t *txn) ListJobs(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error) {
	res, err := t.river.JobListTx(ctx, t.tx, params)
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

func (t *txn) Commit(context.Context) error   { return t.tx.Commit() }
func (t *txn) Rollback(context.Context) error { return t.tx.Rollback() }

// sqlRows adapts *sql.Rows to backend.Rows (whose Close returns nothing,
// as pgx's does: the error, if any, is reported by Err).
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

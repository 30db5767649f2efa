// Package fleetpg connects package fleet to PostgreSQL: pgx v5 for the
// fleet's own tables, River's riverpgxv5 driver for the queue, both on one
// pgxpool so that a sync's changes, its cursor and its job's completion
// commit in one transaction. Import it for its side effect and open the
// fleet with a PostgreSQL DSN:
//
//	import _ "github.com/obconnect/obconnect/fleet/fleetpg"
//
//	f, err := fleet.Open(ctx, "postgres://user:pass@db.internal:5432/app?sslmode=require", opts)
//
// Schemes postgres:// and postgresql:// are registered. Every pgx DSN
// parameter works (pool_max_conns, search_path, sslmode, ...); the
// fleet's tables and River's go where search_path puts them.
//
// Many processes may open the same database: that is what PostgreSQL is
// for here. Migrations run under a session advisory lock, so processes
// starting together migrate once.
//
// # Stability
//
// v0.x: the package has no API beyond its registration.
package fleetpg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/obconnect/obconnect/fleet/internal/backend"
)

func init() {
	backend.Register("postgres", open)
	backend.Register("postgresql", open)
}

// migrationLock is the advisory lock key taken while migrating: an
// arbitrary constant ("obcfleet" in ASCII), unlikely to meet an
// application's own keys.
const migrationLock = 0x6f6263666c656574

type db struct {
	pool   *pgxpool.Pool
	river  *river.Client[pgx.Tx]
	logCfg *river.Config
}

func open(ctx context.Context, dsn string, cfg backend.Config) (backend.DB, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, errors.New("fleetpg: the DSN is not a valid PostgreSQL connection string")
	}
	if cfg.MaxConns > 0 && !strings.Contains(dsn, "pool_max_conns") {
		pc.MaxConns = int32(cfg.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("fleetpg: connect: %w", redact(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("fleetpg: connect: %w", redact(err))
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), cfg.River)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("fleetpg: river: %w", err)
	}
	return &db{pool: pool, river: rc, logCfg: cfg.River}, nil
}

// redact keeps pgx's error classification but drops a connection error's
// text, which can carry the host and user; the SQLSTATE, if any, stays.
func redact(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("postgres error %s", pe.Code)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.New("cannot connect to the database server")
	}
	return err
}

func (d *db) Dialect() backend.Dialect { return backend.Postgres }

func (d *db) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.pool.Exec(ctx, rebind(q), args...)
	return tag.RowsAffected(), err
}

func (d *db) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	rows, err := d.pool.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d *db) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	return row{d.pool.QueryRow(ctx, rebind(q), args...)}
}

// row maps pgx's no-rows error to the backend's.
type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ErrNoRows
	}
	return err
}

func (d *db) Begin(ctx context.Context) (backend.Tx, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &txn{tx: tx, river: d.river}, nil
}

func (d *db) InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return d.river.InsertMany(ctx, params)
}

func (d *db) Migrate(ctx context.Context, fsys fs.FS, table string) error {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return redact(err)
	}
	defer conn.Release()
	// A session lock on a connection of our own: released by the unlock
	// below, or by the server when this process dies mid-migration.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("fleetpg: migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	}()

	m, err := rivermigrate.New(riverpgxv5.New(d.pool), &rivermigrate.Config{Logger: d.logCfg.Logger, Schema: d.logCfg.Schema})
	if err != nil {
		return fmt.Errorf("fleetpg: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("fleetpg: river migrations: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(d.pool)
	defer sqlDB.Close()
	return gooseUp(ctx, sqlDB, fsys, table)
}

func gooseUp(ctx context.Context, sqlDB *sql.DB, fsys fs.FS, table string) error {
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, goose.WithTableName(table))
	if err != nil {
		return fmt.Errorf("fleetpg: fleet migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("fleetpg: fleet migrations: %w", err)
	}
	return nil
}

func (d *db) Start(ctx context.Context) error { return d.river.Start(ctx) }
func (d *db) Stop(ctx context.Context) error  { return d.river.Stop(ctx) }

func (d *db) Close() error {
	d.pool.Close()
	return nil
}

type txn struct {
	tx    pgx.Tx
	river *river.Client[pgx.Tx]
}

func (t *txn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, rebind(q), args...)
	return tag.RowsAffected(), err
}

func (t *txn) Query(ctx context.Context, q string, args ...any) (backend.Rows, error) {
	rows, err := t.tx.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t *txn) QueryRow(ctx context.Context, q string, args ...any) backend.Row {
	return row{t.tx.QueryRow(ctx, rebind(q), args...)}
}

func (t *txn) InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.river.InsertManyTx(ctx, t.tx, params)
}

func (t *txn) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, t.tx, &river.Job[backend.CompleteArgs]{JobRow: job})
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

func (t *txn) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t *txn) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

// rebind turns the fleet's ? placeholders into PostgreSQL's $1, $2, ...
// The fleet's SQL has no ? inside literals, which keeps this a scan.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

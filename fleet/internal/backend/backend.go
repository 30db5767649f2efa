// Package backend is what package fleet needs from a database: plain SQL,
// transactions, River bound to the same connections, and migrations. The
// fleetpg and fleetsqlite packages implement it and register an Opener
// for their URL schemes; package fleet finds it by the scheme of the DSN it
// is given. It is internal so that the fleet's public API names no type of
// pgx, database/sql drivers or River's generic client.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Dialect names the SQL a backend speaks where the two differ.
type Dialect int

// Dialects.
const (
	Postgres Dialect = iota + 1
	SQLite
)

func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// Row is one result row. Its Scan returns ErrNoRows when the query found
// nothing, whichever the driver.
type Row interface {
	Scan(dest ...any) error
}

// ErrNoRows is what Row.Scan returns when there was no row.
var ErrNoRows = errors.New("fleet/backend: no rows in result set")

// Rows iterates over a result.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs SQL written with ? placeholders (backends rewrite them as
// their driver needs). Arguments are strings, int64, float64, bool, []byte
// and time.Time (UTC); a nil pointer is NULL.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Tx is a database transaction in which River operations take part: a
// job inserted, completed or cancelled here commits or rolls back with
// the rest.
type Tx interface {
	Querier
	InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	// CompleteJob marks the running job completed (river.JobCompleteTx);
	// ctx must be the worker's context.
	CompleteJob(ctx context.Context, job *rivertype.JobRow) error
	CancelJob(ctx context.Context, id int64) error
	ListJobs(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// DB is an open backend.
type DB interface {
	Querier
	Dialect() Dialect
	Begin(ctx context.Context) (Tx, error)
	InsertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	// Migrate applies River's migrations (rivermigrate) and the fleet's own
	// (goose, from fsys, versions kept in table), holding a lock that keeps
	// two processes from migrating at once where the database has one.
	Migrate(ctx context.Context, fsys fs.FS, table string) error
	// Start starts River's client (working jobs when Config.River has
	// Queues); Stop stops it, letting running jobs finish until ctx ends.
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Close() error
}

// Config is what the fleet asks of the backend.
type Config struct {
	// River is the River client configuration: workers, queues, periodic
	// jobs, retry policy, timeouts.
	River *river.Config
	// MaxConns bounds the connection pool; 0 means the backend's default.
	// SQLite always uses one connection (see fleetsqlite).
	MaxConns int
}

// Opener opens a backend for a DSN whose scheme it registered.
type Opener func(ctx context.Context, dsn string, cfg Config) (DB, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes an Opener available for a URL scheme ("postgres"). It
// panics when the scheme is taken, as database/sql.Register does: two
// packages claiming one scheme is a build mistake.
func Register(scheme string, o Opener) {
	mu.Lock()
	defer mu.Unlock()
	if o == nil {
		panic("fleet/backend: nil Opener for " + scheme)
	}
	if _, dup := openers[scheme]; dup {
		panic("fleet/backend: scheme registered twice: " + scheme)
	}
	openers[scheme] = o
}

// Lookup returns the Opener for the DSN's scheme.
func Lookup(dsn string) (Opener, string, bool) {
	scheme, _, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, "", false
	}
	scheme = strings.ToLower(scheme)
	mu.RLock()
	defer mu.RUnlock()
	o, found := openers[scheme]
	return o, scheme, found
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(openers))
	for s := range openers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// CompleteArgs stands in for any job's args when completing a job whose
// args the caller does not need decoded: river.JobCompleteTx wants a typed
// job and decodes its args into the type.
type CompleteArgs struct{}

// Kind implements river.JobArgs; it is never inserted.
func (CompleteArgs) Kind() string { return "obconnect_fleet_complete_placeholder" }

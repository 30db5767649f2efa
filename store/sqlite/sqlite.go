// Package sqlite opens obconnect's state store in an SQLite file, through
// modernc.org/sqlite: SQLite translated to pure Go, so no cgo, no C
// compiler and no server. It is the embedded default: one file that one
// process, or a few on one host, share. For many processes on many hosts,
// use package store/postgres; both give the same [sqlstore.Store].
//
//	keys, err := sqlstore.ParseKeyring(os.Getenv("OBCONNECT_KEYS"))
//	st, err := sqlite.Open(ctx, "/var/lib/app/obconnect.db", &sqlite.Options{Keys: keys})
//	defer st.Close()
//	client, err := sdk.Open(ctx, "chase", creds, &sdk.Options{TokenStore: st.Tokens(), GrantStore: st.Grants()})
//
// This is a package of its own, apart from store/sqlstore and
// store/postgres, so that a program compiles the SQLite engine (several
// megabytes of generated Go) only when it imports this package; an
// integrator who imports only sdk and a connector compiles no database
// driver at all.
//
// # Settings
//
// Open sets, on every connection: WAL journaling (readers do not wait for
// the writer), synchronous=FULL (a committed token rotation survives a
// power cut: losing it would strand the grant), foreign keys, and a busy
// timeout (Options.BusyTimeout) within which a writer waits for the
// lock instead of failing; the wait also ends with the caller's context.
// The file is created with mode 0600.
//
// # Refresh lock
//
// SQLite locks the whole database for writing. A token refresh holds
// that lock (BEGIN IMMEDIATE) while the bank answers, typically well
// under a second, and every other write waits for it. That is the price
// of one file with no server; a deployment whose writes queue behind
// refreshes has outgrown SQLite.
//
// # Stability
//
// v0.x: the API may change between minor versions; the schema only moves
// forward, by migrations Open applies.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/obconnect/obconnect/store/sqlstore"
)

// Options configures Open. Keys is required; a nil *Options is an error.
type Options struct {
	// Keys seals tokens at rest (sqlstore.Options.Keys).
	Keys *sqlstore.Keyring
	// Now is the clock of webhook claims (sqlstore.Options.Now).
	Now func() time.Time
	// BusyTimeout bounds how long a write waits for another's lock
	// (another process's token refresh, say) before it fails; 0 means
	// 60 s. The caller's context ends the wait sooner.
	BusyTimeout time.Duration
}

// Store is a sqlstore.Store over an SQLite file.
type Store struct {
	*sqlstore.Store
}

// Open opens (creating it if needed) the SQLite database at path and
// migrates its schema (sqlstore.New).
// path is a file path; ":memory:" and URIs are refused, since an
// in-memory database would be one per connection.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, errors.New("sqlite: path must be a plain file path (no ':memory:', 'file:' URI or query)")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Keys == nil {
		return nil, fmt.Errorf("%w: Options.Keys is required (tokens are encrypted at rest)", sqlstore.ErrBadKey)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 60 * time.Second
	}
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	} else {
		_ = f.Close()
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// A plain path (no "file:" URI), so that no character of it is read
	// as URI syntax; the query holds the driver's settings.
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	st, err := sqlstore.New(ctx, db, sqlstore.SQLite, &sqlstore.Options{Keys: o.Keys, Now: o.Now})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Store{Store: st}, nil
}

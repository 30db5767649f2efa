// Package sqlstore keeps every piece of state obconnect's sdk keeps in
// one SQL database, behind the sdk's own small interfaces:
//
//	what                          interface                  table
//	tokens (sealed, with the      sdk.TokenStore             obconnect_tokens
//	  grant's narrowing)
//	grants and consent facts      sdk.GrantStore             obconnect_grants
//	sync cursors' state           txsync.StateStore          obconnect_sync_state
//	webhook replay claims         webhook.ReplayStore        obconnect_webhook_claims
//	what to delete after a        lifecycle.DeletionStore    obconnect_deletions
//	  revocation
//
// Two engines: SQLite, the embedded default (package store/sqlite: a file,
// no server, no cgo), and PostgreSQL for many processes (package
// store/postgres: one DSN). This package holds the one implementation
// over database/sql, with the little that differs between the engines
// (placeholders, how a row is locked, column types); it compiles neither
// driver, and the driver packages are separate so that a program
// compiles only the one it imports.
//
//	st, err := postgres.Open(ctx, dsn, &postgres.Options{Keys: keys}) // or sqlite.Open(ctx, path, ...)
//	client, err := sdk.Open(ctx, bank, creds, &sdk.Options{TokenStore: st.Tokens(), GrantStore: st.Grants()})
//	syncer, err := txsync.New(st.SyncState(), nil)
//	verifier, err := webhook.NewVerifier(keys, &webhook.Options{Replay: st.Replay()})
//	forgetter, err := lifecycle.New(client, &lifecycle.Options{Tokens: st.Tokens(), Grants: st.Grants(),
//		SyncState: st.SyncState(), Deletions: st.Deletions()})
//
// # Schema
//
// The schema is versioned migrations embedded in this package, applied
// by github.com/pressly/goose/v3 each time a Store is opened: each runs
// once, in its own transaction, recorded in obconnect_schema_version. In
// PostgreSQL they run under an advisory lock, so replicas that start
// together migrate once; the tables go in the schema the connection's
// search_path names. Migrations only move forward; a newer program
// migrates the database of an older one.
//
// # Encryption
//
// Tokens are sealed before they reach the database, with AES-256-GCM from
// the standard library (crypto/cipher), under a [Keyring] the integrator
// supplies: the JSON record is the plaintext, the row's key is additional
// data (a sealed value copied to another row does not open), and the key's
// id is written in the value and in the row. Neither engine ever holds a
// token in clear. Grants, sync state, claims and deletion records hold no
// secret and are stored as they are.
//
// Rotation: put the new key first in the keyring and keep the old ones
// after it. New writes use the new key; old rows still open. Then run
// [Store.Reencrypt] (or `obconnect-store reencrypt`) to seal the old rows
// again with the new key, after which the old key can leave the keyring.
//
// # Refresh
//
// [TokenStore.Refresh] is where exactly one process refreshes a grant:
// it holds the row's lock (PostgreSQL: SELECT ... FOR UPDATE) or the
// database's write lock (SQLite: BEGIN IMMEDIATE) from reading the stored
// token to writing the rotated one, while the sdk client asks the bank.
// Other processes wait, then read the rotated token and use it. A lock
// dies with the process holding it. docs/stores.md says what a crash in
// the middle of a refresh costs and how a bank's reuse grace removes it.
//
// # Errors
//
// A missing record is NotFound for the sdk (errors.Is(err,
// sdk.ErrNotFound)), or txsync.ErrNotFound for sync state. A sealed value
// that does not open is Internal and wraps [ErrDecrypt] or
// [ErrUnknownKey]; bad key material is [ErrBadKey]. Database errors are
// wrapped as they come. No error holds a token or key material.
//
// # Stability
//
// v0.x: the API may change between minor versions; table layouts change
// only through new migrations.
package sqlstore

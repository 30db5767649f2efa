// Package fleet keeps many linked accounts' transactions in sync, from many
// processes, on River (a job queue in the database): the production
// counterpart of calling txsync.Syncer.Sync yourself.
//
//	import (
//		"github.com/obconnect/obconnect/fleet"
//		_ "github.com/obconnect/obconnect/fleet/fleetpg" // postgres:// (or fleet/fleetsqlite for sqlite:)
//		_ "github.com/obconnect/obconnect/connectors/chase"
//	)
//
//	f, err := fleet.Open(ctx, os.Getenv("DATABASE_URL"), &fleet.Options{
//		Banks: []fleet.Bank{{Name: "chase", Credentials: creds, Options: &sdk.Options{TokenStore: tokens}}},
//	})
//	err = f.Start(ctx)                       // this process works jobs
//	err = f.Link(ctx, grant)                 // after CompleteLink: first sync enqueued
//	err = f.HandleEvent(ctx, "chase", ev)    // from webhook.Handler: syncs, revocations
//	// the integrator reads obconnect_transactions (or f.Transactions)
//
// # What a sync job does
//
// A sync of one account is a River job, unique by bank and account: while
// one is queued or running, another is not inserted, so at most one sync
// of an account runs at a time. The job runs txsync over the account's
// stored cursor, then commits in one database transaction the added,
// modified and removed transactions to the table obconnect_transactions,
// txsync's new state, the new cursor and the job's completion
// (river.JobCompleteTx). A crash before that commit changes nothing and
// River gives the job to another worker, which reads again from the same
// cursor; after it, everything is done. The commit is also a
// compare-and-swap on the account's version: should River hand a job to a
// second worker while the first, presumed dead, was only slow, the second
// commit finds the version moved and applies nothing (ErrConflict, retried).
// So no change is lost and none is applied twice.
//
// Syncs are enqueued at link (Link), by notifications of new or posted
// transactions (HandleEvent, RequestSync), and by a periodic job that
// enqueues every account not synced for Options.SyncInterval. A request
// that arrives while the account's sync runs is not lost to uniqueness: the
// running sync sees it at commit and enqueues a follow-up.
//
// # Rate limits
//
// Every request any process sends to a bank takes a token from the bank's
// bucket, one row in the database updated atomically (on the database's
// clock); a process whose token lies in the future waits for it. So the
// whole fleet stays under each bank's limit whatever the number of
// processes. By default the bucket refills at 98 % of the rate in the
// bank's description with half its burst; Bank.Budget overrides it.
//
// # Retries and errors
//
// Requests are retried by the sdk client (429, 5xx, resets, honouring
// Retry-After); a sync that still fails is retried by River with
// full-jitter exponential backoff (Options.Retry). A revoked or expired
// consent (ConsentRevoked, ConsentExpired from the bank or the grant, a
// CONSENT_REVOKED notification, or the schedule seeing the grant's expiry)
// cancels the accounts' sync jobs and enqueues a deletion job: it revokes
// at the bank (idempotent; deletes the tokens) and deletes the accounts'
// transactions, sync state and cursors in one transaction. Errors are
// *obcerr.Error values: errors.Is works with this package's sentinels and
// with the sdk's codes.
//
// # Databases
//
// PostgreSQL (package fleetpg, pgx v5 and River's riverpgxv5 driver) for a
// fleet of processes; SQLite (package fleetsqlite, pure Go, River's
// riversqlite driver) as the embedded default of one process. River's
// tables are migrated by rivermigrate, the fleet's own by goose
// (versions in obconnect_fleet_goose_version), when Open is called unless
// Options.SkipMigrations. docs/fleet.md has the tables, the measured
// throughput of both, and how to run the fleet.
//
// # Tokens
//
// Every process refreshes tokens through the banks' clients: they must
// share one TokenStore whose Refresh holds a lock across processes (the
// sdk's database stores do), or refresh-token rotation revokes the grants.
//
// # Stability
//
// v0.x: the API and the tables may change between minor versions, with a
// migration and a CHANGELOG.md entry. obconnect_transactions is meant to
// be read by the integrator; the other tables are the fleet's.
package fleet

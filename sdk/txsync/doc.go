// Package txsync keeps an integrator's copy of an account's transactions
// up to date incrementally, in the manner of Plaid's /transactions/sync,
// built on the client side over the plain FDX date-range reads every bank
// offers (sdk.Client.Transactions with a start date):
//
//	syncer, err := txsync.New(store, nil)
//	res, err := syncer.Sync(ctx, client, grant, accountID, cursor) // "" the first time
//	// in one database transaction: insert res.Added, replace each
//	// res.Modified[i].PreviousID with res.Modified[i].Transaction, delete
//	// res.Removed, and save res.Next as the account's cursor.
//
// # How a sync works
//
// Each Sync re-reads a window: from the previous sync's lookback floor
// (now minus Options.Lookback, 14 days by default; measured from the
// bank's newest transaction instead when the bank's clock is behind), or
// earlier when a pending transaction seen before is older, to the
// present. It compares
// what it reads with a snapshot of what it reported last time inside that
// window (ids, a fingerprint of every field, status, date) and reports:
//
//   - Added: transactions not reported before (the whole history on the
//     first sync);
//   - Modified: reported transactions whose content changed (a pending
//     one posting under the same id, an amount change, ...) and pending
//     transactions replaced by a posted one under a new id (FDX
//     referenceTransactionId, model.Transaction.ReplacesID), with the id
//     the integrator holds in PreviousID;
//   - Removed: reported transactions no longer listed and not replaced,
//     i.e. pending transactions the bank dropped.
//
// # Guarantees
//
// Nothing is missing and nothing is reported twice, provided every change
// at the bank happens to a transaction dated within the lookback window
// (late postings, postings, amount changes and drops of pending
// transactions are all caught inside it; pending transactions are watched
// until they post or drop, however old they are). Choose Lookback longer
// than the bank's longest delay between a transaction's date and its
// last change.
//
// A pass reads the window twice and commits only when two consecutive
// reads agree (same ids, same fingerprints). Offset and page-key
// pagination both skip or repeat items when the list changes between page
// reads (pendings post, new activity arrives); a read that skipped an item
// differs from the next one, so two agreeing reads mean the data held
// still and nothing was skipped. Repeated ids are de-duplicated (some
// banks' pages always overlap by one item). When the data changes under the
// pass, the newest read is confirmed in turn, up to Options.MaxRestarts
// times, then Sync fails with ErrUnstable (retryable) rather than
// returning a wrong answer or, as Plaid does, an error the caller must
// restart from scratch. The second read costs one more pass over a
// window that is usually a page or two; on the first sync it doubles the
// cost of the full history, once.
//
// State is committed only after a complete pass. An error (a page that
// fails, a revoked consent, a cancelled context) commits nothing: call
// again with the same cursor. If the process dies after Sync returned but
// before the integrator stored the result, calling again with the old
// cursor reports the same changes again, plus newer ones: each stream
// keeps its newest snapshot and two ancestors, and a retry from an old
// cursor replaces the abandoned branch.
//
// # Cursors
//
// A cursor is opaque, versioned and checksummed: it names a stream and a
// snapshot by random ids and carries a hash binding it to its bank and
// account. It holds no token, no account number and no transaction data;
// the state lives in the StateStore. A malformed or altered cursor fails
// with ErrInvalidCursor, one used for another account with
// ErrCursorMismatch, one whose state was deleted (see Forget) or fell out
// of the kept lineage with ErrStateNotFound: start again from "" and
// reconcile by id.
//
// # Concurrency
//
// A Syncer is safe for concurrent use and serialises syncs of the same
// account. Several processes may share a store as long as each account
// is synced by one of them at a time (route an account's sync jobs to one
// worker, or hold a lock of your own): two processes committing the same
// stream at once do not corrupt it, but one of their cursors then ends
// with ErrStateNotFound and that account starts over from an empty
// cursor.
//
// # Stores
//
// [MemoryStore] keeps state in memory (lost on exit). [BoltStore] keeps it
// in a single bbolt file (go.etcd.io/bbolt): pure Go, no server to run,
// ACID transactions with copy-on-write pages fsynced on commit, so a crash
// leaves the old or the new state, never a torn one; one process opens the
// file at a time. For state that several processes share, and that lives
// beside the rest of obconnect's state, package store/sqlstore implements
// [StateStore] on SQLite (pure Go) and PostgreSQL (see docs/stores.md).
// Any other database fits behind the three-method interface.
// Stored values carry a SHA-256 checksum, so corruption surfaces as
// ErrCorruptState instead of a silently wrong sync.
//
// # Errors
//
// Errors are *obcerr.Error values (the sdk's error type): errors.Is works
// with both this package's sentinels and the sdk's codes, e.g.
// errors.Is(err, sdk.ErrConsentRevoked) when the bank or the grant says
// the consent is gone. See package sdk/lifecycle for what to do then.
package txsync

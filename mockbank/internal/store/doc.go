// Package store is mockbank's single state store: every bank's users,
// accounts, transactions, statements, consents and notification
// subscriptions, behind one simulated clock.
//
// # Time
//
// Simulated time is a base clock (fixed at [DefaultNow] unless the caller
// gives one) plus an offset that only [Store.AdvanceClock] moves. Records
// carry the instants they become visible, so advancing the clock is what
// makes pending card purchases post or drop and pre-generated activity
// appear; no background goroutine mutates state.
//
// # Balances
//
// Balances are never stored: they are computed from the transactions at the
// instant asked for (opening balance plus the cumulative effect of records
// posted by then; holds from pendings open at that instant). They therefore
// reconcile with the transactions at every point in time by construction,
// and the datagen tests check that independently.
//
// # Indexes
//
// Each account's records are kept in listing order (newest first) with a
// prefix-sum index over posting times, so a page of transactions costs
// O(log n + page) and a balance costs O(log n + open holds). Pagination
// cursors are positions in the listing, not counts to skip.
//
// # Seams for the control side
//
// [Store.OnEvent] registers hooks that observe state changes (new and posted
// transactions, consent revocations, clock steps) for notifications;
// [Store.Export] and [Store.Import] move the whole state as a JSON-friendly
// [Snapshot] for persistence and scenarios; [Store.AddTransactions] and
// [Store.UpdateAccount] let an admin API change data.
//
// Records returned by the store are shared and must be treated as read-only;
// updates replace them (copy on write).
package store

package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/obconnect/obconnect/fleet/internal/backend"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// Account statuses in the fleet's tables.
const (
	StatusActive  = "active"
	StatusDeleted = "deleted"
)

// Link statuses and reasons.
const (
	LinkActive   = "active"
	LinkRevoked  = "revoked"
	LinkExpired  = "expired"
	LinkUnlinked = "unlinked"
)

// Link records a completed link (the grant from sdk.Client.CompleteLink)
// and enqueues the first sync of each account, in one transaction: once
// Link returns, the accounts are synced by some worker of the fleet. The
// accounts are grant.AccountIDs, or accountIDs when given (a bank that
// does not list accounts in its token response). Linking the same consent
// again (a re-link, or a narrowed grant) updates the grant and keeps the
// accounts' cursors. Errors: InvalidArgument (nil or foreign grant, no
// accounts, a bank not configured), Unavailable (database).
func (f *Fleet) Link(ctx context.Context, g *sdk.Grant, accountIDs ...string) error {
	const op = "fleet.Link"
	if ctx == nil || g == nil {
		return fail(obcerr.InvalidArgument, op, nil, "nil context or grant")
	}
	if _, err := f.bankClient(op, g.Bank); err != nil {
		return err
	}
	accounts := accountIDs
	if len(accounts) == 0 {
		accounts = g.AccountIDs
	}
	accounts = slices.DeleteFunc(slices.Clone(accounts), func(a string) bool { return !g.HasAccount(a) })
	if len(accounts) == 0 {
		return fail(obcerr.InvalidArgument, op, nil, "the grant names no account to sync (pass accountIDs)")
	}
	gj, err := json.Marshal(g)
	if err != nil {
		return &obcerr.Error{Code: obcerr.Internal, Op: op, Err: err}
	}
	now := time.Now().UTC()
	id := linkID(g)
	return f.inTx(ctx, op, func(tx backend.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO obconnect_fleet_links (link_id, bank, consent_id, grant_json, status, reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, '', ?, ?)
			ON CONFLICT (link_id) DO UPDATE SET grant_json = excluded.grant_json, status = excluded.status, reason = '', updated_at = excluded.updated_at`,
			id, g.Bank, g.ConsentID, string(gj), LinkActive, now, now); err != nil {
			return err
		}
		jobs := make([]river.InsertManyParams, 0, len(accounts))
		for _, a := range accounts {
			// An account linked again under a new consent moves to it and
			// keeps its cursor: txsync cursors are bound to the account,
			// not to a grant.
			if _, err := tx.Exec(ctx, `INSERT INTO obconnect_fleet_accounts (bank, account_id, link_id, status, cursor, version, requested)
				VALUES (?, ?, ?, ?, '', 0, 1)
				ON CONFLICT (bank, account_id) DO UPDATE SET link_id = excluded.link_id, status = excluded.status,
					requested = obconnect_fleet_accounts.requested + 1`,
				g.Bank, a, id, StatusActive); err != nil {
				return err
			}
			jobs = append(jobs, syncJob(g.Bank, a, "link"))
		}
		_, err := tx.InsertJobs(ctx, jobs)
		return err
	})
}

// RequestSync enqueues a sync of the account, unless one is already
// queued; a request that arrives while the account's sync is running makes
// that sync enqueue another when it commits, so activity that happened
// after it read the bank is not left for the schedule. Errors: NotFound
// (ErrUnknownAccount) for an account not linked or deleted.
func (f *Fleet) RequestSync(ctx context.Context, bank, accountID, reason string) error {
	const op = "fleet.RequestSync"
	if ctx == nil {
		return fail(obcerr.InvalidArgument, op, nil, "nil context")
	}
	return f.inTx(ctx, op, func(tx backend.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE obconnect_fleet_accounts SET requested = requested + 1
			WHERE bank = ? AND account_id = ? AND status = ?`, bank, accountID, StatusActive)
		if err != nil {
			return err
		}
		if n == 0 {
			return fail(obcerr.NotFound, op, ErrUnknownAccount, "no active account "+accountID+" at "+bank)
		}
		_, err = tx.InsertJobs(ctx, []river.InsertManyParams{syncJob(bank, accountID, reason)})
		return err
	})
}

// HandleEvent applies a verified notification from the bank (the callback
// of webhook.Handler, per bank): new or posted transactions enqueue a sync
// of the account (RequestSync); a revoked consent, whole or for one
// account, cancels the syncs concerned and enqueues the deletion of their
// data. Other types, and accounts or consents the fleet does not hold, are
// acknowledged and ignored. Only a *webhook.Event (which only a Verifier
// makes) is accepted, so unverified input cannot trigger anything.
func (f *Fleet) HandleEvent(ctx context.Context, bank string, ev *webhook.Event) error {
	const op = "fleet.HandleEvent"
	if ctx == nil || ev == nil {
		return fail(obcerr.InvalidArgument, op, nil, "nil context or event")
	}
	var account, reason string
	switch d := ev.Data.(type) {
	case *webhook.NewTransactions:
		account, reason = d.AccountID, "notification"
	case *webhook.PostedTransactions:
		account, reason = d.AccountID, "notification"
	case *webhook.ConsentRevoked:
		err := f.endConsent(ctx, bank, d.ConsentID, d.AccountID, LinkRevoked)
		if errors.Is(err, ErrUnknownLink) {
			return nil
		}
		return err
	default:
		return nil
	}
	if account == "" {
		return nil
	}
	err := f.RequestSync(ctx, bank, account, reason)
	if errors.Is(err, ErrUnknownAccount) {
		return nil
	}
	return err
}

// Unlink ends a link from the integrator's side (the user disconnected the
// bank in the app): the consent is revoked at the bank, the syncs are
// cancelled and the accounts' transactions and sync state deleted, by a
// deletion job retried until it succeeds. Errors: NotFound (ErrUnknownLink).
func (f *Fleet) Unlink(ctx context.Context, bank, consentID string) error {
	return f.endConsent(ctx, bank, consentID, "", LinkUnlinked)
}

// endConsent marks a link (or one of its accounts) ended and enqueues the
// deletion, in one transaction.
func (f *Fleet) endConsent(ctx context.Context, bank, consentID, account, why string) error {
	const op = "fleet.endConsent"
	return f.inTx(ctx, op, func(tx backend.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT link_id FROM obconnect_fleet_links WHERE bank = ? AND consent_id = ?`, bank, consentID).Scan(&id)
		if isNoRows(err) {
			return fail(obcerr.NotFound, op, ErrUnknownLink, "no link for consent "+consentID+" at "+bank)
		}
		if err != nil {
			return err
		}
		return f.enqueueDeletion(ctx, tx, bank, id, account, why)
	})
}

// enqueueDeletion marks the link (whole) ended and inserts the deletion
// job; account "" means every account of the link.
func (f *Fleet) enqueueDeletion(ctx context.Context, tx backend.Tx, bank, link, account, why string) error {
	if account == "" {
		if _, err := tx.Exec(ctx, `UPDATE obconnect_fleet_links SET status = ?, reason = ?, updated_at = ? WHERE link_id = ? AND status = ?`,
			why, why, time.Now().UTC(), link, LinkActive); err != nil {
			return err
		}
	}
	args := deleteArgs{Bank: bank, Link: link, Account: account, Reason: why}
	_, err := tx.InsertJobs(ctx, []river.InsertManyParams{{Args: args, InsertOpts: &river.InsertOpts{
		Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}}})
	return err
}

func syncJob(bank, account, reason string) river.InsertManyParams {
	return river.InsertManyParams{Args: syncArgs{Bank: bank, Account: account, Reason: reason}, InsertOpts: &river.InsertOpts{
		Queue: BankQueue(bank), UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}}
}

// inTx runs fn in a transaction and commits it; errors that are already
// classified pass through, others are Unavailable (the database).
func (f *Fleet) inTx(ctx context.Context, op string, fn func(tx backend.Tx) error) error {
	tx, err := f.db.Begin(ctx)
	if err != nil {
		return dbErr(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return dbErr(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return dbErr(op, err)
	}
	return nil
}

func dbErr(op string, err error) error {
	var oe *obcerr.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return obcerr.Wrap(err, obcerr.Canceled, op)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return obcerr.Wrap(err, obcerr.DeadlineExceeded, op)
	}
	return &obcerr.Error{Code: obcerr.Unavailable, Op: op, Msg: "database", Err: err}
}

// isNoRows reports a QueryRow that found nothing.
func isNoRows(err error) bool { return errors.Is(err, backend.ErrNoRows) }

package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/obconnect/obconnect/fleet/internal/backend"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/txsync"
)

// Job kinds, as River stores them.
const (
	KindSync     = "obconnect_fleet_sync"
	KindDelete   = "obconnect_fleet_delete"
	KindSchedule = "obconnect_fleet_schedule"
)

// syncArgs: sync one account. Bank and account make the job unique, so
// at most one sync per account is queued or running at a time; the reason
// is for people reading the queue.
type syncArgs struct {
	Bank    string `json:"bank" river:"unique"`
	Account string `json:"account" river:"unique"`
	Reason  string `json:"reason,omitempty"`
}

func (syncArgs) Kind() string { return KindSync }

// deleteArgs: delete what the fleet holds for a link (Account "") or one
// of its accounts, after the consent ended.
type deleteArgs struct {
	Bank    string `json:"bank"`
	Link    string `json:"link"`
	Account string `json:"account,omitempty"`
	Reason  string `json:"reason"`
}

func (deleteArgs) Kind() string { return KindDelete }

// scheduleArgs: the periodic pass that enqueues stale accounts' syncs and
// the deletion of expired consents.
type scheduleArgs struct{}

func (scheduleArgs) Kind() string { return KindSchedule }

func (scheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	f *Fleet
}

type deleteWorker struct {
	river.WorkerDefaults[deleteArgs]
	f *Fleet
}

type scheduleWorker struct {
	river.WorkerDefaults[scheduleArgs]
	f *Fleet
}

// account is an account row with its link.
type account struct {
	bank, id, link, status, cursor string
	version, requested             int64
	linkStatus                     string
	grant                          *sdk.Grant
}

func (f *Fleet) loadAccount(ctx context.Context, bank, id string) (*account, error) {
	a := &account{bank: bank, id: id}
	var gj string
	err := f.db.QueryRow(ctx, `SELECT a.link_id, a.status, a.cursor, a.version, a.requested, l.status, l.grant_json
		FROM obconnect_fleet_accounts a JOIN obconnect_fleet_links l ON l.link_id = a.link_id
		WHERE a.bank = ? AND a.account_id = ?`, bank, id).Scan(&a.link, &a.status, &a.cursor, &a.version, &a.requested, &a.linkStatus, &gj)
	if err != nil {
		return nil, err
	}
	if a.grant, err = decodeGrant(gj); err != nil {
		return nil, err
	}
	return a, nil
}

// Work syncs one account: txsync reads the bank (through the shared
// budget) with the cursor stored for the account, and the changes, the
// new txsync state, the new cursor and the job's completion commit in one
// transaction, guarded by the account's version. A crash before the commit
// leaves all four as they were (River hands the job to another worker,
// which reads again from the old cursor); after it, all four are done.
// Nothing is applied twice, nothing is lost.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[syncArgs]) error {
	f := w.f
	m := f.metrics.bank(job.Args.Bank)
	err := f.syncOnce(ctx, job.JobRow, job.Args)
	if err != nil {
		m.syncErrors.Add(1)
		if errors.Is(err, ErrConflict) {
			m.conflicts.Add(1)
		}
		f.log.Warn("fleet: sync failed", "bank", job.Args.Bank, "account", job.Args.Account,
			"attempt", job.Attempt, "code", obcerr.ErrorCode(err).String(), "error", redactErr(err))
	}
	return err
}

func (f *Fleet) syncOnce(ctx context.Context, row *rivertype.JobRow, args syncArgs) error {
	const op = "fleet.sync"
	acc, err := f.loadAccount(ctx, args.Bank, args.Account)
	if isNoRows(err) {
		return river.JobCancel(fail(obcerr.NotFound, op, ErrUnknownAccount, "account no longer linked"))
	}
	if err != nil {
		return dbErr(op, err)
	}
	if acc.status != StatusActive || acc.linkStatus != LinkActive {
		return river.JobCancel(fail(obcerr.NotFound, op, ErrUnknownAccount, "account no longer active"))
	}
	client, err := f.bankClient(op, args.Bank)
	if err != nil {
		return river.JobCancel(err)
	}
	staged := &stagedState{f: f}
	syncer, err := txsync.New(staged, &txsync.Options{Lookback: f.opts.Lookback, Now: f.now})
	if err != nil {
		return river.JobCancel(err)
	}
	res, err := syncer.Sync(ctx, client, acc.grant, acc.id, acc.cursor)
	switch {
	case err == nil:
	case errors.Is(err, txsync.ErrStateNotFound), errors.Is(err, txsync.ErrCorruptState), errors.Is(err, txsync.ErrCursorMismatch), errors.Is(err, txsync.ErrInvalidCursor):
		// The state the cursor names is gone: start the account over. The
		// next sync's first commit replaces its rows in one transaction.
		if rerr := f.resetCursor(ctx, acc); rerr != nil {
			return rerr
		}
		return err
	case obcerr.ErrorCode(err) == obcerr.ConsentRevoked, obcerr.ErrorCode(err) == obcerr.ConsentExpired:
		why := LinkRevoked
		if obcerr.ErrorCode(err) == obcerr.ConsentExpired {
			why = LinkExpired
		}
		if derr := f.inTx(ctx, op, func(tx backend.Tx) error {
			return f.enqueueDeletion(ctx, tx, acc.bank, acc.link, "", why)
		}); derr != nil {
			return derr
		}
		return river.JobCancel(err)
	case obcerr.ErrorCode(err) == obcerr.ScopeNotGranted && !acc.grant.HasAccount(acc.id):
		// The account was withdrawn from the grant (a narrowed grant).
		if derr := f.inTx(ctx, op, func(tx backend.Tx) error {
			return f.enqueueDeletion(ctx, tx, acc.bank, acc.link, acc.id, LinkRevoked)
		}); derr != nil {
			return derr
		}
		return river.JobCancel(err)
	default:
		return err
	}
	return f.commit(ctx, row, acc, staged, res)
}

func (f *Fleet) resetCursor(ctx context.Context, acc *account) error {
	return f.inTx(ctx, "fleet.sync", func(tx backend.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE obconnect_fleet_accounts SET cursor = '', version = version + 1
			WHERE bank = ? AND account_id = ? AND version = ?`, acc.bank, acc.id, acc.version)
		return err
	})
}

func (f *Fleet) commit(ctx context.Context, row *rivertype.JobRow, acc *account, staged *stagedState, res *txsync.Result) error {
	const op = "fleet.sync"
	now := time.Now().UTC()
	err := f.inTx(ctx, op, func(tx backend.Tx) error {
		// The compare-and-swap: only the sync that started from the
		// current version commits. A second sync of the account (River
		// rescued the job from a worker presumed dead that was only slow)
		// finds the version moved and applies nothing.
		var requested int64
		err := tx.QueryRow(ctx, `UPDATE obconnect_fleet_accounts SET cursor = ?, version = version + 1, last_synced_at = ?
			WHERE bank = ? AND account_id = ? AND version = ? AND status = ?
			RETURNING requested`, res.Next, now, acc.bank, acc.id, acc.version, StatusActive).Scan(&requested)
		if isNoRows(err) {
			return fail(obcerr.Unavailable, op, ErrConflict, "the account changed since this sync started")
		}
		if err != nil {
			return err
		}
		if acc.cursor == "" {
			// A first sync, or a restart after lost state: the result is the
			// whole history, which replaces whatever rows the account had.
			if _, err := tx.Exec(ctx, `DELETE FROM obconnect_transactions WHERE bank = ? AND account_id = ?`, acc.bank, acc.id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM obconnect_fleet_sync_state WHERE `+statePrefixMatch, prefixArgs(acc.bank, acc.id)...); err != nil {
				return err
			}
		}
		for k, v := range staged.puts {
			if _, err := tx.Exec(ctx, `INSERT INTO obconnect_fleet_sync_state (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		if err := applyChanges(ctx, tx, acc.bank, acc.id, res, now); err != nil {
			return err
		}
		if err := tx.CompleteJob(ctx, row); err != nil {
			return err
		}
		if requested != acc.requested {
			// A sync was asked for while this one ran: it may have read the
			// bank before the activity the request was about. This job is
			// completed in this transaction, so the unique slot is free.
			if _, err := tx.InsertJobs(ctx, []river.InsertManyParams{syncJob(acc.bank, acc.id, "follow-up")}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	m := f.metrics.bank(acc.bank)
	m.syncs.Add(1)
	m.added.Add(int64(len(res.Added)))
	m.modified.Add(int64(len(res.Modified)))
	m.gone.Add(int64(len(res.Removed)))
	return nil
}

// applyChanges writes a txsync.Result to the transactions table in the
// order txsync documents: added, then modified, then removed. Inserts are
// plain INSERTs: a duplicate would fail the transaction loudly rather than
// be absorbed, so the table's "nothing twice" is checked, not assumed.
func applyChanges(ctx context.Context, tx backend.Tx, bank, acct string, res *txsync.Result, now time.Time) error {
	for _, t := range res.Added {
		c, err := columns(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO obconnect_transactions
			(bank, account_id, transaction_id, status, amount_minor, currency, transaction_time, posted_time, description, replaces_id, data, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			bank, acct, t.ID, c.status, t.Amount.Minor, t.Amount.Currency, c.txTime, c.posted, t.Description, t.ReplacesID, c.data, now); err != nil {
			return err
		}
	}
	for _, mod := range res.Modified {
		t := mod.Transaction
		c, err := columns(t)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE obconnect_transactions SET transaction_id = ?, status = ?, amount_minor = ?, currency = ?,
			transaction_time = ?, posted_time = ?, description = ?, replaces_id = ?, data = ?, updated_at = ?
			WHERE bank = ? AND account_id = ? AND transaction_id = ?`,
			t.ID, c.status, t.Amount.Minor, t.Amount.Currency, c.txTime, c.posted, t.Description, t.ReplacesID, c.data, now,
			bank, acct, mod.PreviousID)
		if err != nil {
			return err
		}
		if n != 1 {
			return &obcerr.Error{Code: obcerr.Internal, Op: "fleet.sync", Msg: "a modified transaction is not in the table: " + mod.PreviousID}
		}
	}
	for _, id := range res.Removed {
		if _, err := tx.Exec(ctx, `DELETE FROM obconnect_transactions WHERE bank = ? AND account_id = ? AND transaction_id = ?`, bank, acct, id); err != nil {
			return err
		}
	}
	return nil
}

type txColumns struct {
	status         string
	txTime, posted *time.Time
	data           []byte
}

func columns(t sdk.Transaction) (txColumns, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return txColumns{}, err
	}
	c := txColumns{status: string(t.Status), data: data}
	if !t.TransactionTime.IsZero() {
		tt := t.TransactionTime.UTC()
		c.txTime = &tt
	}
	if !t.PostedTime.IsZero() {
		pt := t.PostedTime.UTC()
		c.posted = &pt
	}
	return c, nil
}

// stagedState is the txsync.StateStore a sync job runs against: reads come
// from the database, writes are held back and written in the job's commit
// transaction, with the cursor that points to them.
type stagedState struct {
	f    *Fleet
	puts map[string][]byte
}

var _ txsync.StateStore = (*stagedState)(nil)

func (s *stagedState) Get(ctx context.Context, key string) ([]byte, error) {
	if v, ok := s.puts[key]; ok {
		return v, nil
	}
	var v []byte
	err := s.f.db.QueryRow(ctx, `SELECT value FROM obconnect_fleet_sync_state WHERE key = ?`, key).Scan(&v)
	if isNoRows(err) {
		return nil, txsync.ErrNotFound
	}
	return v, err
}

func (s *stagedState) Put(_ context.Context, key string, value []byte) error {
	if s.puts == nil {
		s.puts = map[string][]byte{}
	}
	s.puts[key] = value
	return nil
}

func (s *stagedState) DeletePrefix(context.Context, string) (int, error) {
	return 0, errors.New("fleet: sync state is deleted by the deletion job, not during a sync")
}

// Work deletes what the fleet holds for the ended consent (or account):
// the consent is revoked at the bank (idempotent; the tokens go with it),
// then the queued syncs are cancelled and the transactions, sync state and
// cursors deleted in one transaction with the job's completion.
func (w *deleteWorker) Work(ctx context.Context, job *river.Job[deleteArgs]) error {
	f := w.f
	a := job.Args
	const op = "fleet.delete"
	var gj string
	err := f.db.QueryRow(ctx, `SELECT grant_json FROM obconnect_fleet_links WHERE link_id = ?`, a.Link).Scan(&gj)
	if isNoRows(err) {
		return river.JobCancel(fail(obcerr.NotFound, op, ErrUnknownLink, "link gone"))
	}
	if err != nil {
		return dbErr(op, err)
	}
	g, err := decodeGrant(gj)
	if err != nil {
		return river.JobCancel(&obcerr.Error{Code: obcerr.Internal, Op: op, Err: err})
	}
	client, err := f.bankClient(op, a.Bank)
	if err != nil {
		return err // another process of the fleet may have the bank
	}
	if a.Account == "" {
		// Revoke is idempotent and returns nil when the bank already ended
		// the consent (revoked or expired); it deletes the tokens either way.
		// A refusal that may be transient is retried; anything else must not
		// keep the user's data: the deletion goes ahead.
		if err := client.Revoke(ctx, g); err != nil {
			if obcerr.ErrorCode(err).Retryable() && job.Attempt < f.opts.Retry.MaxAttempts-1 {
				return err
			}
			f.log.Warn("fleet: revoking at the bank failed; deleting anyway", "bank", a.Bank, "code", obcerr.ErrorCode(err).String())
		}
	} else {
		// One account withdrawn: the grant keeps working for the others,
		// and enforces the withdrawal before any request.
		g.RevokedAccounts = appendMissing(g.RevokedAccounts, a.Account)
	}
	accounts := []string{a.Account}
	if a.Account == "" {
		accounts = nil
		rows, err := f.db.Query(ctx, `SELECT account_id FROM obconnect_fleet_accounts WHERE link_id = ? AND status = ?`, a.Link, StatusActive)
		if err != nil {
			return dbErr(op, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return dbErr(op, err)
			}
			accounts = append(accounts, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, err)
		}
	}
	newGrant, err := json.Marshal(g)
	if err != nil {
		return &obcerr.Error{Code: obcerr.Internal, Op: op, Err: err}
	}
	err = f.inTx(ctx, op, func(tx backend.Tx) error {
		for _, acct := range accounts {
			if err := f.cancelSyncs(ctx, tx, a.Bank, acct); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM obconnect_transactions WHERE bank = ? AND account_id = ?`, a.Bank, acct); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM obconnect_fleet_sync_state WHERE `+statePrefixMatch, prefixArgs(a.Bank, acct)...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE obconnect_fleet_accounts SET status = ?, cursor = '', version = version + 1
				WHERE bank = ? AND account_id = ? AND link_id = ?`, StatusDeleted, a.Bank, acct, a.Link); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE obconnect_fleet_links SET grant_json = ?, updated_at = ? WHERE link_id = ?`,
			string(newGrant), time.Now().UTC(), a.Link); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
	if err != nil {
		return err
	}
	f.metrics.bank(a.Bank).deletions.Add(int64(len(accounts)))
	f.log.Info("fleet: deleted the data of an ended consent", "bank", a.Bank, "link", a.Link, "accounts", len(accounts), "reason", a.Reason)
	return nil
}

// cancelSyncs cancels the account's sync jobs still queued or running; a
// running one is told to stop, and could not commit anyway (its account is
// no longer active).
func (f *Fleet) cancelSyncs(ctx context.Context, tx backend.Tx, bank, acct string) error {
	params := river.NewJobListParams().Kinds(KindSync).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateRunning).
		Where("args ->> 'bank' = @bank AND args ->> 'account' = @account", river.NamedArgs{"bank": bank, "account": acct}).
		First(100)
	jobs, err := tx.ListJobs(ctx, params)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if err := tx.CancelJob(ctx, j.ID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			return err
		}
	}
	return nil
}

func appendMissing(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// Work enqueues a sync of every active account not synced for
// SyncInterval, and the deletion of every link whose consent has expired
// (on the fleet's clock, Options.Now).
func (w *scheduleWorker) Work(ctx context.Context, job *river.Job[scheduleArgs]) error {
	f := w.f
	const op = "fleet.schedule"
	stale := time.Now().UTC().Add(-f.opts.SyncInterval)
	rows, err := f.db.Query(ctx, `SELECT bank, account_id FROM obconnect_fleet_accounts
		WHERE status = ? AND (last_synced_at IS NULL OR last_synced_at < ?)`, StatusActive, stale)
	if err != nil {
		return dbErr(op, err)
	}
	var jobs []river.InsertManyParams
	for rows.Next() {
		var b, a string
		if err := rows.Scan(&b, &a); err != nil {
			rows.Close()
			return dbErr(op, err)
		}
		jobs = append(jobs, syncJob(b, a, "schedule"))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dbErr(op, err)
	}
	for len(jobs) > 0 {
		n := min(len(jobs), 1000)
		if _, err := f.db.InsertJobs(ctx, jobs[:n]); err != nil {
			return dbErr(op, err)
		}
		jobs = jobs[n:]
	}

	type expired struct{ bank, link string }
	var ended []expired
	rows, err = f.db.Query(ctx, `SELECT link_id, bank, grant_json FROM obconnect_fleet_links WHERE status = ?`, LinkActive)
	if err != nil {
		return dbErr(op, err)
	}
	now := f.now()
	for rows.Next() {
		var id, b, gj string
		if err := rows.Scan(&id, &b, &gj); err != nil {
			rows.Close()
			return dbErr(op, err)
		}
		if g, err := decodeGrant(gj); err == nil && !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt) {
			ended = append(ended, expired{b, id})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dbErr(op, err)
	}
	for _, e := range ended {
		if err := f.inTx(ctx, op, func(tx backend.Tx) error {
			return f.enqueueDeletion(ctx, tx, e.bank, e.link, "", LinkExpired)
		}); err != nil {
			return err
		}
	}
	return nil
}

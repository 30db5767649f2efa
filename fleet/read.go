package fleet

import (
	"context"
	"encoding/json"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Transactions returns the account's transactions as the fleet holds them
// (the rows of obconnect_transactions), ordered by transaction time then
// id. An account not linked, or whose data was deleted, has none.
func (f *Fleet) Transactions(ctx context.Context, bank, accountID string) ([]sdk.Transaction, error) {
	const op = "fleet.Transactions"
	if ctx == nil {
		return nil, fail(obcerr.InvalidArgument, op, nil, "nil context")
	}
	rows, err := f.db.Query(ctx, `SELECT data FROM obconnect_transactions WHERE bank = ? AND account_id = ?
		ORDER BY transaction_time, transaction_id`, bank, accountID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []sdk.Transaction
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, dbErr(op, err)
		}
		var t sdk.Transaction
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, &obcerr.Error{Code: obcerr.Internal, Op: op, Msg: "a stored transaction does not decode", Err: err}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// AccountState is what the fleet records about one account.
type AccountState struct {
	Bank, AccountID string
	// Status is StatusActive or StatusDeleted.
	Status string
	// LinkStatus is LinkActive, LinkRevoked, LinkExpired or LinkUnlinked.
	LinkStatus string
	// Synced is false until the first sync committed.
	Synced bool
}

// Account returns the account's state. Errors: NotFound
// (ErrUnknownAccount).
func (f *Fleet) Account(ctx context.Context, bank, accountID string) (AccountState, error) {
	const op = "fleet.Account"
	if ctx == nil {
		return AccountState{}, fail(obcerr.InvalidArgument, op, nil, "nil context")
	}
	a, err := f.loadAccount(ctx, bank, accountID)
	if isNoRows(err) {
		return AccountState{}, fail(obcerr.NotFound, op, ErrUnknownAccount, "no account "+accountID+" at "+bank)
	}
	if err != nil {
		return AccountState{}, dbErr(op, err)
	}
	return AccountState{Bank: bank, AccountID: accountID, Status: a.status, LinkStatus: a.linkStatus, Synced: a.cursor != ""}, nil
}

// Backlog counts the fleet's jobs not yet finished (queued, scheduled for
// a retry, or running), across every process: zero means every sync asked
// for has committed and every deletion is done.
func (f *Fleet) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := f.db.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN (?, ?)
		AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`, KindSync, KindDelete).Scan(&n)
	if err != nil {
		return 0, dbErr("fleet.Backlog", err)
	}
	return n, nil
}

package fleet

import (
	"errors"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Sentinel errors. Errors the fleet returns for these reasons are
// *obcerr.Error values (the sdk's error type) whose Err is the sentinel,
// so errors.Is works with both the sentinel and the sdk's codes
// (errors.Is(err, fleet.ErrUnknownAccount) and errors.Is(err,
// sdk.ErrNotFound) both hold).
var (
	// ErrNoBackend: the DSN's scheme names no registered database; the
	// message says which package to import (fleetpg, fleetsqlite). Code
	// InvalidArgument.
	ErrNoBackend = errors.New("fleet: no database backend for this DSN")
	// ErrUnknownBank: the bank is not one of Options.Banks. Code
	// InvalidArgument.
	ErrUnknownBank = errors.New("fleet: bank not configured")
	// ErrUnknownAccount: no active account with that bank and id is
	// linked. Code NotFound.
	ErrUnknownAccount = errors.New("fleet: account not linked")
	// ErrUnknownLink: no link (consent) with that id. Code NotFound.
	ErrUnknownLink = errors.New("fleet: link not found")
	// ErrConflict: another sync of the account committed first (a sync
	// rescued from a dead worker overlapping a slow one); the job is
	// retried from the new cursor and nothing was applied. Code Unavailable
	// (retryable).
	ErrConflict = errors.New("fleet: another sync of the account committed first")
	// ErrClosed: the fleet was closed. Code Canceled.
	ErrClosed = errors.New("fleet: closed")
)

func fail(code obcerr.Code, op string, sentinel error, msg string) error {
	return &obcerr.Error{Code: code, Op: op, Msg: msg, Err: sentinel}
}

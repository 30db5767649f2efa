package txsync

import (
	"errors"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Sentinel errors. Every error Sync returns for one of these reasons is an
// *obcerr.Error whose Err is the sentinel, so both errors.Is(err,
// txsync.ErrInvalidCursor) and errors.Is(err, sdk.ErrInvalidArgument) hold.
var (
	// ErrInvalidCursor: the cursor is not one this package issued (wrong
	// version, truncated, altered). Code InvalidArgument.
	ErrInvalidCursor = errors.New("txsync: invalid cursor")
	// ErrCursorMismatch: the cursor belongs to another bank or account.
	// Code InvalidArgument.
	ErrCursorMismatch = errors.New("txsync: cursor belongs to another bank or account")
	// ErrStateNotFound: the state the cursor points to is gone (deleted
	// after a revocation, or superseded by several later syncs). Start
	// again with an empty cursor and reconcile. Code NotFound.
	ErrStateNotFound = errors.New("txsync: sync state not found")
	// ErrCorruptState: the stored state fails its checksum or cannot be
	// decoded. Code Internal.
	ErrCorruptState = errors.New("txsync: stored sync state is corrupt")
	// ErrUnstable: the bank's data kept changing during every pass, up to
	// Options.MaxRestarts restarts; nothing was committed. Retry later with
	// the same cursor. Code Unavailable (retryable).
	ErrUnstable = errors.New("txsync: data kept changing during the sync")
)

func fail(code obcerr.Code, sentinel error, msg string) error {
	return &obcerr.Error{Code: code, Op: "txsync.Sync", Msg: msg, Err: sentinel}
}

package txsync

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Defaults for Options.
const (
	DefaultLookback    = 14 * 24 * time.Hour
	DefaultMaxRestarts = 3
	// keepSnapshots is how many committed snapshots a stream keeps: the
	// newest (the normal next cursor) and older ones for a retry whose
	// caller lost the newer cursor.
	keepSnapshots = 3
)

// Options configures a Syncer. The zero value means every default.
type Options struct {
	// Lookback is how far back from now each pass re-reads, to catch late
	// postings, pending transactions that post or drop, and amount
	// changes. 0 means DefaultLookback (14 days). Choose more than the
	// longest delay the bank has between a transaction's date and its
	// posting: changes to older transactions are not seen.
	Lookback time.Duration
	// MaxRestarts bounds how many times one Sync restarts its pass because
	// the data changed under it; 0 means DefaultMaxRestarts, negative
	// means none.
	MaxRestarts int
	// InitialStart is where the first sync (empty cursor) starts reading;
	// zero means the whole history the bank serves by default. A start
	// before the bank's history window is moved up to it.
	InitialStart time.Time
	// Now is the clock the lookback window is measured from; nil means
	// time.Now. When the bank's clock is behind (mockbank's simulated time
	// standing in the past) the window is measured from the bank's newest
	// transaction instead, so a lagging bank loses nothing; pointing Now at
	// the bank's clock keeps the window exactly Lookback wide.
	Now func() time.Time
}

// Syncer runs incremental transaction syncs over a StateStore. It is safe
// for concurrent use; syncs of the same account through one Syncer are
// serialised.
type Syncer struct {
	store       StateStore
	lookback    time.Duration
	maxRestarts int
	start       time.Time
	now         func() time.Time

	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

// New returns a Syncer keeping its state in store. Errors: InvalidArgument
// for a nil store or a negative Lookback.
func New(store StateStore, opts *Options) (*Syncer, error) {
	if store == nil {
		return nil, obcerr.Newf(obcerr.InvalidArgument, "txsync.New: nil StateStore")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Lookback < 0 {
		return nil, obcerr.Newf(obcerr.InvalidArgument, "txsync.New: negative Lookback")
	}
	if o.Lookback == 0 {
		o.Lookback = DefaultLookback
	}
	switch {
	case o.MaxRestarts == 0:
		o.MaxRestarts = DefaultMaxRestarts
	case o.MaxRestarts < 0:
		o.MaxRestarts = 0
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Syncer{store: store, lookback: o.Lookback, maxRestarts: o.MaxRestarts, start: o.InitialStart, now: o.Now, locks: map[string]*keyLock{}}, nil
}

// Result is the outcome of one Sync: the changes since the cursor passed
// in, and the cursor to pass next time.
type Result struct {
	// Added are transactions not reported before, in the bank's order.
	Added []sdk.Transaction
	// Modified are transactions reported before that changed: a pending
	// one that posted (under the same id, or under a new id that names the
	// pending one in ReplacesID), a changed amount, or any other field.
	Modified []Modification
	// Removed are ids of transactions reported before that are gone: a
	// pending transaction dropped without posting, or a pending one
	// superseded by a posted transaction reported separately. Sorted.
	Removed []string
	// Next is the cursor for the next Sync. Persist it together with the
	// changes above (in one transaction of your database).
	Next string
	// Restarts counts the passes restarted because the data changed
	// under the sync (for metrics).
	Restarts int
}

// Modification is a changed transaction.
type Modification struct {
	// Transaction is the transaction as the bank shows it now.
	Transaction sdk.Transaction
	// PreviousID is the id under which it was reported before: equal to
	// Transaction.ID, or the id of the pending transaction it replaces.
	// Replace the record stored under PreviousID with Transaction.
	PreviousID string
}

// Sync returns the account's transaction changes since cursor ("" for the
// first sync, which reports the whole history as Added) and the next
// cursor. It reads through client, so consent checks, retries and rate
// limits apply, and errors from the bank come back classified (e.g.
// errors.Is(err, sdk.ErrConsentRevoked)).
//
// Nothing is committed until a pass has completed: an error (a failed
// page, a cancelled context) leaves the state as it was, and calling again
// with the same cursor is safe and loses nothing. Calling with a cursor
// whose Result was never persisted (a crash after Sync returned) reports
// those changes again, plus any newer ones.
func (s *Syncer) Sync(ctx context.Context, client *sdk.Client, grant *sdk.Grant, accountID, cur string) (*Result, error) {
	if ctx == nil {
		return nil, fail(obcerr.InvalidArgument, nil, "nil context")
	}
	if client == nil || grant == nil {
		return nil, fail(obcerr.InvalidArgument, nil, "nil client or grant")
	}
	if err := validAccount(accountID); err != nil {
		return nil, err
	}
	bank := client.Bank()
	prefix := AccountPrefix(bank, accountID)
	unlock := s.lock(prefix)
	defer unlock()

	var (
		rec    *record
		base   *snapshot
		stream [idLen]byte
	)
	bind := binding(bank, accountID)
	if cur == "" {
		stream = newID()
		rec = &record{V: stateVersion, Bank: bank, Account: accountID, Stream: hexID(stream)}
	} else {
		c, err := parseCursor(cur)
		if err != nil {
			return nil, err
		}
		if c.bind != bind {
			return nil, fail(obcerr.InvalidArgument, ErrCursorMismatch, "the cursor was issued for another bank or account")
		}
		stream = c.stream
		rec, err = s.load(ctx, prefix+hexID(c.stream))
		if err != nil {
			return nil, err
		}
		if rec.Bank != bank || rec.Account != accountID || rec.Stream != hexID(stream) {
			return nil, fail(obcerr.InvalidArgument, ErrCursorMismatch, "the stored state belongs to another bank or account")
		}
		if base = rec.find(hexID(c.snap)); base == nil {
			return nil, fail(obcerr.NotFound, ErrStateNotFound, "the cursor is older than the state kept; sync again from an empty cursor")
		}
	}

	now := s.now().UTC()
	q := sdk.TxQuery{Start: s.start}
	if base != nil {
		q.Start = windowStart(base)
	}
	if hw := client.Profile().HistoryWindow; hw > 0 && !q.Start.IsZero() {
		// Asking before the bank's history is an error at most banks; a
		// day's margin absorbs clock skew and date truncation.
		if oldest := now.Add(-hw).Add(24 * time.Hour); q.Start.Before(oldest) {
			q.Start = oldest
		}
	}

	read := func() (*pass, error) { return readPass(ctx, client, grant, accountID, q) }
	p, err := read()
	if err != nil {
		return nil, err
	}
	// Two consecutive reads that agree mean the data held still: nothing
	// was skipped because page boundaries moved (a read that skipped an
	// item differs from the next). Otherwise the newer read is kept and
	// confirmed in turn, up to maxRestarts times. Repeated ids alone do not
	// restart: a bank whose pages always overlap by one item returns the
	// same set every time, and ids are de-duplicated.
	restarts := 0
	for {
		again, err := read()
		if err != nil {
			return nil, err
		}
		if again.same(p) {
			break
		}
		restarts++
		if restarts > s.maxRestarts {
			return nil, fail(obcerr.Unavailable, ErrUnstable, "the bank's data changed during every pass; retry later with the same cursor")
		}
		p = again
	}
	// The floor is measured back from now, or from the newest transaction
	// if the bank's clock is behind ours (a test bank whose simulated time
	// stands in the past): a floor past everything the bank shows would
	// make its next transactions look too old to report.
	anchor := now
	if n := p.newest(); n.Before(anchor) {
		anchor = n
	}
	floor := anchor.Add(-s.lookback)
	if base != nil && floor.Before(base.Floor) {
		// Never move back: a transaction dated between the two floors may
		// have been reported and forgotten, and would come back as new.
		floor = base.Floor
	}
	d := diff(base, p, floor)

	snapID := newID()
	snap := snapshot{ID: hexID(snapID), Committed: now, Floor: floor, Entries: d.track}
	if base != nil {
		snap.Seq, snap.Parent = base.Seq+1, base.ID
	}
	rec.Snaps = lineage(rec.Snaps, snap)
	val, err := encodeRecord(rec)
	if err != nil {
		return nil, obcerr.Wrap(err, obcerr.Internal, "txsync.Sync")
	}
	if err := s.store.Put(ctx, prefix+rec.Stream, val); err != nil {
		return nil, storeErr(err)
	}
	next := cursor{bind: bind, stream: stream, snap: snapID}
	return &Result{Added: d.added, Modified: d.modified, Removed: d.removed, Next: next.encode(), Restarts: restarts}, nil
}

// lineage keeps the new snapshot and its ancestors, up to keepSnapshots,
// oldest first. Siblings (results computed from the same base and never
// persisted by the caller, who retried with the base's cursor) are
// dropped, so however often a result is lost the base survives.
func lineage(snaps []snapshot, snap snapshot) []snapshot {
	byID := make(map[string]snapshot, len(snaps))
	for _, s := range snaps {
		byID[s.ID] = s
	}
	out := []snapshot{snap}
	for p := snap.Parent; p != "" && len(out) < keepSnapshots; {
		s, ok := byID[p]
		if !ok {
			break
		}
		out = append(out, s)
		p = s.Parent
	}
	slices.Reverse(out)
	return out
}

// windowStart is the previous pass's floor (so a transaction dated
// between that floor and this one, posted late, is still seen), moved back
// to the earliest pending transaction still tracked so that it is read
// again, to see it post or drop, however old it is.
func windowStart(base *snapshot) time.Time {
	start := base.Floor
	for _, e := range base.Entries {
		if e.Pending && !e.Date.IsZero() && e.Date.Before(start) {
			start = e.Date
		}
	}
	return start
}

func (s *Syncer) load(ctx context.Context, key string) (*record, error) {
	b, err := s.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, fail(obcerr.NotFound, ErrStateNotFound, "no state for this cursor (deleted, or kept in another store); sync again from an empty cursor")
	}
	if err != nil {
		return nil, storeErr(err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return nil, &obcerr.Error{Code: obcerr.Internal, Op: "txsync.Sync", Msg: err.Error(), Err: ErrCorruptState}
	}
	return rec, nil
}

func storeErr(err error) error {
	if c := obcerr.ErrorCode(err); c == obcerr.Canceled || c == obcerr.DeadlineExceeded {
		return obcerr.Wrap(err, c, "txsync.Sync")
	}
	return &obcerr.Error{Code: obcerr.Unavailable, Op: "txsync.Sync", Msg: "state store", Err: err}
}

// lock serialises syncs of one account inside this process; the map entry
// lives only while someone holds or waits for it.
func (s *Syncer) lock(key string) func() {
	s.mu.Lock()
	l := s.locks[key]
	if l == nil {
		l = &keyLock{}
		s.locks[key] = l
	}
	l.refs++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.locks, key)
		}
		s.mu.Unlock()
	}
}

// AccountPrefix is the StateStore key prefix of every stream kept for an
// account at a bank; StateStore.DeletePrefix with it forgets them all.
func AccountPrefix(bank, accountID string) string {
	return "txsync/" + bank + "/" + accountID + "/"
}

// Forget deletes every sync state kept for the accounts (all their
// streams), e.g. after the user revoked consent. Cursors pointing to it
// then fail with ErrStateNotFound. It returns how many streams it deleted.
func Forget(ctx context.Context, store StateStore, bank string, accountIDs ...string) (int, error) {
	if store == nil {
		return 0, obcerr.Newf(obcerr.InvalidArgument, "txsync.Forget: nil StateStore")
	}
	if bank == "" {
		return 0, obcerr.Newf(obcerr.InvalidArgument, "txsync.Forget: empty bank")
	}
	total := 0
	for _, id := range accountIDs {
		if err := validAccount(id); err != nil {
			return total, err
		}
		n, err := store.DeletePrefix(ctx, AccountPrefix(bank, id))
		total += n
		if err != nil {
			return total, &obcerr.Error{Code: obcerr.Unavailable, Op: "txsync.Forget", Msg: "state store", Err: err}
		}
	}
	return total, nil
}

func validAccount(id string) error {
	if id == "" || len(id) > 256 {
		return fail(obcerr.InvalidArgument, nil, "account id must be 1..256 characters")
	}
	for _, r := range id {
		if r < 0x21 || r == 0x7f || r == '/' || r == '?' || r == '#' || r == '%' {
			return fail(obcerr.InvalidArgument, nil, "account id contains a character not allowed in an identifier")
		}
	}
	return nil
}

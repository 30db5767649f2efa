package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sentinel errors; every error the store returns wraps one of them.
var (
	ErrNotFound       = errors.New("store: not found")
	ErrAlreadyRevoked = errors.New("store: consent already revoked")
	ErrInvalid        = errors.New("store: invalid input")
	ErrConflict       = errors.New("store: already exists")
)

// DefaultNow is the simulated "now" when no clock is given: a fixed instant,
// so that two runs with the same seed serve the same bytes.
var DefaultNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// EventKind names what changed.
type EventKind string

// Event kinds the store emits.
const (
	EventTransactionNew    EventKind = "TRANSACTION_NEW"
	EventTransactionPosted EventKind = "TRANSACTION_POSTED"
	EventConsentRevoked    EventKind = "CONSENT_REVOKED"
	EventConsentUpdated    EventKind = "CONSENT_UPDATED"
	EventClockAdvanced     EventKind = "CLOCK_ADVANCED"
	// EventTransactionDropped: a pending record resolved without posting.
	EventTransactionDropped EventKind = "TRANSACTION_DROPPED"
)

// Event reports a state change, for notifications (issue 4). Hooks run
// synchronously after the store's locks are released, in a deterministic
// order; a hook must not block for long.
type Event struct {
	Kind          EventKind `json:"kind"`
	Bank          string    `json:"bank"`
	At            time.Time `json:"at"`
	UserID        string    `json:"userId,omitempty"`
	AccountID     string    `json:"accountId,omitempty"`
	TransactionID string    `json:"transactionId,omitempty"`
	ConsentID     string    `json:"consentId,omitempty"`
}

// Options configure a Store.
type Options struct {
	// Clock is the base of simulated time; AdvanceClock adds to it. Nil
	// means a clock stopped at DefaultNow.
	Clock func() time.Time
	// Seed makes generated identifiers (consents, subscriptions)
	// reproducible.
	Seed uint64
	// Running says that Clock moves by itself (simulated time follows the
	// wall clock): Sweep must then be called now and then for what comes
	// due to be notified.
	Running bool
}

// Store holds every bank's state behind one simulated clock. It is safe for
// concurrent use. Records it returns are shared and must not be modified:
// updates replace records (copy on write), so a reader never sees a torn
// value.
type Store struct {
	clock   func() time.Time
	running bool
	key     []byte

	// sweepMu serialises Sweep; swept is the simulated instant up to which
	// events have been emitted.
	sweepMu sync.Mutex
	swept   time.Time

	mu     sync.RWMutex
	offset time.Duration
	banks  map[string]*bank
	hooks  []func(Event)
	seq    uint64
	// seedBase holds the seeded accounts' original records (MarkSeeded).
	seedBase map[string]seedRecords
}

type bank struct {
	name       string
	users      map[string]*User // by id
	byUsername map[string]*User
	userOrder  []string
	accounts   map[string]*ledger
	consents   map[string]*Consent
	consentIDs []string
	subs       map[string]*Subscription
	subIDs     []string
}

// ledger is one account with its transactions, indexed for O(page) reads.
type ledger struct {
	once sync.Once
	gen  func() ([]*Transaction, []*Statement)

	mu      sync.RWMutex
	account *Account
	// txs is in listing order: TxTime descending, then ID ascending.
	txs []*Transaction
	// posted holds the cumulative effect of posted records in PostedTime
	// order, so a balance at any instant is one binary search.
	posted []postMark
	// pendings in TxTime order, for holds.
	pendings []*Transaction
	// maxHold bounds how long a pending can stay open, which bounds the
	// scan for holds.
	maxHold time.Duration
	stmts   []*Statement // newest first
	// seeded marks an account whose records came from the seed (see
	// MarkSeeded); extended is set once records are added to any account.
	// A seeded (or lazily generated) account that was never extended can be
	// rebuilt from the seed, so ExportCompact leaves its records out.
	seeded   bool
	extended bool
}

// MarkSeeded records that every account now in the store holds data
// generated from the seed, so that ExportCompact can leave their records
// out until they are extended. Call it right after populating.
//
// The seeded records are remembered (pointers only: records are immutable),
// so that a compact snapshot still imports after the live account was
// extended, e.g. when a test restores the snapshot it took before adding
// transactions.
func (s *Store) MarkSeeded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seedBase == nil {
		s.seedBase = map[string]seedRecords{}
	}
	for _, b := range s.banks {
		for id, l := range b.accounts {
			l.mu.Lock()
			if !l.extended {
				l.seeded = true
				r := seedRecords{gen: l.gen}
				if l.gen == nil {
					r.txs, r.stmts = slices.Clone(l.txs), slices.Clone(l.stmts)
				}
				s.seedBase[b.name+"\x00"+id] = r
			}
			l.mu.Unlock()
		}
	}
}

// seedRecords are an account's records as the seed made them.
type seedRecords struct {
	gen   func() ([]*Transaction, []*Statement)
	txs   []*Transaction
	stmts []*Statement
}

type postMark struct {
	at  time.Time
	cum Money
}

// New returns an empty store.
func New(opts Options) *Store {
	clock := opts.Clock
	if clock == nil {
		clock = func() time.Time { return DefaultNow }
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], opts.Seed)
	k := sha256.Sum256(append([]byte("mockbank/store ids "), seed[:]...))
	st := &Store{clock: clock, running: opts.Running, key: k[:], banks: map[string]*bank{}}
	st.swept = st.Now()
	return st
}

// Running reports whether simulated time follows the wall clock.
func (s *Store) Running() bool { return s.running }

// Now is the simulated time.
func (s *Store) Now() time.Time {
	s.mu.RLock()
	off := s.offset
	s.mu.RUnlock()
	return s.clock().Add(off).UTC()
}

// OnEvent registers a hook called for every event.
func (s *Store) OnEvent(h func(Event)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, h)
	s.mu.Unlock()
}

func (s *Store) emit(evs []Event) {
	if len(evs) == 0 {
		return
	}
	s.mu.RLock()
	hooks := slices.Clone(s.hooks)
	s.mu.RUnlock()
	for _, e := range evs {
		for _, h := range hooks {
			h(e)
		}
	}
}

// AdvanceClock moves simulated time forward by d. Pre-generated activity
// whose time has come becomes visible (pending purchases post or drop, new
// transactions appear) and an event is emitted for each, in time order.
func (s *Store) AdvanceClock(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%w: cannot move the clock backwards (%s)", ErrInvalid, d)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
	s.Sweep(ctx)
	return nil
}

// Sweep emits the events of everything that came due since the last sweep
// (or clock step): records that appeared, posted or dropped, in time
// order, then CLOCK_ADVANCED. With a running clock mockbank calls it every
// second; a stopped clock only moves in AdvanceClock, which sweeps.
func (s *Store) Sweep(ctx context.Context) {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	before, after := s.swept, s.Now()
	if !after.After(before) {
		// Nothing moved (or an import took the clock back).
		s.swept = after
		return
	}
	s.swept = after

	var evs []Event
	s.mu.RLock()
	banks := s.sortedBanks()
	for _, b := range banks {
		ids := make([]string, 0, len(b.accounts))
		for id := range b.accounts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			l := b.accounts[id]
			if l.gen != nil {
				// Lazily generated accounts have no live activity.
				continue
			}
			l.mu.RLock()
			for _, t := range l.txs {
				vf := t.VisibleFrom()
				if vf.After(before) && !vf.After(after) {
					k := EventTransactionNew
					if t.Status == TxPosted {
						k = EventTransactionPosted
					}
					evs = append(evs, Event{Kind: k, Bank: b.name, At: vf, UserID: l.account.UserID, AccountID: id, TransactionID: t.ID})
				}
			}
			evs = append(evs, l.droppedLocked(b.name, id, before, after)...)
			l.mu.RUnlock()
		}
	}
	s.mu.RUnlock()
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	evs = append(evs, Event{Kind: EventClockAdvanced, At: after})
	s.emit(evs)
}

func (s *Store) sortedBanks() []*bank {
	names := make([]string, 0, len(s.banks))
	for n := range s.banks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*bank, len(names))
	for i, n := range names {
		out[i] = s.banks[n]
	}
	return out
}

// Banks lists the banks the store knows, sorted.
func (s *Store) Banks() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, b := range s.sortedBanks() {
		out = append(out, b.name)
	}
	return out
}

// EnsureBank creates an empty bank if it does not exist.
func (s *Store) EnsureBank(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bankLocked(name)
}

func (s *Store) bankLocked(name string) *bank {
	b := s.banks[name]
	if b == nil {
		b = &bank{
			name: name, users: map[string]*User{}, byUsername: map[string]*User{},
			accounts: map[string]*ledger{}, consents: map[string]*Consent{}, subs: map[string]*Subscription{},
		}
		s.banks[name] = b
	}
	return b
}

func (s *Store) bank(name string) (*bank, error) {
	b := s.banks[name]
	if b == nil {
		return nil, fmt.Errorf("%w: bank %q", ErrNotFound, name)
	}
	return b, nil
}

// AddUser adds a user to a bank; usernames are unique per bank.
func (s *Store) AddUser(ctx context.Context, bankName string, u *User) error {
	if u == nil || u.ID == "" || u.Username == "" {
		return fmt.Errorf("%w: user needs an id and a username", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bankLocked(bankName)
	if _, ok := b.users[u.ID]; ok {
		return fmt.Errorf("%w: user id %q", ErrConflict, u.ID)
	}
	if _, ok := b.byUsername[u.Username]; ok {
		return fmt.Errorf("%w: username %q", ErrConflict, u.Username)
	}
	cp := *u
	cp.Accounts = slices.Clone(u.Accounts)
	b.users[u.ID] = &cp
	b.byUsername[u.Username] = &cp
	b.userOrder = append(b.userOrder, u.ID)
	return nil
}

// UserByUsername finds a user by login name.
func (s *Store) UserByUsername(ctx context.Context, bankName, username string) (*User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	u := b.byUsername[username]
	if u == nil {
		return nil, fmt.Errorf("%w: user", ErrNotFound)
	}
	return u, nil
}

// User finds a user by id.
func (s *Store) User(ctx context.Context, bankName, id string) (*User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	u := b.users[id]
	if u == nil {
		return nil, fmt.Errorf("%w: user", ErrNotFound)
	}
	return u, nil
}

// Users lists a bank's users in creation order.
func (s *Store) Users(ctx context.Context, bankName string) ([]*User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	out := make([]*User, 0, len(b.userOrder))
	for _, id := range b.userOrder {
		out = append(out, b.users[id])
	}
	return out, nil
}

// AddAccount adds an account to its user, with its transactions and
// statements. When gen is non-nil, txs and stmts must be nil and gen
// produces them on first use (the large-history user: start-up stays fast
// and memory stays low until someone reads it).
func (s *Store) AddAccount(ctx context.Context, bankName string, a *Account, txs []*Transaction, stmts []*Statement, gen func() ([]*Transaction, []*Statement)) error {
	if a == nil || a.ID == "" || !a.Kind.Valid() {
		return fmt.Errorf("%w: account needs an id and a known kind", ErrInvalid)
	}
	if gen != nil && (txs != nil || stmts != nil) {
		return fmt.Errorf("%w: lazy account with eager data", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bankLocked(bankName)
	u := b.users[a.UserID]
	if u == nil {
		return fmt.Errorf("%w: account %q: user %q", ErrNotFound, a.ID, a.UserID)
	}
	if _, ok := b.accounts[a.ID]; ok {
		return fmt.Errorf("%w: account id %q", ErrConflict, a.ID)
	}
	acct := *a
	l := &ledger{account: &acct, gen: gen}
	if gen == nil {
		l.load(txs, stmts)
	}
	b.accounts[a.ID] = l
	if !slices.Contains(u.Accounts, a.ID) {
		cp := *u
		cp.Accounts = append(slices.Clone(u.Accounts), a.ID)
		b.users[u.ID] = &cp
		b.byUsername[u.Username] = &cp
	}
	return nil
}

// load indexes txs and stmts; the caller owns l exclusively.
func (l *ledger) load(txs []*Transaction, stmts []*Statement) {
	l.txs = slices.Clone(txs)
	l.stmts = slices.Clone(stmts)
	l.reindex()
}

func (l *ledger) reindex() {
	sort.SliceStable(l.txs, func(i, j int) bool {
		a, b := l.txs[i], l.txs[j]
		if !a.TxTime.Equal(b.TxTime) {
			return a.TxTime.After(b.TxTime)
		}
		return a.ID < b.ID
	})
	var posted []*Transaction
	l.pendings = l.pendings[:0]
	l.maxHold = 0
	for _, t := range l.txs {
		switch t.Status {
		case TxPosted:
			posted = append(posted, t)
		case TxPending:
			l.pendings = append(l.pendings, t)
			if !t.ResolvedAt.IsZero() {
				l.maxHold = max(l.maxHold, t.ResolvedAt.Sub(t.TxTime))
			} else {
				l.maxHold = max(l.maxHold, 1<<62)
			}
		}
	}
	sort.SliceStable(posted, func(i, j int) bool {
		if !posted[i].PostedTime.Equal(posted[j].PostedTime) {
			return posted[i].PostedTime.Before(posted[j].PostedTime)
		}
		return posted[i].ID < posted[j].ID
	})
	l.posted = make([]postMark, len(posted))
	var cum Money
	for i, t := range posted {
		cum += t.Effect(l.account.Kind)
		l.posted[i] = postMark{at: t.PostedTime, cum: cum}
	}
	slices.Reverse(l.pendings)
	sort.SliceStable(l.stmts, func(i, j int) bool { return l.stmts[i].PeriodEnd.After(l.stmts[j].PeriodEnd) })
}

func (l *ledger) ensure() {
	l.once.Do(func() {
		if l.gen == nil {
			return
		}
		txs, stmts := l.gen()
		l.mu.Lock()
		l.load(txs, stmts)
		l.mu.Unlock()
	})
}

func (s *Store) ledger(bankName, accountID string) (*ledger, error) {
	s.mu.RLock()
	b, err := s.bank(bankName)
	var l *ledger
	if err == nil {
		l = b.accounts[accountID]
	}
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, fmt.Errorf("%w: account", ErrNotFound)
	}
	l.ensure()
	return l, nil
}

// Account returns an account.
func (s *Store) Account(ctx context.Context, bankName, id string) (*Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	l := b.accounts[id]
	if l == nil {
		return nil, fmt.Errorf("%w: account", ErrNotFound)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.account, nil
}

// UpdateAccount replaces an account's descriptor (status, nickname, ...);
// its id, user and kind cannot change.
func (s *Store) UpdateAccount(ctx context.Context, bankName string, a *Account) error {
	l, err := s.ledger(bankName, a.ID)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.account.UserID != a.UserID || l.account.Kind != a.Kind {
		return fmt.Errorf("%w: an account's user and kind cannot change", ErrInvalid)
	}
	cp := *a
	l.account = &cp
	return nil
}

// AddTransactions appends transactions to an account (admin API, scenarios).
// Those visible at the current simulated time emit TRANSACTION_NEW.
func (s *Store) AddTransactions(ctx context.Context, bankName, accountID string, txs []*Transaction) error {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return err
	}
	now := s.Now()
	l.mu.Lock()
	seen := make(map[string]bool, len(l.txs))
	for _, t := range l.txs {
		seen[t.ID] = true
	}
	for _, t := range txs {
		if t == nil || t.ID == "" || t.Amount < 0 || (t.Status != TxPending && t.Status != TxPosted) {
			l.mu.Unlock()
			return fmt.Errorf("%w: a transaction needs an id, a non-negative amount and a PENDING or POSTED status", ErrInvalid)
		}
		if seen[t.ID] {
			l.mu.Unlock()
			return fmt.Errorf("%w: transaction id %q", ErrConflict, t.ID)
		}
		seen[t.ID] = true
	}
	for _, t := range txs {
		cp := *t
		cp.AccountID = accountID
		l.txs = append(l.txs, &cp)
	}
	l.extended = true
	l.reindex()
	userID := l.account.UserID
	l.mu.Unlock()
	var evs []Event
	for _, t := range txs {
		if t.VisibleAt(now) {
			evs = append(evs, Event{Kind: EventTransactionNew, Bank: bankName, At: now, UserID: userID, AccountID: accountID, TransactionID: t.ID})
		}
	}
	s.emit(evs)
	return nil
}

// Balances are an account's balances at one instant. For deposit accounts
// Current is money held; for cards and loans it is money owed.
type Balances struct {
	At      time.Time
	Current Money
	// Holds is the sum of open pending debits (authorisations).
	Holds Money
	// PendingCredits is the sum of open pending credits, which do not count
	// towards available funds until they post.
	PendingCredits Money
}

// BalancesAt computes an account's balances at t from its transactions.
func (s *Store) BalancesAt(ctx context.Context, bankName, accountID string, t time.Time) (Balances, error) {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return Balances{}, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.balancesAt(t), nil
}

func (l *ledger) balancesAt(t time.Time) Balances {
	b := Balances{At: t, Current: l.account.OpeningBalance}
	i := sort.Search(len(l.posted), func(i int) bool { return l.posted[i].at.After(t) })
	if i > 0 {
		b.Current += l.posted[i-1].cum
	}
	// pendings is in TxTime order; only those opened after t-maxHold can
	// still be open at t.
	lo := sort.Search(len(l.pendings), func(i int) bool { return !l.pendings[i].TxTime.Before(t.Add(-l.maxHold)) })
	if l.maxHold >= 1<<62 {
		lo = 0
	}
	for _, p := range l.pendings[lo:] {
		if p.TxTime.After(t) {
			break
		}
		if !p.ResolvedAt.IsZero() && !p.ResolvedAt.After(t) {
			continue
		}
		if p.Credit {
			b.PendingCredits += p.Amount
		} else {
			b.Holds += p.Amount
		}
	}
	return b
}

// TxQuery selects transactions: TxTime in [From, To), visible at Now, in
// listing order (newest first), starting at raw position Cursor.
type TxQuery struct {
	From, To time.Time
	Now      time.Time
	Cursor   int
	Limit    int
}

// Transactions returns one page and the cursor of the next page (0 when
// this is the last page). A cursor is a position in the account's listing,
// so reading a page costs O(page), not O(offset).
func (s *Store) Transactions(ctx context.Context, bankName, accountID string, q TxQuery) ([]*Transaction, int, error) {
	if q.Limit <= 0 || q.Cursor < 0 {
		return nil, 0, fmt.Errorf("%w: limit must be positive and cursor non-negative", ErrInvalid)
	}
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return nil, 0, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	upper := q.To
	if upper.IsZero() || upper.After(q.Now) {
		// A record is never visible before its TxTime, so anything after
		// now is skipped by position instead of one by one.
		upper = q.Now.Add(time.Nanosecond)
	}
	start := sort.Search(len(l.txs), func(i int) bool { return l.txs[i].TxTime.Before(upper) })
	start = max(start, q.Cursor)
	out := make([]*Transaction, 0, min(q.Limit, 256))
	for i := start; i < len(l.txs); i++ {
		t := l.txs[i]
		if !q.From.IsZero() && t.TxTime.Before(q.From) {
			break
		}
		if !t.VisibleAt(q.Now) {
			continue
		}
		if len(out) == q.Limit {
			return out, i, nil
		}
		out = append(out, t)
	}
	return out, 0, nil
}

// Records returns every record of an account, visible or not (resolved
// pendings, future activity), in listing order. It is for tests, exports and
// the admin API, not the serving path.
func (s *Store) Records(ctx context.Context, bankName, accountID string) ([]*Transaction, error) {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.txs), nil
}

// Statements lists an account's statements whose period ends in [from, to),
// newest first (zero bounds are open).
func (s *Store) Statements(ctx context.Context, bankName, accountID string, from, to time.Time) ([]*Statement, error) {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []*Statement
	for _, st := range l.stmts {
		if (!from.IsZero() && st.PeriodEnd.Before(from)) || (!to.IsZero() && !st.PeriodEnd.Before(to)) {
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// Statement finds one statement of an account.
func (s *Store) Statement(ctx context.Context, bankName, accountID, id string) (*Statement, error) {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, st := range l.stmts {
		if st.ID == id {
			return st, nil
		}
	}
	return nil, fmt.Errorf("%w: statement", ErrNotFound)
}

// StatementTransactions returns the posted transactions of a statement's
// period in posting order, for rendering.
func (s *Store) StatementTransactions(ctx context.Context, bankName, accountID string, st *Statement) ([]*Transaction, error) {
	l, err := s.ledger(bankName, accountID)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []*Transaction
	for _, t := range l.txs {
		if t.Status == TxPosted && !t.PostedTime.Before(st.PeriodStart) && t.PostedTime.Before(st.PeriodEnd) {
			out = append(out, t)
		}
	}
	// A statement lists by posting date; the ledger is in transaction-date
	// order, which differs for purchases that post days later.
	slices.SortStableFunc(out, func(a, b *Transaction) int {
		if c := a.PostedTime.Compare(b.PostedTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// newID derives a reproducible, unguessable-looking identifier.
func (s *Store) newIDLocked(prefix string) string {
	s.seq++
	m := hmac.New(sha256.New, s.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.seq)
	m.Write([]byte(prefix))
	m.Write(b[:])
	return prefix + "-" + hex.EncodeToString(m.Sum(nil)[:10])
}

// CreateConsent stores a new consent and returns it with its id set.
func (s *Store) CreateConsent(ctx context.Context, c Consent) (*Consent, error) {
	if c.UserID == "" || c.ClientID == "" || len(c.Clusters) == 0 || c.DurationDays < 1 || c.DurationDays > 365 || c.LookbackDays < 0 {
		return nil, fmt.Errorf("%w: consent needs a user, a client, clusters and a duration of 1..365 days", ErrInvalid)
	}
	s.mu.Lock()
	b, err := s.bank(c.Bank)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	u := b.users[c.UserID]
	if u == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: user", ErrNotFound)
	}
	for _, id := range c.AccountIDs {
		if !slices.Contains(u.Accounts, id) {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: account %q is not the user's", ErrInvalid, id)
		}
	}
	cp := c
	cp.Clusters = slices.Clone(c.Clusters)
	cp.AccountIDs = slices.Clone(c.AccountIDs)
	cp.ID = s.newIDLocked("cns")
	if cp.CreatedAt.IsZero() {
		cp.CreatedAt = s.clock().Add(s.offset).UTC()
	}
	if cp.ExpiresAt.IsZero() {
		cp.ExpiresAt = cp.CreatedAt.Add(time.Duration(cp.DurationDays) * 24 * time.Hour)
	}
	b.consents[cp.ID] = &cp
	b.consentIDs = append(b.consentIDs, cp.ID)
	s.mu.Unlock()
	return &cp, nil
}

// Consent finds a consent.
func (s *Store) Consent(ctx context.Context, bankName, id string) (*Consent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	c := b.consents[id]
	if c == nil {
		return nil, fmt.Errorf("%w: consent", ErrNotFound)
	}
	return c, nil
}

// Consents lists a bank's consents in creation order.
func (s *Store) Consents(ctx context.Context, bankName string) ([]*Consent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	out := make([]*Consent, 0, len(b.consentIDs))
	for _, id := range b.consentIDs {
		out = append(out, b.consents[id])
	}
	return out, nil
}

// RevokeConsent revokes a whole consent (accountIDs empty) or only some of
// its accounts; revoking the last account revokes the consent. Revoking a
// revoked consent (or an already revoked account) is ErrAlreadyRevoked.
func (s *Store) RevokeConsent(ctx context.Context, bankName, id string, accountIDs []string, reason string) (*Consent, error) {
	s.mu.Lock()
	b, err := s.bank(bankName)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	c := b.consents[id]
	if c == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: consent", ErrNotFound)
	}
	if !c.RevokedAt.IsZero() {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrAlreadyRevoked, id)
	}
	now := s.clock().Add(s.offset).UTC()
	cp := *c
	cp.UpdatedAt = now
	kind := EventConsentRevoked
	if len(accountIDs) == 0 {
		cp.RevokedAt, cp.RevokeReason = now, reason
	} else {
		revoked := slices.Clone(c.RevokedAccounts)
		for _, a := range accountIDs {
			if !slices.Contains(c.AccountIDs, a) {
				s.mu.Unlock()
				return nil, fmt.Errorf("%w: account %q is not in the consent", ErrNotFound, a)
			}
			if slices.Contains(revoked, a) {
				s.mu.Unlock()
				return nil, fmt.Errorf("%w: account %q", ErrAlreadyRevoked, a)
			}
			revoked = append(revoked, a)
		}
		cp.RevokedAccounts = revoked
		if len(revoked) == len(c.AccountIDs) {
			cp.RevokedAt, cp.RevokeReason = now, reason
		} else {
			kind = EventConsentUpdated
		}
	}
	b.consents[id] = &cp
	s.mu.Unlock()
	s.emit([]Event{{Kind: kind, Bank: bankName, At: now, UserID: cp.UserID, ConsentID: id}})
	return &cp, nil
}

// CreateSubscription stores a notification subscription.
func (s *Store) CreateSubscription(ctx context.Context, sub Subscription) (*Subscription, error) {
	if sub.ClientID == "" || sub.CallbackURL == "" || len(sub.Types) == 0 {
		return nil, fmt.Errorf("%w: subscription needs a client, a callback URL and types", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bank(sub.Bank)
	if err != nil {
		return nil, err
	}
	cp := sub
	cp.Types = slices.Clone(sub.Types)
	cp.ID = s.newIDLocked("sub")
	cp.CreatedAt = s.clock().Add(s.offset).UTC()
	b.subs[cp.ID] = &cp
	b.subIDs = append(b.subIDs, cp.ID)
	return &cp, nil
}

// Subscriptions lists a client's subscriptions at a bank (all clients when
// clientID is empty), oldest first.
func (s *Store) Subscriptions(ctx context.Context, bankName, clientID string) ([]*Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	var out []*Subscription
	for _, id := range b.subIDs {
		if sub := b.subs[id]; sub != nil && (clientID == "" || sub.ClientID == clientID) {
			out = append(out, sub)
		}
	}
	return out, nil
}

// Subscription finds a client's subscription; another client's is not found.
func (s *Store) Subscription(ctx context.Context, bankName, clientID, id string) (*Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	sub := b.subs[id]
	if sub == nil || sub.ClientID != clientID {
		return nil, fmt.Errorf("%w: subscription", ErrNotFound)
	}
	return sub, nil
}

// DeleteSubscription removes a client's subscription.
func (s *Store) DeleteSubscription(ctx context.Context, bankName, clientID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bank(bankName)
	if err != nil {
		return err
	}
	sub := b.subs[id]
	if sub == nil || sub.ClientID != clientID {
		return fmt.Errorf("%w: subscription", ErrNotFound)
	}
	delete(b.subs, id)
	b.subIDs = slices.DeleteFunc(b.subIDs, func(x string) bool { return x == id })
	return nil
}

// ParseErrorUser reports the FDX code of a user_error_<code> username.
func ParseErrorUser(username string) (int, bool) {
	rest, ok := strings.CutPrefix(username, "user_error_")
	if !ok || len(rest) < 3 || len(rest) > 4 {
		return 0, false
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// droppedLocked reports the pendings of l that resolved in (before, after]
// without a posted record replacing them. The caller holds l.mu.
func (l *ledger) droppedLocked(bank, id string, before, after time.Time) []Event {
	var out []Event
	var replaced map[string]bool
	for _, t := range l.txs {
		if t.Status != TxPending || t.ResolvedAt.IsZero() || !t.ResolvedAt.After(before) || t.ResolvedAt.After(after) {
			continue
		}
		if replaced == nil {
			replaced = map[string]bool{}
			for _, p := range l.txs {
				if p.Status == TxPosted && p.ReferenceID != "" {
					replaced[p.ReferenceID] = true
				}
			}
		}
		if !replaced[t.ID] {
			out = append(out, Event{Kind: EventTransactionDropped, Bank: bank, At: t.ResolvedAt, UserID: l.account.UserID, AccountID: id, TransactionID: t.ID})
		}
	}
	return out
}

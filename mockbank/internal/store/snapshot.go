package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
)

// SnapshotVersion is the format version Export writes and Import accepts.
const SnapshotVersion = 1

// Snapshot is the whole store as JSON-serialisable data, for persistence
// (-data FILE) and scenario fixtures. Lazily generated accounts that nobody
// has read yet are exported as generated.
type Snapshot struct {
	Version     int            `json:"version"`
	ClockOffset time.Duration  `json:"clockOffset"`
	Seq         uint64         `json:"seq"`
	Banks       []BankSnapshot `json:"banks"`
}

// BankSnapshot is one bank's state.
type BankSnapshot struct {
	Name          string         `json:"name"`
	Users         []User         `json:"users"`
	Accounts      []AccountData  `json:"accounts"`
	Consents      []Consent      `json:"consents"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// AccountData is an account with its records.
type AccountData struct {
	Account      Account       `json:"account"`
	Transactions []Transaction `json:"transactions"`
	Statements   []Statement   `json:"statements"`
	// FromSeed (ExportCompact only) marks an account whose records were
	// generated from the seed (lazily, or before MarkSeeded) and never
	// extended: they are not written, and Import takes them from the store
	// it imports into, which must have been populated with the same seed.
	FromSeed bool `json:"fromSeed,omitempty"`
}

// Export returns the store's state.
func (s *Store) Export(ctx context.Context) (*Snapshot, error) { return s.export(ctx, false) }

// ExportCompact is Export without the records of accounts generated from
// the seed and never extended (they are marked FromSeed): for persistence,
// where the importing store is populated with the same seed first and
// rebuilds them. It keeps the seeded histories (user_large's ~50k records
// per bank among them) out of every save.
func (s *Store) ExportCompact(ctx context.Context) (*Snapshot, error) { return s.export(ctx, true) }

func (s *Store) export(ctx context.Context, compact bool) (*Snapshot, error) {
	s.mu.RLock()
	banks := s.sortedBanks()
	snap := &Snapshot{Version: SnapshotVersion, ClockOffset: s.offset, Seq: s.seq}
	var ledgers [][]*ledger
	for _, b := range banks {
		bs := BankSnapshot{Name: b.name}
		for _, id := range b.userOrder {
			bs.Users = append(bs.Users, *b.users[id])
		}
		for _, id := range b.consentIDs {
			bs.Consents = append(bs.Consents, *b.consents[id])
		}
		for _, id := range b.subIDs {
			bs.Subscriptions = append(bs.Subscriptions, *b.subs[id])
		}
		ids := make([]string, 0, len(b.accounts))
		for id := range b.accounts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		ls := make([]*ledger, len(ids))
		for i, id := range ids {
			ls[i] = b.accounts[id]
		}
		ledgers = append(ledgers, ls)
		snap.Banks = append(snap.Banks, bs)
	}
	s.mu.RUnlock()
	for i, ls := range ledgers {
		for _, l := range ls {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			l.mu.RLock()
			fromSeed := compact && (l.gen != nil || l.seeded) && !l.extended
			if fromSeed {
				snap.Banks[i].Accounts = append(snap.Banks[i].Accounts, AccountData{Account: *l.account, FromSeed: true})
			}
			l.mu.RUnlock()
			if fromSeed {
				continue
			}
			l.ensure()
			l.mu.RLock()
			ad := AccountData{Account: *l.account}
			for _, t := range l.txs {
				ad.Transactions = append(ad.Transactions, *t)
			}
			for _, st := range l.stmts {
				ad.Statements = append(ad.Statements, *st)
			}
			l.mu.RUnlock()
			snap.Banks[i].Accounts = append(snap.Banks[i].Accounts, ad)
		}
	}
	return snap, nil
}

// MarshalJSON-friendly helpers.

// ExportJSON is Export encoded as JSON.
func (s *Store) ExportJSON(ctx context.Context) ([]byte, error) {
	snap, err := s.Export(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(snap)
}

// Import replaces the store's state with snap. The snapshot is validated
// completely before anything changes, so a bad snapshot leaves the store as
// it was. Event hooks and the clock function are kept.
func (s *Store) Import(ctx context.Context, snap *Snapshot) error {
	if snap == nil || snap.Version != SnapshotVersion {
		return fmt.Errorf("%w: snapshot version must be %d", ErrInvalid, SnapshotVersion)
	}
	if snap.ClockOffset < 0 {
		return fmt.Errorf("%w: negative clock offset", ErrInvalid)
	}
	fresh := New(Options{Clock: s.clock})
	fresh.key = s.key
	for _, bs := range snap.Banks {
		if bs.Name == "" {
			return fmt.Errorf("%w: bank without a name", ErrInvalid)
		}
		fresh.EnsureBank(bs.Name)
		for i := range bs.Users {
			u := bs.Users[i]
			u.Accounts = nil
			if err := fresh.AddUser(ctx, bs.Name, &u); err != nil {
				return fmt.Errorf("import %s: %w", bs.Name, err)
			}
		}
		for _, ad := range bs.Accounts {
			txs := make([]*Transaction, len(ad.Transactions))
			for i := range ad.Transactions {
				t := ad.Transactions[i]
				if t.ID == "" || (t.Status != TxPending && t.Status != TxPosted) {
					return fmt.Errorf("%w: import %s: transaction without id or status", ErrInvalid, bs.Name)
				}
				t.AccountID = ad.Account.ID
				txs[i] = &t
			}
			stmts := make([]*Statement, len(ad.Statements))
			for i := range ad.Statements {
				st := ad.Statements[i]
				stmts[i] = &st
			}
			a := ad.Account
			var gen func() ([]*Transaction, []*Statement)
			if ad.FromSeed {
				if len(ad.Transactions) > 0 || len(ad.Statements) > 0 {
					return fmt.Errorf("%w: import %s: account %q is marked fromSeed but has records", ErrInvalid, bs.Name, a.ID)
				}
				var ok bool
				gen, txs, stmts, ok = s.seededRecords(bs.Name, a.ID)
				if !ok {
					return fmt.Errorf("%w: import %s: account %q comes from the seed, but this store has no seeded account by that id (was it populated with the same seed?)", ErrInvalid, bs.Name, a.ID)
				}
			}
			if err := fresh.AddAccount(ctx, bs.Name, &a, txs, stmts, gen); err != nil {
				return fmt.Errorf("import %s: %w", bs.Name, err)
			}
			if ad.FromSeed {
				fresh.banks[bs.Name].accounts[a.ID].seeded = true
			}
		}
		b := fresh.banks[bs.Name]
		for i := range bs.Users {
			// Keep each user's own account order, not the import order.
			u := *b.users[bs.Users[i].ID]
			if len(bs.Users[i].Accounts) == len(u.Accounts) {
				u.Accounts = slices.Clone(bs.Users[i].Accounts)
			}
			b.users[u.ID], b.byUsername[u.Username] = &u, &u
		}
		for i := range bs.Consents {
			c := bs.Consents[i]
			if c.ID == "" || b.users[c.UserID] == nil {
				return fmt.Errorf("%w: import %s: consent without id or user", ErrInvalid, bs.Name)
			}
			b.consents[c.ID] = &c
			b.consentIDs = append(b.consentIDs, c.ID)
		}
		for i := range bs.Subscriptions {
			sub := bs.Subscriptions[i]
			if sub.ID == "" {
				return fmt.Errorf("%w: import %s: subscription without id", ErrInvalid, bs.Name)
			}
			b.subs[sub.ID] = &sub
			b.subIDs = append(b.subIDs, sub.ID)
		}
	}
	s.mu.Lock()
	s.banks = fresh.banks
	s.offset = snap.ClockOffset
	// Ids never go back: restoring an older snapshot must not hand out a
	// consent id a client may still hold for another consent.
	s.seq = max(s.seq, snap.Seq)
	s.mu.Unlock()
	// What happened before the imported instant is history, not news.
	s.sweepMu.Lock()
	s.swept = s.Now()
	s.sweepMu.Unlock()
	return nil
}

// seededRecords returns an account's records as the seed made them: its
// lazy generator, or its records when it was populated eagerly. ok is false
// when the store has no seeded account by that id.
func (s *Store) seededRecords(bankName, accountID string) (gen func() ([]*Transaction, []*Statement), txs []*Transaction, stmts []*Statement, ok bool) {
	s.mu.RLock()
	base, found := s.seedBase[bankName+"\x00"+accountID]
	b := s.banks[bankName]
	var l *ledger
	if b != nil {
		l = b.accounts[accountID]
	}
	s.mu.RUnlock()
	if found {
		return base.gen, slices.Clone(base.txs), slices.Clone(base.stmts), true
	}
	if l == nil {
		return nil, nil, nil, false
	}
	// Without MarkSeeded, a lazy account never extended still has its
	// generator.
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.gen != nil && !l.extended {
		return l.gen, nil, nil, true
	}
	return nil, nil, nil, false
}

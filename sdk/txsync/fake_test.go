package txsync_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
	"github.com/obconnect/obconnect/sdk/txsync"
)

// fakeName is the name of the scripted bank.
const fakeName = "txsyncfake"

const acct = "acc-1"

// fakeBank is a bank whose history a test scripts. It lists transactions
// newest first with offset paging, so inserting or removing one between
// page reads shifts page boundaries exactly as a real bank's would.
type fakeBank struct {
	mu  sync.Mutex
	now time.Time
	txs map[string]model.Transaction
	seq int

	// pageHook, when set, runs before each page is served (outside the
	// lock); returning an error fails that page.
	pageHook func(page int) error
	pages    int // page calls served
	// overlap makes every page after the first repeat the previous
	// page's last item, as some banks' offset paging does.
	overlap bool
	// keyset switches from offset paging to FDX 6 page keys.
	keyset bool
	// order caches the listing order; nil after any change.
	order []model.Transaction
	// firstPageOfPass lets a hook aim at a page of the pass under test.
	firstPageOfPass int
}

var _ driver.Connector = (*fakeBank)(nil)

func newFakeBank(t testing.TB) (*fakeBank, *sdk.Client, *sdk.Grant) {
	t.Helper()
	b, c, g, err := openFake(4)
	require.NoError(t, err)
	return b, c, g
}

// openFake makes a fake bank and opens a client for it that reads
// pageSize transactions a page, without retries.
func openFake(pageSize int) (*fakeBank, *sdk.Client, *sdk.Grant, error) {
	b := &fakeBank{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), txs: map[string]model.Transaction{}}
	opener := func(context.Context, driver.OpenConfig) (driver.Connector, error) { return b, nil }
	c, err := sdk.OpenWith(context.Background(), opener, sdk.Credentials{ClientID: "app", ClientSecret: "secret"}, &sdk.Options{
		PageSize: pageSize,
		Retry:    sdk.RetryPolicy{MaxAttempts: 1}, Now: b.clock,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	g := &sdk.Grant{Bank: fakeName, ConsentID: "consent-1", Clusters: []sdk.Cluster{sdk.Transactions}, AccountIDs: []string{acct}}
	return b, c, g, nil
}

func (b *fakeBank) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

func (b *fakeBank) advance(d time.Duration) {
	b.mu.Lock()
	b.now = b.now.Add(d)
	b.mu.Unlock()
}

func usd(minor int64) model.Money { return model.Money{Minor: minor, Currency: "USD"} }

// addPending adds a pending debit dated ago before now and returns its id.
func (b *fakeBank) addPending(ago time.Duration, minor int64) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	id := "tx" + strconv.Itoa(b.seq)
	b.order = nil
	b.txs[id] = model.Transaction{ID: id, AccountID: acct, Amount: usd(-minor), Direction: model.Debit, Status: model.Pending,
		TransactionTime: b.now.Add(-ago), Description: "card " + id}
	return id
}

// addPosted adds a posted transaction dated ago before now (a late
// posting when ago is days).
func (b *fakeBank) addPosted(ago time.Duration, minor int64) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	id := "tx" + strconv.Itoa(b.seq)
	b.order = nil
	b.txs[id] = model.Transaction{ID: id, AccountID: acct, Amount: usd(-minor), Direction: model.Debit, Status: model.Posted,
		TransactionTime: b.now.Add(-ago), PostedTime: b.now, Description: "ach " + id}
	return id
}

// postSameID posts a pending transaction under its own id.
func (b *fakeBank) postSameID(id string) {
	if debugSync {
		fmt.Println("bank:", "postSameID", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.txs[id]
	t.Status, t.PostedTime = model.Posted, b.now
	b.order = nil
	b.txs[id] = t
}

// postNewID posts a pending transaction as a new posted one that names it
// in ReplacesID; keepPending leaves the pending one listed too, as some
// banks do for a while.
func (b *fakeBank) postNewID(id string, newMinor int64, keepPending bool) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	nid := "tx" + strconv.Itoa(b.seq)
	p := b.txs[id]
	b.order = nil
	b.txs[nid] = model.Transaction{ID: nid, AccountID: acct, Amount: usd(-newMinor), Direction: model.Debit, Status: model.Posted,
		TransactionTime: p.TransactionTime, PostedTime: b.now, Description: p.Description, ReplacesID: id}
	if !keepPending {
		delete(b.txs, id)
		b.order = nil
	}
	if debugSync {
		fmt.Println("bank: postNewID", id, "->", nid, "keep", keepPending, "date", p.TransactionTime.Format(time.DateTime))
	}
	return nid
}

func (b *fakeBank) setAmount(id string, minor int64) {
	if debugSync {
		fmt.Println("bank:", "setAmount", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.txs[id]
	t.Amount = usd(-minor)
	b.order = nil
	b.txs[id] = t
}

func (b *fakeBank) drop(id string) {
	if debugSync {
		fmt.Println("bank:", "drop", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.txs, id)
	b.order = nil
}

// ids returns the ids matching f, sorted.
func (b *fakeBank) ids(f func(model.Transaction) bool) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for id, t := range b.txs {
		if f(t) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// truth is what an integrator should hold: every listed transaction except
// pending ones a listed posted one replaces.
func (b *fakeBank) truth() map[string]model.Transaction {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]model.Transaction{}
	for id, t := range b.txs {
		out[id] = t
	}
	for _, t := range b.txs {
		if t.ReplacesID != "" {
			delete(out, t.ReplacesID)
		}
	}
	return out
}

// truthless returns every listed transaction, replaced ones included.
func (b *fakeBank) truthless() []model.Transaction {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sorted()
}

func (b *fakeBank) sorted() []model.Transaction {
	if b.order != nil {
		return b.order
	}
	out := make([]model.Transaction, 0, len(b.txs))
	for _, t := range b.txs {
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y model.Transaction) int {
		if c := y.TransactionTime.Compare(x.TransactionTime); c != 0 {
			return c
		}
		return cmpID(x.ID, y.ID)
	})
	b.order = out
	return out
}

func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func (b *fakeBank) Profile() driver.Profile {
	return driver.Profile{Name: fakeName, DisplayName: "Fake", FDXVersion: "6.0", Pagination: driver.PaginationOffset,
		MaxPageSize: 50, DefaultPageSize: 4, Clusters: []model.Cluster{model.Transactions, model.AccountBasic},
		Auth: driver.AuthProfile{AuthorizationURL: "https://fake.invalid/authorize", TokenURL: "https://fake.invalid/token", ClientAuth: driver.ClientSecretBasic}}
}

func (b *fakeBank) ListTransactions(_ context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	b.mu.Lock()
	page := b.pages
	b.pages++
	hook := b.pageHook
	b.mu.Unlock()
	if hook != nil {
		if err := hook(page); err != nil {
			return nil, err
		}
	}
	if q.AccountID != acct {
		return nil, obcerr.New(obcerr.NotFound, "no such account")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keyset {
		return b.keysetPage(q)
	}
	off := 0
	if q.Page.Cursor != "" {
		var err error
		if off, err = strconv.Atoi(q.Page.Cursor); err != nil {
			return nil, obcerr.New(obcerr.InvalidArgument, "bad offset")
		}
	}
	p := &model.Page[model.Transaction]{}
	n := 0 // matching transactions seen so far
	for _, t := range b.sorted() {
		d := t.TransactionTime.UTC().Truncate(24 * time.Hour)
		if (!q.Start.IsZero() && d.Before(q.Start)) || (!q.End.IsZero() && d.After(q.End)) {
			continue
		}
		from := off
		if b.overlap && off > 0 {
			from = off - 1
		}
		if n >= from && n < off+q.Page.Limit {
			p.Items = append(p.Items, t)
		}
		n++
	}
	if off+q.Page.Limit < n {
		p.Next = strconv.Itoa(off + q.Page.Limit)
	}
	return p, nil
}

// keysetPage serves FDX 6 style pages: the page key names the last item
// returned, and the next page starts after it in the current order.
func (b *fakeBank) keysetPage(q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	var keyTime time.Time
	var keyID string
	if q.Page.Cursor != "" {
		ts, id, ok := strings.Cut(q.Page.Cursor, "|")
		var err error
		if keyTime, err = time.Parse(time.RFC3339Nano, ts); !ok || err != nil {
			return nil, obcerr.New(obcerr.InvalidArgument, "bad page key")
		}
		keyID = id
	}
	p := &model.Page[model.Transaction]{}
	for _, t := range b.sorted() {
		d := t.TransactionTime.UTC().Truncate(24 * time.Hour)
		if (!q.Start.IsZero() && d.Before(q.Start)) || (!q.End.IsZero() && d.After(q.End)) {
			continue
		}
		if q.Page.Cursor != "" && !(t.TransactionTime.Before(keyTime) || (t.TransactionTime.Equal(keyTime) && cmpID(t.ID, keyID) > 0)) {
			continue
		}
		if len(p.Items) == q.Page.Limit {
			last := p.Items[len(p.Items)-1]
			p.Next = last.TransactionTime.Format(time.RFC3339Nano) + "|" + last.ID
			break
		}
		p.Items = append(p.Items, t)
	}
	return p, nil
}

func (b *fakeBank) ErrorCode(err error) obcerr.Code { return obcerr.ErrorCode(err) }

func (b *fakeBank) ListAccounts(context.Context, driver.PageRequest) (*model.Page[model.Account], error) {
	return &model.Page[model.Account]{}, nil
}
func (b *fakeBank) GetAccount(context.Context, string) (*model.Account, error) {
	return nil, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) ListStatements(context.Context, driver.StatementQuery) (*model.Page[model.Statement], error) {
	return nil, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) GetStatement(context.Context, string, string) (*driver.Document, error) {
	return &driver.Document{Body: io.NopCloser(nil)}, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) GetContact(context.Context, string) (*model.Contact, error) {
	return nil, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) ListPaymentNetworks(context.Context, string, driver.PageRequest) (*model.Page[model.PaymentNetwork], error) {
	return nil, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) GetConsent(context.Context, string) (*model.Consent, error) {
	return nil, obcerr.New(obcerr.Unimplemented, "fake")
}
func (b *fakeBank) RevokeConsent(context.Context, string, driver.RevocationReason) error {
	return obcerr.New(obcerr.Unimplemented, "fake")
}

// ledger is the integrator's copy, built only from Sync results; apply
// reports any duplicate or any change to an id it does not hold.
type ledger map[string]model.Transaction

func (l ledger) apply(r *txsync.Result) error {
	for _, t := range r.Added {
		if _, dup := l[t.ID]; dup {
			return fmt.Errorf("added %s twice", t.ID)
		}
		l[t.ID] = t
	}
	for _, m := range r.Modified {
		if _, ok := l[m.PreviousID]; !ok {
			return fmt.Errorf("modified %s (was %s), which is not held", m.Transaction.ID, m.PreviousID)
		}
		if m.PreviousID != m.Transaction.ID {
			if _, dup := l[m.Transaction.ID]; dup {
				return fmt.Errorf("%s replaces %s but is already held", m.Transaction.ID, m.PreviousID)
			}
			delete(l, m.PreviousID)
		}
		l[m.Transaction.ID] = m.Transaction
	}
	for _, id := range r.Removed {
		if _, ok := l[id]; !ok {
			return fmt.Errorf("removed %s, which is not held", id)
		}
		delete(l, id)
	}
	return nil
}

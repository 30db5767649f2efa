package datagen

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
)

// Password is every test user's password.
const Password = "pass_good"

// OTP is the one-time code user_mfa needs.
const OTP = "123456"

// LockedOutUser starts with its sign-in failure budget spent, as after 100
// wrong passwords: the consent page answers it as a wrong password until
// the admin API clears it. The authorization server is told so
// (authz.Config.LockedOutUsers); the store holds an ordinary user.
const LockedOutUser = "user_lockout"

// Config says what to generate for one bank.
type Config struct {
	// Seed drives every random choice; the same seed gives the same data.
	Seed uint64
	// Bank is the bank's name; it is mixed into the seed so banks differ.
	Bank string
	// DisplayName is used in descriptors such as transfer memos.
	DisplayName string
	// Now is the simulated time the history ends at (store.DefaultNow by
	// default).
	Now time.Time
	// HistoryMonths of history per account (24 by default).
	HistoryMonths int
	// LiveDays of future activity pre-generated for user_live, revealed as
	// the simulated clock advances (60 by default).
	LiveDays int
	// LargeTransactions is the approximate history size of user_large
	// (50 000 by default: hundreds of pages even at the largest page size,
	// while all four banks' large users fit the 150 MB memory target).
	LargeTransactions int
	// ErrorCodes lists the FDX codes for which a user_error_<code> user is
	// created up front; EnsureErrorUser creates others on demand.
	ErrorCodes []int
}

func (c *Config) defaults() {
	if c.Now.IsZero() {
		c.Now = store.DefaultNow
	}
	if c.HistoryMonths <= 0 {
		c.HistoryMonths = 24
	}
	if c.LiveDays <= 0 {
		c.LiveDays = 60
	}
	if c.LargeTransactions <= 0 {
		c.LargeTransactions = 50_000
	}
	if c.DisplayName == "" {
		c.DisplayName = c.Bank
	}
	if c.ErrorCodes == nil {
		c.ErrorCodes = []int{500, 501, 503}
	}
}

// Populate adds the test users of one bank, with their accounts, histories
// and statements, to st. The large-history user's transactions are
// generated on first read.
func Populate(ctx context.Context, st *store.Store, cfg Config) error {
	cfg.defaults()
	st.EnsureBank(cfg.Bank)
	specs := []userSpec{
		{username: "user_good", first: "Avery", last: "Quinn", kinds: []store.Kind{store.KindChecking, store.KindSavings, store.KindCreditCard, store.KindLoan}},
		{username: "user_mfa", first: "Morgan", last: "Fields", otp: OTP, kinds: []store.Kind{store.KindChecking, store.KindCreditCard}},
		{username: "user_locked", first: "Riley", last: "Stone", kinds: []store.Kind{store.KindChecking, store.KindSavings}, restricted: store.KindChecking},
		{username: "user_closed", first: "Jordan", last: "Reyes", kinds: []store.Kind{store.KindChecking, store.KindSavings}, closed: store.KindSavings},
		{username: "user_large", first: "Casey", last: "Nguyen", kinds: []store.Kind{store.KindChecking}, large: true},
		{username: "user_live", first: "Taylor", last: "Brooks", kinds: []store.Kind{store.KindChecking, store.KindCreditCard}, live: true},
		{username: LockedOutUser, first: "Sam", last: "Keller", kinds: []store.Kind{store.KindChecking}},
	}
	for _, code := range cfg.ErrorCodes {
		specs = append(specs, errorSpec(code))
	}
	for _, sp := range specs {
		if err := populateUser(ctx, st, cfg, sp); err != nil {
			return err
		}
	}
	return nil
}

// EnsureErrorUser creates user_error_<code> at a bank if it does not exist
// yet, so any FDX code can be tried without configuration.
func EnsureErrorUser(ctx context.Context, st *store.Store, cfg Config, code int) error {
	cfg.defaults()
	sp := errorSpec(code)
	if _, err := st.UserByUsername(ctx, cfg.Bank, sp.username); err == nil {
		return nil
	}
	err := populateUser(ctx, st, cfg, sp)
	if err != nil && strings.Contains(err.Error(), "already exists") {
		return nil // created concurrently
	}
	return err
}

func errorSpec(code int) userSpec {
	return userSpec{username: fmt.Sprintf("user_error_%d", code), first: "Error", last: fmt.Sprint(code), kinds: []store.Kind{store.KindChecking}, errorCode: code, months: 3}
}

type userSpec struct {
	username, first, last string
	otp                   string
	kinds                 []store.Kind
	restricted, closed    store.Kind
	large, live           bool
	errorCode             int
	months                int
}

// rngFor derives an independent generator per (seed, bank, name), so a
// user's data does not depend on which users were generated before it (the
// large user is generated lazily, in any order).
func rngFor(seed uint64, parts ...string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	sum := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
}

func hexID(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for range n {
		sb.WriteByte(digits[r.IntN(16)])
	}
	return sb.String()
}

var streets = []string{"Market St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Lakeview Rd", "Sunset Blvd"}
var cities = []struct{ city, region, zip, area string }{
	{"San Francisco", "CA", "94105", "415"},
	{"Columbus", "OH", "43215", "614"},
	{"Charlotte", "NC", "28202", "704"},
	{"Minneapolis", "MN", "55402", "612"},
	{"Austin", "TX", "78701", "512"},
}

func populateUser(ctx context.Context, st *store.Store, cfg Config, sp userSpec) error {
	r := rngFor(cfg.Seed, cfg.Bank, sp.username, "profile")
	city := cities[r.IntN(len(cities))]
	u := &store.User{
		ID:        "usr-" + hexID(r, 12),
		Username:  sp.username,
		Password:  Password,
		OTP:       sp.otp,
		ErrorCode: sp.errorCode,
		FirstName: sp.first,
		LastName:  sp.last,
		Email:     strings.ToLower(sp.first+"."+sp.last) + "@example.com",
		Phone:     fmt.Sprintf("%s555%04d", city.area, r.IntN(10000)),
		Address: store.Address{
			Line1: fmt.Sprintf("%d %s", 100+r.IntN(8900), streets[r.IntN(len(streets))]),
			City:  city.city, Region: city.region, PostalCode: city.zip, Country: "US",
		},
	}
	if err := st.AddUser(ctx, cfg.Bank, u); err != nil {
		return fmt.Errorf("datagen %s/%s: %w", cfg.Bank, sp.username, err)
	}
	months := cfg.HistoryMonths
	if sp.months > 0 {
		months = sp.months
	}
	g := newGen(cfg, sp, u.ID, months)
	if sp.large {
		a := g.accounts[0].acct
		seedCopy := cfg
		gen := func() ([]*store.Transaction, []*store.Statement) {
			lg := newGen(seedCopy, sp, u.ID, months)
			lg.run()
			return lg.accounts[0].txs, lg.accounts[0].statements()
		}
		return st.AddAccount(ctx, cfg.Bank, a, nil, nil, gen)
	}
	g.run()
	for _, ag := range g.accounts {
		if err := st.AddAccount(ctx, cfg.Bank, ag.acct, ag.txs, ag.statements(), nil); err != nil {
			return fmt.Errorf("datagen %s/%s: %w", cfg.Bank, sp.username, err)
		}
	}
	return nil
}

// acctGen accumulates one account's records during generation.
type acctGen struct {
	acct *store.Account
	txs  []*store.Transaction
	seq  int
	// projected is the balance once every record generated so far has
	// posted; decisions (can we afford this?) use it.
	projected store.Money
	end       time.Time // no activity after this (closed accounts)
	now       time.Time
}

type gen struct {
	cfg      Config
	sp       userSpec
	r        *rand.Rand
	start    time.Time
	until    time.Time
	accounts []*acctGen
	byKind   map[store.Kind]*acctGen
	// joined interns descriptions built from a prefix and a merchant's
	// text: user_large has tens of thousands of records, and one string per
	// record would be a tenth of its memory.
	joined map[[2]string]string
}

// join returns a+b, sharing one copy per distinct pair.
func (g *gen) join(a, b string) string {
	k := [2]string{a, b}
	if s, ok := g.joined[k]; ok {
		return s
	}
	s := a + b
	g.joined[k] = s
	return s
}

func newGen(cfg Config, sp userSpec, userID string, months int) *gen {
	r := rngFor(cfg.Seed, cfg.Bank, sp.username, "history")
	start := time.Date(cfg.Now.Year(), cfg.Now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
	until := cfg.Now
	if sp.live {
		until = cfg.Now.AddDate(0, 0, cfg.LiveDays)
	}
	g := &gen{cfg: cfg, sp: sp, r: r, start: start, until: until, byKind: map[store.Kind]*acctGen{}, joined: map[[2]string]string{}}
	for _, k := range sp.kinds {
		a := g.newAccount(userID, k)
		if k == sp.restricted {
			a.Status = store.StatusRestricted
		}
		ag := &acctGen{acct: a, projected: a.OpeningBalance, end: until, now: cfg.Now}
		if k == sp.closed {
			closeAt := time.Date(cfg.Now.Year(), cfg.Now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
			a.Status, a.CloseDate = store.StatusClosed, closeAt
			ag.end = closeAt
		}
		g.accounts = append(g.accounts, ag)
		g.byKind[k] = ag
	}
	return g
}

// products names each bank's accounts. Every generated loan is an auto loan
// (FDX accountType AUTOLOAN), so the names say so.
var products = map[string]map[store.Kind]string{
	"chase":      {store.KindChecking: "Total Checking", store.KindSavings: "Premier Savings", store.KindCreditCard: "Freedom Unlimited Visa", store.KindLoan: "Auto Loan"},
	"wellsfargo": {store.KindChecking: "Everyday Checking", store.KindSavings: "Way2Save Savings", store.KindCreditCard: "Active Cash Visa", store.KindLoan: "Auto Loan"},
	"citi":       {store.KindChecking: "Regular Checking", store.KindSavings: "Accelerate Savings", store.KindCreditCard: "Double Cash Mastercard", store.KindLoan: "Auto Loan"},
	"usbank":     {store.KindChecking: "Smartly Checking", store.KindSavings: "Standard Savings", store.KindCreditCard: "Altitude Go Visa", store.KindLoan: "Auto Loan"},
}

// loanAgeMonths is how many payments a generated loan had made when the
// history starts (see newAccount).
const loanAgeMonths = 10

var routing = map[string]string{"chase": "021000021", "wellsfargo": "121000248", "citi": "021000089", "usbank": "091000022"}

func (g *gen) newAccount(userID string, k store.Kind) *store.Account {
	r := g.r
	prefix := map[store.Kind]string{store.KindChecking: "chk", store.KindSavings: "sav", store.KindCreditCard: "cc", store.KindLoan: "ln"}[k]
	name := products[g.cfg.Bank][k]
	if name == "" {
		name = map[store.Kind]string{store.KindChecking: "Checking", store.KindSavings: "Savings", store.KindCreditCard: "Rewards Card", store.KindLoan: "Auto Loan"}[k]
	}
	a := &store.Account{
		ID:          prefix + "-" + hexID(r, 10),
		UserID:      userID,
		Kind:        k,
		ProductName: name,
		Last4:       fmt.Sprintf("%04d", r.IntN(10000)),
		Status:      store.StatusOpen,
		Currency:    "USD",
	}
	years, months, days := 1+r.IntN(5), r.IntN(12), r.IntN(28)
	a.OpenDate = g.start.AddDate(-years, -months, -days)
	switch k {
	case store.KindChecking:
		a.Nickname = "Bills"
		a.Routing = routing[g.cfg.Bank]
		if a.Routing == "" {
			a.Routing = "011000015"
		}
		a.InterestRate = "0.01"
		a.OpeningBalance = store.Money(300000 + r.IntN(300000))
		if g.sp.large {
			a.OpeningBalance = 2500000
		}
	case store.KindSavings:
		a.Nickname = "Rainy day"
		a.Routing = routing[g.cfg.Bank]
		a.InterestRate = "4.10"
		a.OpeningBalance = store.Money(800000 + r.IntN(1200000))
	case store.KindCreditCard:
		a.CreditLine = 800000
		a.CardNetwork = "VISA"
		if strings.Contains(name, "Mastercard") {
			a.CardNetwork = "MASTERCARD"
		}
		a.InterestRate = "24.99"
		a.OpeningBalance = store.Money(30000 + r.IntN(90000))
	case store.KindLoan:
		a.InterestRate = "6.75"
		a.OriginalPrincipal = 2500000
		a.LoanTermMonths = 60
		a.MonthlyPayment = 49208
		a.OpeningBalance = 2150000
		// $25,000 over 60 months at 6.75% amortises to $21,500 after ten
		// payments, so the loan opened ten months before the history starts
		// and matures 50 months after it: after the simulated now for any
		// history of up to four years, whatever the start date.
		a.OpenDate = g.start.AddDate(0, -loanAgeMonths, -days)
	}
	return a
}

// at returns day d at hh:mm UTC plus a random number of seconds below
// jitter, so records do not collide.
func (g *gen) at(day time.Time, hh, mm int, jitter int) time.Time {
	t := day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	if jitter > 0 {
		t = t.Add(time.Duration(g.r.IntN(jitter)) * time.Second)
	}
	return t
}

func (ag *acctGen) nextID() string {
	ag.seq++
	return fmt.Sprintf("%s-%06d", ag.acct.ID, ag.seq)
}

type txSpec struct {
	amount      store.Money
	credit      bool
	desc, payee string
	mcc         int32
	category    string
	typ         string
	principal   store.Money
	interest    store.Money
}

func (ag *acctGen) active(t time.Time) bool { return t.Before(ag.end) }

// post records an entry that posts when it happens (ACH, fees, interest).
func (ag *acctGen) post(t time.Time, s txSpec) *store.Transaction {
	if !ag.active(t) || s.amount <= 0 {
		return nil
	}
	tx := &store.Transaction{
		ID: ag.nextID(), AccountID: ag.acct.ID, Status: store.TxPosted, TxTime: t, PostedTime: t,
		Amount: s.amount, Credit: s.credit, Description: s.desc, Payee: s.payee, MCC: s.mcc,
		Category: s.category, Type: s.typ, Principal: s.principal, Interest: s.interest,
	}
	ag.txs = append(ag.txs, tx)
	ag.projected += tx.Effect(ag.acct.Kind)
	return tx
}

// refund records a credit that lands days later; it does not count
// towards the projected balance, so no spending decision relies on money
// that has not arrived yet.
func (ag *acctGen) refund(t time.Time, s txSpec) {
	if tx := ag.post(t, s); tx != nil {
		ag.projected -= tx.Effect(ag.acct.Kind)
	}
}

// authorize records a card authorisation that posts after one to three
// days, sometimes for another amount (a tip), or drops.
func (g *gen) authorize(ag *acctGen, t time.Time, s txSpec, tips bool) {
	if !ag.active(t) || s.amount <= 0 {
		return
	}
	pend := &store.Transaction{
		ID: ag.nextID(), AccountID: ag.acct.ID, Status: store.TxPending, TxTime: t,
		Amount: s.amount, Credit: s.credit, Description: s.desc, Payee: s.payee, MCC: s.mcc,
		Category: s.category, Type: s.typ,
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	pend.ResolvedAt = g.at(day.AddDate(0, 0, 1+g.r.IntN(3)), 4, 0, 3600)
	ag.txs = append(ag.txs, pend)
	roll := g.r.IntN(100)
	if roll < 3 {
		// Dropped: the merchant never captured the authorisation.
		return
	}
	final := s.amount
	if tips && roll < 45 {
		final += s.amount * store.Money(15+g.r.IntN(8)) / 100
	}
	posted := *pend
	posted.ID = ag.nextID()
	posted.Status = store.TxPosted
	posted.PostedTime = pend.ResolvedAt
	posted.ResolvedAt = time.Time{}
	posted.ReferenceID = pend.ID
	posted.Amount = final
	ag.txs = append(ag.txs, &posted)
	ag.projected += posted.Effect(ag.acct.Kind)
}

func (g *gen) pickMerchant() merchant {
	n := g.r.IntN(merchantWeightSum)
	for _, m := range merchants {
		if n < m.weight {
			return m
		}
		n -= m.weight
	}
	return merchants[0]
}

func (g *gen) between(lo, hi int64) store.Money {
	if hi <= lo {
		return store.Money(lo)
	}
	return store.Money(lo + g.r.Int64N(hi-lo))
}

func mulRate(m store.Money, bp int64) store.Money {
	// bp is an annual rate in hundredths of a percent; monthly interest in
	// integer arithmetic, rounded half up.
	return store.Money((int64(m)*bp + 60000) / 120000)
}

// run walks the history day by day, generating every account's activity in
// one pass so that transfers between the user's accounts pair up.
func (g *gen) run() {
	chk, sav, cc, ln := g.byKind[store.KindChecking], g.byKind[store.KindSavings], g.byKind[store.KindCreditCard], g.byKind[store.KindLoan]
	employer := []string{"ACME CORP", "GLOBEX INC", "INITECH LLC", "UMBRELLA HEALTH"}[g.r.IntN(4)]
	rent := g.between(160000, 240000)
	// Average purchases per day: about one for a household, enough for
	// the large user to reach its target size (two records per purchase).
	perDay := 1
	if g.sp.large {
		perDay = g.cfg.LargeTransactions / max(1, int(g.until.Sub(g.start).Hours()/24)) / 2
	}
	var statementBal store.Money
	if cc != nil {
		statementBal = cc.projected
	}
	for day := g.start; day.Before(g.until); day = day.AddDate(0, 0, 1) {
		dom := day.Day()
		last := day.AddDate(0, 0, 1).Day() == 1
		if chk != nil {
			if day.Weekday() == time.Friday && (day.YearDay()/7)%2 == 0 {
				pay := g.between(275000, 292000)
				if g.sp.large {
					pay *= 10
				}
				chk.post(g.at(day, 9, 0, 600), txSpec{amount: pay, credit: true, desc: g.join(employer, " PAYROLL PPD"), payee: employer, category: "Income", typ: "DIRECTDEPOSIT"})
			}
			if g.sp.large {
				// A busy sole trader: card sales settle every day.
				chk.post(g.at(day, 7, 0, 600), txSpec{amount: g.between(150000, 260000) * store.Money(max(1, perDay/20)), credit: true, desc: "SQUARE INC DEPOSIT", payee: "Square", category: "Income", typ: "DEPOSIT"})
			}
			if dom == 1 {
				chk.post(g.at(day, 6, 30, 600), txSpec{amount: rent, desc: "PARKSIDE APTS RENT WEB PMTS", payee: "Parkside Apartments", category: "Rent", typ: "BILLPAYMENT"})
			}
			for _, b := range bills {
				if dom == b.day {
					chk.post(g.at(day, 8, 0, 3600), txSpec{amount: g.between(b.min, b.max), desc: b.desc, payee: b.name, mcc: b.mcc, category: b.category, typ: "BILLPAYMENT"})
				}
			}
			if sav != nil && dom == 2 && chk.projected > 200000 && sav.active(day) {
				amt := store.Money(50000)
				chk.post(g.at(day, 10, 0, 60), txSpec{amount: amt, desc: g.join("ONLINE TRANSFER TO SAV ...", sav.acct.Last4), payee: g.cfg.DisplayName, category: "Transfer", typ: "TRANSFER"})
				sav.post(g.at(day, 10, 1, 0), txSpec{amount: amt, credit: true, desc: g.join("ONLINE TRANSFER FROM CHK ...", chk.acct.Last4), payee: g.cfg.DisplayName, category: "Transfer", typ: "TRANSFER"})
			}
			if ln != nil && dom == 5 {
				interest := mulRate(ln.projected, 675)
				ln.post(g.at(day, 0, 5, 0), txSpec{amount: interest, desc: "INTEREST CHARGED", category: "Interest", typ: "INTEREST"})
				pay := min(ln.acct.MonthlyPayment, ln.projected)
				chk.post(g.at(day, 11, 0, 600), txSpec{amount: pay, desc: g.join(strings.ToUpper(g.cfg.DisplayName), " LOAN PMT"), payee: g.cfg.DisplayName, category: "Loan Payment", typ: "TRANSFER"})
				ln.post(g.at(day, 11, 30, 0), txSpec{amount: pay, credit: true, desc: "PAYMENT - THANK YOU", category: "Loan Payment", typ: "PAYMENT", principal: pay - interest, interest: interest})
			}
			if cc != nil && dom == 28 {
				statementBal = cc.projected
			}
			if cc != nil && dom == 21 && statementBal > 0 {
				// Pay in full when checking can afford it; otherwise as much as
				// leaves a cushion, and now and then only the minimum.
				pay := statementBal
				minimum := min(statementBal, max(3500, statementBal/50))
				if chk.projected-pay < 50000 {
					pay = max(minimum, chk.projected-50000)
				}
				if g.r.IntN(15) == 0 {
					pay = minimum
				}
				chk.post(g.at(day, 12, 0, 600), txSpec{amount: pay, desc: g.join("PAYMENT TO CARD ...", cc.acct.Last4), payee: g.cfg.DisplayName, category: "Credit Card Payment", typ: "TRANSFER"})
				cc.post(g.at(day, 12, 5, 0), txSpec{amount: pay, credit: true, desc: "AUTOPAY PAYMENT - THANK YOU", category: "Credit Card Payment", typ: "PAYMENT"})
				if rest := statementBal - pay; rest > 0 {
					cc.post(g.at(day.AddDate(0, 0, 6), 0, 10, 0), txSpec{amount: mulRate(rest, 2499), desc: "PURCHASE INTEREST CHARGE", category: "Interest", typ: "INTEREST"})
				}
				statementBal = 0
			}
			// ATM withdrawals, sometimes out of network with a fee.
			if g.r.IntN(12) == 0 && chk.projected > 60000 {
				t := g.at(day, 13, 0, 21600)
				chk.post(t, txSpec{amount: store.Money(2000 * (1 + g.r.IntN(10))), desc: "ATM WITHDRAWAL 0042 MAIN ST", category: "Cash", typ: "ATMWITHDRAWAL"})
				if g.r.IntN(3) == 0 {
					chk.post(t.Add(time.Second), txSpec{amount: 300, desc: "NON-NETWORK ATM FEE", category: "Fees", typ: "FEE"})
				}
			}
			if dom == 1 && chk.projected < 150000 {
				chk.post(g.at(day, 2, 0, 0), txSpec{amount: 1200, desc: "MONTHLY SERVICE FEE", category: "Fees", typ: "FEE"})
			}
			if last {
				chk.post(g.at(day, 23, 0, 0), txSpec{amount: max(1, mulRate(max(chk.projected, 0), 1)), credit: true, desc: "INTEREST PAYMENT", category: "Interest", typ: "INTEREST"})
			}
		}
		if sav != nil && last && sav.projected > 0 {
			sav.post(g.at(day, 23, 0, 0), txSpec{amount: mulRate(sav.projected, 410), credit: true, desc: "INTEREST PAYMENT", category: "Interest", typ: "INTEREST"})
		}
		// Closing the savings account sweeps it into checking the day before.
		if sav != nil && chk != nil && day.Equal(sav.end.AddDate(0, 0, -1)) && sav.projected > 0 {
			amt := sav.projected
			sav.post(g.at(day, 23, 30, 0), txSpec{amount: amt, desc: g.join("CLOSING TRANSFER TO CHK ...", chk.acct.Last4), payee: g.cfg.DisplayName, category: "Transfer", typ: "TRANSFER"})
			chk.post(g.at(day, 23, 31, 0), txSpec{amount: amt, credit: true, desc: g.join("TRANSFER FROM SAV ...", sav.acct.Last4), payee: g.cfg.DisplayName, category: "Transfer", typ: "TRANSFER"})
		}
		if cc != nil {
			for _, s := range subscriptions {
				if dom == s.day && cc.projected+store.Money(s.amount)*2 < cc.acct.CreditLine {
					g.authorize(cc, g.at(day, 3, 0, 3600), txSpec{amount: store.Money(s.amount), desc: s.desc, payee: s.name, mcc: s.mcc, category: s.category, typ: "PURCHASE"}, false)
				}
			}
		}
		// Everyday card spending: on the card when there is one and it has
		// room, otherwise on the debit card.
		n := g.r.IntN(perDay*2 + 1)
		for range n {
			m := g.pickMerchant()
			amt := g.between(m.min, m.max)
			t := g.at(day, 8, 0, 14*3600)
			useCard := cc != nil && g.r.IntN(4) != 0 && cc.projected+amt*2 < cc.acct.CreditLine
			if useCard {
				g.authorize(cc, t, txSpec{amount: amt, desc: m.desc, payee: m.name, mcc: m.mcc, category: m.category, typ: "PURCHASE"}, m.tips)
				if m.category == "Shopping" && g.r.IntN(25) == 0 {
					cc.refund(g.at(day.AddDate(0, 0, 5+g.r.IntN(15)), 5, 0, 3600), txSpec{amount: amt, credit: true, desc: g.join(m.desc, " RETURN"), payee: m.name, mcc: m.mcc, category: m.category, typ: "RETURN"})
				}
				continue
			}
			if chk != nil && chk.projected-amt*2 > 30000 {
				g.authorize(chk, t, txSpec{amount: amt, desc: g.join("DEBIT CARD PURCHASE ", m.desc), payee: m.name, mcc: m.mcc, category: m.category, typ: "POSDEBIT"}, m.tips)
				if m.category == "Shopping" && g.r.IntN(25) == 0 {
					chk.refund(g.at(day.AddDate(0, 0, 5+g.r.IntN(15)), 5, 0, 3600), txSpec{amount: amt, credit: true, desc: g.join("REFUND ", m.desc), payee: m.name, mcc: m.mcc, category: m.category, typ: "POSCREDIT"})
				}
			}
		}
	}
	for _, ag := range g.accounts {
		ag.trim(g.cfg.Now, g.until)
	}
}

// trim drops records that would start after the generation horizon (a
// refund scheduled past it); pending resolutions past it stay, because they
// are what posts when the clock advances.
func (ag *acctGen) trim(now, until time.Time) {
	out := ag.txs[:0]
	for _, t := range ag.txs {
		if t.TxTime.After(until) {
			continue
		}
		out = append(out, t)
	}
	ag.txs = out
}

// statements builds monthly statements for every month that ended before
// now (and before the account closed), with balances computed from the
// generated records.
func (ag *acctGen) statements() []*store.Statement {
	var posted []*store.Transaction
	for _, t := range ag.txs {
		if t.Status == store.TxPosted {
			posted = append(posted, t)
		}
	}
	sort.SliceStable(posted, func(i, j int) bool { return posted[i].PostedTime.Before(posted[j].PostedTime) })
	var out []*store.Statement
	if len(ag.txs) == 0 {
		return nil
	}
	first := ag.txs[0].TxTime
	for _, t := range ag.txs {
		if t.TxTime.Before(first) {
			first = t.TxTime
		}
	}
	start := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	bal := ag.acct.OpeningBalance
	i := 0
	for ps := start; ; ps = ps.AddDate(0, 1, 0) {
		pe := ps.AddDate(0, 1, 0)
		if pe.After(ag.now) || (!ag.acct.CloseDate.IsZero() && pe.After(ag.acct.CloseDate)) {
			break
		}
		opening := bal
		for i < len(posted) && posted[i].PostedTime.Before(pe) {
			bal += posted[i].Effect(ag.acct.Kind)
			i++
		}
		out = append(out, &store.Statement{
			ID:        fmt.Sprintf("stm-%s-%s", ag.acct.ID, ps.Format("2006-01")),
			AccountID: ag.acct.ID, PeriodStart: ps, PeriodEnd: pe,
			OpeningBalance: opening, ClosingBalance: bal,
		})
	}
	return out
}

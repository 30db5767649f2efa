package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

// Answer is what the assistant says to one question: a sentence, and
// optionally rows (balances, categories) or receipts.
type Answer struct {
	Text     string
	Rows     []Row
	Receipts []Receipt
	// Help lists what the assistant can answer, when it could not.
	Help []string
}

// Row is one labelled amount.
type Row struct {
	Label, Detail, Amount string
}

// Receipt is one card purchase.
type Receipt struct {
	Merchant, Category, Amount, Status, Date, Account string
}

// helpText is what the assistant says it can do; also its fallback.
var helpText = []string{
	"What's my balance?",
	"What did I spend at Starbucks this month?",
	"Show my recent card purchases",
	"Spending by category this month",
	"When is my next loan payment?",
}

// intent is what a question asks, found by rules on its words: no outside
// service, and the same words always give the same intent.
type intent int

const (
	unknown intent = iota
	balance
	spentAt
	receipts
	byCategory
	loanPayment
	greeting
)

var (
	atMerchant = regexp.MustCompile(`\b(?:at|on|from|in)\s+([a-z0-9][a-z0-9 '&.-]*?)\s*(?:this|last|today|in the|during|\?|$)`)
	wordsRe    = regexp.MustCompile(`[a-z']+`)
)

func understand(q string) (intent, string) {
	s := strings.ToLower(strings.TrimSpace(q))
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("loan", "mortgage", "next payment", "payment due", "due date"):
		return loanPayment, ""
	case has("categor", "breakdown", "where does my money", "where did my money"):
		return byCategory, ""
	case has("spend", "spent", "paid", "pay ", "cost"):
		if m := atMerchant.FindStringSubmatch(s); m != nil {
			name := strings.TrimSpace(m[1])
			if name != "" && !slices.Contains([]string{"all", "total", "everything"}, name) {
				return spentAt, name
			}
		}
		return byCategory, ""
	case has("receipt", "purchase", "card", "recent", "bought", "latest"):
		return receipts, ""
	case has("balance", "how much do i have", "how much money", "funds", "owe"):
		return balance, ""
	case len(wordsRe.FindAllString(s, -1)) <= 3 && has("hi", "hello", "hey", "help"):
		return greeting, ""
	}
	return unknown, ""
}

// period is the time span a question names; this month by default.
type period struct {
	from, to time.Time
	label    string
}

func periodOf(q string, now time.Time) period {
	s := strings.ToLower(q)
	y, m, d := now.Date()
	month := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	switch {
	case strings.Contains(s, "last month"):
		return period{month.AddDate(0, -1, 0), month, "last month"}
	case strings.Contains(s, "today"):
		return period{time.Date(y, m, d, 0, 0, 0, 0, time.UTC), now, "today"}
	case strings.Contains(s, "this week"):
		start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
		return period{start, now, "this week"}
	case strings.Contains(s, "this year"):
		return period{time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), now, "this year"}
	}
	return period{month, now.Add(time.Nanosecond), "this month"}
}

// Ask answers one question of the user from their own data.
func (a *App) Ask(ctx context.Context, userID, question string) (*Answer, error) {
	accts, err := a.db.accounts(ctx, userID)
	if err != nil {
		return nil, err
	}
	in, arg := understand(question)
	if in == unknown || in == greeting {
		text := "I can't answer that one yet. I can answer questions like these:"
		if in == greeting {
			text = "Hello! Ask me about your linked accounts, for example:"
		}
		return &Answer{Text: text, Help: helpText}, nil
	}
	if len(accts) == 0 {
		return &Answer{Text: "You have no linked accounts yet. Link a bank on the left, then ask me again.", Help: helpText}, nil
	}
	now := a.cfg.BankNow().UTC()
	switch in {
	case balance:
		return a.balances(ctx, userID, accts)
	case loanPayment:
		return a.loans(ctx, userID, accts)
	case spentAt:
		return a.spentAt(ctx, userID, accts, arg, periodOf(question, now))
	case byCategory:
		return a.categories(ctx, userID, accts, periodOf(question, now))
	case receipts:
		return a.receipts(ctx, userID, accts)
	}
	return &Answer{Text: "I can answer questions like these:", Help: helpText}, nil
}

func bankTitle(b string) string {
	switch b {
	case "chase":
		return "Chase"
	case "wellsfargo":
		return "Wells Fargo"
	case "citi":
		return "Citi"
	case "usbank":
		return "U.S. Bank"
	}
	return b
}

func (ac account) label() string {
	return fmt.Sprintf("%s %s %s", bankTitle(ac.Bank), ac.Name, ac.Masked)
}

// readAccount reads one account's detail (balances) from the bank, and
// writes the read to the audit log.
func (a *App) readAccount(ctx context.Context, userID string, ac account) (*sdk.Account, error) {
	g, err := a.grantOf(ctx, userID, ac)
	if err != nil {
		return nil, err
	}
	_ = a.db.audit(ctx, userID, auditEntry{At: time.Now(), What: "balances", Bank: ac.Bank, Account: ac.Name + " " + ac.Masked, Source: "bank (live, through the sdk)"})
	return a.client(ac.Bank).Account(ctx, g, ac.ID)
}

func (a *App) grantOf(ctx context.Context, userID string, ac account) (*sdk.Grant, error) {
	l, err := a.db.link(ctx, userID, ac.Bank, ac.ConsentID)
	if err != nil {
		return nil, err
	}
	return l.Grant, nil
}

// transactions reads the account's synced transactions from the fleet's
// table, and writes the read to the audit log.
func (a *App) transactions(ctx context.Context, userID string, ac account) ([]sdk.Transaction, error) {
	_ = a.db.audit(ctx, userID, auditEntry{At: time.Now(), What: "transactions", Bank: ac.Bank, Account: ac.Name + " " + ac.Masked, Source: "synced store (obconnect_transactions)"})
	return a.cfg.Fleet.Transactions(ctx, ac.Bank, ac.ID)
}

func (a *App) balances(ctx context.Context, userID string, accts []account) (*Answer, error) {
	ans := &Answer{}
	var total sdk.Money
	var failed []string
	for _, ac := range accts {
		d, err := a.readAccount(ctx, userID, ac)
		if err != nil || d.Balances == nil {
			a.log.Warn("assistant: balance read failed", "bank", ac.Bank, "err", err)
			failed = append(failed, ac.label())
			continue
		}
		b := d.Balances
		row := Row{Label: ac.label()}
		switch {
		case d.Category == sdk.DepositAccount && b.Available != nil:
			row.Amount, row.Detail = money(*b.Available), "available"
			if b.Current != nil {
				row.Detail = "available · current " + money(*b.Current)
			}
			total = addMoney(total, *b.Available)
		case d.Category == sdk.DepositAccount && b.Current != nil:
			row.Amount, row.Detail = money(*b.Current), "current"
			total = addMoney(total, *b.Current)
		case d.Category == sdk.LineOfCredit && b.Current != nil:
			row.Amount, row.Detail = money(*b.Current), "owed"
			if b.AvailableCredit != nil {
				row.Detail = "owed · " + money(*b.AvailableCredit) + " credit available"
			}
		case d.Category == sdk.LoanAccount && (b.Principal != nil || b.Current != nil):
			p := b.Principal
			if p == nil {
				p = b.Current
			}
			row.Amount, row.Detail = money(*p), "left to repay"
		default:
			row.Amount, row.Detail = "—", "no balance reported"
		}
		ans.Rows = append(ans.Rows, row)
	}
	ans.Text = "Here are your balances, as your banks report them now."
	if !total.IsZero() {
		ans.Text = "You have " + money(total) + " available in your bank accounts. Balances, as your banks report them now:"
	}
	if len(failed) > 0 {
		ans.Text += " (I could not reach: " + strings.Join(failed, ", ") + ".)"
	}
	return ans, nil
}

func (a *App) loans(ctx context.Context, userID string, accts []account) (*Answer, error) {
	// Loans answer the question; cards only when there is no loan.
	var pick []account
	for _, want := range []sdk.AccountCategory{sdk.LoanAccount, sdk.LineOfCredit} {
		for _, ac := range accts {
			if sdk.CategoryOf(sdk.AccountType(ac.Type)) == want {
				pick = append(pick, ac)
			}
		}
		if len(pick) > 0 {
			break
		}
	}
	ans := &Answer{}
	for _, ac := range pick {
		d, err := a.readAccount(ctx, userID, ac)
		if err != nil || d.Balances == nil || d.Balances.NextPayment == nil {
			continue
		}
		row := Row{Label: ac.label(), Amount: money(*d.Balances.NextPayment)}
		if !d.Balances.NextPaymentDue.IsZero() {
			row.Detail = "due " + d.Balances.NextPaymentDue.Format("Mon 2 Jan 2006")
		}
		ans.Rows = append(ans.Rows, row)
	}
	if len(ans.Rows) == 0 {
		ans.Text = "None of your linked accounts has a loan payment coming up."
		return ans, nil
	}
	ans.Text = "Your next payments:"
	if len(ans.Rows) == 1 {
		ans.Text = fmt.Sprintf("Your next payment on %s is %s, %s.", ans.Rows[0].Label, ans.Rows[0].Amount, ans.Rows[0].Detail)
	}
	return ans, nil
}

// spending are the debits (money out) of the period, pending and posted.
func spending(txs []sdk.Transaction, p period) []sdk.Transaction {
	var out []sdk.Transaction
	for _, t := range txs {
		tm := t.TransactionTime
		if t.Amount.Sign() < 0 && !tm.Before(p.from) && tm.Before(p.to) {
			out = append(out, t)
		}
	}
	return out
}

func merchantOf(t sdk.Transaction) string {
	if t.Merchant != "" {
		return t.Merchant
	}
	return t.Description
}

func (a *App) spentAt(ctx context.Context, userID string, accts []account, name string, p period) (*Answer, error) {
	var total sdk.Money
	var matched []Receipt
	for _, ac := range accts {
		txs, err := a.transactions(ctx, userID, ac)
		if err != nil {
			return nil, err
		}
		for _, t := range spending(txs, p) {
			if !strings.Contains(strings.ToLower(merchantOf(t)), name) {
				continue
			}
			abs, _ := t.Amount.Abs()
			total = addMoney(total, abs)
			matched = append(matched, receiptOf(t, ac))
		}
	}
	sortReceipts(matched)
	title := titleCase(name)
	if len(matched) == 0 {
		return &Answer{Text: fmt.Sprintf("I found no spending at %s %s.", title, p.label)}, nil
	}
	return &Answer{Text: fmt.Sprintf("You spent %s at %s %s, in %d %s.", money(total), title, p.label, len(matched), plural(len(matched), "purchase")), Receipts: matched}, nil
}

func (a *App) categories(ctx context.Context, userID string, accts []account, p period) (*Answer, error) {
	sums := map[string]sdk.Money{}
	var total sdk.Money
	for _, ac := range accts {
		txs, err := a.transactions(ctx, userID, ac)
		if err != nil {
			return nil, err
		}
		for _, t := range spending(txs, p) {
			c := t.Category
			if c == "" {
				c = "Uncategorised"
			}
			abs, _ := t.Amount.Abs()
			sums[c] = addMoney(sums[c], abs)
			total = addMoney(total, abs)
		}
	}
	if len(sums) == 0 {
		return &Answer{Text: "I found no spending " + p.label + "."}, nil
	}
	cats := make([]string, 0, len(sums))
	for c := range sums {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(x, y string) int {
		if c, _ := sums[y].Cmp(sums[x]); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	ans := &Answer{Text: fmt.Sprintf("You spent %s %s. By category:", money(total), p.label)}
	for _, c := range cats {
		ans.Rows = append(ans.Rows, Row{Label: c, Amount: money(sums[c])})
	}
	return ans, nil
}

func (a *App) receipts(ctx context.Context, userID string, accts []account) (*Answer, error) {
	var cards []account
	for _, ac := range accts {
		if sdk.AccountType(ac.Type) == sdk.CreditCard {
			cards = append(cards, ac)
		}
	}
	what := "card purchases"
	if len(cards) == 0 {
		cards, what = accts, "purchases"
	}
	var rs []Receipt
	for _, ac := range cards {
		txs, err := a.transactions(ctx, userID, ac)
		if err != nil {
			return nil, err
		}
		for _, t := range txs {
			if t.Amount.Sign() < 0 {
				rs = append(rs, receiptOf(t, ac))
			}
		}
	}
	sortReceipts(rs)
	if len(rs) > 5 {
		rs = rs[:5]
	}
	if len(rs) == 0 {
		return &Answer{Text: "I found no " + what + " yet."}, nil
	}
	return &Answer{Text: "Your most recent " + what + ":", Receipts: rs}, nil
}

func receiptOf(t sdk.Transaction, ac account) Receipt {
	abs, _ := t.Amount.Abs()
	c := t.Category
	if c == "" {
		c = "Uncategorised"
	}
	return Receipt{Merchant: merchantOf(t), Category: c, Amount: money(abs), Status: strings.ToLower(string(t.Status)),
		Date: t.TransactionTime.UTC().Format("2006-01-02 15:04"), Account: bankTitle(ac.Bank) + " " + ac.Masked}
}

// sortReceipts puts the newest first (the date text sorts as time).
func sortReceipts(rs []Receipt) {
	slices.SortStableFunc(rs, func(x, y Receipt) int { return strings.Compare(y.Date, x.Date) })
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		ws[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(ws, " ")
}

// addMoney adds amounts of one currency; the zero Money is "nothing yet".
func addMoney(a, b sdk.Money) sdk.Money {
	if a.IsZero() && a.Currency == "" {
		return b
	}
	s, err := a.Add(b)
	if err != nil {
		return a // another currency: not summed (the demo banks are all USD)
	}
	return s
}

// money formats an exact amount: $1,234.56, or "1,234.56 EUR".
func money(m sdk.Money) string {
	minor := m.Minor
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	units := strconv.FormatInt(minor/100, 10)
	var b strings.Builder
	for i, r := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	num := fmt.Sprintf("%s.%02d", b.String(), minor%100)
	if m.Currency == "USD" || m.Currency == "" {
		return sign + "$" + num
	}
	return sign + num + " " + m.Currency
}

// mask shows at most the last four digits of an account number.
func mask(display string) string {
	digits := make([]rune, 0, len(display))
	for _, r := range display {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) > 4 {
		digits = digits[len(digits)-4:]
	}
	return "••••" + string(digits)
}

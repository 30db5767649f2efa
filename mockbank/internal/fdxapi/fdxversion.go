package fdxapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// FDX version shaping.
//
// openapi/fdx.yaml is the union across FDX versions: its enumerations hold
// every value any supported version uses, and it leaves optional some
// fields that one version or another requires. A bank, though, speaks one
// version, and a partner checks its answers against FDX's Core Exchange
// subset of that version. So the payload each bank sends is shaped to its
// description's fdxVersion at the edge, here, from a small table: every value
// sent stays valid under our own spec (the shapes only narrow it) and the
// generated client still decodes it.
//
// What the table covers, per version (facts from the published Core
// Exchange subsets; see docs/mockbank.md, "FDX version shaping"):
//
//   - transactionType: values outside the version's list for the account
//     category are mapped onto the closest listed one (card PURCHASE and
//     CASHADVANCE are draws on the line, WITHDRAWAL before 5.x; a card
//     RETURN is a credit correcting a purchase, ADJUSTMENT; a loan PAYOFF
//     is a PAYMENT in 4.6), and a value with no counterpart is left out,
//     the field being optional in every version.
//   - account status: 4.6 has no RESTRICTED; such an account is sent as
//     OPEN, its restriction showing where it matters, in the 1xxx errors
//     its transactions and payment networks answer.
//   - fields the version requires that our data may lack: an account's
//     productName (a product-family default), status and currency; a
//     transaction's description (the payee, else a neutral text).
//   - a loan's accountNumber, required by 4.6 for every loan and by later
//     versions for a MORTGAGE: obconnect never sends a full account number,
//     so the value is masked (X for every digit but the last four, which
//     match accountNumberDisplay), and 4.6's required originatingDate, a
//     date-time there, from the account's open date.
//   - 4.6 types nextPaymentDate, lastPaymentDate and maturityDate as
//     date-times where our spec (and the generated client) carry dates: no
//     value is valid under both, the fields are optional in 4.6, so a 4.6
//     bank leaves them out (its clients see no next payment due date).
//
//   - layout: Core Exchange 6.x sends each account and transaction as a
//     flat object tagged by accountCategory, where FDX 4 and 5 wrap it in
//     a member named by category (depositAccount, locTransaction, ...). A
//     6.x bank sends the flat layout; our spec accepts both, the
//     generated types carrying the flat fields beside the members.

// fdxShape is what one FDX version allows where the union spec is wider.
type fdxShape struct {
	version string
	// txTypes maps, per account kind, each allowed transactionType onto
	// itself and each known foreign one onto its stand-in; a nil map
	// allows any value (the version has no enumeration there).
	txTypes map[store.Kind]map[string]string
	// statuses maps account statuses the version lacks; absent = as is.
	statuses map[string]string
	// loanAccountNumber says which loan types must carry accountNumber;
	// "*" is every loan.
	loanAccountNumber map[string]bool
	// loanOriginatingDateTime adds originatingDate as a date-time.
	loanOriginatingDateTime bool
	// dateTimeDates: the version types the payment and maturity dates as
	// date-times, where our spec and its generated client carry dates. No
	// value is valid under both, and the fields are optional in the
	// version, so they are left out.
	dateTimeDates bool
	// flat sends accounts and transactions in Core Exchange 6.x's flat
	// layout, tagged by accountCategory, instead of FDX 4/5's members.
	flat bool
}

func allow(values ...string) map[string]string {
	m := make(map[string]string, len(values))
	for _, v := range values {
		m[v] = v
	}
	return m
}

func with(m map[string]string, from, to string) map[string]string {
	m[from] = to
	return m
}

// Deposit, card and loan transaction types per Core Exchange version. 5.x
// and 6.x list no deposit transaction types, so any value passes there.
var (
	depositTypes46 = allow("ADJUSTMENT", "ATMDEPOSIT", "ATMWITHDRAWAL", "BILLPAYMENT", "CHECK", "DEPOSIT",
		"DIRECTDEPOSIT", "DIVIDEND", "FEE", "INTEREST", "POSCREDIT", "POSDEBIT", "TRANSFER", "WITHDRAWAL")
	locTypes46 = with(with(with(allow("ADJUSTMENT", "CHECK", "FEE", "INTEREST", "PAYMENT", "WITHDRAWAL"),
		"PURCHASE", "WITHDRAWAL"), "CASHADVANCE", "WITHDRAWAL"), "RETURN", "ADJUSTMENT")
	loanTypes46 = with(allow("ADJUSTMENT", "FEE", "INTEREST", "PAYMENT"), "PAYOFF", "PAYMENT")
	locTypes5   = with(with(allow("ADJUSTMENT", "CHECK", "FEE", "INTEREST", "PAYMENT", "PURCHASE", "WITHDRAWAL"),
		"CASHADVANCE", "WITHDRAWAL"), "RETURN", "ADJUSTMENT")
	loanTypes5 = allow("ADJUSTMENT", "FEE", "INTEREST", "PAYMENT", "LUMP_SUM_PAYMENT", "SKIP_PAYMENT",
		"DOUBLE_UP_PAYMENT", "PAYOFF")
)

// fdxShapes is ordered by version; a bank on a version not listed takes
// the closest listed one below it (or the oldest).
var fdxShapes = []*fdxShape{
	{
		version: "4.6",
		txTypes: map[store.Kind]map[string]string{
			store.KindChecking: depositTypes46, store.KindSavings: depositTypes46,
			store.KindCreditCard: locTypes46, store.KindLoan: loanTypes46,
		},
		statuses:                map[string]string{store.StatusRestricted: store.StatusOpen},
		loanAccountNumber:       map[string]bool{"*": true},
		loanOriginatingDateTime: true,
		dateTimeDates:           true,
	},
	{version: "5.3", txTypes: map[store.Kind]map[string]string{store.KindCreditCard: locTypes5, store.KindLoan: loanTypes5}, loanAccountNumber: map[string]bool{"MORTGAGE": true}},
	{version: "6.0", txTypes: map[store.Kind]map[string]string{store.KindCreditCard: locTypes5, store.KindLoan: loanTypes5}, loanAccountNumber: map[string]bool{"MORTGAGE": true}, flat: true},
	{version: "6.2", txTypes: map[store.Kind]map[string]string{store.KindCreditCard: locTypes5, store.KindLoan: loanTypes5}, loanAccountNumber: map[string]bool{"MORTGAGE": true}, flat: true},
}

// shapeFor returns the shape of an FDX version ("6.2").
func shapeFor(version string) *fdxShape {
	for _, s := range fdxShapes {
		if s.version == version {
			return s
		}
	}
	want := versionKey(version)
	best := fdxShapes[0]
	for _, s := range fdxShapes {
		if versionKey(s.version) <= want {
			best = s
		}
	}
	return best
}

func versionKey(v string) int {
	major, minor, _ := strings.Cut(v, ".")
	a, _ := strconv.Atoi(major)
	b, _ := strconv.Atoi(minor)
	return a*1000 + b
}

// txType is the transactionType to send for t ("" leaves it out).
func (s *fdxShape) txType(k store.Kind, t string) string {
	if s == nil || t == "" {
		return t
	}
	allowed, ok := s.txTypes[k]
	if !ok || allowed == nil {
		return t
	}
	return allowed[t]
}

// txDescription is the description to send: every version requires one.
func (s *fdxShape) txDescription(t *store.Transaction) string {
	if s == nil || t.Description != "" {
		return t.Description
	}
	if t.Payee != "" {
		return t.Payee
	}
	return "Transaction"
}

func (s *fdxShape) status(st string) string {
	if s == nil {
		return st
	}
	if st == "" {
		return store.StatusOpen
	}
	if to, ok := s.statuses[st]; ok {
		return to
	}
	return st
}

func defaultProductName(k store.Kind) string {
	switch k {
	case store.KindChecking:
		return "Checking"
	case store.KindSavings:
		return "Savings"
	case store.KindCreditCard:
		return "Credit Card"
	}
	return "Loan"
}

// shapeTransactions applies the shape to converted transactions (the
// reference form the fast encoder is tested against).
func (s *fdxShape) shapeTransactions(k store.Kind, txs []*store.Transaction, out []fdxclient.TransactionWithDetails) error {
	if s == nil {
		return nil
	}
	for i, t := range txs {
		var typ, desc **string
		switch {
		case out[i].DepositTransaction != nil:
			typ, desc = &out[i].DepositTransaction.TransactionType, &out[i].DepositTransaction.Description
		case out[i].LocTransaction != nil:
			typ, desc = &out[i].LocTransaction.TransactionType, &out[i].LocTransaction.Description
		case out[i].LoanTransaction != nil:
			typ, desc = &out[i].LoanTransaction.TransactionType, &out[i].LoanTransaction.Description
		default:
			continue
		}
		*typ = optString(s.txType(k, t.Type))
		*desc = optString(s.txDescription(t))
		if s.flat {
			// The reference form only (the fast encoder writes the
			// page), so the round trip's cost does not matter here.
			f, err := flatten[fdxclient.TransactionWithDetails](member(out[i]), category(k))
			if err != nil {
				return err
			}
			out[i] = f
		}
	}
	return nil
}

// member is the one member set in a member-form transaction.
func member(w fdxclient.TransactionWithDetails) any {
	switch {
	case w.DepositTransaction != nil:
		return w.DepositTransaction
	case w.LocTransaction != nil:
		return w.LocTransaction
	}
	return w.LoanTransaction
}

// flatLayout is the subset of the flat layouts flatten writes into.
type flatLayout interface {
	fdxclient.AccountWithDetails | fdxclient.TransactionWithDetails
}

// flatten turns a member (a *fdxclient.DepositAccount, LocTransaction, ...)
// into Core Exchange 6.x's flat layout tagged with cat. It goes through
// JSON rather than copying field by field: the spec gives every member
// field a flat twin of the same schema, and decoding with unknown fields
// disallowed turns a member field that lacks one into an error instead of
// a silent drop.
func flatten[T flatLayout](m any, cat fdxclient.AccountCategory) (T, error) {
	var out T
	b, err := json.Marshal(m)
	if err != nil {
		return out, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return out, fmt.Errorf("mockbank: flat layout: %w", err)
	}
	switch f := any(&out).(type) {
	case *fdxclient.AccountWithDetails:
		f.AccountCategory = &cat
	case *fdxclient.TransactionWithDetails:
		f.AccountCategory = &cat
	}
	return out, nil
}

// shapeAccount narrows a converted account to the version, in the
// version's layout.
func (s *fdxShape) shapeAccount(a *store.Account, w *fdxclient.AccountWithDetails) error {
	if s == nil {
		return nil
	}
	s.narrowAccount(a, w)
	if !s.flat {
		return nil
	}
	var m any
	switch {
	case w.DepositAccount != nil:
		m = w.DepositAccount
	case w.LocAccount != nil:
		m = w.LocAccount
	case w.LoanAccount != nil:
		m = w.LoanAccount
	default:
		return nil
	}
	f, err := flatten[fdxclient.AccountWithDetails](m, category(a.Kind))
	if err != nil {
		return err
	}
	*w = f
	return nil
}

// narrowAccount fixes the fields a member-form account must carry.
func (s *fdxShape) narrowAccount(a *store.Account, w *fdxclient.AccountWithDetails) {
	status := fdxclient.AccountStatus(s.status(a.Status))
	product := a.ProductName
	if product == "" {
		product = defaultProductName(a.Kind)
	}
	cur := a.Currency
	if cur == "" {
		cur = "USD"
	}
	fix := func(st **fdxclient.AccountStatus, pn **string, c **fdxclient.Currency) {
		*st, *pn = &status, &product
		if *c == nil || (*c).CurrencyCode == nil || *(*c).CurrencyCode == "" {
			*c = &fdxclient.Currency{CurrencyCode: &cur}
		}
	}
	switch {
	case w.DepositAccount != nil:
		fix(&w.DepositAccount.Status, &w.DepositAccount.ProductName, &w.DepositAccount.Currency)
	case w.LocAccount != nil:
		fix(&w.LocAccount.Status, &w.LocAccount.ProductName, &w.LocAccount.Currency)
		if s.dateTimeDates {
			w.LocAccount.NextPaymentDate, w.LocAccount.LastPaymentDate = nil, nil
		}
	case w.LoanAccount != nil:
		fix(&w.LoanAccount.Status, &w.LoanAccount.ProductName, &w.LoanAccount.Currency)
		if s.dateTimeDates {
			w.LoanAccount.NextPaymentDate, w.LoanAccount.MaturityDate = nil, nil
		}
	}
}

// loanExtras are the fields a version requires of a loan that our spec
// does not define; they travel beside the generated type's fields.
type loanExtras struct {
	AccountNumber   string `json:"accountNumber,omitempty"`
	OriginatingDate string `json:"originatingDate,omitempty"`
}

func (s *fdxShape) loanExtras(a *store.Account) (loanExtras, bool) {
	var x loanExtras
	if s == nil || a.Kind != store.KindLoan {
		return x, false
	}
	loanType := a.LoanType
	if loanType == "" {
		loanType = "AUTOLOAN"
	}
	if s.loanAccountNumber["*"] || s.loanAccountNumber[loanType] {
		x.AccountNumber = maskedAccountNumber(a.Last4)
	}
	if s.loanOriginatingDateTime && !a.OpenDate.IsZero() {
		d := a.OpenDate.UTC()
		x.OriginatingDate = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	return x, x != loanExtras{}
}

// maskedAccountNumber stands in for a full account number: mockbank keeps
// only the last four digits, and obconnect never returns more.
func maskedAccountNumber(last4 string) string {
	return "XXXXXXXX" + last4
}

// shapedLoan is a loan account with the version's extra fields.
type shapedLoan struct {
	*fdxclient.LoanAccount
	loanExtras
}

type shapedLoanBody struct {
	LoanAccount shapedLoan `json:"loanAccount"`
}

// shapedFlatLoan is a flat-layout loan with the version's extra fields.
type shapedFlatLoan struct {
	*fdxclient.AccountWithDetails
	loanExtras
}

// accountBody is the JSON value sent for one account: the generated type,
// or, where the version needs fields our spec lacks, a loan with them.
func (s *fdxShape) accountBody(a *store.Account, w fdxclient.AccountWithDetails) (any, error) {
	if err := s.shapeAccount(a, &w); err != nil {
		return nil, err
	}
	x, ok := s.loanExtras(a)
	switch {
	case !ok:
	case w.LoanAccount != nil:
		return shapedLoanBody{LoanAccount: shapedLoan{LoanAccount: w.LoanAccount, loanExtras: x}}, nil
	case s.flat:
		return shapedFlatLoan{AccountWithDetails: &w, loanExtras: x}, nil
	}
	return w, nil
}

// shapedAccountResponse is the 200 answer of GET /accounts/{accountId}.
type shapedAccountResponse struct{ body any }

func (r shapedAccountResponse) VisitGetAccountResponse(w http.ResponseWriter) error {
	// Encoded before the status is written, so that a failure is still
	// answered as an error, as the generated responses do.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r.body); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

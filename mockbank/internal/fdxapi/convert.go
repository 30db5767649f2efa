package fdxapi

import (
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

func ptr[T any](v T) *T { return &v }

func money(m store.Money) *fdxclient.Amount {
	d := fdxtypes.DecimalFromMinor(int64(m), 2)
	return &d
}

func rateOf(s string) *fdxclient.Rate {
	if s == "" {
		return nil
	}
	d, err := fdxtypes.ParseDecimal(s)
	if err != nil {
		return nil
	}
	return &d
}

func date(t time.Time) *fdxclient.DateString {
	if t.IsZero() {
		return nil
	}
	return &openapi_types.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

func category(k store.Kind) fdxclient.AccountCategory {
	switch k {
	case store.KindCreditCard:
		return "LOC_ACCOUNT"
	case store.KindLoan:
		return "LOAN_ACCOUNT"
	}
	return "DEPOSIT_ACCOUNT"
}

func accountType(a *store.Account) fdxclient.AccountType {
	if a.Kind == store.KindLoan {
		if a.LoanType != "" {
			return fdxclient.AccountType(a.LoanType)
		}
		return "AUTOLOAN"
	}
	return fdxclient.AccountType(a.Kind)
}

// descriptor fills the fields every account member shares.
type descriptor struct {
	cat     fdxclient.AccountCategory
	typ     fdxclient.AccountType
	display string
	status  fdxclient.AccountStatus
	cur     fdxclient.Currency
}

func describe(a *store.Account) descriptor {
	return descriptor{
		cat: category(a.Kind), typ: accountType(a), display: a.MaskedNumber(),
		status: fdxclient.AccountStatus(a.Status), cur: fdxclient.Currency{CurrencyCode: ptr(a.Currency)},
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// accountSummary is the descriptor-only form GET /accounts lists.
func accountSummary(a *store.Account) fdxclient.AccountWithDetails {
	return accountDetail(a, nil, time.Time{})
}

// accountDetail converts an account; with bal nil only descriptors are set.
func accountDetail(a *store.Account, bal *accountBalances, now time.Time) fdxclient.AccountWithDetails {
	d := describe(a)
	var asOf *time.Time
	if bal != nil {
		asOf = ptr(now)
	}
	switch a.Kind {
	case store.KindCreditCard:
		loc := &fdxclient.LocAccount{
			AccountId: a.ID, AccountCategory: &d.cat, AccountType: &d.typ, AccountNumberDisplay: &d.display,
			ProductName: optString(a.ProductName), Nickname: optString(a.Nickname), Status: &d.status, Currency: &d.cur,
			AccountOpenDate: date(a.OpenDate), AccountCloseDate: date(a.CloseDate), BalanceAsOf: asOf,
		}
		if bal != nil {
			owed := bal.now.Current
			loc.CreditLine = money(a.CreditLine)
			loc.CurrentBalance = money(owed)
			loc.AvailableCredit = money(max(0, a.CreditLine-owed-bal.now.Holds))
			minimum := min(owed, max(3500, owed/50))
			loc.MinimumPaymentAmount = money(max(0, minimum))
			loc.NextPaymentAmount = money(max(0, bal.statement))
			loc.NextPaymentDate = date(nextDay(now, 21))
			loc.PurchasesApr = rateOf(a.InterestRate)
			loc.CardNetwork = optString(a.CardNetwork)
		}
		return fdxclient.AccountWithDetails{LocAccount: loc}
	case store.KindLoan:
		ln := &fdxclient.LoanAccount{
			AccountId: a.ID, AccountCategory: &d.cat, AccountType: &d.typ, AccountNumberDisplay: &d.display,
			ProductName: optString(a.ProductName), Nickname: optString(a.Nickname), Status: &d.status, Currency: &d.cur,
			AccountOpenDate: date(a.OpenDate), AccountCloseDate: date(a.CloseDate), BalanceAsOf: asOf,
		}
		if bal != nil {
			ln.PrincipalBalance = money(bal.now.Current)
			ln.OriginalPrincipal = money(a.OriginalPrincipal)
			ln.InterestRate = rateOf(a.InterestRate)
			ln.InterestRateType = ptr(fdxclient.LoanAccountInterestRateType("FIXED"))
			ln.PayoffAmount = money(bal.now.Current)
			if a.Status == store.StatusOpen && bal.now.Current > 0 {
				ln.NextPaymentAmount = money(min(a.MonthlyPayment, bal.now.Current))
				ln.NextPaymentDate = date(nextDay(now, 5))
			}
			// Without a term there is no maturity to state (an account
			// made through the admin API need not have one).
			if a.LoanTermMonths > 0 {
				ln.LoanTerm = ptr(a.LoanTermMonths)
				ln.MaturityDate = date(a.OpenDate.AddDate(0, int(a.LoanTermMonths), 0))
			}
		}
		return fdxclient.AccountWithDetails{LoanAccount: ln}
	}
	dep := &fdxclient.DepositAccount{
		AccountId: a.ID, AccountCategory: &d.cat, AccountType: &d.typ, AccountNumberDisplay: &d.display,
		ProductName: optString(a.ProductName), Nickname: optString(a.Nickname), Status: &d.status, Currency: &d.cur,
		AccountOpenDate: date(a.OpenDate), AccountCloseDate: date(a.CloseDate), BalanceAsOf: asOf,
	}
	if bal != nil {
		dep.CurrentBalance = money(bal.now.Current)
		dep.AvailableBalance = money(bal.now.Current - bal.now.Holds)
		dep.OpeningDayBalance = money(bal.openingDay)
		dep.InterestRate = rateOf(a.InterestRate)
	}
	return fdxclient.AccountWithDetails{DepositAccount: dep}
}

type accountBalances struct {
	now        store.Balances
	openingDay store.Money
	statement  store.Money // last statement's closing balance (cards)
}

// nextDay is the next date with day-of-month dom strictly after now.
func nextDay(now time.Time, dom int) time.Time {
	t := time.Date(now.Year(), now.Month(), dom, 0, 0, 0, 0, time.UTC)
	if !t.After(now) {
		t = t.AddDate(0, 1, 0)
	}
	return t
}

// transactions converts records into the member their account's category
// uses, as the generated types define them. The serving path writes the
// same bytes directly (fastjson.go); this is the reference it is tested
// against, and the conversion any other caller should use.
func transactions(k store.Kind, txs []*store.Transaction) []fdxclient.TransactionWithDetails {
	out := make([]fdxclient.TransactionWithDetails, len(txs))
	switch k {
	case store.KindCreditCard:
		members := make([]fdxclient.LocTransaction, len(txs))
		for i, t := range txs {
			fill(&members[i], t)
			out[i].LocTransaction = &members[i]
		}
	case store.KindLoan:
		members := make([]fdxclient.LoanTransaction, len(txs))
		for i, t := range txs {
			var base fdxclient.Transaction
			fill(&base, t)
			m := &members[i]
			*m = fdxclient.LoanTransaction{
				AccountId: base.AccountId, TransactionId: base.TransactionId, Amount: base.Amount,
				DebitCreditMemo: base.DebitCreditMemo, Status: base.Status, Description: base.Description,
				Payee: base.Payee, Category: base.Category, TransactionType: base.TransactionType,
				TransactionTimestamp: base.TransactionTimestamp, PostedTimestamp: base.PostedTimestamp,
				ReferenceTransactionId: base.ReferenceTransactionId, MerchantCategoryCode: base.MerchantCategoryCode,
			}
			if t.Principal != 0 || t.Interest != 0 {
				m.PrincipalAmount = money(t.Principal)
				m.InterestAmount = money(t.Interest)
			}
			out[i].LoanTransaction = m
		}
	default:
		// Deposit transactions have their own type in the spec (it adds
		// checkNumber), with the same fields otherwise.
		members := make([]fdxclient.DepositTransaction, len(txs))
		for i, t := range txs {
			var base fdxclient.Transaction
			fill(&base, t)
			members[i] = fdxclient.DepositTransaction{
				AccountId: base.AccountId, TransactionId: base.TransactionId, Amount: base.Amount,
				DebitCreditMemo: base.DebitCreditMemo, Status: base.Status, Description: base.Description,
				Payee: base.Payee, Category: base.Category, TransactionType: base.TransactionType,
				TransactionTimestamp: base.TransactionTimestamp, PostedTimestamp: base.PostedTimestamp,
				ReferenceTransactionId: base.ReferenceTransactionId, MerchantCategoryCode: base.MerchantCategoryCode,
			}
			out[i].DepositTransaction = &members[i]
		}
	}
	return out
}

// smallAmounts holds the decimal form of every amount below $1,000, which
// covers nearly every transaction: formatting amounts was a measurable
// share of serving a page. Built on first use (about 2 MB).
var smallAmounts = sync.OnceValue(func() []fdxtypes.Decimal {
	out := make([]fdxtypes.Decimal, 100_000)
	for i := range out {
		out[i] = fdxtypes.DecimalFromMinor(int64(i), 2)
	}
	return out
})

func amount(m store.Money) fdxtypes.Decimal {
	if m >= 0 && m < 100_000 {
		return smallAmounts()[m]
	}
	return fdxtypes.DecimalFromMinor(int64(m), 2)
}

// fill sets the common transaction fields; optional ones point into t.
func fill(dst *fdxclient.Transaction, t *store.Transaction) {
	dst.AccountId = t.AccountID
	dst.TransactionId = t.ID
	dst.Amount = amount(t.Amount)
	dst.DebitCreditMemo = "DEBIT"
	if t.Credit {
		dst.DebitCreditMemo = "CREDIT"
	}
	dst.Status = fdxclient.TransactionStatus(t.Status)
	dst.TransactionTimestamp = &t.TxTime
	if t.Description != "" {
		dst.Description = &t.Description
	}
	if t.Payee != "" {
		dst.Payee = &t.Payee
	}
	if t.Category != "" {
		dst.Category = &t.Category
	}
	if t.Type != "" {
		dst.TransactionType = &t.Type
	}
	if t.MCC != 0 {
		dst.MerchantCategoryCode = &t.MCC
	}
	if t.Status == store.TxPosted {
		dst.PostedTimestamp = &t.PostedTime
	}
	if t.ReferenceID != "" {
		dst.ReferenceTransactionId = &t.ReferenceID
	}
}

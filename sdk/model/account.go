package model

import (
	"fmt"
	"log/slog"
	"time"
)

// AccountCategory is the FDX account category, which decides which balances
// an account has. Unknown values from a bank pass through.
type AccountCategory string

// FDX account categories.
const (
	DepositAccount    AccountCategory = "DEPOSIT_ACCOUNT"
	LoanAccount       AccountCategory = "LOAN_ACCOUNT"
	LineOfCredit      AccountCategory = "LOC_ACCOUNT"
	InvestmentAccount AccountCategory = "INVESTMENT_ACCOUNT"
	InsuranceAccount  AccountCategory = "INSURANCE_ACCOUNT"
	AnnuityAccount    AccountCategory = "ANNUITY_ACCOUNT"
)

// AccountType is the FDX account type (CHECKING, SAVINGS, CREDITCARD,
// MORTGAGE, ...). Unknown values pass through.
type AccountType string

// Common FDX account types; banks may send others.
const (
	Checking         AccountType = "CHECKING"
	Savings          AccountType = "SAVINGS"
	CD               AccountType = "CD"
	MoneyMarket      AccountType = "MONEYMARKET"
	CreditCard       AccountType = "CREDITCARD"
	LineOfCreditType AccountType = "LINEOFCREDIT"
	Mortgage         AccountType = "MORTGAGE"
	AutoLoan         AccountType = "AUTOLOAN"
	StudentLoan      AccountType = "STUDENTLOAN"
	PersonalLoan     AccountType = "PERSONALLOAN"
)

// CategoryOf returns the FDX category of well-known account types, and ""
// for types it does not know; connectors use it when a bank omits
// accountCategory.
func CategoryOf(t AccountType) AccountCategory {
	switch t {
	case Checking, Savings, CD, MoneyMarket:
		return DepositAccount
	case CreditCard, LineOfCreditType:
		return LineOfCredit
	case Mortgage, AutoLoan, StudentLoan, PersonalLoan:
		return LoanAccount
	}
	return ""
}

// AccountStatus is the FDX account status. Unknown values pass through.
type AccountStatus string

// FDX account statuses. They are named AccountStatusX, not AccountX, so
// that AccountStatusClosed (a status the bank reports) cannot be mistaken
// for the error code AccountClosed (a call the bank refused), which package
// sdk re-exports next to it.
const (
	AccountStatusOpen                   AccountStatus = "OPEN"
	AccountStatusClosed                 AccountStatus = "CLOSED"
	AccountStatusRestricted             AccountStatus = "RESTRICTED"
	AccountStatusPendingOpen            AccountStatus = "PENDINGOPEN"
	AccountStatusPendingClose           AccountStatus = "PENDINGCLOSE"
	AccountStatusDelinquent             AccountStatus = "DELINQUENT"
	AccountStatusPaid                   AccountStatus = "PAID"
	AccountStatusNegativeCurrentBalance AccountStatus = "NEGATIVECURRENTBALANCE"
)

// Account is one account as the portable model sees it. Lists of accounts
// (ACCOUNT_BASIC) fill the descriptor fields; Balances is set only by the
// account detail read (ACCOUNT_DETAILED).
type Account struct {
	ID       string
	Category AccountCategory
	Type     AccountType
	Status   AccountStatus
	// NumberDisplay is the bank's own masked display form ("...6789"); the
	// full number is only ever in PaymentNetwork.Identifier.
	NumberDisplay string
	Nickname      string
	ProductName   string
	Description   string
	// Currency is the ISO 4217 code of the account (FDX defaults to USD).
	Currency string
	// OpenedOn and ClosedOn are calendar dates at midnight UTC; zero if unknown.
	OpenedOn time.Time
	ClosedOn time.Time
	// Balances is nil on account lists and set on the detail read.
	Balances *Balances
}

// Balances are an account's balances as the bank reported them, in the
// bank's sign convention: for deposit accounts Current and Available are
// funds held; for lines of credit and loans they are amounts owed (a
// positive Current on a credit card is a debt). Fields a bank did not send
// are nil.
type Balances struct {
	// AsOf is when the bank computed the balances (UTC), zero if not sent.
	AsOf time.Time
	// Current: deposit ledger balance, or the amount owed on a LOC.
	Current *Money
	// Available: deposit funds available now.
	Available *Money
	// CreditLine and AvailableCredit are set on lines of credit.
	CreditLine      *Money
	AvailableCredit *Money
	// Principal is the outstanding principal of a loan (or a LOC).
	Principal *Money
	// NextPayment is the next amount due on a loan or LOC.
	NextPayment *Money
	// NextPaymentDue is the due date of NextPayment, midnight UTC.
	NextPaymentDue time.Time
}

// String describes the account without revealing anything sensitive.
func (a Account) String() string {
	return fmt.Sprintf("Account{ID:%s %s/%s %s %s}", a.ID, a.Category, a.Type, a.Status, MaskNumber(a.NumberDisplay))
}

// LogValue logs the account's identifiers and kinds only.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", a.ID),
		slog.String("category", string(a.Category)),
		slog.String("type", string(a.Type)),
		slog.String("status", string(a.Status)),
		slog.String("number", MaskNumber(a.NumberDisplay)),
	)
}

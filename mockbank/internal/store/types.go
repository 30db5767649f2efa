package store

import (
	"time"
)

// Money is an amount in minor units (cents for USD). Money never passes
// through a float: the data API turns it into fdxtypes.Decimal exactly.
type Money int64

// Kind is the product family of an account; it decides which FDX member
// (depositAccount, locAccount, loanAccount) carries it and what its balance
// means (deposit: money held; card and loan: money owed).
type Kind string

// Account kinds.
const (
	KindChecking   Kind = "CHECKING"
	KindSavings    Kind = "SAVINGS"
	KindCreditCard Kind = "CREDITCARD"
	KindLoan       Kind = "LOAN"
)

// Owed reports whether the account's balance is an amount owed by the
// customer (card, loan) rather than held (deposit).
func (k Kind) Owed() bool { return k == KindCreditCard || k == KindLoan }

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindChecking, KindSavings, KindCreditCard, KindLoan:
		return true
	}
	return false
}

// Account statuses (FDX AccountStatus values mockbank uses).
const (
	StatusOpen       = "OPEN"
	StatusClosed     = "CLOSED"
	StatusRestricted = "RESTRICTED"
)

// Transaction statuses.
const (
	TxPending = "PENDING"
	TxPosted  = "POSTED"
)

// Address is a postal address.
type Address struct {
	Line1      string `json:"line1"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

// User is a bank customer who can log in at the consent page.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	// Password is a test password, kept in clear because every test user's
	// password is public; it is never logged or returned by the data API.
	Password string `json:"password"`
	// OTP, when set, is the one-time code the login needs.
	OTP string `json:"otp,omitempty"`
	// Locked users cannot log in at all.
	Locked bool `json:"locked,omitempty"`
	// ErrorCode, when non-zero, makes every data call for this user fail
	// with that FDX code (the user_error_<code> scenario users).
	ErrorCode int `json:"errorCode,omitempty"`

	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Email     string   `json:"email"`
	Phone     string   `json:"phone"`
	Address   Address  `json:"address"`
	Accounts  []string `json:"accounts"`
}

// Account is one account with the FDX descriptor and detail fields mockbank
// serves. Balances are not stored: they are derived from the transactions at
// the simulated time asked for, so they always reconcile.
type Account struct {
	ID          string `json:"id"`
	UserID      string `json:"userId"`
	Kind        Kind   `json:"kind"`
	ProductName string `json:"productName"`
	Nickname    string `json:"nickname,omitempty"`
	// Last4 is all mockbank keeps of the account number: nothing can leak
	// the full number because there is none.
	Last4     string    `json:"last4"`
	Routing   string    `json:"routing,omitempty"`
	Status    string    `json:"status"`
	Currency  string    `json:"currency"`
	OpenDate  time.Time `json:"openDate"`
	CloseDate time.Time `json:"closeDate,omitzero"`

	// OpeningBalance is the balance (held, or owed for card and loan) at
	// OpenDate before any transaction.
	OpeningBalance Money `json:"openingBalance"`
	// InterestRate is a percentage in exact decimal text, e.g. "4.125".
	InterestRate string `json:"interestRate,omitempty"`
	// CreditLine is the card's limit.
	CreditLine  Money  `json:"creditLine,omitempty"`
	CardNetwork string `json:"cardNetwork,omitempty"`
	// Loan terms. LoanType is the loan's FDX accountType (AUTOLOAN,
	// MORTGAGE, LOAN, ...); empty means AUTOLOAN, what every generated loan
	// is.
	LoanType          string `json:"loanType,omitempty"`
	OriginalPrincipal Money  `json:"originalPrincipal,omitempty"`
	LoanTermMonths    int32  `json:"loanTermMonths,omitempty"`
	MonthlyPayment    Money  `json:"monthlyPayment,omitempty"`
}

// MaskedNumber is the display form of the account number, e.g. "...6789".
func (a *Account) MaskedNumber() string { return "..." + a.Last4 }

// Transaction is one entry. A card purchase first exists as a PENDING record
// and later either posts (a separate POSTED record whose ReferenceID is the
// pending one's id, possibly for another amount, e.g. with a tip) or drops;
// the pending record is visible from TxTime until ResolvedAt.
type Transaction struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"accountId"`
	Status      string    `json:"status"`
	TxTime      time.Time `json:"txTime"`
	PostedTime  time.Time `json:"postedTime,omitzero"`
	ResolvedAt  time.Time `json:"resolvedAt,omitzero"`
	ReferenceID string    `json:"referenceId,omitempty"`
	// Amount is absolute; Credit says the direction from the holder's view.
	Amount      Money  `json:"amount"`
	Credit      bool   `json:"credit"`
	Description string `json:"description"`
	Payee       string `json:"payee,omitempty"`
	MCC         int32  `json:"mcc,omitempty"`
	Category    string `json:"category,omitempty"`
	Type        string `json:"type"`
	// SuspectedFraud marks a transaction created with suspectedFraud (it
	// fired FRAUD_SUSPECTED).
	SuspectedFraud bool `json:"suspectedFraud,omitempty"`
	// Principal/Interest split of a loan payment.
	Principal Money `json:"principal,omitempty"`
	Interest  Money `json:"interest,omitempty"`
}

// VisibleFrom is when the record first appears in listings.
func (t *Transaction) VisibleFrom() time.Time {
	if t.Status == TxPosted {
		return t.PostedTime
	}
	return t.TxTime
}

// VisibleAt reports whether the record is listed at simulated time now.
func (t *Transaction) VisibleAt(now time.Time) bool {
	if t.VisibleFrom().After(now) {
		return false
	}
	if t.Status == TxPending && !t.ResolvedAt.IsZero() && !t.ResolvedAt.After(now) {
		return false
	}
	return true
}

// Effect is the signed change the transaction makes to the account's
// balance as mockbank stores it: held money for deposits, owed money for
// cards and loans.
func (t *Transaction) Effect(k Kind) Money {
	if t.Credit != k.Owed() {
		return t.Amount
	}
	return -t.Amount
}

// Statement is one monthly statement; its PDF is rendered on request.
type Statement struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"accountId"`
	PeriodStart    time.Time `json:"periodStart"`
	PeriodEnd      time.Time `json:"periodEnd"`
	OpeningBalance Money     `json:"openingBalance"`
	ClosingBalance Money     `json:"closingBalance"`
}

// Consent statuses.
const (
	ConsentActive  = "ACTIVE"
	ConsentExpired = "EXPIRED"
	ConsentRevoked = "REVOKED"
)

// Consent is an FDX ConsentGrant as mockbank keeps it.
type Consent struct {
	ID              string    `json:"id"`
	Bank            string    `json:"bank"`
	UserID          string    `json:"userId"`
	ClientID        string    `json:"clientId"`
	ClientName      string    `json:"clientName"`
	Purpose         string    `json:"purpose"`
	Clusters        []string  `json:"clusters"`
	AccountIDs      []string  `json:"accountIds"`
	DurationDays    int       `json:"durationDays"`
	LookbackDays    int       `json:"lookbackDays"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt,omitzero"`
	ExpiresAt       time.Time `json:"expiresAt"`
	RevokedAt       time.Time `json:"revokedAt,omitzero"`
	RevokeReason    string    `json:"revokeReason,omitempty"`
	RevokedAccounts []string  `json:"revokedAccounts,omitempty"`
	// LoginRequiredAt is when the admin API forced the user to sign in
	// again (the grant's tokens are refused; the consent stands).
	LoginRequiredAt time.Time `json:"loginRequiredAt,omitzero"`
}

// StatusAt is the consent's status at simulated time now.
func (c *Consent) StatusAt(now time.Time) string {
	switch {
	case !c.RevokedAt.IsZero():
		return ConsentRevoked
	case !now.Before(c.ExpiresAt):
		return ConsentExpired
	}
	return ConsentActive
}

// HasCluster reports whether the consent grants cluster.
func (c *Consent) HasCluster(cluster string) bool {
	for _, x := range c.Clusters {
		if x == cluster {
			return true
		}
	}
	return false
}

// GrantsAccount reports whether the consent still covers account id.
func (c *Consent) GrantsAccount(id string) bool {
	for _, x := range c.RevokedAccounts {
		if x == id {
			return false
		}
	}
	for _, x := range c.AccountIDs {
		if x == id {
			return true
		}
	}
	return false
}

// Subscription is a notification subscription registered by a client.
type Subscription struct {
	ID            string    `json:"id"`
	Bank          string    `json:"bank"`
	ClientID      string    `json:"clientId"`
	CallbackURL   string    `json:"callbackUrl"`
	Types         []string  `json:"types"`
	EffectiveDate string    `json:"effectiveDate,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	// DeliveryMode and DeliveryDelay make every delivery to this
	// subscription misbehave on purpose (package notify's modes), for
	// testing receivers; empty is normal delivery.
	DeliveryMode  string        `json:"deliveryMode,omitempty"`
	DeliveryDelay time.Duration `json:"deliveryDelay,omitempty"`
}

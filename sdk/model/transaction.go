package model

import (
	"fmt"
	"log/slog"
	"time"
)

// Direction is FDX's debitCreditMemo, kept as the bank sent it.
type Direction string

// FDX directions. Unknown values pass through.
const (
	Debit  Direction = "DEBIT"
	Credit Direction = "CREDIT"
	Memo   Direction = "MEMO"
)

// TransactionStatus is FDX's transaction status. Unknown values pass through.
type TransactionStatus string

// FDX transaction statuses.
const (
	Pending TransactionStatus = "PENDING"
	Posted  TransactionStatus = "POSTED"
	// Authorization is a card authorisation not yet pending (FDX 6).
	Authorization TransactionStatus = "AUTHORIZATION"
)

// SignedAmount turns FDX's absolute amount and direction into the signed
// portable amount, from the account holder's view: DEBIT gives -|amount|,
// CREDIT gives +|amount|, and MEMO or an unknown direction keeps the amount
// exactly as sent (memo entries do not move the balance, so they have no
// meaningful sign). Taking the absolute value first makes banks that send
// already-signed debits come out right too.
func SignedAmount(amount Money, dir Direction) (Money, error) {
	switch dir {
	case Debit:
		a, err := amount.Abs()
		if err != nil {
			return Money{}, err
		}
		return a.Neg()
	case Credit:
		return amount.Abs()
	}
	return amount, nil
}

// Transaction is one transaction, pending or posted.
type Transaction struct {
	ID        string
	AccountID string
	// Amount is signed from the account holder's view (see SignedAmount).
	Amount Money
	// Direction is the debitCreditMemo the bank sent.
	Direction Direction
	Status    TransactionStatus
	// TransactionTime is when the transaction happened (UTC); PostedTime is
	// when it posted (UTC), zero while pending.
	TransactionTime time.Time
	PostedTime      time.Time
	Description     string
	Memo            string
	// Merchant is the payee or merchant name as the customer sees it.
	Merchant string
	// MCC is the ISO 18245 merchant category code as four digits ("5411"),
	// or "" when the bank sent none.
	MCC string
	// Category and SubCategory are the bank's own categorisation.
	Category    string
	SubCategory string
	// Type is FDX transactionType (POSDEBIT, CHECK, PAYMENT, ...).
	Type      string
	Reference string
	// ReplacesID is, on a posted transaction, the id of the pending one it
	// replaces (FDX referenceTransactionId).
	ReplacesID string
	// Foreign is the amount in the original currency for foreign
	// transactions, nil otherwise.
	Foreign *Money
}

// Date returns the time the transaction is filed under for date filters:
// the posted time when posted, else the transaction time.
func (t Transaction) Date() time.Time {
	if !t.PostedTime.IsZero() {
		return t.PostedTime
	}
	return t.TransactionTime
}

// String is a short, non-sensitive description.
func (t Transaction) String() string {
	return fmt.Sprintf("Transaction{ID:%s %s %s %s}", t.ID, t.Status, t.Amount, t.Date().Format(time.RFC3339))
}

// LogValue logs identifiers, status and amount.
func (t Transaction) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", t.ID),
		slog.String("account", t.AccountID),
		slog.String("status", string(t.Status)),
		slog.String("amount", t.Amount.String()),
	)
}

// FormatMCC renders a numeric merchant category code as four digits, and ""
// for values outside 0..9999.
func FormatMCC(code int) string {
	if code < 0 || code > 9999 {
		return ""
	}
	return fmt.Sprintf("%04d", code)
}

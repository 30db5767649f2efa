package fdx

import (
	"fmt"
	"slices"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/model"
)

// This file maps generated FDX types to the portable model. Every amount
// goes fdxtypes.Decimal text -> model.ParseMoney (digit by digit, never a
// float); every timestamp is converted to UTC; every date becomes midnight
// UTC; enumerations are copied as text so unknown values pass through.

// descriptor is what the three FDX account shapes have in common.
type descriptor struct {
	category                         *fdxclient.AccountCategory
	id                               string
	typ                              *fdxclient.AccountType
	status                           *fdxclient.AccountStatus
	display, nickname, product, desc *string
	opened, closed                   *openapi_types.Date
	currency                         *fdxclient.Currency
	asOf                             *time.Time
	fallbackCategory                 model.AccountCategory
}

func (m *mapper) account(w fdxclient.AccountWithDetails, withBalances bool) (model.Account, error) {
	var (
		d   descriptor
		bal func(cur string) (*model.Balances, error)
		n   int
	)
	if a := w.DepositAccount; a != nil {
		n++
		d = descriptor{a.AccountCategory, a.AccountId, a.AccountType, a.Status, a.AccountNumberDisplay, a.Nickname,
			a.ProductName, a.Description, a.AccountOpenDate, a.AccountCloseDate, a.Currency, a.BalanceAsOf, model.DepositAccount}
		bal = func(cur string) (*model.Balances, error) {
			b := &model.Balances{}
			return b, m.amounts(cur, pair{&b.Current, a.CurrentBalance}, pair{&b.Available, a.AvailableBalance})
		}
	}
	if a := w.LocAccount; a != nil {
		n++
		d = descriptor{a.AccountCategory, a.AccountId, a.AccountType, a.Status, a.AccountNumberDisplay, a.Nickname,
			a.ProductName, a.Description, a.AccountOpenDate, a.AccountCloseDate, a.Currency, a.BalanceAsOf, model.LineOfCredit}
		bal = func(cur string) (*model.Balances, error) {
			b := &model.Balances{NextPaymentDue: date(a.NextPaymentDate)}
			return b, m.amounts(cur, pair{&b.Current, a.CurrentBalance}, pair{&b.CreditLine, a.CreditLine},
				pair{&b.AvailableCredit, a.AvailableCredit}, pair{&b.Principal, a.PrincipalBalance}, pair{&b.NextPayment, a.NextPaymentAmount})
		}
	}
	if a := w.LoanAccount; a != nil {
		n++
		d = descriptor{a.AccountCategory, a.AccountId, a.AccountType, a.Status, a.AccountNumberDisplay, a.Nickname,
			a.ProductName, a.Description, a.AccountOpenDate, a.AccountCloseDate, a.Currency, a.BalanceAsOf, model.LoanAccount}
		bal = func(cur string) (*model.Balances, error) {
			b := &model.Balances{NextPaymentDue: date(a.NextPaymentDate)}
			return b, m.amounts(cur, pair{&b.Principal, a.PrincipalBalance}, pair{&b.NextPayment, a.NextPaymentAmount})
		}
	}
	if n == 0 && (w.AccountCategory != nil || w.AccountId != nil) {
		n++
		d, bal = m.flatAccount(&w)
	}
	if n != 1 {
		return model.Account{}, fmt.Errorf("account entry has %d of depositAccount/locAccount/loanAccount and no flat accountCategory, want exactly 1", n)
	}
	if d.id == "" {
		return model.Account{}, fmt.Errorf("account without accountId")
	}
	acc := model.Account{
		ID:            d.id,
		Type:          model.AccountType(deref(d.typ)),
		Status:        model.AccountStatus(deref(d.status)),
		NumberDisplay: deref(d.display),
		Nickname:      deref(d.nickname),
		ProductName:   deref(d.product),
		Description:   deref(d.desc),
		Currency:      m.currency,
		OpenedOn:      date(d.opened),
		ClosedOn:      date(d.closed),
	}
	if d.currency != nil && d.currency.CurrencyCode != nil && *d.currency.CurrencyCode != "" {
		acc.Currency = *d.currency.CurrencyCode
	}
	// The member the bank chose is authoritative for the category only when
	// the bank did not say; an explicit (even unknown) category passes through.
	acc.Category = model.AccountCategory(deref(d.category))
	if acc.Category == "" {
		acc.Category = d.fallbackCategory
	}
	if !withBalances {
		return acc, nil
	}
	b, err := bal(acc.Currency)
	if err != nil {
		return model.Account{}, fmt.Errorf("account %s: %w", acc.ID, err)
	}
	if d.asOf != nil {
		b.AsOf = d.asOf.UTC()
	}
	acc.Balances = b
	return acc, nil
}

// flatAccount reads Core Exchange 6.x's flat layout, where the account's
// fields sit beside its accountCategory tag instead of inside a member. A
// flat object carries only its category's fields, so every amount present
// is mapped whatever the tag says: an unknown category (an investment
// account, a digital wallet) keeps the balances it does send rather than
// being dropped, and its tag passes through as its category.
func (m *mapper) flatAccount(w *fdxclient.AccountWithDetails) (descriptor, func(string) (*model.Balances, error)) {
	d := descriptor{w.AccountCategory, deref(w.AccountId), w.AccountType, w.Status, w.AccountNumberDisplay, w.Nickname,
		w.ProductName, w.Description, w.AccountOpenDate, w.AccountCloseDate, w.Currency, w.BalanceAsOf, ""}
	return d, func(cur string) (*model.Balances, error) {
		b := &model.Balances{NextPaymentDue: date(w.NextPaymentDate)}
		return b, m.amounts(cur, pair{&b.Current, w.CurrentBalance}, pair{&b.Available, w.AvailableBalance},
			pair{&b.CreditLine, w.CreditLine}, pair{&b.AvailableCredit, w.AvailableCredit},
			pair{&b.Principal, w.PrincipalBalance}, pair{&b.NextPayment, w.NextPaymentAmount})
	}
}

// pair is one optional FDX amount and where its Money goes.
type pair struct {
	dst **model.Money
	src *fdxclient.Amount
}

func (m *mapper) amounts(cur string, ps ...pair) error {
	for _, p := range ps {
		if p.src == nil {
			continue
		}
		v, err := model.ParseMoney(p.src.String(), cur)
		if err != nil {
			return err
		}
		*p.dst = &v
	}
	return nil
}

// txFields is what the three FDX transaction shapes have in common.
type txFields struct {
	accountID, id               string
	amount                      fdxclient.Amount
	dcm                         fdxclient.DebitCreditMemo
	status                      fdxclient.TransactionStatus
	category, subCategory       *string
	desc, memo, payee, typ, ref *string
	replaces                    *string
	mcc                         *int32
	posted, at                  *time.Time
	foreignAmount               *fdxclient.Amount
	foreignCurrency             *string
}

func fromTx(t *fdxclient.Transaction) txFields {
	return txFields{t.AccountId, t.TransactionId, t.Amount, t.DebitCreditMemo, t.Status, t.Category, t.SubCategory,
		t.Description, t.Memo, t.Payee, t.TransactionType, t.Reference, t.ReferenceTransactionId,
		t.MerchantCategoryCode, t.PostedTimestamp, t.TransactionTimestamp, t.ForeignAmount, t.ForeignCurrency}
}

func fromDeposit(t *fdxclient.DepositTransaction) txFields {
	return txFields{t.AccountId, t.TransactionId, t.Amount, t.DebitCreditMemo, t.Status, t.Category, t.SubCategory,
		t.Description, t.Memo, t.Payee, t.TransactionType, t.Reference, t.ReferenceTransactionId,
		t.MerchantCategoryCode, t.PostedTimestamp, t.TransactionTimestamp, t.ForeignAmount, t.ForeignCurrency}
}

func fromLoan(t *fdxclient.LoanTransaction) txFields {
	return txFields{t.AccountId, t.TransactionId, t.Amount, t.DebitCreditMemo, t.Status, t.Category, t.SubCategory,
		t.Description, t.Memo, t.Payee, t.TransactionType, t.Reference, t.ReferenceTransactionId,
		t.MerchantCategoryCode, t.PostedTimestamp, t.TransactionTimestamp, t.ForeignAmount, t.ForeignCurrency}
}

// fromFlat reads Core Exchange 6.x's flat transaction, tagged by
// accountCategory; every category, known or not, has these common fields.
func fromFlat(t *fdxclient.TransactionWithDetails) txFields {
	return txFields{deref(t.AccountId), deref(t.TransactionId), deref(t.Amount), deref(t.DebitCreditMemo), deref(t.Status),
		t.Category, t.SubCategory, t.Description, t.Memo, t.Payee, t.TransactionType, t.Reference, t.ReferenceTransactionId,
		t.MerchantCategoryCode, t.PostedTimestamp, t.TransactionTimestamp, t.ForeignAmount, t.ForeignCurrency}
}

func (m *mapper) transaction(w fdxclient.TransactionWithDetails, accountID string) (model.Transaction, error) {
	var (
		f txFields
		n int
	)
	if t := w.DepositTransaction; t != nil {
		f, n = fromDeposit(t), n+1
	}
	if t := w.LocTransaction; t != nil {
		f, n = fromTx(t), n+1
	}
	if t := w.LoanTransaction; t != nil {
		f, n = fromLoan(t), n+1
	}
	if n == 0 && (w.AccountCategory != nil || w.TransactionId != nil) {
		if w.Amount == nil {
			return model.Transaction{}, fmt.Errorf("transaction %q lacks amount", deref(w.TransactionId))
		}
		f, n = fromFlat(&w), 1
	}
	if n != 1 {
		return model.Transaction{}, fmt.Errorf("transaction entry has %d of depositTransaction/locTransaction/loanTransaction and no flat accountCategory, want exactly 1", n)
	}
	return m.txFrom(f, accountID)
}

// txFrom maps one transaction's fields, whichever shape they came in and
// whichever decoder read them (the generated types or the streaming page
// decoder), so both give the same model.Transaction.
func (m *mapper) txFrom(f txFields, accountID string) (model.Transaction, error) {
	if f.id == "" || f.status == "" || f.dcm == "" {
		return model.Transaction{}, fmt.Errorf("transaction %q lacks transactionId, status or debitCreditMemo", f.id)
	}
	if f.accountID != "" && f.accountID != accountID {
		return model.Transaction{}, fmt.Errorf("transaction %s belongs to another account", f.id)
	}
	abs, err := model.ParseMoney(f.amount.String(), m.currency)
	if err != nil {
		return model.Transaction{}, fmt.Errorf("transaction %s: %w", f.id, err)
	}
	signed, err := model.SignedAmount(abs, model.Direction(f.dcm))
	if err != nil {
		return model.Transaction{}, fmt.Errorf("transaction %s: %w", f.id, err)
	}
	tx := model.Transaction{
		ID:              f.id,
		AccountID:       accountID,
		Amount:          signed,
		Direction:       model.Direction(f.dcm),
		Status:          model.TransactionStatus(f.status),
		TransactionTime: utc(f.at),
		PostedTime:      utc(f.posted),
		Description:     deref(f.desc),
		Memo:            deref(f.memo),
		Merchant:        deref(f.payee),
		Category:        deref(f.category),
		SubCategory:     deref(f.subCategory),
		Type:            deref(f.typ),
		Reference:       deref(f.ref),
		ReplacesID:      deref(f.replaces),
	}
	if f.mcc != nil {
		tx.MCC = model.FormatMCC(int(*f.mcc))
	}
	if f.foreignAmount != nil && f.foreignCurrency != nil {
		fm, err := model.ParseMoney(f.foreignAmount.String(), *f.foreignCurrency)
		if err != nil {
			return model.Transaction{}, fmt.Errorf("transaction %s foreign amount: %w", f.id, err)
		}
		tx.Foreign = &fm
	}
	return tx, nil
}

func statement(s fdxclient.Statement, accountID string) (model.Statement, error) {
	if s.StatementId == "" {
		return model.Statement{}, fmt.Errorf("statement without statementId")
	}
	st := model.Statement{
		ID:          s.StatementId,
		AccountID:   accountID,
		Date:        date(s.StatementDate),
		Description: deref(s.Description),
		Status:      model.StatementStatus(deref(s.Status)),
	}
	return st, nil
}

func contact(c fdxclient.AccountContact) model.Contact {
	var out model.Contact
	for _, h := range deref(c.Holders) {
		holder := model.Holder{Relationship: string(deref(h.Relationship))}
		if n := h.Name; n != nil {
			holder.Name = model.Name{Prefix: deref(n.Prefix), First: deref(n.First), Middle: deref(n.Middle),
				Last: deref(n.Last), Suffix: deref(n.Suffix), Company: deref(n.Company)}
		}
		out.Holders = append(out.Holders, holder)
	}
	out.Emails = slices.Clone(deref(c.Emails))
	for _, a := range deref(c.Addresses) {
		out.Addresses = append(out.Addresses, model.Address{Line1: deref(a.Line1), Line2: deref(a.Line2), Line3: deref(a.Line3),
			City: deref(a.City), Region: deref(a.Region), PostalCode: deref(a.PostalCode), Country: deref(a.Country),
			Type: string(deref(a.Type))})
	}
	for _, t := range deref(c.Telephones) {
		out.Telephones = append(out.Telephones, model.Telephone{Type: string(deref(t.Type)), Country: deref(t.Country), Number: deref(t.Number)})
	}
	return out
}

func paymentNetwork(p fdxclient.PaymentNetwork) model.PaymentNetwork {
	return model.PaymentNetwork{
		BankID:         deref(p.BankId),
		Identifier:     model.AccountNumber(deref(p.Identifier)),
		IdentifierType: string(deref(p.IdentifierType)),
		Type:           model.PaymentNetworkType(deref(p.Type)),
		TransferIn:     deref(p.TransferIn),
		TransferOut:    deref(p.TransferOut),
	}
}

func consent(g fdxclient.ConsentGrant) (model.Consent, error) {
	if g.Id == "" || g.Status == "" {
		return model.Consent{}, fmt.Errorf("consent lacks id or status")
	}
	out := model.Consent{
		ID:               g.Id,
		Status:           model.ConsentStatus(g.Status),
		Purpose:          string(deref(g.Purpose)),
		Created:          g.CreatedTime.UTC(),
		Updated:          utc(g.UpdatedTime),
		Expires:          g.ExpirationTime.UTC(),
		DurationDays:     int(deref(g.DurationPeriod)),
		LookbackDays:     int(deref(g.LookbackPeriod)),
		RevocationReason: string(deref(g.RevocationReason)),
	}
	seen := map[model.Cluster]bool{}
	for _, r := range g.Resources {
		ca := model.ConsentAccount{AccountID: r.ResourceId, Status: model.ConsentStatus(deref(r.Status))}
		for _, c := range r.DataClusters {
			ca.Clusters = append(ca.Clusters, model.Cluster(c))
			seen[model.Cluster(c)] = true
		}
		out.Accounts = append(out.Accounts, ca)
	}
	// Known clusters in the model's order first, then any the bank added
	// that this SDK does not know, in the order first seen.
	for _, c := range model.Clusters() {
		if seen[c] {
			out.Clusters = append(out.Clusters, c)
		}
	}
	for _, r := range g.Resources {
		for _, c := range r.DataClusters {
			if cl := model.Cluster(c); !cl.Valid() && !slices.Contains(out.Clusters, cl) {
				out.Clusters = append(out.Clusters, cl)
			}
		}
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func utc(t *time.Time) time.Time {
	if t == nil || t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// date turns an FDX full-date into midnight UTC of that calendar day.
func date(d *openapi_types.Date) time.Time {
	if d == nil || d.Time.IsZero() {
		return time.Time{}
	}
	y, mo, day := d.Time.Date()
	return time.Date(y, mo, day, 0, 0, 0, 0, time.UTC)
}

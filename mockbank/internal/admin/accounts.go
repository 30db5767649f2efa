package admin

// The accounts resource: a user's accounts, opened, read and changed.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func (s *Server) apiAccount(ctx context.Context, bank string, a *store.Account) (adminapi.Account, error) {
	bal, err := s.deps.Store.BalancesAt(ctx, bank, a.ID, s.deps.Store.Now())
	if err != nil {
		return adminapi.Account{}, err
	}
	avail := bal.Current - bal.Holds
	switch a.Kind {
	case store.KindCreditCard:
		avail = a.CreditLine - bal.Current - bal.Holds
	case store.KindLoan:
		avail = bal.Current
	}
	typ := string(a.Kind)
	if a.LoanType == "MORTGAGE" {
		typ = a.LoanType // created as one; the store's kind is LOAN
	}
	out := adminapi.Account{
		AccountId: a.ID, UserId: a.UserID, Bank: bank, Type: typ, Status: a.Status,
		Currency: a.Currency, CurrentBalance: money(bal.Current), AvailableBalance: money(avail),
		AccountNumberDisplay: ptr(a.MaskedNumber()),
	}
	if a.ProductName != "" {
		out.ProductName = ptr(a.ProductName)
	}
	if a.Kind == store.KindCreditCard {
		out.CreditLine = ptr(money(a.CreditLine))
	}
	return out, nil
}

// kindOf maps an admin account type to the store's kind, a default
// product name and, for loans, the FDX accountType the data API shows.
func kindOf(t adminapi.AccountCreateType) (k store.Kind, product, loanType string) {
	switch t {
	case "CHECKING":
		return store.KindChecking, "QA Checking", ""
	case "SAVINGS":
		return store.KindSavings, "QA Savings", ""
	case "CREDITCARD":
		return store.KindCreditCard, "QA Card", ""
	case "LOAN":
		return store.KindLoan, "QA Loan", "LOAN"
	case "MORTGAGE":
		return store.KindLoan, "QA Mortgage", "MORTGAGE"
	}
	return "", "", ""
}

// accountPlan is a validated account creation (the user id may be filled
// in later by a scenario).
type accountPlan struct {
	bank    string
	account store.Account
}

func (s *Server) planAccount(bank string, in adminapi.AccountCreate) (accountPlan, error) {
	k, product, loanType := kindOf(in.Type)
	if k == "" {
		return accountPlan{}, invalid("unknown account type %q", in.Type)
	}
	// Opened two years back, so that a suite can add history.
	a := store.Account{Kind: k, ProductName: product, LoanType: loanType, Status: store.StatusOpen, Currency: "USD", OpenDate: s.deps.Store.Now().AddDate(-2, 0, 0)}
	if in.ProductName != nil && *in.ProductName != "" {
		a.ProductName = *in.ProductName
	}
	if in.Nickname != nil {
		a.Nickname = *in.Nickname
	}
	if in.Currency != nil {
		a.Currency = *in.Currency
	}
	if in.Status != nil {
		a.Status = string(*in.Status)
	}
	if a.Status == store.StatusClosed {
		a.CloseDate = s.deps.Store.Now()
	}
	if in.OpeningBalance != nil {
		m, err := minor("openingBalance", *in.OpeningBalance)
		if err != nil {
			return accountPlan{}, err
		}
		if k.Owed() && m < 0 {
			// A charged card shows as negative from the holder's view;
			// the store keeps what is owed.
			m = -m
		}
		a.OpeningBalance = m
	}
	if in.CreditLine != nil {
		if k != store.KindCreditCard {
			return accountPlan{}, invalid("creditLine is for CREDITCARD accounts")
		}
		m, err := minor("creditLine", *in.CreditLine)
		if err != nil {
			return accountPlan{}, err
		}
		if m < 0 {
			return accountPlan{}, invalid("creditLine must not be negative")
		}
		a.CreditLine = m
	} else if k == store.KindCreditCard {
		a.CreditLine = 5000_00
	}
	switch k {
	case store.KindChecking, store.KindSavings:
		a.Routing = "011000015"
	case store.KindCreditCard:
		a.CardNetwork = "VISA"
	case store.KindLoan:
		a.OriginalPrincipal = a.OpeningBalance
		a.LoanTermMonths = 60
	}
	return accountPlan{bank: bank, account: a}, nil
}

func (s *Server) applyAccount(ctx context.Context, p accountPlan, userID string) (*store.Account, error) {
	a := p.account
	a.ID = s.newID("acc")
	a.UserID = userID
	// The last four digits are derived from the id: there is no full
	// number to leak.
	n, _ := strconv.ParseUint(a.ID[len(a.ID)-4:], 16, 32)
	a.Last4 = fmt.Sprintf("%04d", n%10000)
	if err := s.deps.Store.AddAccount(ctx, p.bank, &a, nil, nil, nil); err != nil {
		return nil, err
	}
	return s.deps.Store.Account(ctx, p.bank, a.ID)
}

// CreateAccount opens an account for a user.
func (s *Server) CreateAccount(ctx context.Context, req adminapi.CreateAccountRequestObject) (adminapi.CreateAccountResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, u, err := s.findUser(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	p, err := s.planAccount(bank, *req.Body)
	if err != nil {
		return nil, err
	}
	a, err := s.applyAccount(ctx, p, u.ID)
	if err != nil {
		return nil, err
	}
	s.changed()
	aa, err := s.apiAccount(ctx, bank, a)
	if err != nil {
		return nil, err
	}
	return adminapi.CreateAccount201JSONResponse(aa), nil
}

// GetAccount returns an account with its balances now.
func (s *Server) GetAccount(ctx context.Context, req adminapi.GetAccountRequestObject) (adminapi.GetAccountResponseObject, error) {
	bank, a, err := s.findAccount(ctx, req.AccountId)
	if err != nil {
		return nil, err
	}
	aa, err := s.apiAccount(ctx, bank, a)
	if err != nil {
		return nil, err
	}
	return adminapi.GetAccount200JSONResponse(aa), nil
}

// UpdateAccount changes an account's status.
func (s *Server) UpdateAccount(ctx context.Context, req adminapi.UpdateAccountRequestObject) (adminapi.UpdateAccountResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, a, err := s.findAccount(ctx, req.AccountId)
	if err != nil {
		return nil, err
	}
	cp := *a
	if req.Body.Status != nil {
		cp.Status = string(*req.Body.Status)
		if !slices.Contains([]string{store.StatusOpen, store.StatusClosed, store.StatusRestricted}, cp.Status) {
			return nil, invalid("unknown status %q", cp.Status)
		}
		cp.CloseDate = time.Time{}
		if cp.Status == store.StatusClosed {
			cp.CloseDate = s.deps.Store.Now()
		}
	}
	if err := s.deps.Store.UpdateAccount(ctx, bank, &cp); err != nil {
		return nil, err
	}
	s.changed()
	aa, err := s.apiAccount(ctx, bank, &cp)
	if err != nil {
		return nil, err
	}
	return adminapi.UpdateAccount200JSONResponse(aa), nil
}

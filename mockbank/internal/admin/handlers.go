package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

// MaxClockStep bounds one clock move.
const MaxClockStep = 5 * 366 * 24 * time.Hour

// KnownFDXCodes are the codes a user can be told to fail with.
var KnownFDXCodes = []int{401, 500, 501, 503, 601, 602, 701, 702, 703, 704, 705, 706, 1106, 1107, 1205, 1207}

func ptr[T any](v T) *T { return &v }

func money(m store.Money) fdxtypes.Decimal { return fdxtypes.DecimalFromMinor(int64(m), 2) }

// minor converts an exact decimal amount to cents, refusing sub-cent
// precision instead of rounding.
func minor(field string, d fdxtypes.Decimal) (store.Money, error) {
	n, err := d.MinorUnits(2)
	if err != nil {
		return 0, invalid("%s: %s is not an amount with at most 2 decimals", field, d.String())
	}
	return store.Money(n), nil
}

func (s *Server) hasBank(name string) bool { return slices.Contains(s.deps.Store.Banks(), name) }

func (s *Server) findUser(ctx context.Context, id string) (string, *store.User, error) {
	for _, b := range s.deps.Store.Banks() {
		if u, err := s.deps.Store.User(ctx, b, id); err == nil {
			return b, u, nil
		}
	}
	return "", nil, notFound("user %q not found", id)
}

func (s *Server) findAccount(ctx context.Context, id string) (string, *store.Account, error) {
	for _, b := range s.deps.Store.Banks() {
		if a, err := s.deps.Store.Account(ctx, b, id); err == nil {
			return b, a, nil
		}
	}
	return "", nil, notFound("account %q not found", id)
}

func (s *Server) findConsent(ctx context.Context, id string) (string, *store.Consent, error) {
	for _, b := range s.deps.Store.Banks() {
		if c, err := s.deps.Store.Consent(ctx, b, id); err == nil {
			return b, c, nil
		}
	}
	return "", nil, notFound("consent %q not found", id)
}

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

func (s *Server) apiUser(ctx context.Context, bank string, u *store.User) (adminapi.User, error) {
	out := adminapi.User{UserId: u.ID, Bank: bank, Username: u.Username, Mfa: ptr(u.OTP != "")}
	if u.ErrorCode != 0 {
		out.FailWithCode = ptr(u.ErrorCode)
	}
	accts := []adminapi.Account{}
	for _, id := range u.Accounts {
		a, err := s.deps.Store.Account(ctx, bank, id)
		if err != nil {
			return out, err
		}
		aa, err := s.apiAccount(ctx, bank, a)
		if err != nil {
			return out, err
		}
		accts = append(accts, aa)
	}
	out.Accounts = &accts
	return out, nil
}

// ListBanks lists the banks served.
func (s *Server) ListBanks(ctx context.Context, _ adminapi.ListBanksRequestObject) (adminapi.ListBanksResponseObject, error) {
	base, _ := ctx.Value(keyBaseURL).(string)
	if s.deps.Banks != nil {
		bs, err := s.deps.Banks(ctx, base)
		if err != nil {
			return nil, err
		}
		return adminapi.ListBanks200JSONResponse{Banks: bs}, nil
	}
	var out []adminapi.Bank
	for _, b := range s.deps.Store.Banks() {
		out = append(out, adminapi.Bank{Name: b, DisplayName: b, Issuer: base + "/" + b, DataBaseUrl: base + "/" + b,
			DiscoveryUrl: base + "/" + b + "/.well-known/openid-configuration", FdxVersion: "unknown"})
	}
	return adminapi.ListBanks200JSONResponse{Banks: out}, nil
}

// ListUsers lists users of one bank or all.
func (s *Server) ListUsers(ctx context.Context, req adminapi.ListUsersRequestObject) (adminapi.ListUsersResponseObject, error) {
	banks := s.deps.Store.Banks()
	if req.Params.Bank != nil {
		if !s.hasBank(*req.Params.Bank) {
			return nil, invalid("bank %q is not served", *req.Params.Bank)
		}
		banks = []string{*req.Params.Bank}
	}
	out := []adminapi.User{}
	for _, b := range banks {
		us, err := s.deps.Store.Users(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			au, err := s.apiUser(ctx, b, u)
			if err != nil {
				return nil, err
			}
			out = append(out, au)
		}
	}
	return adminapi.ListUsers200JSONResponse{Users: out}, nil
}

// userPlan is a validated user creation.
type userPlan struct {
	bank string
	user store.User
}

func (s *Server) planUser(ctx context.Context, in adminapi.UserCreate, taken map[string]bool) (userPlan, error) {
	if !s.hasBank(in.Bank) {
		return userPlan{}, invalid("bank %q is not served", in.Bank)
	}
	if _, err := s.deps.Store.UserByUsername(ctx, in.Bank, in.Username); err == nil || taken[in.Bank+"/"+in.Username] {
		return userPlan{}, conflict("username %q already exists at %s", in.Username, in.Bank)
	}
	u := store.User{Username: in.Username, Password: in.Password, FirstName: "QA", LastName: "User",
		Email: in.Username + "@example.com", Phone: "+1-555-0100"}
	if in.Otp != nil {
		u.OTP = *in.Otp
	}
	if in.FailWithCode != nil {
		if !slices.Contains(KnownFDXCodes, *in.FailWithCode) {
			return userPlan{}, invalid("failWithCode %d is not one of %v", *in.FailWithCode, KnownFDXCodes)
		}
		u.ErrorCode = *in.FailWithCode
	}
	if in.Name != nil {
		if in.Name.First != nil && *in.Name.First != "" {
			u.FirstName = *in.Name.First
		}
		if in.Name.Last != nil && *in.Name.Last != "" {
			u.LastName = *in.Name.Last
		}
	}
	if len(u.FirstName) > 64 || len(u.LastName) > 64 {
		return userPlan{}, invalid("names are limited to 64 bytes")
	}
	return userPlan{bank: in.Bank, user: u}, nil
}

func (s *Server) applyUser(ctx context.Context, p userPlan) (*store.User, error) {
	u := p.user
	u.ID = s.newID("usr")
	if err := s.deps.Store.AddUser(ctx, p.bank, &u); err != nil {
		return nil, err
	}
	return s.deps.Store.User(ctx, p.bank, u.ID)
}

// CreateUser creates a test user.
func (s *Server) CreateUser(ctx context.Context, req adminapi.CreateUserRequestObject) (adminapi.CreateUserResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planUser(ctx, *req.Body, nil)
	if err != nil {
		return nil, err
	}
	u, err := s.applyUser(ctx, p)
	if err != nil {
		return nil, err
	}
	s.changed()
	au, err := s.apiUser(ctx, p.bank, u)
	if err != nil {
		return nil, err
	}
	return adminapi.CreateUser201JSONResponse(au), nil
}

// GetUser returns one user with its accounts.
func (s *Server) GetUser(ctx context.Context, req adminapi.GetUserRequestObject) (adminapi.GetUserResponseObject, error) {
	b, u, err := s.findUser(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	au, err := s.apiUser(ctx, b, u)
	if err != nil {
		return nil, err
	}
	return adminapi.GetUser200JSONResponse(au), nil
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

func apiTx(t *store.Transaction, status adminapi.TransactionStatus) adminapi.Transaction {
	amt := money(t.Amount)
	if !t.Credit {
		amt = amt.Neg()
	}
	out := adminapi.Transaction{TransactionId: t.ID, AccountId: t.AccountID, Amount: amt, Status: status,
		Description: t.Description, TransactionTimestamp: t.TxTime.UTC()}
	if t.Payee != "" {
		out.Merchant = ptr(t.Payee)
	}
	if t.MCC != 0 {
		out.MerchantCategoryCode = ptr(int(t.MCC))
	}
	if t.Category != "" {
		out.Category = ptr(t.Category)
	}
	if t.Status == store.TxPosted {
		out.PostedTimestamp = ptr(t.PostedTime.UTC())
	}
	if t.ReferenceID != "" {
		out.ReplacesTransactionId = ptr(t.ReferenceID)
	}
	return out
}

// groundTruth lists an account's records as they stand at now: posted
// and open pending records, and pendings that dropped. A pending that
// posted is represented by its posted record (replacesTransactionId).
func groundTruth(recs []*store.Transaction, now time.Time) []adminapi.Transaction {
	postedFrom := map[string]bool{}
	for _, t := range recs {
		if t.Status == store.TxPosted && t.ReferenceID != "" && !t.PostedTime.After(now) {
			postedFrom[t.ReferenceID] = true
		}
	}
	out := []adminapi.Transaction{}
	for _, t := range recs {
		if t.VisibleFrom().After(now) {
			continue
		}
		switch {
		case t.Status == store.TxPosted:
			out = append(out, apiTx(t, "POSTED"))
		case t.VisibleAt(now):
			out = append(out, apiTx(t, "PENDING"))
		case !postedFrom[t.ID]:
			out = append(out, apiTx(t, "DROPPED"))
		}
	}
	return out
}

// ListTransactions lists an account's ground truth.
func (s *Server) ListTransactions(ctx context.Context, req adminapi.ListTransactionsRequestObject) (adminapi.ListTransactionsResponseObject, error) {
	bank, a, err := s.findAccount(ctx, req.AccountId)
	if err != nil {
		return nil, err
	}
	recs, err := s.deps.Store.Records(ctx, bank, a.ID)
	if err != nil {
		return nil, err
	}
	all := groundTruth(recs, s.deps.Store.Now())
	if req.Params.Status != nil {
		all = slices.DeleteFunc(all, func(t adminapi.Transaction) bool { return string(t.Status) != string(*req.Params.Status) })
	}
	return adminapi.ListTransactions200JSONResponse{Transactions: all}, nil
}

// txPlan is a validated transaction creation.
type txPlan struct {
	records []*store.Transaction
	fraud   bool
}

func parseDelay(field string, v *string) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	d, err := time.ParseDuration(*v)
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		return 0, invalid("%s: %q is not a positive Go duration of at most 366 days", field, *v)
	}
	return d, nil
}

func (s *Server) planTx(a *store.Account, in adminapi.TransactionCreate) (txPlan, error) {
	if a.Status == store.StatusClosed {
		return txPlan{}, conflict("account %s is closed", a.ID)
	}
	amt, err := minor("amount", in.Amount)
	if err != nil {
		return txPlan{}, err
	}
	if amt == 0 {
		return txPlan{}, invalid("amount must not be zero")
	}
	credit := amt > 0
	if amt < 0 {
		amt = -amt
	}
	status := store.TxPosted
	if in.Status != nil {
		status = string(*in.Status)
	}
	if status != store.TxPosted && status != store.TxPending {
		return txPlan{}, invalid("status must be PENDING or POSTED")
	}
	postAfter, err := parseDelay("postAfter", in.PostAfter)
	if err != nil {
		return txPlan{}, err
	}
	dropAfter, err := parseDelay("dropAfter", in.DropAfter)
	if err != nil {
		return txPlan{}, err
	}
	if status == store.TxPosted && (postAfter != 0 || dropAfter != 0 || in.PostedAmount != nil) {
		return txPlan{}, invalid("postAfter, dropAfter and postedAmount are for PENDING transactions")
	}
	if postAfter != 0 && dropAfter != 0 {
		return txPlan{}, invalid("give postAfter or dropAfter, not both")
	}
	if in.PostedAmount != nil && postAfter == 0 {
		return txPlan{}, invalid("postedAmount needs postAfter")
	}
	posted := amt
	if in.PostedAmount != nil {
		p, err := minor("postedAmount", *in.PostedAmount)
		if err != nil {
			return txPlan{}, err
		}
		if p == 0 || (p > 0) != credit {
			return txPlan{}, invalid("postedAmount must be non-zero with the same sign as amount")
		}
		if p < 0 {
			p = -p
		}
		posted = p
	}
	ts := s.deps.Store.Now()
	if in.Timestamp != nil {
		ts = in.Timestamp.UTC()
	}
	if ts.Before(a.OpenDate) {
		return txPlan{}, invalid("timestamp is before the account was opened")
	}
	typ := "PURCHASE"
	if credit {
		typ = "DEPOSIT"
		if a.Kind.Owed() {
			typ = "PAYMENT"
		}
	}
	t := &store.Transaction{Status: status, TxTime: ts, Amount: amt, Credit: credit, Description: in.Description, Type: typ}
	if in.Merchant != nil {
		t.Payee = *in.Merchant
	}
	if in.MerchantCategoryCode != nil {
		t.MCC = int32(*in.MerchantCategoryCode)
	}
	if in.Category != nil {
		t.Category = *in.Category
	}
	p := txPlan{records: []*store.Transaction{t}, fraud: in.SuspectedFraud != nil && *in.SuspectedFraud}
	switch {
	case status == store.TxPosted:
		t.PostedTime = ts
	case postAfter != 0:
		t.ResolvedAt = ts.Add(postAfter)
		pt := *t
		pt.Status, pt.PostedTime, pt.ResolvedAt, pt.Amount = store.TxPosted, ts.Add(postAfter), time.Time{}, posted
		p.records = append(p.records, &pt)
	case dropAfter != 0:
		t.ResolvedAt = ts.Add(dropAfter)
	}
	return p, nil
}

func (s *Server) applyTx(ctx context.Context, bank string, a *store.Account, p txPlan) (*store.Transaction, error) {
	if err := s.applyTxs(ctx, bank, a, []txPlan{p}); err != nil {
		return nil, err
	}
	return p.records[0], nil
}

// applyTxs adds an account's planned transactions in one store call. One
// call per transaction re-indexed the whole ledger each time, so a
// scenario cost time quadratic in its transactions (10 000 took 10 s, 100 000
// more than the server's write timeout).
func (s *Server) applyTxs(ctx context.Context, bank string, a *store.Account, plans []txPlan) error {
	var records []*store.Transaction
	var fraud []string
	for _, p := range plans {
		first := p.records[0]
		first.ID = s.newID("tx")
		first.AccountID = a.ID
		if len(p.records) > 1 {
			p.records[1].ID = first.ID + "-posted"
			p.records[1].ReferenceID = first.ID
			p.records[1].AccountID = a.ID
		}
		records = append(records, p.records...)
		if p.fraud {
			fraud = append(fraud, first.ID)
		}
	}
	if len(records) == 0 {
		return nil
	}
	if err := s.deps.Store.AddTransactions(ctx, bank, a.ID, records); err != nil {
		return err
	}
	for _, id := range fraud {
		if _, err := s.deps.Notify.Fire(ctx, notify.Request{Bank: bank, Type: notify.TypeFraudSuspected, AccountID: a.ID, TransactionID: id,
			Fields: map[string]string{"reason": "transaction created with suspectedFraud"}}); err != nil {
			return err
		}
	}
	return nil
}

// CreateTransaction adds a transaction to an account.
func (s *Server) CreateTransaction(ctx context.Context, req adminapi.CreateTransactionRequestObject) (adminapi.CreateTransactionResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, a, err := s.findAccount(ctx, req.AccountId)
	if err != nil {
		return nil, err
	}
	p, err := s.planTx(a, *req.Body)
	if err != nil {
		return nil, err
	}
	t, err := s.applyTx(ctx, bank, a, p)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.CreateTransaction201JSONResponse(apiTx(t, adminapi.TransactionStatus(t.Status))), nil
}

// GetClock returns the simulated now.
func (s *Server) GetClock(ctx context.Context, _ adminapi.GetClockRequestObject) (adminapi.GetClockResponseObject, error) {
	return adminapi.GetClock200JSONResponse{Now: s.deps.Store.Now()}, nil
}

func (s *Server) clockStep(in adminapi.AdvanceClockJSONRequestBody) (time.Duration, error) {
	switch {
	case in.By != nil && in.To != nil:
		return 0, invalid("give by or to, not both")
	case in.By != nil:
		d, err := time.ParseDuration(*in.By)
		if err != nil || d <= 0 || d > MaxClockStep {
			return 0, invalid("by: %q is not a positive Go duration of at most %s", *in.By, MaxClockStep)
		}
		return d, nil
	case in.To != nil:
		d := in.To.Sub(s.deps.Store.Now())
		if d <= 0 || d > MaxClockStep {
			return 0, invalid("to: must be after the simulated now and at most %s ahead", MaxClockStep)
		}
		return d, nil
	}
	return 0, invalid("give by or to")
}

// advance moves the clock and reports what happened.
func (s *Server) advance(ctx context.Context, d time.Duration) (adminapi.ClockAdvanceResult, error) {
	st := s.deps.Store
	before := st.Now()
	newTx, posted, dropped, produced := s.newTx.Load(), s.postedTx.Load(), s.droppedTx.Load(), s.deps.Notify.Produced()
	if err := st.AdvanceClock(ctx, d); err != nil {
		return adminapi.ClockAdvanceResult{}, err
	}
	after := st.Now()
	res := adminapi.ClockAdvanceResult{Now: after, Created: int(s.newTx.Load() - newTx), Posted: int(s.postedTx.Load() - posted),
		Dropped: int(s.droppedTx.Load() - dropped)}
	expired := 0
	for _, b := range st.Banks() {
		cs, _ := st.Consents(ctx, b)
		for _, c := range cs {
			if c.RevokedAt.IsZero() && c.ExpiresAt.After(before) && !c.ExpiresAt.After(after) {
				expired++
			}
		}
	}
	res.ExpiredConsents = &expired
	res.Notifications = s.deps.Notify.Produced() - produced
	return res, nil
}

// AdvanceClock moves simulated time forward.
func (s *Server) AdvanceClock(ctx context.Context, req adminapi.AdvanceClockRequestObject) (adminapi.AdvanceClockResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.clockStep(*req.Body)
	if err != nil {
		return nil, err
	}
	res, err := s.advance(ctx, d)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.AdvanceClock200JSONResponse(res), nil
}

func toSpec(in adminapi.FaultCreate) faults.Spec {
	sp := faults.Spec{Bank: in.Bank, FDXCode: in.FdxCode, RetryAfter: in.RetryAfterSeconds}
	if in.Endpoint != nil {
		sp.Endpoint = *in.Endpoint
	}
	if in.Mode != nil {
		sp.Mode = faults.Mode(*in.Mode)
	}
	if in.Status != nil {
		sp.Status = *in.Status
	}
	if in.FdxCodeAsString != nil {
		sp.CodeAsString = *in.FdxCodeAsString
	}
	if in.Message != nil {
		sp.Message = *in.Message
	}
	if in.LatencyMs != nil {
		sp.Latency = time.Duration(*in.LatencyMs) * time.Millisecond
	}
	if in.Times != nil {
		sp.Times = *in.Times
		if sp.Times == 0 {
			// times has minimum 1 in the spec; keep a zero from meaning
			// "every call".
			sp.Times = -1
		}
	}
	if in.Fraction != nil {
		// The generated type is float32; go through its shortest decimal
		// text so 0.1 stays 0.1.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(*in.Fraction), 'g', -1, 32), 64)
		sp.Fraction = &f
	}
	return sp
}

func apiFault(r faults.Rule) adminapi.Fault {
	out := adminapi.Fault{FaultId: r.ID, Hits: r.Hits, Bank: r.Bank, Endpoint: ptr(r.Endpoint), FdxCode: r.FDXCode,
		RetryAfterSeconds: r.RetryAfter, Mode: ptr(adminapi.FaultMode(r.Mode))}
	if r.Status != 0 {
		out.Status = ptr(r.Status)
	}
	if r.CodeAsString {
		out.FdxCodeAsString = ptr(true)
	}
	if r.Message != "" {
		out.Message = ptr(r.Message)
	}
	if r.Latency > 0 {
		out.LatencyMs = ptr(int(r.Latency / time.Millisecond))
	}
	if r.Times > 0 {
		out.Times = ptr(r.Times)
	}
	if r.Fraction != nil {
		out.Fraction = ptr(float32(*r.Fraction))
	}
	return out
}

// ListFaults lists fault rules.
func (s *Server) ListFaults(ctx context.Context, _ adminapi.ListFaultsRequestObject) (adminapi.ListFaultsResponseObject, error) {
	out := []adminapi.Fault{}
	for _, r := range s.deps.Faults.List(ctx) {
		out = append(out, apiFault(r))
	}
	return adminapi.ListFaults200JSONResponse{Faults: out}, nil
}

// CreateFault injects a fault.
func (s *Server) CreateFault(ctx context.Context, req adminapi.CreateFaultRequestObject) (adminapi.CreateFaultResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.deps.Faults.Add(ctx, toSpec(*req.Body))
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.CreateFault201JSONResponse(apiFault(r)), nil
}

// DeleteFault removes one fault.
func (s *Server) DeleteFault(ctx context.Context, req adminapi.DeleteFaultRequestObject) (adminapi.DeleteFaultResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deps.Faults.Delete(ctx, req.FaultId); err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.DeleteFault204Response{}, nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults(ctx context.Context, _ adminapi.ClearFaultsRequestObject) (adminapi.ClearFaultsResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deps.Faults.Clear(ctx)
	s.changed()
	return adminapi.ClearFaults204Response{}, nil
}

// ClearLoginFailures forgets counted sign-in failures (the consent page's
// failure budget), unlocking locked-out usernames.
func (s *Server) ClearLoginFailures(ctx context.Context, req adminapi.ClearLoginFailuresRequestObject) (adminapi.ClearLoginFailuresResponseObject, error) {
	if s.deps.ClearLoginFailures == nil {
		return nil, &apiError{status: 501, code: "internal", msg: "clearing sign-in failures is not available in this configuration"}
	}
	bank, username := "", ""
	if req.Params.Bank != nil {
		if !s.hasBank(*req.Params.Bank) {
			return nil, invalid("bank %q is not served", *req.Params.Bank)
		}
		bank = *req.Params.Bank
	}
	if req.Params.Username != nil {
		username = *req.Params.Username
	}
	n, err := s.deps.ClearLoginFailures(ctx, bank, username)
	if err != nil {
		return nil, err
	}
	return adminapi.ClearLoginFailures200JSONResponse{Cleared: n}, nil
}

// FireNotification sends a notification now.
func (s *Server) FireNotification(ctx context.Context, req adminapi.FireNotificationRequestObject) (adminapi.FireNotificationResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	in := req.Body
	r := notify.Request{Bank: in.Bank, Type: string(in.Type)}
	if in.AccountId != nil {
		r.AccountID = *in.AccountId
	}
	if in.ConsentId != nil {
		r.ConsentID = *in.ConsentId
	}
	if in.TransactionId != nil {
		r.TransactionID = *in.TransactionId
	}
	ids, err := s.deps.Notify.Fire(ctx, r)
	if err != nil {
		return nil, err
	}
	s.changed()
	if ids == nil {
		ids = []string{}
	}
	return adminapi.FireNotification202JSONResponse{NotificationIds: ids}, nil
}

// ListDeliveries lists deliveries, newest first.
func (s *Server) ListDeliveries(ctx context.Context, req adminapi.ListDeliveriesRequestObject) (adminapi.ListDeliveriesResponseObject, error) {
	bank := ""
	if req.Params.Bank != nil {
		if !s.hasBank(*req.Params.Bank) {
			return nil, invalid("bank %q is not served", *req.Params.Bank)
		}
		bank = *req.Params.Bank
	}
	out := []adminapi.Delivery{}
	for _, d := range s.deps.Notify.Deliveries(ctx, bank) {
		ad := adminapi.Delivery{DeliveryId: d.ID, NotificationId: d.NotificationID, SubscriptionId: ptr(d.SubscriptionID),
			Bank: d.Bank, Type: d.Type, CallbackUrl: d.CallbackURL, Status: adminapi.DeliveryStatus(d.Status)}
		// The element type is the generated anonymous struct; Grow infers
		// it, where spelling it out would repeat the generator's field names.
		ad.Attempts = slices.Grow(ad.Attempts, len(d.Attempts))[:len(d.Attempts)]
		for i, a := range d.Attempts {
			ad.Attempts[i].At = a.At
			if a.Error != "" {
				ad.Attempts[i].Error = ptr(a.Error)
			}
			if a.HTTPStatus != 0 {
				ad.Attempts[i].HttpStatus = ptr(a.HTTPStatus)
			}
		}
		if !d.NextAttemptAt.IsZero() {
			ad.NextAttemptAt = ptr(d.NextAttemptAt)
		}
		out = append(out, ad)
	}
	return adminapi.ListDeliveries200JSONResponse{Deliveries: out}, nil
}

func apiConsent(c *store.Consent, now time.Time) adminapi.Consent {
	out := adminapi.Consent{ConsentId: c.ID, Bank: c.Bank, UserId: c.UserID, ClientId: c.ClientID,
		Status: adminapi.ConsentStatus(c.StatusAt(now)), AccountIds: slices.Clone(c.AccountIDs), Clusters: slices.Clone(c.Clusters),
		CreatedTime: c.CreatedAt.UTC(), ExpirationTime: c.ExpiresAt.UTC()}
	if out.AccountIds == nil {
		out.AccountIds = []string{}
	}
	if c.ClientName != "" {
		out.ClientName = ptr(c.ClientName)
	}
	if c.Purpose != "" {
		out.Purpose = ptr(c.Purpose)
	}
	if len(c.RevokedAccounts) > 0 {
		out.RevokedAccountIds = ptr(slices.Clone(c.RevokedAccounts))
	}
	if !c.RevokedAt.IsZero() {
		out.RevokedTime = ptr(c.RevokedAt.UTC())
	}
	return out
}

// ListConsents lists consents.
func (s *Server) ListConsents(ctx context.Context, req adminapi.ListConsentsRequestObject) (adminapi.ListConsentsResponseObject, error) {
	banks := s.deps.Store.Banks()
	if req.Params.Bank != nil {
		if !s.hasBank(*req.Params.Bank) {
			return nil, invalid("bank %q is not served", *req.Params.Bank)
		}
		banks = []string{*req.Params.Bank}
	}
	now := s.deps.Store.Now()
	out := []adminapi.Consent{}
	for _, b := range banks {
		cs, err := s.deps.Store.Consents(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			ac := apiConsent(c, now)
			if ac.Bank == "" {
				ac.Bank = b
			}
			if req.Params.Status != nil && string(ac.Status) != string(*req.Params.Status) {
				continue
			}
			out = append(out, ac)
		}
	}
	return adminapi.ListConsents200JSONResponse{Consents: out}, nil
}

// RevokeConsent revokes a consent at the bank, whole or some accounts.
func (s *Server) RevokeConsent(ctx context.Context, req adminapi.RevokeConsentRequestObject) (adminapi.RevokeConsentResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, c, err := s.findConsent(ctx, req.ConsentId)
	if err != nil {
		return nil, err
	}
	var accounts []string
	if req.Body != nil && req.Body.AccountIds != nil {
		accounts = *req.Body.AccountIds
	}
	if len(accounts) > 0 && !s.deps.AccountLevelRevocation(bank) {
		return nil, invalid("%s revokes whole consents only", bank)
	}
	for _, a := range accounts {
		if !slices.Contains(c.AccountIDs, a) {
			return nil, invalid("account %q is not in the consent", a)
		}
	}
	nc, err := s.deps.Store.RevokeConsent(ctx, bank, c.ID, accounts, "revoked at the bank (admin API)")
	if err != nil {
		return nil, err
	}
	s.changed()
	ac := apiConsent(nc, s.deps.Store.Now())
	if ac.Bank == "" {
		ac.Bank = bank
	}
	return adminapi.RevokeConsent200JSONResponse(ac), nil
}

// Reset restores the seeded state and clears faults and deliveries.
func (s *Server) Reset(ctx context.Context, _ adminapi.ResetRequestObject) (adminapi.ResetResponseObject, error) {
	if s.deps.Reset == nil {
		return nil, &apiError{status: 501, code: "internal", msg: "reset is not available in this configuration"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deps.Reset(ctx); err != nil {
		return nil, err
	}
	s.deps.Faults.Clear(ctx)
	if err := s.deps.Notify.Import(ctx, notify.State{}); err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.Reset204Response{}, nil
}

// rawSnapshot writes the state document without decoding it into
// interface{} values, which would turn large integers into floats.
type rawSnapshot struct{ state json.RawMessage }

func (r rawSnapshot) VisitExportSnapshotResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	var buf bytes.Buffer
	buf.WriteString(`{"version":1,"state":`)
	buf.Write(r.state)
	buf.WriteString("}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// SnapshotVersion is the version of the admin snapshot envelope.
const SnapshotVersion = 1

// ExportSnapshot returns the whole state.
func (s *Server) ExportSnapshot(ctx context.Context, _ adminapi.ExportSnapshotRequestObject) (adminapi.ExportSnapshotResponseObject, error) {
	st, err := s.ExportState(ctx)
	if err != nil {
		return nil, err
	}
	return rawSnapshot{st}, nil
}

// ImportSnapshot replaces the whole state. It reads the raw body the guard
// kept, for the same reason ExportSnapshot writes raw JSON.
func (s *Server) ImportSnapshot(ctx context.Context, req adminapi.ImportSnapshotRequestObject) (adminapi.ImportSnapshotResponseObject, error) {
	raw, _ := ctx.Value(keyRawBody).([]byte)
	var env struct {
		Version int             `json:"version"`
		State   json.RawMessage `json:"state"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, invalid("snapshot: %s", short(err.Error()))
	}
	if env.Version != SnapshotVersion {
		return nil, invalid("snapshot version %d is not %d", env.Version, SnapshotVersion)
	}
	if len(env.State) == 0 {
		return nil, invalid("snapshot: state is missing")
	}
	if err := s.ImportState(ctx, env.State); err != nil {
		return nil, err
	}
	return adminapi.ImportSnapshot204Response{}, nil
}

// LoadScenario applies a scenario.
func (s *Server) LoadScenario(ctx context.Context, req adminapi.LoadScenarioRequestObject) (adminapi.LoadScenarioResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	res, err := s.ApplyScenario(ctx, *req.Body)
	if err != nil {
		return nil, err
	}
	return adminapi.LoadScenario200JSONResponse{UserIds: &res.UserIDs, AccountIds: &res.AccountIDs, FaultIds: &res.FaultIDs}, nil
}

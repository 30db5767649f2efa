package admin

// The transactions resource: an account's ground truth, and new activity.

import (
	"context"
	"slices"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

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
	if t.SuspectedFraud {
		out.SuspectedFraud = ptr(true)
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
	d, err := scenario.ParseDuration(*v)
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		return 0, invalid("%s: %q is not a positive duration (24h, 2d) of at most 366d", field, *v)
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
	t := &store.Transaction{Status: status, TxTime: ts, Amount: amt, Credit: credit, Description: in.Description, Type: typ,
		SuspectedFraud: in.SuspectedFraud != nil && *in.SuspectedFraud}
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
	first := p.records[0]
	first.ID = s.newID("tx")
	first.AccountID = a.ID
	if len(p.records) > 1 {
		p.records[1].ID = first.ID + "-posted"
		p.records[1].ReferenceID = first.ID
		p.records[1].AccountID = a.ID
	}
	if err := s.deps.Store.AddTransactions(ctx, bank, a.ID, p.records); err != nil {
		return nil, err
	}
	if p.fraud {
		if _, err := s.deps.Notify.Fire(ctx, notify.Request{Bank: bank, Type: notify.TypeFraudSuspected, AccountID: a.ID, TransactionID: first.ID,
			Fields: map[string]string{"reason": "transaction created with suspectedFraud"}}); err != nil {
			return nil, err
		}
	}
	return first, nil
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

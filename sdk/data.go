package sdk

import (
	"context"
	"io"
	"iter"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
)

// call runs one connector call for a grant: consent checks first (no
// network on failure), then the grant's tokens in the context, then
// retries.
func call[T any](ctx context.Context, c *Client, op string, g *Grant, cluster Cluster, accountID string, idempotent bool, f func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := c.check(op, g, cluster, accountID); err != nil {
		return zero, err
	}
	if ctx != nil {
		ctx = withNeed(ctx, need{op: op, grant: g, cluster: cluster, accountID: accountID})
	}
	return callWith(ctx, c, op, c.tokensFor(g), idempotent, f)
}

// callWith runs f with ts's tokens and retries. A bank rejecting the access
// token (Unauthenticated) before its known expiry gets one forced refresh.
func callWith[T any](ctx context.Context, c *Client, opName string, ts tokenSource, idempotent bool, f func(context.Context) (T, error)) (T, error) {
	if ctx == nil {
		var zero T
		return zero, &Error{Code: InvalidArgument, Op: opName, Msg: "nil context"}
	}
	// The exact token each attempt sent: with many goroutines refreshing,
	// the source's current token may already be a newer one, which must not
	// be dropped for this call's rejection.
	op := Operation{Kind: OperationCall, Name: opName}
	if n, ok := needOf(ctx); ok {
		op.Cluster = n.cluster
	}
	ctx, end := c.startOp(ctx, op)
	v, err := callTokens(ctx, c, opName, ts, idempotent, f)
	end(err)
	return v, err
}

// callTokens is callWith's loop: the attempts, and one forced refresh.
func callTokens[T any](ctx context.Context, c *Client, op string, ts tokenSource, idempotent bool, f func(context.Context) (T, error)) (T, error) {
	var zero T
	sent := &sentToken{}
	ctx = withTokens(context.WithValue(ctx, sentKey{}, sent), ts)
	refreshed := false
	for {
		v, err := retry(ctx, c, op, idempotent, f)
		if err == nil {
			return v, nil
		}
		if ErrorCode(err) == Unauthenticated && !refreshed {
			if used := sent.get(); used != "" {
				refreshed = true
				ts.invalidate(used)
				continue
			}
		}
		return zero, err
	}
}

// Accounts iterates over the accounts the grant covers, page by page,
// holding one page at a time. Needs ACCOUNT_BASIC. The iteration stops at
// the first error, which is yielded with a zero Account.
func (c *Client) Accounts(ctx context.Context, g *Grant) iter.Seq2[Account, error] {
	return paginate(ctx, c, "sdk.Accounts", g, AccountBasic, "", func(ctx context.Context, pr driver.PageRequest) (*model.Page[Account], error) {
		return c.conn.ListAccounts(ctx, pr)
	})
}

// Account reads one account with its balances. Needs ACCOUNT_DETAILED and
// the account in the grant.
func (c *Client) Account(ctx context.Context, g *Grant, accountID string) (*Account, error) {
	return call(ctx, c, "sdk.Account", g, AccountDetailed, accountID, true, func(ctx context.Context) (*Account, error) {
		a, err := c.conn.GetAccount(ctx, accountID)
		if err == nil && a == nil {
			err = &Error{Code: Internal, Op: "sdk.Account", Msg: "connector returned no account and no error"}
		}
		return a, err
	})
}

// TxQuery selects transactions. Zero Start or End leaves that side open.
// Dates are compared as calendar dates in UTC, both ends inclusive.
type TxQuery struct {
	Start, End time.Time
}

func (q TxQuery) validate(op string) error {
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return &Error{Code: InvalidArgument, Op: op, Msg: "End is before Start"}
	}
	return nil
}

// Transactions iterates over an account's transactions across every page,
// holding one page at a time: memory does not grow with the history.
// Needs TRANSACTIONS and the account in the grant.
func (c *Client) Transactions(ctx context.Context, g *Grant, accountID string, q TxQuery) iter.Seq2[Transaction, error] {
	const op = "sdk.Transactions"
	if err := q.validate(op); err != nil {
		return errSeq[Transaction](err)
	}
	start, end := utcDate(q.Start), utcDate(q.End)
	return paginate(ctx, c, op, g, Transactions, accountID, func(ctx context.Context, pr driver.PageRequest) (*model.Page[Transaction], error) {
		return c.conn.ListTransactions(ctx, driver.TransactionQuery{AccountID: accountID, Start: start, End: end, Page: pr})
	})
}

// Statements iterates over an account's statements. Needs STATEMENTS (which
// some banks do not offer: Unimplemented, before any network call).
func (c *Client) Statements(ctx context.Context, g *Grant, accountID string, q TxQuery) iter.Seq2[Statement, error] {
	const op = "sdk.Statements"
	if err := q.validate(op); err != nil {
		return errSeq[Statement](err)
	}
	start, end := utcDate(q.Start), utcDate(q.End)
	return paginate(ctx, c, op, g, Statements, accountID, func(ctx context.Context, pr driver.PageRequest) (*model.Page[Statement], error) {
		return c.conn.ListStatements(ctx, driver.StatementQuery{AccountID: accountID, Start: start, End: end, Page: pr})
	})
}

// StatementPDF opens a statement's document as a stream; the caller must
// close it. The download is retried only until the bank answers; a stream
// that breaks while being read returns the read error to the caller.
func (c *Client) StatementPDF(ctx context.Context, g *Grant, accountID, statementID string) (io.ReadCloser, error) {
	const op = "sdk.StatementPDF"
	if err := validID(op, "statement id", statementID); err != nil {
		return nil, err
	}
	d, err := call(ctx, c, op, g, Statements, accountID, true, func(ctx context.Context) (*driver.Document, error) {
		d, err := c.conn.GetStatement(ctx, accountID, statementID)
		if err == nil && (d == nil || d.Body == nil) {
			err = &Error{Code: Internal, Op: op, Msg: "connector returned no document and no error"}
		}
		return d, err
	})
	if err != nil {
		return nil, err
	}
	return d.Body, nil
}

// Contact reads an account's contact information. Needs CUSTOMER_CONTACT.
func (c *Client) Contact(ctx context.Context, g *Grant, accountID string) (*Contact, error) {
	return call(ctx, c, "sdk.Contact", g, CustomerContact, accountID, true, func(ctx context.Context) (*Contact, error) {
		ct, err := c.conn.GetContact(ctx, accountID)
		if err == nil && ct == nil {
			err = &Error{Code: Internal, Op: "sdk.Contact", Msg: "connector returned no contact and no error"}
		}
		return ct, err
	})
}

// PaymentNetworks returns every payment network of an account (they are
// few; all pages are collected). Needs PAYMENT_SUPPORT.
func (c *Client) PaymentNetworks(ctx context.Context, g *Grant, accountID string) ([]PaymentNetwork, error) {
	var out []PaymentNetwork
	for pn, err := range paginate(ctx, c, "sdk.PaymentNetworks", g, PaymentSupport, accountID, func(ctx context.Context, pr driver.PageRequest) (*model.Page[PaymentNetwork], error) {
		return c.conn.ListPaymentNetworks(ctx, accountID, pr)
	}) {
		if err != nil {
			return nil, err
		}
		out = append(out, pn)
	}
	return out, nil
}

// Consent reads the consent's status at the bank. It needs no cluster and
// works on an expired grant (to confirm the expiry), but not on one this
// SDK revoked.
func (c *Client) Consent(ctx context.Context, g *Grant) (*Consent, error) {
	const op = "sdk.Consent"
	if g != nil && g.ConsentID == "" {
		return nil, &Error{Code: Unimplemented, Op: op, Msg: "the bank returned no consent id for this grant"}
	}
	check := g
	if g != nil && !g.ExpiresAt.IsZero() {
		// Allow reading the consent after expiry: check with a copy, but
		// let a grant change be reported on the integrator's grant.
		cp := *g
		cp.ExpiresAt = time.Time{}
		check = &cp
	}
	if err := c.check(op, check, "", ""); err != nil {
		return nil, err
	}
	if ctx != nil {
		ctx = withNeed(ctx, need{op: op, grant: g})
	}
	return callWith(ctx, c, op, c.tokensFor(g), true, func(ctx context.Context) (*Consent, error) {
		cs, err := c.conn.GetConsent(ctx, g.ConsentID)
		if err == nil && cs == nil {
			err = &Error{Code: Internal, Op: op, Msg: "connector returned no consent and no error"}
		}
		return cs, err
	})
}

// utcDate truncates to the calendar date in UTC (zero stays zero).
func utcDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

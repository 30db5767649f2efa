package fdx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// mapper carries what mapping needs besides the payload.
type mapper struct {
	// currency is the bank's default currency (amounts without one).
	currency string
}

// Connector implements driver.Connector for a described bank over the
// generated FDX client, classifying errors by the description's quirks and
// the FDX catalogue. It is safe for concurrent use because it holds no
// mutable state. Most banks need only [Opener]; a bank whose behaviour the
// description cannot express embeds *Connector in its own type, overrides
// what differs, and declares its optional capabilities by embedding
// [Subscriptions] or [AccountRevocation].
type Connector struct {
	mapper
	desc    *bankdesc.Description
	profile driver.Profile
	api     *fdxclient.Client
	style   driver.Pagination
	// unmarshal decodes 2xx bodies; see [Unmarshal].
	unmarshal unmarshaler
	// noStream turns the streaming transactions decoder off (txpage.go),
	// for the differential test and the benchmark's old path.
	noStream bool
	// Now is the clock used to read Retry-After dates; tests may set it.
	Now func() time.Time
}

// New makes the connector for a described bank and the sdk's open
// configuration. It does no network I/O. A nil HTTPClient means
// http.DefaultClient (useful only in tests: the sdk always supplies one).
func New(cfg driver.OpenConfig, d *bankdesc.Description) (*Connector, error) {
	if d == nil {
		return nil, obcerr.New(obcerr.InvalidArgument, "fdx.New: nil bank description")
	}
	if err := d.Validate(); err != nil {
		return nil, obcerr.Wrap(err, obcerr.InvalidArgument, "fdx.New")
	}
	d = d.Clone()
	prof, dataURL, err := Resolve(d, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	api, err := fdxclient.NewClient(dataURL, fdxclient.WithHTTPClient(hc))
	if err != nil {
		return nil, obcerr.Wrap(err, obcerr.InvalidArgument, d.Name+".Open")
	}
	return &Connector{
		mapper:    mapper{currency: d.Currency},
		desc:      d,
		profile:   prof,
		api:       api,
		style:     prof.Pagination,
		unmarshal: Unmarshal,
		Now:       time.Now,
	}, nil
}

// Profile implements driver.Connector.
func (c *Connector) Profile() driver.Profile {
	p := c.profile
	p.Clusters = slices.Clone(p.Clusters)
	return p
}

// Description returns a copy of the bank's description.
func (c *Connector) Description() *bankdesc.Description { return c.desc.Clone() }

// As implements driver.Aser. Through sdk.Client.As a caller can obtain:
//
//   - **bankdesc.Description: a copy of the bank's description, e.g. for the
//     conformance kit to provoke and check the bank's declared quirks.
func (c *Connector) As(target any) bool {
	if p, ok := target.(**bankdesc.Description); ok && p != nil {
		*p = c.desc.Clone()
		return true
	}
	return false
}

var _ driver.Aser = (*Connector)(nil)

func (c *Connector) offers(cl model.Cluster) bool { return slices.Contains(c.profile.Clusters, cl) }

func (c *Connector) op(name string) string { return c.profile.Name + "." + name }

// ListAccounts implements driver.Connector.
func (c *Connector) ListAccounts(ctx context.Context, page driver.PageRequest) (*model.Page[model.Account], error) {
	op := c.op("ListAccounts")
	p := &fdxclient.SearchForAccountsParams{Limit: limit(page.Limit)}
	if err := c.cursorParams(op, page.Cursor, &p.Offset, &p.PageKey); err != nil {
		return nil, err
	}
	resp, err := c.api.SearchForAccounts(ctx, p)
	return decodePage(c, op, page.Cursor, resp, err, "accounts",
		func(b *fdxclient.Accounts) ([]fdxclient.AccountWithDetails, *fdxclient.PageMetadata) {
			return b.Accounts, b.Page
		},
		func(w fdxclient.AccountWithDetails) (model.Account, error) { return c.account(w, false) })
}

// GetAccount implements driver.Connector.
func (c *Connector) GetAccount(ctx context.Context, accountID string) (*model.Account, error) {
	op := c.op("GetAccount")
	resp, err := c.api.GetAccount(ctx, accountID, &fdxclient.GetAccountParams{})
	var body fdxclient.AccountWithDetails
	if err := c.decode(op, resp, err, &body); err != nil {
		return nil, err
	}
	a, err := c.account(body, true)
	if err != nil {
		return nil, malformed(op, err)
	}
	if a.ID != accountID {
		return nil, malformed(op, fmt.Errorf("asked for account %s, bank answered %s", accountID, a.ID))
	}
	return &a, nil
}

// ListTransactions implements driver.Connector.
func (c *Connector) ListTransactions(ctx context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	op := c.op("ListTransactions")
	p := &fdxclient.SearchForAccountTransactionsParams{Limit: limit(q.Page.Limit), StartTime: day(q.Start), EndTime: day(q.End)}
	if err := c.cursorParams(op, q.Page.Cursor, &p.Offset, &p.PageKey); err != nil {
		return nil, err
	}
	resp, err := c.api.SearchForAccountTransactions(ctx, q.AccountID, p)
	body, err := c.read(op, resp, err)
	if err != nil {
		return nil, err
	}
	if !c.noStream {
		if items, meta, err := c.decodeTransactionsPage(body, q.AccountID); err == nil {
			out := &model.Page[model.Transaction]{Items: items}
			if out.Next, err = c.next(op, q.Page.Cursor, meta); err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	return mapPage(c, op, q.Page.Cursor, body, "transactions",
		func(b *fdxclient.Transactions) ([]fdxclient.TransactionWithDetails, *fdxclient.PageMetadata) {
			return b.Transactions, b.Page
		},
		func(w fdxclient.TransactionWithDetails) (model.Transaction, error) {
			return c.transaction(w, q.AccountID)
		})
}

// ListStatements implements driver.Connector. A bank whose profile does not
// offer STATEMENTS answers Unimplemented without a request.
func (c *Connector) ListStatements(ctx context.Context, q driver.StatementQuery) (*model.Page[model.Statement], error) {
	op := c.op("ListStatements")
	if !c.offers(model.Statements) {
		return nil, unimplemented(op, c.profile.DisplayName)
	}
	p := &fdxclient.SearchForAccountStatementsParams{Limit: limit(q.Page.Limit), StartTime: day(q.Start), EndTime: day(q.End)}
	if err := c.cursorParams(op, q.Page.Cursor, &p.Offset, &p.PageKey); err != nil {
		return nil, err
	}
	resp, err := c.api.SearchForAccountStatements(ctx, q.AccountID, p)
	return decodePage(c, op, q.Page.Cursor, resp, err, "statements",
		func(b *fdxclient.Statements) ([]fdxclient.Statement, *fdxclient.PageMetadata) {
			return b.Statements, b.Page
		},
		func(s fdxclient.Statement) (model.Statement, error) { return statement(s, q.AccountID) })
}

// GetStatement implements driver.Connector: the body is handed over
// unread, so a large PDF streams to the caller.
func (c *Connector) GetStatement(ctx context.Context, accountID, statementID string) (*driver.Document, error) {
	op := c.op("GetStatement")
	if !c.offers(model.Statements) {
		return nil, unimplemented(op, c.profile.DisplayName)
	}
	resp, err := c.api.GetAccountStatement(ctx, accountID, statementID, &fdxclient.GetAccountStatementParams{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, fmt.Errorf("%s: %w", op, bankError(resp, c.Now()))
	}
	if resp.ContentLength == 0 {
		_ = resp.Body.Close()
		return nil, malformed(op, errors.New("empty statement document"))
	}
	return &driver.Document{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}, nil
}

// GetContact implements driver.Connector.
func (c *Connector) GetContact(ctx context.Context, accountID string) (*model.Contact, error) {
	op := c.op("GetContact")
	resp, err := c.api.GetAccountContact(ctx, accountID, &fdxclient.GetAccountContactParams{})
	var body fdxclient.AccountContact
	if err := c.decode(op, resp, err, &body); err != nil {
		return nil, err
	}
	ct := contact(body)
	return &ct, nil
}

// ListPaymentNetworks implements driver.Connector.
func (c *Connector) ListPaymentNetworks(ctx context.Context, accountID string, page driver.PageRequest) (*model.Page[model.PaymentNetwork], error) {
	op := c.op("ListPaymentNetworks")
	p := &fdxclient.GetAccountPaymentNetworksParams{Limit: limit(page.Limit)}
	if err := c.cursorParams(op, page.Cursor, &p.Offset, &p.PageKey); err != nil {
		return nil, err
	}
	resp, err := c.api.GetAccountPaymentNetworks(ctx, accountID, p)
	return decodePage(c, op, page.Cursor, resp, err, "paymentNetworks",
		func(b *fdxclient.AccountPaymentNetworkList) ([]fdxclient.PaymentNetwork, *fdxclient.PageMetadata) {
			return b.PaymentNetworks, b.Page
		},
		func(n fdxclient.PaymentNetwork) (model.PaymentNetwork, error) { return paymentNetwork(n), nil })
}

// GetConsent implements driver.Connector.
func (c *Connector) GetConsent(ctx context.Context, consentID string) (*model.Consent, error) {
	op := c.op("GetConsent")
	resp, err := c.api.GetConsent(ctx, consentID, &fdxclient.GetConsentParams{})
	var body fdxclient.ConsentGrant
	if err := c.decode(op, resp, err, &body); err != nil {
		return nil, err
	}
	g, err := consent(body)
	if err != nil {
		return nil, malformed(op, err)
	}
	return &g, nil
}

// RevokeConsent implements driver.Connector.
func (c *Connector) RevokeConsent(ctx context.Context, consentID string, reason driver.RevocationReason) error {
	return c.Revoke(ctx, c.op("RevokeConsent"), consentID, nil, reason)
}

// Revoke sends PUT /consents/{id}/revocation, for the whole consent when
// accountIDs is empty and for those accounts only otherwise (a bank
// package exposes the latter through driver.AccountRevoker only when its
// bank supports it).
func (c *Connector) Revoke(ctx context.Context, op, consentID string, accountIDs []string, reason driver.RevocationReason) error {
	req := fdxclient.ConsentRevocationRequest{Initiator: fdxclient.PartyTypeDATARECIPIENT, Reason: FDXReason(reason)}
	if len(accountIDs) > 0 {
		ids := slices.Clone(accountIDs)
		req.AccountIds = &ids
	}
	resp, err := c.api.RevokeConsent(ctx, consentID, &fdxclient.RevokeConsentParams{}, req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %w", op, bankError(resp, c.Now()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}

// FDXReason maps the driver's revocation reasons onto FDX's
// ConsentRevocationReason, which has only BUSINESS_RULE and USER_ACTION:
// a closed account or suspected fraud is the data provider's business rule.
func FDXReason(r driver.RevocationReason) fdxclient.ConsentRevocationReason {
	if r == driver.ReasonUserAction {
		return "USER_ACTION"
	}
	return "BUSINESS_RULE"
}

// decodePage finishes a list call: the answer B must carry its array
// (named field, for the error message) — absent or null is malformed, not
// an empty page — and every entry must map; the next cursor comes from the
// page metadata in the bank's style.
func decodePage[B, E, T any](c *Connector, op, cursor string, resp *http.Response, err error, field string,
	parts func(*B) ([]E, *fdxclient.PageMetadata), conv func(E) (T, error)) (*model.Page[T], error) {
	raw, err := c.read(op, resp, err)
	if err != nil {
		return nil, err
	}
	return mapPage(c, op, cursor, raw, field, parts, conv)
}

// mapPage is decodePage once the body is read.
func mapPage[B, E, T any](c *Connector, op, cursor string, raw []byte, field string,
	parts func(*B) ([]E, *fdxclient.PageMetadata), conv func(E) (T, error)) (*model.Page[T], error) {
	var body B
	if err := c.unmarshalBody(op, raw, &body); err != nil {
		return nil, err
	}
	entries, meta := parts(&body)
	if entries == nil {
		return nil, malformed(op, fmt.Errorf("no %q array", field))
	}
	out := &model.Page[T]{Items: make([]T, 0, len(entries))}
	for _, e := range entries {
		item, err := conv(e)
		if err != nil {
			return nil, malformed(op, err)
		}
		out.Items = append(out.Items, item)
	}
	var err error
	if out.Next, err = c.next(op, cursor, meta); err != nil {
		return nil, err
	}
	return out, nil
}

// maxBody bounds a JSON answer. The largest legitimate page (200
// transactions) is well under a megabyte.
const maxBody = 32 << 20

// decode finishes an exchange started by the generated client: a transport
// error passes through (classified Unavailable or as a context error), a
// non-2xx answer becomes an *obcerr.BankError, and a 2xx answer must be a
// complete, well-formed JSON document or the call fails with Internal.
func (c *Connector) decode(op string, resp *http.Response, err error, out any) error {
	body, err := c.read(op, resp, err)
	if err != nil {
		return err
	}
	return c.unmarshalBody(op, body, out)
}

// read is decode up to the JSON: the status, the content type, and a
// complete, non-empty body.
func (c *Connector) read(op string, resp *http.Response, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s: %w", op, bankError(resp, c.Now()))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, perr := mime.ParseMediaType(ct)
		if perr != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, malformed(op, fmt.Errorf("content type %q is not JSON", truncate(ct)))
		}
	}
	body, err := readBody(resp)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, malformed(op, fmt.Errorf("response body truncated: %w", err))
		}
		return nil, fmt.Errorf("%s: reading the response: %w", op, err)
	}
	if len(body) > maxBody {
		return nil, malformed(op, fmt.Errorf("response body over %d bytes", maxBody))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, malformed(op, errors.New("empty response body"))
	}
	return body, nil
}

// unmarshalBody is decode after read: the JSON into out, or Internal.
func (c *Connector) unmarshalBody(op string, body []byte, out any) error {
	unmarshal := c.unmarshal
	if unmarshal == nil {
		unmarshal = Unmarshal
	}
	if err := unmarshal(body, out); err != nil {
		return malformed(op, err)
	}
	return nil
}

// readBody reads at most maxBody+1 bytes. When the answer declares its
// length the buffer is made that size at once, instead of io.ReadAll's
// doubling, which allocated and copied about twice the body per page.
func readBody(resp *http.Response) ([]byte, error) {
	r := io.LimitReader(resp.Body, maxBody+1)
	n := resp.ContentLength
	if n <= 0 || n > maxBody {
		return io.ReadAll(r)
	}
	// One byte more than declared, so a body longer than its header says
	// still reads whole; the loop is io.ReadAll's with a sized start.
	buf := make([]byte, 0, n+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// malformed classifies an answer that cannot be trusted as Internal: the
// sdk retries it (a truncated body is often transient) and never hands the
// integrator partial or empty data in its place.
func malformed(op string, err error) error {
	return &obcerr.Error{Code: obcerr.Internal, Op: op, Msg: "malformed response from the bank", Err: err}
}

func unimplemented(op, bank string) error {
	return &obcerr.Error{Code: obcerr.Unimplemented, Op: op, Msg: bank + " does not offer statements"}
}

func limit(n int) *int32 {
	if n <= 0 {
		return nil
	}
	v := int32(min(n, 1<<30))
	return &v
}

// day renders a filter date as an ISO 8601 full-date (FDX startTime /
// endTime accept it in every version), nil when unbounded.
func day(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

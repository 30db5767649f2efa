package fakebank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Options shape the connector's profile and deliberate breakage.
type Options struct {
	// Name is the registry name, default "fakebank".
	Name string
	// ClientAuth defaults to client_secret_basic.
	ClientAuth  driver.ClientAuth
	PARRequired bool
	// Clusters offered; default all six served clusters.
	Clusters                     []model.Cluster
	MaxPageSize, DefaultPageSize int
	RateLimit                    driver.RateLimit
	// NoAccountRevocation hides the AccountRevoker capability.
	NoAccountRevocation bool

	// DropLastPage makes list calls report no next page one page early.
	DropLastPage bool
	// RepeatCursor makes list calls return the same cursor forever.
	RepeatCursor bool
	// MisclassifyRevoked makes ErrorCode report Unknown for consent revoked.
	MisclassifyRevoked bool
}

// Opener returns a driver.Opener for a connector with these options.
func Opener(o Options) driver.Opener {
	if o.Name == "" {
		o.Name = "fakebank"
	}
	if o.ClientAuth == 0 {
		o.ClientAuth = driver.ClientSecretBasic
	}
	if o.Clusters == nil {
		o.Clusters = []model.Cluster{model.AccountBasic, model.AccountDetailed, model.Transactions, model.Statements, model.CustomerContact, model.PaymentSupport}
	}
	if o.RateLimit.RequestsPerSecond == 0 {
		o.RateLimit = driver.RateLimit{RequestsPerSecond: 1000, Burst: 1000}
	}
	if o.MaxPageSize == 0 {
		o.MaxPageSize = 10
	}
	if o.DefaultPageSize == 0 {
		o.DefaultPageSize = 5
	}
	return func(_ context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
		if cfg.BaseURL == "" {
			return nil, obcerr.New(obcerr.InvalidArgument, "fakebank needs a BaseURL")
		}
		if _, err := url.Parse(cfg.BaseURL); err != nil {
			return nil, obcerr.New(obcerr.InvalidArgument, "bad BaseURL")
		}
		c := &Connector{o: o, http: cfg.HTTPClient, base: cfg.BaseURL}
		if o.NoAccountRevocation {
			return &basic{c}, nil
		}
		return c, nil
	}
}

// basic hides the optional capabilities of Connector.
type basic struct{ c *Connector }

var _ driver.Connector = (*basic)(nil)
var _ driver.AccountRevoker = (*Connector)(nil)
var _ driver.NotificationSubscriber = (*Connector)(nil)
var _ driver.Aser = (*Connector)(nil)

// Info is what the fake connector exposes through As (sdk.Client.As): a
// stand-in for the bank-specific types a real connector documents.
type Info struct {
	// BaseURL is the fake bank the connector talks to.
	BaseURL string
}

// As implements driver.Aser for *Info.
func (c *Connector) As(target any) bool {
	if p, ok := target.(*Info); ok && p != nil {
		*p = Info{BaseURL: c.base}
		return true
	}
	return false
}

func (b *basic) Profile() driver.Profile { return b.c.Profile() }
func (b *basic) ListAccounts(ctx context.Context, p driver.PageRequest) (*model.Page[model.Account], error) {
	return b.c.ListAccounts(ctx, p)
}
func (b *basic) GetAccount(ctx context.Context, id string) (*model.Account, error) {
	return b.c.GetAccount(ctx, id)
}
func (b *basic) ListTransactions(ctx context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	return b.c.ListTransactions(ctx, q)
}
func (b *basic) ListStatements(ctx context.Context, q driver.StatementQuery) (*model.Page[model.Statement], error) {
	return b.c.ListStatements(ctx, q)
}
func (b *basic) GetStatement(ctx context.Context, a, s string) (*driver.Document, error) {
	return b.c.GetStatement(ctx, a, s)
}
func (b *basic) GetContact(ctx context.Context, id string) (*model.Contact, error) {
	return b.c.GetContact(ctx, id)
}
func (b *basic) ListPaymentNetworks(ctx context.Context, id string, p driver.PageRequest) (*model.Page[model.PaymentNetwork], error) {
	return b.c.ListPaymentNetworks(ctx, id, p)
}
func (b *basic) GetConsent(ctx context.Context, id string) (*model.Consent, error) {
	return b.c.GetConsent(ctx, id)
}
func (b *basic) RevokeConsent(ctx context.Context, id string, r driver.RevocationReason) error {
	return b.c.RevokeConsent(ctx, id, r)
}
func (b *basic) ErrorCode(err error) obcerr.Code { return b.c.ErrorCode(err) }

// Connector is the fake bank's driver.
type Connector struct {
	o    Options
	http *http.Client
	base string
}

// Profile implements driver.Connector.
func (c *Connector) Profile() driver.Profile {
	return driver.Profile{
		Name: c.o.Name, DisplayName: "Fake Bank", FDXVersion: "6.2", Pagination: driver.PaginationOffset,
		MaxPageSize: c.o.MaxPageSize, DefaultPageSize: c.o.DefaultPageSize, RateLimit: c.o.RateLimit,
		HistoryWindow: 24 * 30 * 24 * time.Hour, Clusters: c.o.Clusters,
		Auth: driver.AuthProfile{
			Issuer: c.base, AuthorizationURL: c.base + "/authorize", TokenURL: c.base + "/token",
			PARURL: c.base + "/par", PARRequired: c.o.PARRequired, RevocationURL: c.base + "/revoke", JWKSURL: c.base + "/jwks",
			ClientAuth: c.o.ClientAuth,
		},
	}
}

func (c *Connector) do(ctx context.Context, method, path string, query url.Values, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var eb errBody
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&eb)
		return nil, &obcerr.BankError{HTTPStatus: resp.StatusCode, Code: eb.Code, RawCode: strconv.Itoa(eb.Code), Message: eb.Message,
			InteractionID: driver.InteractionID(resp),
			RetryAfter:    obcerr.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	return resp, nil
}

func getJSON[T any](ctx context.Context, c *Connector, path string, query url.Values) (*T, error) {
	resp, err := c.do(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("fakebank: decoding %s: %w", path, err)
	}
	return &v, nil
}

func pageQuery(p driver.PageRequest) url.Values {
	q := url.Values{"limit": {strconv.Itoa(p.Limit)}}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	return q
}

func listPage[T any](ctx context.Context, c *Connector, path string, q url.Values) (*model.Page[T], error) {
	p, err := getJSON[wirePage[T]](ctx, c, path, q)
	if err != nil {
		return nil, err
	}
	out := &model.Page[T]{Items: p.Items, Next: p.Next}
	if c.o.DropLastPage && out.Next != "" {
		// Peek: if the next page is the last one, pretend it does not exist.
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", out.Next)
		if np, err := getJSON[wirePage[T]](ctx, c, path, nq); err == nil && np.Next == "" {
			out.Next = ""
		}
	}
	if c.o.RepeatCursor && out.Next != "" {
		out.Next = "0"
	}
	return out, nil
}

// ListAccounts implements driver.Connector.
func (c *Connector) ListAccounts(ctx context.Context, p driver.PageRequest) (*model.Page[model.Account], error) {
	return listPage[model.Account](ctx, c, "/accounts", pageQuery(p))
}

// GetAccount implements driver.Connector.
func (c *Connector) GetAccount(ctx context.Context, id string) (*model.Account, error) {
	return getJSON[model.Account](ctx, c, "/accounts/"+url.PathEscape(id), nil)
}

func dateQuery(p driver.PageRequest, start, end time.Time) url.Values {
	q := pageQuery(p)
	if !start.IsZero() {
		q.Set("startTime", start.Format(time.DateOnly))
	}
	if !end.IsZero() {
		q.Set("endTime", end.Format(time.DateOnly))
	}
	return q
}

// ListTransactions implements driver.Connector.
func (c *Connector) ListTransactions(ctx context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	return listPage[model.Transaction](ctx, c, "/accounts/"+url.PathEscape(q.AccountID)+"/transactions", dateQuery(q.Page, q.Start, q.End))
}

// ListStatements implements driver.Connector.
func (c *Connector) ListStatements(ctx context.Context, q driver.StatementQuery) (*model.Page[model.Statement], error) {
	return listPage[model.Statement](ctx, c, "/accounts/"+url.PathEscape(q.AccountID)+"/statements", dateQuery(q.Page, q.Start, q.End))
}

// GetStatement implements driver.Connector.
func (c *Connector) GetStatement(ctx context.Context, accountID, statementID string) (*driver.Document, error) {
	resp, err := c.do(ctx, http.MethodGet, "/accounts/"+url.PathEscape(accountID)+"/statements/"+url.PathEscape(statementID), nil, nil)
	if err != nil {
		return nil, err
	}
	return &driver.Document{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}, nil
}

// GetContact implements driver.Connector.
func (c *Connector) GetContact(ctx context.Context, id string) (*model.Contact, error) {
	return getJSON[model.Contact](ctx, c, "/accounts/"+url.PathEscape(id)+"/contact", nil)
}

// ListPaymentNetworks implements driver.Connector.
func (c *Connector) ListPaymentNetworks(ctx context.Context, id string, p driver.PageRequest) (*model.Page[model.PaymentNetwork], error) {
	wp, err := listPage[wireNetwork](ctx, c, "/accounts/"+url.PathEscape(id)+"/payment-networks", pageQuery(p))
	if err != nil {
		return nil, err
	}
	out := &model.Page[model.PaymentNetwork]{Next: wp.Next}
	for _, n := range wp.Items {
		pn := n.PaymentNetwork
		pn.Identifier = model.AccountNumber(n.Identifier)
		out.Items = append(out.Items, pn)
	}
	return out, nil
}

// GetConsent implements driver.Connector.
func (c *Connector) GetConsent(ctx context.Context, id string) (*model.Consent, error) {
	return getJSON[model.Consent](ctx, c, "/consents/"+url.PathEscape(id), nil)
}

// RevokeConsent implements driver.Connector.
func (c *Connector) RevokeConsent(ctx context.Context, id string, r driver.RevocationReason) error {
	resp, err := c.do(ctx, http.MethodPut, "/consents/"+url.PathEscape(id)+"/revocation", nil, map[string]any{"reason": r, "initiator": "INDIVIDUAL"})
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// RevokeAccounts implements driver.AccountRevoker.
func (c *Connector) RevokeAccounts(ctx context.Context, id string, accountIDs []string, r driver.RevocationReason) error {
	resp, err := c.do(ctx, http.MethodPut, "/consents/"+url.PathEscape(id)+"/revocation", nil, map[string]any{"reason": r, "initiator": "INDIVIDUAL", "accountIds": accountIDs})
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// ErrorCode implements driver.Connector with the FDX catalogue.
func (c *Connector) ErrorCode(err error) obcerr.Code {
	code := driver.DefaultErrorCode(err)
	var be *obcerr.BankError
	if errors.As(err, &be) {
		code = fdxerr.Classify(be.HTTPStatus, be.Code)
	}
	if c.o.MisclassifyRevoked && code == obcerr.ConsentRevoked {
		return obcerr.Unknown
	}
	return code
}

// Subscribe implements driver.NotificationSubscriber.
func (c *Connector) Subscribe(ctx context.Context, callbackURL string, types []string) (*driver.Subscription, error) {
	resp, err := c.do(ctx, http.MethodPost, "/notification-subscriptions", nil, map[string]any{"callbackUrl": callbackURL, "notificationTypes": types})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		ID    string   `json:"subscriptionId"`
		URL   string   `json:"callbackUrl"`
		Types []string `json:"notificationTypes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("fakebank: decoding subscription: %w", err)
	}
	return &driver.Subscription{ID: out.ID, CallbackURL: out.URL, Types: out.Types}, nil
}

// Unsubscribe implements driver.NotificationSubscriber.
func (c *Connector) Unsubscribe(ctx context.Context, id string) error {
	resp, err := c.do(ctx, http.MethodDelete, "/notification-subscriptions/"+url.PathEscape(id), nil, nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

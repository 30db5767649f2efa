// Package fdxtest holds the httpmock test suite every bank connector
// runs on itself, so that the shared behaviour (error body decoding, strict
// decoding, tolerance of unknown values, exact amounts, pagination,
// real-world-shaped FDX payloads) is tested per bank without its tables
// being copied four times. A bank's own test file adds its quirks.
//
// It is imported only by tests (it depends on testing, httpmock and
// testify).
package fdxtest

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns one of the real-world-shaped FDX payloads in testdata.
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// Base is a production-shaped base URL: the suite runs against it rather
// than the sandbox default, proving the base URL is honoured everywhere.
const Base = "https://api.bank.example/partner"

// Bank describes the connector under test.
type Bank struct {
	// Open is the bank package's driver.Opener.
	Open driver.Opener
	// Standard overrides the expected code of standard FDX rows (by FDX
	// code) where the bank's table deliberately differs.
	Standard map[int]obcerr.Code
	// Quirks are the bank's own error answers and what they must classify as.
	Quirks []ErrorCase
}

// ErrorCase is one error answer and its expected classification.
type ErrorCase struct {
	Name   string
	Status int
	// Body is sent as is (application/json); "" sends no body.
	Body       string
	RetryAfter string
	// Challenge, if set, is sent as WWW-Authenticate.
	Challenge string
	Want      obcerr.Code
}

// StandardRow is one row of the FDX error table as this project reads it.
type StandardRow struct {
	Code, Status int
	Want         obcerr.Code
}

// StandardRows is the FDX error table (openapi/fdx.yaml, "Errors").
var StandardRows = []StandardRow{
	{401, 400, obcerr.InvalidArgument}, {500, 500, obcerr.Internal}, {501, 503, obcerr.Unavailable},
	{503, 503, obcerr.Unavailable}, {601, 404, obcerr.NotFound}, {602, 401, obcerr.Unauthenticated},
	{701, 404, obcerr.NotFound}, {702, 400, obcerr.InvalidArgument}, {703, 400, obcerr.InvalidArgument},
	{704, 400, obcerr.InvalidArgument}, {705, 409, obcerr.AccountClosed}, {706, 409, obcerr.AccountLocked},
	{1106, 403, obcerr.ConsentExpired}, {1107, 403, obcerr.ConsentRevoked}, {1205, 404, obcerr.NotFound},
	{1207, 429, obcerr.RateLimited},
}

// Harness is a connector wired to an httpmock transport.
type Harness struct {
	Conn    driver.Connector
	Mock    *httpmock.MockTransport
	File    fdx.ProfileFile
	DataURL string
}

// Open opens the bank's connector at Base over a fresh mock transport.
func Open(t testing.TB, b Bank) *Harness {
	t.Helper()
	mt := httpmock.NewMockTransport()
	conn, err := b.Open(context.Background(), driver.OpenConfig{HTTPClient: &http.Client{Transport: mt}, BaseURL: Base, ClientID: "client-1"})
	require.NoError(t, err)
	f, ok := conn.(interface{ File() fdx.ProfileFile })
	require.True(t, ok, "bank connector must embed *fdx.Connector")
	return &Harness{Conn: conn, Mock: mt, File: f.File(), DataURL: Base + f.File().DataPath}
}

// Answer makes every request get status and body (JSON) with headers.
func (h *Harness) Answer(status int, body string, header ...string) {
	h.Mock.Reset()
	h.Mock.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r, nil
	})
}

// Run runs the whole shared suite on a bank.
func Run(t *testing.T, b Bank) {
	t.Run("Profile", func(t *testing.T) { testProfile(t, b) })
	t.Run("StandardErrors", func(t *testing.T) { testStandardErrors(t, b) })
	t.Run("Quirks", func(t *testing.T) { testQuirks(t, b) })
	t.Run("TransportErrors", func(t *testing.T) { testTransport(t, b) })
	t.Run("BadBodies", func(t *testing.T) { testBadBodies(t, b) })
	t.Run("Tolerance", func(t *testing.T) { testTolerance(t, b) })
	t.Run("Amounts", func(t *testing.T) { testAmounts(t, b) })
	t.Run("Fixtures", func(t *testing.T) { testFixtures(t, b) })
	t.Run("FlatLayout", func(t *testing.T) { testFlatLayout(t, b) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, b) })
	t.Run("Statements", func(t *testing.T) { testStatements(t, b) })
	t.Run("Revoke", func(t *testing.T) { testRevoke(t, b) })
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, b) })
	t.Run("TokenErrors", func(t *testing.T) { testTokenErrors(t, b) })
}

func testProfile(t *testing.T, b Bank) {
	h := Open(t, b)
	p := h.Conn.Profile()
	assert.Equal(t, h.File.Name, p.Name)
	assert.NotEmpty(t, p.FDXVersion)
	assert.Equal(t, Base, p.Auth.Issuer)
	assert.True(t, strings.HasPrefix(p.Auth.TokenURL, Base+"/"), p.Auth.TokenURL)
	assert.True(t, strings.HasPrefix(p.Auth.AuthorizationURL, Base+"/"))
	assert.LessOrEqual(t, p.DefaultPageSize, p.MaxPageSize)
	assert.Positive(t, p.HistoryWindow)
	// The sandbox default and a bad base URL.
	def, err := b.Open(context.Background(), driver.OpenConfig{})
	require.NoError(t, err)
	assert.Equal(t, h.File.SandboxURL, def.Profile().Auth.Issuer)
	for _, bad := range []string{"ftp://x", "not a url", "http://", "https://u:p@bank.example", "https://bank.example?x=1"} {
		_, err := b.Open(context.Background(), driver.OpenConfig{BaseURL: bad})
		require.Error(t, err, bad)
		assert.Equal(t, obcerr.InvalidArgument, obcerr.CodeOf(err), bad)
		assert.NotContains(t, err.Error(), ":p@", "credentials in a base URL must not be echoed")
	}
	// Profile must be a copy.
	p.Clusters[0] = "MUTATED"
	assert.NotEqual(t, model.Cluster("MUTATED"), h.Conn.Profile().Clusters[0])
}

func errorBody(code any, msg, debug string) string {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg, "debugMessage": debug})
	return string(b)
}

func testStandardErrors(t *testing.T, b Bank) {
	h := Open(t, b)
	for _, row := range StandardRows {
		want := row.Want
		if w, ok := b.Standard[row.Code]; ok {
			want = w
		}
		for _, form := range []any{row.Code, fmt.Sprint(row.Code)} {
			t.Run(fmt.Sprintf("%v/%T", row.Code, form), func(t *testing.T) {
				h.Answer(row.Status, errorBody(form, "standard error", "row test"), "x-fapi-interaction-id", "ia-1")
				_, err := h.Conn.GetAccount(context.Background(), "acc-1")
				require.Error(t, err)
				assert.Equal(t, want, h.Conn.ErrorCode(err), "%v", err)
				var be *obcerr.BankError
				require.ErrorAs(t, err, &be)
				assert.Equal(t, row.Status, be.HTTPStatus)
				assert.Equal(t, row.Code, be.Code)
				assert.Equal(t, fmt.Sprint(row.Code), be.RawCode)
				assert.Equal(t, "standard error", be.Message)
				assert.Equal(t, "row test", be.DebugMessage)
				assert.Equal(t, "ia-1", be.InteractionID)
			})
		}
	}
	t.Run("RetryAfter", func(t *testing.T) {
		h.Answer(429, errorBody(1207, "slow down", ""), "Retry-After", "7")
		_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 1})
		assert.Equal(t, obcerr.RateLimited, h.Conn.ErrorCode(err))
		d, ok := obcerr.RetryAfterOf(err)
		assert.True(t, ok)
		assert.Equal(t, 7*time.Second, d)
	})
	// RFC 9110 allows an HTTP-date too (chase's profile sends one); the
	// connector reads it against the wall clock, so the check allows for
	// the time the test itself takes.
	t.Run("RetryAfterHTTPDate", func(t *testing.T) {
		at := time.Now().Add(30 * time.Second).UTC().Truncate(time.Second)
		h.Answer(429, errorBody(1207, "slow down", ""), "Retry-After", at.Format(http.TimeFormat))
		_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 1})
		assert.Equal(t, obcerr.RateLimited, h.Conn.ErrorCode(err))
		d, ok := obcerr.RetryAfterOf(err)
		require.True(t, ok)
		assert.InDelta(t, 30*time.Second, d, float64(5*time.Second))
	})
	// A date already past asks for no wait, and garbage is no hint: both
	// stay RateLimited, with the sdk's own backoff deciding the wait.
	for name, v := range map[string]string{
		"RetryAfterPastDate": "Wed, 21 Oct 2015 07:28:00 GMT",
		"RetryAfterGarbage":  "in a little while",
		"RetryAfterBadDate":  "Wed, 32 Oct 2026 25:61:00 GMT",
	} {
		t.Run(name, func(t *testing.T) {
			h.Answer(429, errorBody(1207, "slow down", ""), "Retry-After", v)
			_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 1})
			assert.Equal(t, obcerr.RateLimited, h.Conn.ErrorCode(err))
			_, ok := obcerr.RetryAfterOf(err)
			assert.False(t, ok)
		})
	}
	// Answers without a usable FDX body classify by HTTP status.
	bare := []ErrorCase{
		{Name: "502 html", Status: 502, Body: "<html>bad gateway</html>", Want: obcerr.Unavailable},
		{Name: "500 empty", Status: 500, Want: obcerr.Internal},
		{Name: "404 empty", Status: 404, Want: obcerr.NotFound},
		{Name: "401 empty", Status: 401, Want: obcerr.Unauthenticated},
		{Name: "400 truncated json", Status: 400, Body: `{"code": 70`, Want: obcerr.InvalidArgument},
		{Name: "unknown code 9999 on 404", Status: 404, Body: errorBody(9999, "new code", ""), Want: obcerr.NotFound},
		{Name: "non-numeric code", Status: 409, Body: errorBody("ACCT_CLOSED", "x", ""), Want: obcerr.Unknown},
	}
	for _, c := range bare {
		t.Run(c.Name, func(t *testing.T) { checkCase(t, h, c) })
	}
}

func checkCase(t *testing.T, h *Harness, c ErrorCase) {
	t.Helper()
	hdr := []string{}
	if c.RetryAfter != "" {
		hdr = append(hdr, "Retry-After", c.RetryAfter)
	}
	if c.Challenge != "" {
		hdr = append(hdr, "WWW-Authenticate", c.Challenge)
	}
	h.Answer(c.Status, c.Body, hdr...)
	_, err := h.Conn.ListTransactions(context.Background(), driver.TransactionQuery{AccountID: "acc-1", Page: driver.PageRequest{Limit: 5}})
	require.Error(t, err)
	assert.Equal(t, c.Want, h.Conn.ErrorCode(err), "%v", err)
	var be *obcerr.BankError
	assert.ErrorAs(t, err, &be)
}

func testQuirks(t *testing.T, b Bank) {
	h := Open(t, b)
	for _, c := range b.Quirks {
		t.Run(c.Name, func(t *testing.T) { checkCase(t, h, c) })
	}
}

func testTransport(t *testing.T, b Bank) {
	h := Open(t, b)
	h.Mock.RegisterNoResponder(httpmock.NewErrorResponder(syscall.ECONNRESET))
	_, err := h.Conn.GetAccount(context.Background(), "acc-1")
	assert.Equal(t, obcerr.Unavailable, h.Conn.ErrorCode(err))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A bank that never answers: only the context can end the call.
	h.Mock.Reset()
	h.Mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})
	_, err = h.Conn.GetAccount(ctx, "10001-CHK")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, obcerr.Canceled, h.Conn.ErrorCode(err))
	assert.Equal(t, obcerr.OK, h.Conn.ErrorCode(nil))
	assert.Equal(t, obcerr.Unknown, h.Conn.ErrorCode(errors.New("something else")))
}

// badBodies are 2xx answers that must fail with Internal, never yield data.
var badBodies = map[string]string{
	"empty":                  "",
	"blank":                  "  \n",
	"null":                   "null",
	"array":                  "[]",
	"truncated":              `{"transactions": [{"depositTransaction": {"accountId": "acc-1", "transactionId": "t1", "amo`,
	"not json":               "<html>maintenance</html>",
	"trailing garbage":       `{"transactions": []} {"x":1}`,
	"missing list":           `{"page": {}}`,
	"null list":              `{"transactions": null}`,
	"empty entry":            `{"transactions": [{}]}`,
	"null entry":             `{"transactions": [null]}`,
	"two members":            `{"transactions": [{"depositTransaction": ` + tx("t1", "1.00", "DEBIT") + `, "locTransaction": ` + tx("t1", "1.00", "DEBIT") + `}]}`,
	"no id":                  `{"transactions": [{"depositTransaction": ` + tx("", "1.00", "DEBIT") + `}]}`,
	"amount null":            `{"transactions": [{"depositTransaction": {"accountId": "acc-1", "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": null}}]}`,
	"amount text":            `{"transactions": [{"depositTransaction": ` + tx("t1", `"ten"`, "DEBIT") + `}]}`,
	"amount inexact":         `{"transactions": [{"depositTransaction": ` + tx("t1", "2.345", "DEBIT") + `}]}`,
	"amount overflow":        `{"transactions": [{"depositTransaction": ` + tx("t1", "123456789012345678901", "DEBIT") + `}]}`,
	"amount float syntax":    `{"transactions": [{"depositTransaction": ` + tx("t1", "NaN", "DEBIT") + `}]}`,
	"wrong type":             `{"transactions": "none"}`,
	"timestamp not rfc3339":  `{"transactions": [{"depositTransaction": {"accountId": "acc-1", "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "postedTimestamp": "yesterday"}}]}`,
	"other account":          `{"transactions": [{"depositTransaction": {"accountId": "acc-2", "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}]}`,
	"foreign currency bogus": `{"transactions": [{"depositTransaction": {"accountId": "acc-1", "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "foreignAmount": 1, "foreignCurrency": "XXXX"}}]}`,
}

func tx(id, amount, dcm string) string {
	return fmt.Sprintf(`{"accountId": "acc-1", "transactionId": %q, "status": "POSTED", "debitCreditMemo": %q, "amount": %s}`, id, dcm, amount)
}

func testBadBodies(t *testing.T, b Bank) {
	h := Open(t, b)
	q := driver.TransactionQuery{AccountID: "acc-1", Page: driver.PageRequest{Limit: 5}}
	for name, body := range badBodies {
		t.Run(name, func(t *testing.T) {
			h.Answer(200, body)
			page, err := h.Conn.ListTransactions(context.Background(), q)
			require.Error(t, err)
			assert.Nil(t, page)
			assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
		})
	}
	t.Run("body cut by the network", func(t *testing.T) {
		h.Mock.Reset()
		h.Mock.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			r := httpmock.NewStringResponse(200, "")
			r.Header.Set("Content-Type", "application/json")
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"transactions": [`), iotest.ErrReader(io.ErrUnexpectedEOF)))
			return r, nil
		})
		_, err := h.Conn.ListTransactions(context.Background(), q)
		assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
	})
	t.Run("content type html", func(t *testing.T) {
		h.Answer(200, `{"transactions": []}`, "Content-Type", "text/html")
		_, err := h.Conn.ListTransactions(context.Background(), q)
		assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
	})
	for name, body := range map[string]string{
		"accounts missing":  `{}`,
		"account no member": `{"accounts": [{"unknownAccount": {"accountId": "x"}}]}`,
		"account no id":     `{"accounts": [{"depositAccount": {"accountType": "CHECKING"}}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			h.Answer(200, body)
			_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 5})
			assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
		})
	}
	for name, call := range map[string]func() error{
		"detail empty":  func() error { _, err := h.Conn.GetAccount(context.Background(), "10001-CHK"); return err },
		"consent empty": func() error { _, err := h.Conn.GetConsent(context.Background(), "c"); return err },
		"contact empty": func() error { _, err := h.Conn.GetContact(context.Background(), "a"); return err },
		"networks empty": func() error {
			_, err := h.Conn.ListPaymentNetworks(context.Background(), "a", driver.PageRequest{})
			return err
		},
		"detail balances": func() error {
			h.Answer(200, `{"depositAccount": {"accountId": "10001-CHK", "currentBalance": 1.005}}`)
			_, err := h.Conn.GetAccount(context.Background(), "10001-CHK")
			return err
		},
		"detail other id": func() error {
			h.Answer(200, `{"depositAccount": {"accountId": "other"}}`)
			_, err := h.Conn.GetAccount(context.Background(), "10001-CHK")
			return err
		},
		"consent no id": func() error {
			h.Answer(200, `{"status": "ACTIVE"}`)
			_, err := h.Conn.GetConsent(context.Background(), "c")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			h.Answer(200, "")
			err := call()
			assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
		})
	}
}

func testTolerance(t *testing.T, b Bank) {
	h := Open(t, b)
	h.Answer(200, `{"newTopLevel": {"a": [1, 2]}, "accounts": [
		{"depositAccount": {"accountId": "a1", "accountCategory": "DIGITAL_ACCOUNT", "accountType": "CRYPTOWALLET", "status": "FROZEN", "futureField": true}},
		{"locAccount": {"accountId": "a2", "accountType": "CHARGECARD"}},
		{"loanAccount": {"accountId": "a3", "accountType": "HELOC"}}]}`)
	page, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	assert.Equal(t, model.AccountCategory("DIGITAL_ACCOUNT"), page.Items[0].Category)
	assert.Equal(t, model.AccountType("CRYPTOWALLET"), page.Items[0].Type)
	assert.Equal(t, model.AccountStatus("FROZEN"), page.Items[0].Status)
	assert.Equal(t, model.LineOfCredit, page.Items[1].Category, "category from the member when not sent")
	assert.Equal(t, model.LoanAccount, page.Items[2].Category)
	for _, a := range page.Items {
		assert.Nil(t, a.Balances, "lists carry descriptors only")
		assert.Equal(t, "USD", a.Currency)
	}
	assert.Empty(t, page.Next)

	h.Answer(200, `{"transactions": [
		{"depositTransaction": {"accountId": "acc-1", "transactionId": "t1", "status": "AUTHORIZATION", "debitCreditMemo": "ADJUSTMENT", "amount": -3.10, "transactionType": "CRYPTO", "sparkle": 1}},
		{"locTransaction": {"transactionId": "t2", "status": "SETTLING", "debitCreditMemo": "MEMO", "amount": 4}}]}`)
	tp, err := h.Conn.ListTransactions(context.Background(), driver.TransactionQuery{AccountID: "acc-1"})
	require.NoError(t, err)
	require.Len(t, tp.Items, 2)
	assert.Equal(t, model.TransactionStatus("AUTHORIZATION"), tp.Items[0].Status)
	assert.Equal(t, model.Direction("ADJUSTMENT"), tp.Items[0].Direction)
	assert.Equal(t, int64(-310), tp.Items[0].Amount.Minor, "unknown direction keeps the amount as sent")
	assert.Equal(t, "CRYPTO", tp.Items[0].Type)
	assert.Equal(t, "acc-1", tp.Items[1].AccountID, "a transaction without accountId belongs to the account asked for")

	h.Answer(200, `{"paymentNetworks": [{"type": "US_RTP", "identifierType": "TOKENIZED_ACCOUNT_NUMBER", "identifier": "tan-9999", "extra": {}}]}`)
	pn, err := h.Conn.ListPaymentNetworks(context.Background(), "acc-1", driver.PageRequest{})
	require.NoError(t, err)
	assert.Equal(t, model.PaymentNetworkType("US_RTP"), pn.Items[0].Type)

	h.Answer(200, `{"id": "c1", "status": "PAUSED", "createdTime": "2026-01-01T00:00:00Z", "expirationTime": "2026-02-01T00:00:00Z", "durationType": "ONE_TIME", "parties": [], "resources": []}`)
	cs, err := h.Conn.GetConsent(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, model.ConsentStatus("PAUSED"), cs.Status)
}

func testAmounts(t *testing.T, b Bank) {
	h := Open(t, b)
	cases := []struct {
		amount, dcm string
		want        int64
	}{
		{"0", "DEBIT", 0},
		{"0.00", "CREDIT", 0},
		{"0.01", "CREDIT", 1},
		{"-25.00", "CREDIT", 2500}, // a negative credit is still money in
		{"-25.00", "DEBIT", -2500}, // an already-signed debit is not flipped back
		{"25", "DEBIT", -2500},
		{"9999999999999.99", "CREDIT", 999999999999999}, // 13 integer digits
		{"9999999999999.99", "DEBIT", -999999999999999}, // and negative
		{"1234567890123.45", "DEBIT", -123456789012345},
		{"1.50", "DEBIT", -150},
		{"1.500", "DEBIT", -150}, // extra zero digits are exact
		{"0.10000000", "CREDIT", 10},
		{"1.5e2", "CREDIT", 15000},
		{`"12.34"`, "CREDIT", 1234}, // quoted amounts, as some banks send
		{"7.00", "MEMO", 700},
	}
	for _, c := range cases {
		t.Run(c.amount+"/"+c.dcm, func(t *testing.T) {
			h.Answer(200, `{"transactions": [{"depositTransaction": `+tx("t1", c.amount, c.dcm)+`}]}`)
			p, err := h.Conn.ListTransactions(context.Background(), driver.TransactionQuery{AccountID: "acc-1"})
			require.NoError(t, err)
			require.Len(t, p.Items, 1)
			assert.Equal(t, model.Money{Minor: c.want, Currency: "USD"}, p.Items[0].Amount)
		})
	}
	t.Run("balances at the edge", func(t *testing.T) {
		h.Answer(200, `{"depositAccount": {"accountId": "big", "currentBalance": 9999999999999.99, "availableBalance": -0.01, "currency": {"currencyCode": "USD"}}}`)
		a, err := h.Conn.GetAccount(context.Background(), "big")
		require.NoError(t, err)
		assert.Equal(t, int64(999999999999999), a.Balances.Current.Minor)
		assert.Equal(t, int64(-1), a.Balances.Available.Minor)
	})
	t.Run("account currency", func(t *testing.T) {
		h.Answer(200, `{"depositAccount": {"accountId": "jp", "currentBalance": 1200, "currency": {"currencyCode": "JPY"}}}`)
		a, err := h.Conn.GetAccount(context.Background(), "jp")
		require.NoError(t, err)
		assert.Equal(t, model.Money{Minor: 1200, Currency: "JPY"}, *a.Balances.Current)
	})
}

func testFixtures(t *testing.T, b Bank) {
	h := Open(t, b)
	ctx := context.Background()

	h.Answer(200, string(Fixture("account_deposit.json")))
	a, err := h.Conn.GetAccount(ctx, "10001-CHK")
	require.NoError(t, err)
	assert.Equal(t, model.Account{
		ID: "10001-CHK", Category: model.DepositAccount, Type: model.Checking, Status: model.AccountOpen,
		NumberDisplay: "...6789", Nickname: "Bills", ProductName: "Total Checking", Description: "Personal checking",
		Currency: "USD", OpenedOn: time.Date(2019, 3, 14, 0, 0, 0, 0, time.UTC),
		Balances: &model.Balances{
			AsOf:      time.Date(2026, 6, 1, 3, 59, 59, 0, time.UTC),
			Current:   &model.Money{Minor: 421307, Currency: "USD"},
			Available: &model.Money{Minor: 401912, Currency: "USD"},
		},
	}, *a)
	assert.Equal(t, time.UTC, a.Balances.AsOf.Location())

	h.Answer(200, string(Fixture("account_loc.json")))
	a, err = h.Conn.GetAccount(ctx, "20002-CC")
	require.NoError(t, err)
	assert.Equal(t, model.LineOfCredit, a.Category)
	assert.Equal(t, model.CreditCard, a.Type)
	usd := func(m int64) *model.Money { return &model.Money{Minor: m, Currency: "USD"} }
	assert.Equal(t, &model.Balances{
		AsOf: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), Current: usd(123645), CreditLine: usd(1200000),
		AvailableCredit: usd(1076355), Principal: usd(123645), NextPayment: usd(3500),
		NextPaymentDue: time.Date(2026, 6, 25, 0, 0, 0, 0, time.UTC),
	}, a.Balances)

	h.Answer(200, string(Fixture("account_loan.json")))
	a, err = h.Conn.GetAccount(ctx, "30003-AUTO")
	require.NoError(t, err)
	assert.Equal(t, model.LoanAccount, a.Category)
	assert.Equal(t, &model.Balances{
		AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Principal: usd(1425088), NextPayment: usd(51237),
		NextPaymentDue: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC),
	}, a.Balances)

	list := fmt.Sprintf(`{"accounts": [%s, %s, %s]}`, Fixture("account_deposit.json"), Fixture("account_loc.json"), Fixture("account_loan.json"))
	h.Answer(200, list)
	ap, err := h.Conn.ListAccounts(ctx, driver.PageRequest{Limit: 3})
	require.NoError(t, err)
	require.Len(t, ap.Items, 3)
	assert.Equal(t, []string{"10001-CHK", "20002-CC", "30003-AUTO"}, []string{ap.Items[0].ID, ap.Items[1].ID, ap.Items[2].ID})

	h.Answer(200, string(Fixture("transactions_page.json")))
	tp, err := h.Conn.ListTransactions(ctx, driver.TransactionQuery{AccountID: "10001-CHK", Page: driver.PageRequest{Limit: 5}})
	require.NoError(t, err)
	require.Len(t, tp.Items, 5)
	assert.Equal(t, fdx.EncodeCursor(h.Conn.Profile().Pagination, "NEXT"), tp.Next)
	assert.Equal(t, model.Transaction{
		ID: "TX-1001", AccountID: "10001-CHK", Amount: model.Money{Minor: -8643, Currency: "USD"}, Direction: model.Debit,
		Status: model.Posted, TransactionTime: time.Date(2026, 5, 29, 23, 45, 0, 0, time.UTC),
		PostedTime: time.Date(2026, 5, 30, 14, 2, 11, 0, time.UTC), Description: "WHOLE FOODS MKT #10233 AUSTIN TX",
		Merchant: "Whole Foods Market", MCC: "5411", Category: "Groceries", SubCategory: "Supermarkets", Type: "POSDEBIT",
		Reference: "24431065149100010001234", ReplacesID: "TX-0990",
	}, tp.Items[0])
	assert.Equal(t, model.Money{Minor: 312500, Currency: "USD"}, tp.Items[1].Amount)
	assert.Equal(t, model.Pending, tp.Items[2].Status)
	assert.True(t, tp.Items[2].PostedTime.IsZero())
	assert.Equal(t, "4121", tp.Items[2].MCC)
	assert.Equal(t, "", tp.Items[3].MCC)
	assert.Equal(t, &model.Money{Minor: 1190, Currency: "EUR"}, tp.Items[4].Foreign)
	assert.Equal(t, time.Date(2026, 5, 24, 14, 20, 0, 0, time.UTC), tp.Items[4].TransactionTime)

	h.Answer(200, string(Fixture("consent.json")))
	c, err := h.Conn.GetConsent(ctx, "cns-7f3a")
	require.NoError(t, err)
	assert.Equal(t, "cns-7f3a", c.ID)
	assert.Equal(t, model.ConsentActive, c.Status)
	assert.Equal(t, "PERSONAL_FINANCIAL_MANAGEMENT", c.Purpose)
	assert.Equal(t, []model.Cluster{model.AccountBasic, model.AccountDetailed, model.Transactions, "REWARDS"}, c.Clusters)
	assert.Equal(t, time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC), c.Created)
	assert.Equal(t, time.Date(2026, 7, 30, 15, 0, 0, 0, time.UTC), c.Expires)
	assert.Equal(t, 90, c.DurationDays)
	assert.Equal(t, 365, c.LookbackDays)
	require.Len(t, c.Accounts, 2)
	assert.Equal(t, model.ConsentRevoked, c.Accounts[1].Status)

	h.Answer(200, string(Fixture("contact.json")))
	ct, err := h.Conn.GetContact(ctx, "10001-CHK")
	require.NoError(t, err)
	require.Len(t, ct.Holders, 2)
	assert.Equal(t, model.Holder{Relationship: "PRIMARY", Name: model.Name{First: "Ada", Middle: "K", Last: "Lovelace"}}, ct.Holders[0])
	assert.Equal(t, []string{"ada@example.com"}, ct.Emails)
	assert.Equal(t, model.Address{Line1: "12 Analytical Way", Line2: "Apt 3", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US", Type: "HOME"}, ct.Addresses[0])
	assert.Equal(t, model.Telephone{Type: "CELL", Country: "1", Number: "5125550123"}, ct.Telephones[0])

	h.Answer(200, string(Fixture("payment_networks.json")))
	pn, err := h.Conn.ListPaymentNetworks(ctx, "10001-CHK", driver.PageRequest{})
	require.NoError(t, err)
	require.Len(t, pn.Items, 2)
	assert.Equal(t, "021000021", pn.Items[0].BankID)
	assert.Equal(t, "000123456789", pn.Items[0].Identifier.Reveal())
	assert.NotContains(t, fmt.Sprint(pn.Items[0]), "000123456789")
	assert.True(t, pn.Items[0].TransferOut)
	assert.False(t, pn.Items[1].TransferOut)
}

// testFlatLayout feeds Core Exchange 6.x's flat layout (each account or
// transaction a flat object tagged by accountCategory): a flat fixture
// holding the same facts as its member-form twin must map to the same
// model, and a category the SDK has no member for passes through as an
// unknown kind, never dropped.
func testFlatLayout(t *testing.T, b Bank) {
	h := Open(t, b)
	ctx := context.Background()
	for _, c := range []struct{ member, flat, id string }{
		{"account_deposit.json", "account_deposit_flat.json", "10001-CHK"},
		{"account_loc.json", "account_loc_flat.json", "20002-CC"},
		{"account_loan.json", "account_loan_flat.json", "30003-AUTO"},
	} {
		t.Run(c.flat, func(t *testing.T) {
			h.Answer(200, string(Fixture(c.member)))
			want, err := h.Conn.GetAccount(ctx, c.id)
			require.NoError(t, err)
			h.Answer(200, string(Fixture(c.flat)))
			got, err := h.Conn.GetAccount(ctx, c.id)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}

	t.Run("unknown category", func(t *testing.T) {
		h.Answer(200, string(Fixture("account_investment_flat.json")))
		a, err := h.Conn.GetAccount(ctx, "40004-BRK")
		require.NoError(t, err)
		assert.Equal(t, model.InvestmentAccount, a.Category)
		assert.Equal(t, model.AccountType("TAXABLE"), a.Type)
		assert.Equal(t, "...2468", a.NumberDisplay)
		require.NotNil(t, a.Balances)
		assert.Nil(t, a.Balances.Current, "no balance of ours is in an investment account's fields")

		h.Answer(200, `{"accountCategory": "SPACE_ACCOUNT", "accountId": "x1", "currentBalance": 1.10}`)
		a, err = h.Conn.GetAccount(ctx, "x1")
		require.NoError(t, err)
		assert.Equal(t, model.AccountCategory("SPACE_ACCOUNT"), a.Category)
		assert.Equal(t, &model.Money{Minor: 110, Currency: "USD"}, a.Balances.Current)
	})

	t.Run("list", func(t *testing.T) {
		h.Answer(200, fmt.Sprintf(`{"accounts": [%s, %s, %s, %s]}`, Fixture("account_deposit_flat.json"),
			Fixture("account_loc_flat.json"), Fixture("account_loan_flat.json"), Fixture("account_investment_flat.json")))
		ap, err := h.Conn.ListAccounts(ctx, driver.PageRequest{Limit: 4})
		require.NoError(t, err)
		require.Len(t, ap.Items, 4)
		var cats []model.AccountCategory
		for _, a := range ap.Items {
			cats = append(cats, a.Category)
			assert.Nil(t, a.Balances, "lists carry descriptors only")
		}
		assert.Equal(t, []model.AccountCategory{model.DepositAccount, model.LineOfCredit, model.LoanAccount, model.InvestmentAccount}, cats)
	})

	t.Run("transactions", func(t *testing.T) {
		q := driver.TransactionQuery{AccountID: "10001-CHK", Page: driver.PageRequest{Limit: 5}}
		h.Answer(200, string(Fixture("transactions_page.json")))
		member, err := h.Conn.ListTransactions(ctx, q)
		require.NoError(t, err)
		h.Answer(200, string(Fixture("transactions_page_flat.json")))
		tp, err := h.Conn.ListTransactions(ctx, q)
		require.NoError(t, err)
		require.Len(t, tp.Items, 4)
		assert.Equal(t, member.Items[0], tp.Items[0], "flat and member forms of one transaction map alike")
		assert.Equal(t, fdx.EncodeCursor(h.Conn.Profile().Pagination, "NEXT"), tp.Next)
		assert.Equal(t, model.Pending, tp.Items[1].Status)
		assert.Equal(t, model.Money{Minor: 51237, Currency: "USD"}, tp.Items[2].Amount)
		assert.Equal(t, "TX-3001", tp.Items[3].ID, "an investment transaction is kept")
		assert.Equal(t, "PURCHASED", tp.Items[3].Type)
		assert.Equal(t, model.Money{Minor: -189340, Currency: "USD"}, tp.Items[3].Amount)
		for _, it := range tp.Items {
			assert.Equal(t, "10001-CHK", it.AccountID)
		}
	})

	t.Run("member wins over flat fields", func(t *testing.T) {
		h.Answer(200, `{"accountCategory": "LOC_ACCOUNT", "accountId": "flat", "depositAccount": {"accountId": "10001-CHK", "currentBalance": 2.00}}`)
		a, err := h.Conn.GetAccount(ctx, "10001-CHK")
		require.NoError(t, err)
		assert.Equal(t, model.DepositAccount, a.Category)
		assert.Equal(t, int64(200), a.Balances.Current.Minor)
	})

	for name, body := range map[string]string{
		"flat without amount":        `{"transactions": [{"accountCategory": "DEPOSIT_ACCOUNT", "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT"}]}`,
		"flat without status":        `{"transactions": [{"accountCategory": "DEPOSIT_ACCOUNT", "transactionId": "t1", "debitCreditMemo": "DEBIT", "amount": 1}]}`,
		"flat without id":            `{"transactions": [{"accountCategory": "LOC_ACCOUNT", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}]}`,
		"flat tag of the wrong type": `{"transactions": [{"accountCategory": 7, "transactionId": "t1", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			h.Answer(200, body)
			_, err := h.Conn.ListTransactions(ctx, driver.TransactionQuery{AccountID: "acc-1"})
			assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
		})
	}
	h.Answer(200, `{"accountCategory": "DEPOSIT_ACCOUNT"}`)
	_, err := h.Conn.GetAccount(ctx, "10001-CHK")
	assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "a flat account without accountId: %v", err)
}

func testPagination(t *testing.T, b Bank) {
	h := Open(t, b)
	style := h.Conn.Profile().Pagination
	param, other := "pageKey", "offset"
	if style == driver.PaginationOffset {
		param, other = "offset", "pageKey"
	}
	var seen []*http.Request
	h.Mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r)
		body := `{"transactions": [], "page": {"` + "next" + strings.ToUpper(param[:1]) + param[1:] + `": "tok-2"}}`
		if r.URL.Query().Get(param) == "tok-2" {
			body = `{"transactions": []}`
		}
		resp := httpmock.NewStringResponse(200, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	start := time.Date(2026, 1, 2, 15, 0, 0, 0, time.FixedZone("x", -5*3600))
	end := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	q := driver.TransactionQuery{AccountID: "acc/1", Start: start, End: end, Page: driver.PageRequest{Limit: 7}}
	p1, err := h.Conn.ListTransactions(context.Background(), q)
	require.NoError(t, err)
	require.NotEmpty(t, p1.Next)
	q.Page.Cursor = p1.Next
	p2, err := h.Conn.ListTransactions(context.Background(), q)
	require.NoError(t, err)
	assert.Empty(t, p2.Next)
	require.Len(t, seen, 2)
	first, second := seen[0].URL, seen[1].URL
	assert.Equal(t, h.DataURL+"/accounts/acc%2F1/transactions", first.Scheme+"://"+first.Host+first.EscapedPath())
	assert.Equal(t, "7", first.Query().Get("limit"))
	assert.Equal(t, "2026-01-02", first.Query().Get("startTime"))
	assert.Equal(t, "2026-03-04", first.Query().Get("endTime"))
	assert.False(t, first.Query().Has(param))
	assert.Equal(t, "tok-2", second.Query().Get(param))
	assert.False(t, second.Query().Has(other))

	t.Run("repeated page key stops", func(t *testing.T) {
		h.Answer(200, `{"transactions": [], "page": {"nextPageKey": "same", "nextOffset": "same"}}`)
		q := driver.TransactionQuery{AccountID: "a", Page: driver.PageRequest{Cursor: fdx.EncodeCursor(style, "same")}}
		_, err := h.Conn.ListTransactions(context.Background(), q)
		assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
	})
	t.Run("other style is not silently the last page", func(t *testing.T) {
		h.Answer(200, `{"accounts": [], "page": {"next`+strings.ToUpper(other[:1])+other[1:]+`": "x"}}`)
		_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{})
		assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "%v", err)
	})
	t.Run("foreign cursor refused before the network", func(t *testing.T) {
		h.Answer(200, `{"accounts": []}`)
		h.Mock.ZeroCallCounters()
		wrong := driver.PaginationOffset
		if style == driver.PaginationOffset {
			wrong = driver.PaginationPageKey
		}
		for _, cur := range []string{fdx.EncodeCursor(wrong, "x"), "garbage", pageKeyOrOffset(style, strings.Repeat("x", 300))} {
			_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Cursor: cur})
			assert.Equal(t, obcerr.InvalidArgument, h.Conn.ErrorCode(err), cur)
		}
		assert.Zero(t, h.Mock.GetTotalCallCount())
	})
}

func pageKeyOrOffset(style driver.Pagination, tok string) string {
	return fdx.EncodeCursor(style, tok)
}

func testStatements(t *testing.T, b Bank) {
	h := Open(t, b)
	offered := false
	for _, c := range h.Conn.Profile().Clusters {
		offered = offered || c == model.Statements
	}
	ctx := context.Background()
	if !offered {
		h.Answer(200, string(Fixture("statements.json")))
		_, err := h.Conn.ListStatements(ctx, driver.StatementQuery{AccountID: "a"})
		assert.Equal(t, obcerr.Unimplemented, h.Conn.ErrorCode(err))
		_, err = h.Conn.GetStatement(ctx, "a", "s")
		assert.Equal(t, obcerr.Unimplemented, h.Conn.ErrorCode(err))
		assert.Zero(t, h.Mock.GetTotalCallCount(), "an unsupported cluster costs no request")
		return
	}
	h.Answer(200, string(Fixture("statements.json")))
	sp, err := h.Conn.ListStatements(ctx, driver.StatementQuery{AccountID: "10001-CHK", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Len(t, sp.Items, 2)
	assert.Equal(t, model.Statement{ID: "st-2026-04", AccountID: "10001-CHK", Date: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC),
		Description: "April 2026", Status: model.StatementAvailable}, sp.Items[0])
	assert.Equal(t, model.StatementProcessing, sp.Items[1].Status)

	pdf := "%PDF-1.4\n" + strings.Repeat("x", 1000) + "\n%%EOF\n"
	h.Mock.Reset()
	h.Mock.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(200, pdf)
		r.Header.Set("Content-Type", "application/pdf")
		r.ContentLength = int64(len(pdf))
		return r, nil
	})
	doc, err := h.Conn.GetStatement(ctx, "10001-CHK", "st-2026-04")
	require.NoError(t, err)
	got, err := io.ReadAll(doc.Body)
	require.NoError(t, err)
	require.NoError(t, doc.Body.Close())
	assert.Equal(t, pdf, string(got))
	assert.Equal(t, "application/pdf", doc.ContentType)
	assert.Equal(t, int64(len(pdf)), doc.Size)

	h.Answer(404, errorBody(1205, "statement not found", ""))
	_, err = h.Conn.GetStatement(ctx, "10001-CHK", "nope")
	assert.Equal(t, obcerr.NotFound, h.Conn.ErrorCode(err))
}

func testRevoke(t *testing.T, b Bank) {
	h := Open(t, b)
	var body map[string]any
	var method, path string
	h.Mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		method, path = r.Method, r.URL.Path
		body = nil
		_ = json.NewDecoder(r.Body).Decode(&body)
		return httpmock.NewStringResponse(204, ""), nil
	})
	for reason, want := range map[driver.RevocationReason]string{
		driver.ReasonUserAction: "USER_ACTION", driver.ReasonBusinessRule: "BUSINESS_RULE",
		driver.ReasonAccountClosed: "BUSINESS_RULE", driver.ReasonSuspectedFraud: "BUSINESS_RULE",
	} {
		require.NoError(t, h.Conn.RevokeConsent(context.Background(), "cns-1", reason))
		assert.Equal(t, http.MethodPut, method)
		assert.True(t, strings.HasSuffix(path, "/consents/cns-1/revocation"), path)
		assert.Equal(t, want, body["reason"])
		assert.Equal(t, "DATA_RECIPIENT", body["initiator"])
		assert.NotContains(t, body, "accountIds")
	}
	h.Answer(409, errorBody(1107, "already revoked", ""))
	err := h.Conn.RevokeConsent(context.Background(), "cns-1", driver.ReasonUserAction)
	assert.Equal(t, obcerr.ConsentRevoked, h.Conn.ErrorCode(err))
	h.Answer(404, errorBody(601, "no such consent", ""))
	err = h.Conn.RevokeConsent(context.Background(), "nope", driver.ReasonUserAction)
	assert.Equal(t, obcerr.NotFound, h.Conn.ErrorCode(err))
	_, isRevoker := h.Conn.(driver.AccountRevoker)
	assert.Equal(t, h.File.AccountRevocation, isRevoker, "AccountRevoker exactly when the profile says the bank revokes accounts")
}

func testSubscriptions(t *testing.T, b Bank) {
	h := Open(t, b)
	ns, ok := h.Conn.(driver.NotificationSubscriber)
	if !ok {
		t.Skip("the bank offers no notification subscriptions")
	}
	ctx := context.Background()
	var sent map[string]any
	var method, path string
	h.Mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		method, path = r.Method, r.URL.Path
		sent = nil
		if r.Body != nil { // a client request without a body has none
			_ = json.NewDecoder(r.Body).Decode(&sent)
		}
		if r.Method == http.MethodDelete {
			return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
		}
		resp := httpmock.NewStringResponse(http.StatusCreated, `{"subscriptionId": "sub-1", "callbackUrl": "https://app.example/hook",
			"notificationTypes": ["CONSENT_REVOKED", "FUTURE_TYPE"], "createdTime": "2026-06-01T12:00:00+02:00", "extra": 1}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	sub, err := ns.Subscribe(ctx, "https://app.example/hook", []string{"CONSENT_REVOKED", "FUTURE_TYPE"})
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, method)
	assert.Equal(t, strings.TrimPrefix(h.DataURL, Base)+"/notification-subscriptions", strings.TrimPrefix(path, "/partner"))
	assert.Equal(t, "https://app.example/hook", sent["callbackUrl"])
	assert.Equal(t, []any{"CONSENT_REVOKED", "FUTURE_TYPE"}, sent["notificationTypes"])
	assert.Equal(t, &driver.Subscription{ID: "sub-1", CallbackURL: "https://app.example/hook", Types: []string{"CONSENT_REVOKED", "FUTURE_TYPE"},
		Created: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}, sub)

	require.NoError(t, ns.Unsubscribe(ctx, "sub-1"))
	assert.Equal(t, http.MethodDelete, method)
	assert.True(t, strings.HasSuffix(path, "/notification-subscriptions/sub-1"), path)

	h.Answer(404, errorBody(401, "no such subscription", ""))
	err = ns.Unsubscribe(ctx, "nope")
	assert.Equal(t, obcerr.NotFound, h.Conn.ErrorCode(err))
	var be *obcerr.BankError
	assert.ErrorAs(t, err, &be, "the bank's answer stays reachable")
	h.Answer(400, errorBody(401, "callbackUrl must be https", ""))
	_, err = ns.Subscribe(ctx, "http://example.com/hook", nil)
	assert.Equal(t, obcerr.InvalidArgument, h.Conn.ErrorCode(err))
	h.Answer(201, `{"callbackUrl": "https://app.example/hook"}`)
	_, err = ns.Subscribe(ctx, "https://app.example/hook", nil)
	assert.Equal(t, obcerr.Internal, h.Conn.ErrorCode(err), "a subscription without id is malformed")
}

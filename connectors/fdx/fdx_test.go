package fdx

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

const goodProfile = `{
  "name": "acme", "displayName": "Acme", "fdxVersion": "5.0", "pagination": "offset",
  "sandboxURL": "http://127.0.0.1:8080/acme", "dataPath": "/fdx/v5",
  "pageSize": {"max": 40, "default": 20}, "rateLimit": {"requestsPerSecond": 2.5, "burst": 5},
  "historyMonths": 12, "clusters": ["TRANSACTIONS", "ACCOUNT_BASIC"], "currency": "USD",
  "auth": {"clientAuth": "client_secret_basic", "authorization": "/authorize", "token": "https://login.acme.example/token", "par": "/par"}
}`

func TestParseProfile(t *testing.T) {
	p, err := ParseProfile([]byte(goodProfile))
	require.NoError(t, err)
	prof, data, err := p.Resolve("https://api.acme.example/v1/")
	require.NoError(t, err)
	assert.Equal(t, "https://api.acme.example/v1/fdx/v5", data)
	assert.Equal(t, "https://api.acme.example/v1/authorize", prof.Auth.AuthorizationURL)
	assert.Equal(t, "https://login.acme.example/token", prof.Auth.TokenURL, "absolute endpoints stay")
	assert.Equal(t, "", prof.Auth.RevocationURL)
	assert.Equal(t, driver.PaginationOffset, prof.Pagination)
	assert.Equal(t, driver.ClientSecretBasic, prof.Auth.ClientAuth)
	assert.Equal(t, 365*24*time.Hour, prof.HistoryWindow)
	assert.Equal(t, driver.RateLimit{RequestsPerSecond: 2.5, Burst: 5}, prof.RateLimit)
	assert.Equal(t, "ACCOUNT_BASIC", string(prof.Clusters[0]), "clusters in the model's order")

	prof, data, err = p.Resolve("")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/acme/fdx/v5", data)
	assert.Equal(t, "http://127.0.0.1:8080/acme", prof.Auth.Issuer)

	_, _, err = p.Resolve("https://user:secret@api.acme.example")
	require.Error(t, err)
	assert.Equal(t, obcerr.InvalidArgument, obcerr.ErrorCode(err))
	assert.NotContains(t, err.Error(), "secret")
}

func TestParseProfileRejects(t *testing.T) {
	cases := map[string]func(m map[string]any){
		"unknown key":     func(m map[string]any) { m["pageSizes"] = 1 },
		"upper name":      func(m map[string]any) { m["name"] = "Acme" },
		"pagination":      func(m map[string]any) { m["pagination"] = "cursor" },
		"client auth":     func(m map[string]any) { m["auth"].(map[string]any)["clientAuth"] = "tls_client_auth" },
		"page sizes":      func(m map[string]any) { m["pageSize"] = map[string]any{"max": 10, "default": 20} },
		"cluster":         func(m map[string]any) { m["clusters"] = []string{"ADVERTISING"} },
		"no clusters":     func(m map[string]any) { m["clusters"] = []string{} },
		"currency":        func(m map[string]any) { m["currency"] = "usd" },
		"par without url": func(m map[string]any) { a := m["auth"].(map[string]any); a["parRequired"] = true; delete(a, "par") },
		"no token url":    func(m map[string]any) { delete(m["auth"].(map[string]any), "token") },
		"data path":       func(m map[string]any) { m["dataPath"] = "fdx" },
		"sandbox":         func(m map[string]any) { m["sandboxURL"] = "ftp://x" },
		"negative":        func(m map[string]any) { m["historyMonths"] = -1 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(goodProfile), &m))
			mutate(m)
			doc, err := json.Marshal(m)
			require.NoError(t, err)
			_, err = ParseProfile(doc)
			assert.Error(t, err)
		})
	}
	_, err := ParseProfile([]byte(goodProfile + " {}"))
	assert.Error(t, err, "trailing data")
	_, err = ParseProfile([]byte("{"))
	assert.Error(t, err)
}

func TestErrorTable(t *testing.T) {
	table := ErrorTable{Quirks: []Rule{
		{HTTPStatus: 401, FDXCode: 602, Code: obcerr.ConsentRevoked},
		{HTTPStatus: 503, FDXCode: 501, NeedRetryAfter: true, Code: obcerr.RateLimited},
		{HTTPStatus: 403, FDXCode: 1107, DebugContains: "Consent Expired", Code: obcerr.ConsentExpired},
	}}
	cases := []struct {
		err  error
		want obcerr.Code
	}{
		{&obcerr.BankError{HTTPStatus: 401, Code: 602}, obcerr.ConsentRevoked},
		{&obcerr.BankError{HTTPStatus: 401}, obcerr.Unauthenticated},
		{&obcerr.BankError{HTTPStatus: 503, Code: 501, RetryAfter: time.Second}, obcerr.RateLimited},
		{&obcerr.BankError{HTTPStatus: 503, Code: 501}, obcerr.Unavailable},
		{fmt.Errorf("wrapped: %w", &obcerr.BankError{HTTPStatus: 403, Code: 1107, DebugMessage: "the consent expired yesterday"}), obcerr.ConsentExpired},
		{&obcerr.BankError{HTTPStatus: 403, Code: 1107, Message: "consent expired"}, obcerr.ConsentExpired},
		{&obcerr.BankError{HTTPStatus: 403, Code: 1107, DebugMessage: "revoked by user"}, obcerr.ConsentRevoked},
		{obcerr.New(obcerr.Internal, "x"), obcerr.Internal},
		{nil, obcerr.OK},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, table.Classify(c.err), "%v", c.err)
	}
}

// bankError reads Retry-After in both RFC 9110 forms, once, for every
// bank; a date already past still counts as the header NeedRetryAfter
// looks for (citi's 503 + 501 is rate limiting then), garbage does not.
func TestBankErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 27, 50, 0, time.UTC)
	table := ErrorTable{Quirks: []Rule{{HTTPStatus: 503, FDXCode: 501, NeedRetryAfter: true, Code: obcerr.RateLimited}}}
	for _, c := range []struct {
		header string
		wait   time.Duration
		want   obcerr.Code
	}{
		{"7", 7 * time.Second, obcerr.RateLimited},
		{"Wed, 21 Oct 2026 07:28:00 GMT", 10 * time.Second, obcerr.RateLimited},
		{"Wed, 21 Oct 2026 07:00:00 GMT", 0, obcerr.RateLimited},
		{"later", 0, obcerr.Unavailable},
		{"", 0, obcerr.Unavailable},
	} {
		resp := &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"code":"501","message":"Subsystem unavailable"}`))}
		if c.header != "" {
			resp.Header.Set("Retry-After", c.header)
		}
		err := bankError(resp, now)
		var be *obcerr.BankError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, c.wait, be.RetryAfter, "%q", c.header)
		assert.Equal(t, c.want, table.Classify(err), "%q", c.header)
	}
}

func TestBearerError(t *testing.T) {
	for h, want := range map[string]string{
		`Bearer error="invalid_token"`:                 "invalid_token",
		`bearer realm="x", error="insufficient_scope"`: "insufficient_scope",
		`Bearer realm="bank"`:                          "",
		`Basic realm="x", error="invalid_token"`:       "",
		``:                                             "",
		`Bearer error=invalid_token, error_description="x"`: "invalid_token",
	} {
		assert.Equal(t, want, bearerError(h), h)
	}
	table := ErrorTable{Quirks: []Rule{{HTTPStatus: 401, FDXCode: 602, Unchallenged: true, Code: obcerr.ConsentRevoked}}}
	be := &obcerr.BankError{HTTPStatus: 401, Code: 602}
	assert.Equal(t, obcerr.ConsentRevoked, table.Classify(&answerError{BankError: be}))
	assert.Equal(t, obcerr.Unauthenticated, table.Classify(fmt.Errorf("x: %w", &answerError{BankError: be, answerFacts: answerFacts{bearerError: "invalid_token"}})))
}

func TestCursor(t *testing.T) {
	for _, style := range []driver.Pagination{driver.PaginationOffset, driver.PaginationPageKey} {
		c := EncodeCursor(style, "abc")
		tok, err := DecodeCursor(style, c)
		require.NoError(t, err)
		assert.Equal(t, "abc", tok)
		assert.Equal(t, "", EncodeCursor(style, ""))
		tok, err = DecodeCursor(style, "")
		require.NoError(t, err)
		assert.Equal(t, "", tok)
	}
	_, err := DecodeCursor(driver.PaginationOffset, EncodeCursor(driver.PaginationPageKey, "abc"))
	assert.Error(t, err)
	_, err = DecodeCursor(driver.PaginationPageKey, "k:")
	assert.Error(t, err)
}

func TestFDXReason(t *testing.T) {
	assert.EqualValues(t, "USER_ACTION", FDXReason(driver.ReasonUserAction))
	for _, r := range []driver.RevocationReason{driver.ReasonBusinessRule, driver.ReasonAccountClosed, driver.ReasonSuspectedFraud, "SOMETHING_NEW"} {
		assert.EqualValues(t, "BUSINESS_RULE", FDXReason(r))
	}
}

package fdx

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

const goodDescription = `{
  "name": "acme", "displayName": "Acme", "fdxVersion": "5.0",
  "sandboxURL": "http://127.0.0.1:8080/acme", "dataPath": "/fdx/v5", "currency": "USD",
  "clusters": ["TRANSACTIONS", "ACCOUNT_BASIC"], "historyMonths": 12,
  "paging": {"style": "offset", "max": 40, "default": 20, "overMax": "reject"},
  "rateLimit": {"requestsPerSecond": 3, "burst": 5},
  "accountRevocation": false, "notificationSubscriptions": false,
  "auth": {"clientAuth": "client_secret_basic", "parRequired": false, "authorization": "/authorize",
           "token": "https://login.acme.example/token", "par": "/par"},
  "errors": {"codeForm": "string", "retryAfter": "seconds", "quirks": [
    {"means": "ConsentRevoked", "status": 401, "code": 602, "unchallenged": true, "why": "revoked as unauthorised"},
    {"means": "RateLimited", "status": 503, "code": 501, "retryAfter": true, "why": "throttled as unavailable"},
    {"means": "ConsentExpired", "status": 403, "code": 1107, "debugMessage": "Consent Expired", "why": "expired as revoked"}
  ]},
  "assumptions": ["made up for tests"]
}`

func acme(t *testing.T) *bankdesc.Description {
	t.Helper()
	d, err := bankdesc.Parse([]byte(goodDescription))
	require.NoError(t, err)
	return d
}

// mustAcme is acme for benchmarks and fuzz targets.
func mustAcme() *bankdesc.Description {
	d, err := bankdesc.Parse([]byte(goodDescription))
	if err != nil {
		panic(err)
	}
	return d
}

func TestResolve(t *testing.T) {
	d := acme(t)
	prof, data, err := Resolve(d, "https://api.acme.example/v1/")
	require.NoError(t, err)
	assert.Equal(t, "https://api.acme.example/v1/fdx/v5", data)
	assert.Equal(t, "https://api.acme.example/v1/authorize", prof.Auth.AuthorizationURL)
	assert.Equal(t, "https://login.acme.example/token", prof.Auth.TokenURL, "absolute endpoints stay")
	assert.Equal(t, "", prof.Auth.RevocationURL)
	assert.Equal(t, driver.PaginationOffset, prof.Pagination)
	assert.Equal(t, driver.ClientSecretBasic, prof.Auth.ClientAuth)
	assert.Equal(t, 365*24*time.Hour, prof.HistoryWindow)
	assert.Equal(t, driver.RateLimit{RequestsPerSecond: 3, Burst: 5}, prof.RateLimit)
	assert.Equal(t, "ACCOUNT_BASIC", string(prof.Clusters[0]), "clusters in the model's order")

	prof, data, err = Resolve(d, "")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/acme/fdx/v5", data)
	assert.Equal(t, "http://127.0.0.1:8080/acme", prof.Auth.Issuer)

	_, _, err = Resolve(d, "https://user:secret@api.acme.example")
	require.Error(t, err)
	assert.Equal(t, obcerr.InvalidArgument, obcerr.ErrorCode(err))
	assert.NotContains(t, err.Error(), "secret")
}

func TestOpenerRejectsABrokenDescription(t *testing.T) {
	_, err := Opener([]byte(strings.Replace(goodDescription, `"paging"`, `"pageing"`, 1)))
	require.ErrorIs(t, err, bankdesc.ErrInvalid)
	assert.ErrorContains(t, err, "pageing")
	assert.Panics(t, func() { MustOpener([]byte("{")) })
	_, err = New(driver.OpenConfig{}, nil)
	assert.Equal(t, obcerr.InvalidArgument, obcerr.ErrorCode(err))
}

// The connector offers exactly the optional capabilities its description
// names, because the sdk finds them by type assertion.
func TestDressFollowsTheDescription(t *testing.T) {
	for _, tc := range []struct{ revoke, subs bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		d := acme(t)
		d.AccountRevocation, d.NotificationSubscriptions = tc.revoke, tc.subs
		c, err := New(driver.OpenConfig{}, d)
		require.NoError(t, err)
		conn := c.Dress()
		_, isRevoker := conn.(driver.AccountRevoker)
		_, isSubscriber := conn.(driver.NotificationSubscriber)
		assert.Equal(t, tc.revoke, isRevoker)
		assert.Equal(t, tc.subs, isSubscriber)
		assert.Equal(t, "acme", conn.Profile().Name)
	}
}

func TestConnectorKeepsItsOwnDescription(t *testing.T) {
	d := acme(t)
	c, err := New(driver.OpenConfig{}, d)
	require.NoError(t, err)
	d.Clusters[0] = "CHANGED"
	c.Description().Clusters[0] = "CHANGED"
	assert.Equal(t, "TRANSACTIONS", c.Description().Clusters[0])
}

func TestErrorCodeFollowsTheQuirks(t *testing.T) {
	c, err := New(driver.OpenConfig{}, acme(t))
	require.NoError(t, err)
	challenged := &answerError{BankError: &obcerr.BankError{HTTPStatus: 401, Code: 602}, answerFacts: answerFacts{bearerError: "invalid_token"}}
	cases := []struct {
		err  error
		want obcerr.Code
	}{
		{&obcerr.BankError{HTTPStatus: 401, Code: 602}, obcerr.ConsentRevoked},
		{challenged, obcerr.Unauthenticated},
		{&obcerr.BankError{HTTPStatus: 401}, obcerr.Unauthenticated},
		{&obcerr.BankError{HTTPStatus: 503, Code: 501, RetryAfter: time.Second}, obcerr.RateLimited},
		{&obcerr.BankError{HTTPStatus: 503, Code: 501}, obcerr.Unavailable},
		{fmt.Errorf("wrapped: %w", &obcerr.BankError{HTTPStatus: 403, Code: 1107, DebugMessage: "the consent expired yesterday"}), obcerr.ConsentExpired},
		{&obcerr.BankError{HTTPStatus: 403, Code: 1107, Message: "consent expired"}, obcerr.ConsentExpired},
		{&obcerr.BankError{HTTPStatus: 403, Code: 1107, DebugMessage: "revoked by user"}, obcerr.ConsentRevoked},
		{&obcerr.BankError{HTTPStatus: 418}, obcerr.Unknown},
		{obcerr.New(obcerr.Internal, "x"), obcerr.Internal},
		{io.ErrUnexpectedEOF, obcerr.Internal},
		{nil, obcerr.OK},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, c.ErrorCode(tc.err), "%v", tc.err)
	}
	_, q := c.Explain(&obcerr.BankError{HTTPStatus: 401, Code: 602})
	require.NotNil(t, q)
	assert.Equal(t, "revoked as unauthorised", q.Why)
}

// bankError reads Retry-After in both RFC 9110 forms, once, for every
// bank; a date already past still counts as the header NeedRetryAfter
// looks for (citi's 503 + 501 is rate limiting then), garbage does not.
func TestBankErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 27, 50, 0, time.UTC)
	conn, err := New(driver.OpenConfig{}, acme(t))
	require.NoError(t, err)
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
		assert.Equal(t, c.want, conn.ErrorCode(err), "%q", c.header)
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
	c, err := New(driver.OpenConfig{}, acme(t))
	require.NoError(t, err)
	be := &obcerr.BankError{HTTPStatus: 401, Code: 602}
	assert.Equal(t, obcerr.ConsentRevoked, c.ErrorCode(&answerError{BankError: be}))
	assert.Equal(t, obcerr.Unauthenticated, c.ErrorCode(fmt.Errorf("x: %w", &answerError{BankError: be, answerFacts: answerFacts{bearerError: "invalid_token"}})))
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

package fdx

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Rule is one row of a bank's error-mapping table: a bank error matching
// every set field classifies as Code. Zero fields match anything.
type Rule struct {
	// HTTPStatus and FDXCode select the answer; 0 matches any.
	HTTPStatus int
	FDXCode    int
	// DebugContains matches a case-insensitive substring of the error's
	// debugMessage (or message), for banks that overload one code.
	DebugContains string
	// NeedRetryAfter matches only answers carrying a usable Retry-After
	// header, in seconds or as an HTTP-date; a date already past counts
	// (the bank did ask, and the wait is over), garbage does not.
	NeedRetryAfter bool
	// Unchallenged matches only answers without an RFC 6750 Bearer error
	// challenge (WWW-Authenticate: Bearer error="invalid_token"), i.e.
	// answers that are not about the access token itself.
	Unchallenged bool
	// Code is the classification.
	Code obcerr.Code
	// Why says, for the package documentation and test names, what the
	// bank means by it.
	Why string
}

func (r Rule) matches(e *obcerr.BankError, a answerFacts) bool {
	if r.HTTPStatus != 0 && r.HTTPStatus != e.HTTPStatus {
		return false
	}
	if r.FDXCode != 0 && r.FDXCode != e.Code {
		return false
	}
	if r.NeedRetryAfter && e.RetryAfter <= 0 && !a.retryAfter {
		return false
	}
	if r.Unchallenged && a.bearerError != "" {
		return false
	}
	if r.DebugContains != "" {
		needle := strings.ToLower(r.DebugContains)
		if !strings.Contains(strings.ToLower(e.DebugMessage), needle) && !strings.Contains(strings.ToLower(e.Message), needle) {
			return false
		}
	}
	return true
}

// ErrorTable is a bank's error mapping: its quirks, checked first and in
// order, then the FDX standard table (driver.StandardFDXCode), then the
// HTTP status alone.
type ErrorTable struct {
	Quirks []Rule
}

// Classify implements driver.Connector.ErrorCode for a bank with this
// table. It is total and never panics.
func (t ErrorTable) Classify(err error) obcerr.Code {
	if err == nil {
		return obcerr.OK
	}
	var oe *obcerr.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	var be *obcerr.BankError
	if errors.As(err, &be) {
		var facts answerFacts
		if ae := (*answerError)(nil); errors.As(err, &ae) {
			facts = ae.answerFacts
		}
		for _, r := range t.Quirks {
			if r.matches(be, facts) {
				return r.Code
			}
		}
	}
	return driver.DefaultErrorCode(err)
}

// maxErrorBody bounds what is read of an error answer: an FDX error body is
// a few hundred bytes, and a hostile or broken bank must not make us buffer
// a gigabyte of HTML.
const maxErrorBody = 64 << 10

// answerError is a bank's non-2xx answer: the *obcerr.BankError integrators
// reach with errors.As, plus facts only error tables need.
type answerError struct {
	*obcerr.BankError
	answerFacts
}

// answerFacts are what an answer said that BankError does not keep.
type answerFacts struct {
	// bearerError is the error parameter of a Bearer WWW-Authenticate
	// challenge ("invalid_token"), "" when there was none.
	bearerError string
	// retryAfter is whether a usable Retry-After came, even one asking for
	// no wait (BankError.RetryAfter 0: a date already past).
	retryAfter bool
}

func (e *answerError) Unwrap() error { return e.BankError }

// bearerError extracts error="..." from a Bearer challenge. Only the
// parameter's presence and value matter, so a full RFC 9110 challenge
// parser would be more than is needed.
func bearerError(h string) string {
	scheme, params, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	for _, p := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "error") {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// bankError turns a non-2xx answer into an *obcerr.BankError. The body is
// read leniently: an answer whose body is not an FDX error (an HTML page
// from a gateway, nothing at all) still yields the HTTP facts, which the
// table then classifies by status.
func bankError(resp *http.Response, now time.Time) error {
	wait, hinted := obcerr.ParseRetryAfterHint(resp.Header.Get("Retry-After"), now)
	be := &obcerr.BankError{
		HTTPStatus:    resp.StatusCode,
		InteractionID: resp.Header.Get("x-fapi-interaction-id"),
		RetryAfter:    wait,
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var fe fdxclient.Error
	if json.Unmarshal(body, &fe) == nil {
		be.RawCode = fe.Code.String()
		be.Code, _ = fe.Code.Int()
		be.Message = fe.Message
		if fe.DebugMessage != nil {
			be.DebugMessage = *fe.DebugMessage
		}
	}
	return &answerError{BankError: be, answerFacts: answerFacts{
		bearerError: bearerError(resp.Header.Get("WWW-Authenticate")), retryAfter: hinted}}
}

package fdx

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// ErrorCode implements driver.Connector: the first of the description's
// quirks the answer matches, else the FDX catalogue by code, else the HTTP
// status; errors that are not the bank's answers classify as transport,
// context or decoding failures. It is total and never panics.
func (c *Connector) ErrorCode(err error) obcerr.Code {
	code, _ := c.Explain(err)
	return code
}

// Explain is ErrorCode with the quirk that decided, nil when the
// catalogue or the error's kind did: the conformance kit uses it to say
// which rule a bank's answer met.
func (c *Connector) Explain(err error) (obcerr.Code, *bankdesc.Quirk) {
	if err == nil {
		return obcerr.OK, nil
	}
	var oe *obcerr.Error
	if errors.As(err, &oe) {
		return oe.Code, nil
	}
	var be *obcerr.BankError
	if errors.As(err, &be) {
		r := bankdesc.Received{Status: be.HTTPStatus, Code: be.Code, Message: be.Message,
			DebugMessage: be.DebugMessage, RetryAfter: be.RetryAfter > 0}
		if ae := (*answerError)(nil); errors.As(err, &ae) {
			r.RetryAfter = r.RetryAfter || ae.retryAfter
			r.BearerChallenge = ae.bearerError != ""
		}
		code, q := c.desc.Classify(r)
		if q == nil && code == obcerr.Unknown {
			return driver.DefaultErrorCode(err), nil
		}
		return code, q
	}
	return driver.DefaultErrorCode(err), nil
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

package driver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// DefaultErrorCode classifies errors whatever the bank's protocol: a
// *BankError by its HTTP status (a connector reads its bank's codes
// before falling back to this); context errors; network failures
// (refused, reset, timeouts) as Unavailable; JSON decode failures and
// empty or truncated bodies as Internal; an *obcerr.Error by its code. Connectors handle
// their quirks first and fall back to it.
func DefaultErrorCode(err error) obcerr.Code {
	if err == nil {
		return obcerr.OK
	}
	var oe *obcerr.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	var be *obcerr.BankError
	if errors.As(err, &be) {
		return obcerr.FromHTTPStatus(be.HTTPStatus)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return obcerr.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return obcerr.DeadlineExceeded
	}
	if IsNetworkError(err) {
		return obcerr.Unavailable
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return obcerr.Internal
	}
	return obcerr.Unknown
}

// IsNetworkError reports whether err is a transport failure worth retrying
// on an idempotent read: connection refused or reset, a broken pipe, a
// timeout. A body that ends early (io.ErrUnexpectedEOF) or is empty
// (io.EOF from a decoder) is not counted here: DefaultErrorCode calls it
// Internal, which the sdk retries as well.
func IsNetworkError(err error) bool {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// InteractionID returns the x-fapi-interaction-id of an exchange, for
// BankError.InteractionID: the bank's echo in the response if present,
// else the id the sdk's transport put on the request actually sent (the
// request a connector built does not carry it, because transports must not
// modify their caller's request).
func InteractionID(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	if id := resp.Header.Get("x-fapi-interaction-id"); id != "" {
		return id
	}
	if resp.Request != nil {
		return resp.Request.Header.Get("x-fapi-interaction-id")
	}
	return ""
}

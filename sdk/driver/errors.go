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

// StandardFDXCode maps an FDX error code to the obconnect code as the FDX
// specification defines it. Connectors call it from ErrorCode after handling
// their bank's quirks, so the standard table exists once. The second result
// is false for a code the table does not know.
func StandardFDXCode(fdxCode int) (obcerr.Code, bool) {
	switch fdxCode {
	case 500:
		return obcerr.Internal, true
	case 501, 503:
		return obcerr.Unavailable, true
	case 401, 702, 703, 704:
		return obcerr.InvalidArgument, true
	case 601, 701, 1205:
		return obcerr.NotFound, true
	case 602:
		return obcerr.Unauthenticated, true
	case 705:
		return obcerr.AccountClosed, true
	case 706:
		return obcerr.AccountLocked, true
	case 1106:
		return obcerr.ConsentExpired, true
	case 1107:
		return obcerr.ConsentRevoked, true
	case 1207:
		return obcerr.RateLimited, true
	}
	return obcerr.Unknown, false
}

// HTTPStatusCode maps an HTTP status alone, for bank errors without a
// usable FDX code.
func HTTPStatusCode(status int) obcerr.Code {
	switch {
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return obcerr.InvalidArgument
	case status == http.StatusUnauthorized:
		return obcerr.Unauthenticated
	case status == http.StatusForbidden:
		return obcerr.PermissionDenied
	case status == http.StatusNotFound:
		return obcerr.NotFound
	case status == http.StatusTooManyRequests:
		return obcerr.RateLimited
	case status == http.StatusNotImplemented:
		return obcerr.Unimplemented
	case status == http.StatusServiceUnavailable, status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return obcerr.Unavailable
	case status >= 500:
		return obcerr.Internal
	}
	return obcerr.Unknown
}

// DefaultErrorCode classifies errors by the FDX standard: a *BankError by
// its FDX code, then its HTTP status; context errors; network failures
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
		if c, ok := StandardFDXCode(be.Code); ok {
			return c
		}
		return HTTPStatusCode(be.HTTPStatus)
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

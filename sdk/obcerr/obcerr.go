package obcerr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Code classifies an error. The zero value is OK (no error).
type Code int

// The codes. Their numeric values are not stable across versions; compare
// with the constants.
const (
	// OK is the code of a nil error.
	OK Code = iota
	// Unknown: the error could not be classified.
	Unknown
	// NotFound: the account, statement, consent or resource does not exist
	// (or is not visible under this consent).
	NotFound
	// InvalidArgument: the request was malformed (bad id, bad date range,
	// limit out of range, bad link request).
	InvalidArgument
	// Unauthenticated: the tokens are missing, invalid or could not be
	// refreshed; a new link is needed.
	Unauthenticated
	// PermissionDenied: the user or the bank refused, e.g. the user declined
	// consent at the bank (OAuth error=access_denied).
	PermissionDenied
	// ConsentRevoked: the consent (or the account within it) was revoked by
	// the user, the bank or the integrator. Delete the data it covered.
	ConsentRevoked
	// ConsentExpired: the consent's duration has passed.
	ConsentExpired
	// ScopeNotGranted: the call needs a cluster or an account the grant does
	// not include. The SDK detects it before any network call.
	ScopeNotGranted
	// RateLimited: the bank or the client-side limiter asked to slow down;
	// see RetryAfter.
	RateLimited
	// Unavailable: the bank is down, in maintenance or unreachable; retrying
	// later may succeed.
	Unavailable
	// AccountClosed: the account is closed.
	AccountClosed
	// AccountLocked: the account is restricted or locked by the bank.
	AccountLocked
	// Unimplemented: the bank does not offer this (a cluster it does not
	// support, an optional capability its connector lacks).
	Unimplemented
	// Internal: the bank failed (HTTP 500) or the SDK met an invariant
	// violation, such as an undecodable response or a repeated page cursor.
	Internal
	// Canceled: the caller's context was canceled.
	Canceled
	// DeadlineExceeded: the caller's context deadline passed.
	DeadlineExceeded
)

var codeNames = [...]string{
	OK: "OK", Unknown: "Unknown", NotFound: "NotFound", InvalidArgument: "InvalidArgument",
	Unauthenticated: "Unauthenticated", PermissionDenied: "PermissionDenied",
	ConsentRevoked: "ConsentRevoked", ConsentExpired: "ConsentExpired", ScopeNotGranted: "ScopeNotGranted",
	RateLimited: "RateLimited", Unavailable: "Unavailable", AccountClosed: "AccountClosed",
	AccountLocked: "AccountLocked", Unimplemented: "Unimplemented", Internal: "Internal",
	Canceled: "Canceled", DeadlineExceeded: "DeadlineExceeded",
}

// String returns the code's name, e.g. "NotFound".
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Retryable reports whether an idempotent read failing with c may succeed
// if simply repeated later.
func (c Code) Retryable() bool {
	return c == RateLimited || c == Unavailable || c == Internal
}

// sentinel is the type of the Err* values: comparable, and matched by
// (*Error).Is on the code alone.
type sentinel Code

func (s sentinel) Error() string { return "obconnect: " + Code(s).String() }

// Code returns the sentinel's code, so ErrorCode(ErrNotFound) == NotFound.
func (s sentinel) Code() Code { return Code(s) }

// Sentinels, one per code, for errors.Is.
var (
	ErrUnknown          error = sentinel(Unknown)
	ErrNotFound         error = sentinel(NotFound)
	ErrInvalidArgument  error = sentinel(InvalidArgument)
	ErrUnauthenticated  error = sentinel(Unauthenticated)
	ErrPermissionDenied error = sentinel(PermissionDenied)
	ErrConsentRevoked   error = sentinel(ConsentRevoked)
	ErrConsentExpired   error = sentinel(ConsentExpired)
	ErrScopeNotGranted  error = sentinel(ScopeNotGranted)
	ErrRateLimited      error = sentinel(RateLimited)
	ErrUnavailable      error = sentinel(Unavailable)
	ErrAccountClosed    error = sentinel(AccountClosed)
	ErrAccountLocked    error = sentinel(AccountLocked)
	ErrUnimplemented    error = sentinel(Unimplemented)
	ErrInternal         error = sentinel(Internal)
	ErrCanceled         error = sentinel(Canceled)
	ErrDeadlineExceeded error = sentinel(DeadlineExceeded)
)

// Error is a classified error. Err, when set, is the underlying cause (often
// a *BankError) and is reachable through errors.Is/As.
type Error struct {
	Code Code
	// Op is the operation that failed, e.g. "sdk.Transactions".
	Op string
	// Msg is a human-readable detail without secrets.
	Msg string
	// RetryAfter is how long the bank asked to wait (RateLimited or
	// Unavailable), 0 if it did not say.
	RetryAfter time.Duration
	Err        error
}

// New returns an *Error with the code and message; handy in tests.
func New(code Code, msg string) *Error { return &Error{Code: code, Msg: msg} }

// Newf is New with formatting.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap classifies err under code for operation op. A nil err gives nil.
func Wrap(err error, code Code, op string) error {
	if err == nil {
		return nil
	}
	e := &Error{Code: code, Op: op, Err: err}
	if d, ok := RetryAfter(err); ok {
		e.RetryAfter = d
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("obconnect: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Code.String())
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel of e's code, so errors.Is(err, ErrNotFound) works
// through any wrapping.
func (e *Error) Is(target error) bool {
	s, ok := target.(sentinel)
	return ok && Code(s) == e.Code
}

// ErrorCode returns the code of err: OK for nil, the code of the outermost
// *Error in the chain, Canceled/DeadlineExceeded for context errors, and
// Unknown otherwise.
func ErrorCode(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var s sentinel
	if errors.As(err, &s) {
		return Code(s)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}

// RetryAfter returns the wait the bank asked for, from the first *Error
// or *BankError in the chain that has one.
func RetryAfter(err error) (time.Duration, bool) {
	for err != nil {
		switch e := err.(type) {
		case *Error:
			if e.RetryAfter > 0 {
				return e.RetryAfter, true
			}
		case *BankError:
			if e.RetryAfter > 0 {
				return e.RetryAfter, true
			}
		}
		err = errors.Unwrap(err)
	}
	return 0, false
}

// BankError is the error a bank returned: its FDX error body plus the HTTP
// facts. Connectors return it (possibly wrapped) for every non-2xx answer;
// integrators reach it with errors.As to read the bank's own code.
type BankError struct {
	// HTTPStatus is the response status code.
	HTTPStatus int
	// Code is the FDX error code as a number (701), 0 if absent or not
	// numeric; RawCode keeps the text as sent ("701", or anything else).
	Code    int
	RawCode string
	// Message and DebugMessage are the bank's, as sent.
	Message      string
	DebugMessage string
	// InteractionID is the x-fapi-interaction-id of the failed exchange.
	InteractionID string
	// RetryAfter is the parsed Retry-After header, 0 if absent.
	RetryAfter time.Duration
}

func (e *BankError) Error() string {
	var b strings.Builder
	b.WriteString("bank answered HTTP ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	code := e.RawCode
	if code == "" && e.Code != 0 {
		code = strconv.Itoa(e.Code)
	}
	if code != "" {
		b.WriteString(" code ")
		b.WriteString(code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(truncate(e.Message))
	}
	if e.DebugMessage != "" {
		b.WriteString(" (")
		b.WriteString(truncate(e.DebugMessage))
		b.WriteString(")")
	}
	if e.InteractionID != "" {
		b.WriteString(" [interaction ")
		b.WriteString(e.InteractionID)
		b.WriteString("]")
	}
	return b.String()
}

// truncate bounds what a hostile bank body can put into our error strings.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// ParseRetryAfter reads an HTTP Retry-After value relative to now, in
// either form RFC 9110 §10.2.3 allows: delay-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", or the obsolete RFC 850 and
// asctime forms recipients must accept, through net/http's ParseTime).
// A date already past means the wait is over: 0, retry now. Anything
// unreadable, negative, or further off than a day is no hint: also 0, so a
// hostile or broken header can neither panic nor park a client; see
// ParseRetryAfterHint to tell the two apart.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	d, _ := ParseRetryAfterHint(v, now)
	return d
}

// maxRetryAfter bounds a bank's Retry-After; beyond it the value is
// treated as a mistake rather than a wait.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfterHint is ParseRetryAfter that also reports whether v was a
// usable Retry-After at all: ok with d == 0 is "retry now" (a past date, or
// "0"); !ok is no hint (empty, garbage, out of range).
func ParseRetryAfterHint(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > int64(maxRetryAfter/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	switch {
	case d <= 0:
		return 0, true
	case d > maxRetryAfter:
		return 0, false
	}
	return d, true
}

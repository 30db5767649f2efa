// Package fdxerr is the FDX error catalogue: for each error code the FDX
// specification defines, the HTTP status it travels with, the message FDX
// gives it, what it means to an obconnect user (an obcerr.Code) and whether
// asking again later may succeed.
//
// It is the one copy of that table. The shared FDX connector classifies a
// bank's answers with it, mockbank's data API and its fault injector answer
// with it, and the conformance kit checks against it, so a code's meaning
// cannot drift between the side that sends it and the side that reads it.
// A bank's deviations from the table are not here: they are two-sided rules
// in the bank's description (package bankdesc).
//
// The package is a leaf: it imports only sdk/obcerr, so that mockbank and
// connectors written outside this repository can use it without pulling in
// the sdk.
//
// # Stability
//
// v0.x: entries may be added as FDX defines codes; an existing entry's
// status, message or meaning changes only with FDX itself and is noted in
// CHANGELOG.md.
package fdxerr

import (
	"net/http"
	"slices"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// The FDX error codes obconnect knows, by their FDX names.
const (
	InvalidInput          = 401
	InternalServerError   = 500
	SubsystemUnavailable  = 501
	ScheduledMaintenance  = 503
	CustomerNotFound      = 601
	CustomerNotAuthorized = 602
	AccountNotFound       = 701
	InvalidDate           = 702
	InvalidDateRange      = 703
	AccountTypeNotSupport = 704
	AccountClosed         = 705
	AccountRestricted     = 706
	ConsentExpired        = 1106
	ConsentRevoked        = 1107
	StatementNotFound     = 1205
	TooManyRequests       = 1207
)

// Entry is one row of the catalogue.
type Entry struct {
	// Code is the FDX error code, sent as the `code` member of an FDX
	// Error body (a string of digits in FDX 5 and later).
	Code int
	// HTTPStatus is the status FDX sends the code with.
	HTTPStatus int
	// Message is FDX's end-user message for the code.
	Message string
	// Means is what the code tells an obconnect user.
	Means obcerr.Code
	// Retryable is whether the same request may succeed later without the
	// user doing anything (an outage, a rate limit).
	Retryable bool
}

// entries is the catalogue, ordered by code. Where FDX gives one meaning
// two codes (501 and 503), Standard picks the first listed.
var entries = [...]Entry{
	{InvalidInput, http.StatusBadRequest, "Invalid input", obcerr.InvalidArgument, false},
	{InternalServerError, http.StatusInternalServerError, "Internal server error", obcerr.Internal, true},
	{SubsystemUnavailable, http.StatusServiceUnavailable, "Subsystem unavailable", obcerr.Unavailable, true},
	{ScheduledMaintenance, http.StatusServiceUnavailable, "Scheduled maintenance", obcerr.Unavailable, true},
	{CustomerNotFound, http.StatusNotFound, "Customer not found", obcerr.NotFound, false},
	// 602 is about the caller's credentials; the sdk cures it by
	// refreshing the access token, not by retrying the same request.
	{CustomerNotAuthorized, http.StatusUnauthorized, "Customer not authorized", obcerr.Unauthenticated, false},
	{AccountNotFound, http.StatusNotFound, "Account not found", obcerr.NotFound, false},
	{InvalidDate, http.StatusBadRequest, "Invalid start or end date", obcerr.InvalidArgument, false},
	{InvalidDateRange, http.StatusBadRequest, "Invalid date range", obcerr.InvalidArgument, false},
	{AccountTypeNotSupport, http.StatusBadRequest, "Account type not supported", obcerr.InvalidArgument, false},
	{AccountClosed, http.StatusConflict, "Account is closed", obcerr.AccountClosed, false},
	{AccountRestricted, http.StatusConflict, "Account is restricted", obcerr.AccountLocked, false},
	{ConsentExpired, http.StatusForbidden, "Consent expired", obcerr.ConsentExpired, false},
	{ConsentRevoked, http.StatusForbidden, "Consent revoked", obcerr.ConsentRevoked, false},
	{StatementNotFound, http.StatusNotFound, "Statement not found", obcerr.NotFound, false},
	{TooManyRequests, http.StatusTooManyRequests, "Too many requests", obcerr.RateLimited, true},
}

// Lookup returns the catalogue's entry for an FDX code.
func Lookup(code int) (Entry, bool) {
	i, ok := slices.BinarySearchFunc(entries[:], code, func(e Entry, c int) int { return e.Code - c })
	if !ok {
		return Entry{}, false
	}
	return entries[i], true
}

// Standard returns the entry FDX uses to say means: ConsentRevoked is
// 1107, RateLimited 1207, NotFound 601 (the general "not found"; an
// account's absence is AccountNotFound). The second result is false for a
// meaning FDX has no code for (ScopeNotGranted, Unimplemented, ...).
func Standard(means obcerr.Code) (Entry, bool) {
	if means == obcerr.NotFound {
		return Lookup(CustomerNotFound)
	}
	for _, e := range entries {
		if e.Means == means {
			return e, true
		}
	}
	return Entry{}, false
}

// All returns a copy of the catalogue, ordered by code.
func All() []Entry { return slices.Clone(entries[:]) }

// Classify gives the standard meaning of an FDX error answer: its code if
// the catalogue knows it, else its HTTP status.
func Classify(status, code int) obcerr.Code {
	if e, ok := Lookup(code); ok {
		return e.Means
	}
	return obcerr.FromHTTPStatus(status)
}

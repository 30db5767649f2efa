package main

import (
	"errors"

	"github.com/obconnect/obconnect/sdk"
)

// exitCode is the documented exit code of err (docs/cli.md).
func exitCode(err error) int {
	if h, ok := errors.AsType[*hinted](err); ok && h.code != 0 {
		return h.code
	}
	if _, ok := errors.AsType[usageError](err); ok {
		return exitUsage
	}
	switch sdk.ErrorCode(err) {
	case sdk.ConsentRevoked:
		return exitRevoked
	case sdk.ConsentExpired:
		return exitExpired
	case sdk.Unauthenticated:
		return exitUnauth
	case sdk.Unavailable, sdk.RateLimited:
		return exitUnavailable
	}
	return exitFailure
}

// hint says what to do about err: the hint attached to it, else one for
// its sdk code.
func hint(err error) string {
	if h, ok := errors.AsType[*hinted](err); ok && h.hint != "" {
		return h.hint
	}
	switch sdk.ErrorCode(err) {
	case sdk.ConsentRevoked:
		return "the consent was revoked: delete the data it covered and run 'obconnect link BANK' to link again"
	case sdk.ConsentExpired:
		return "the consent expired: run 'obconnect link BANK' to link again"
	case sdk.Unauthenticated:
		return "the bank refused the stored tokens: run 'obconnect link BANK' to link again"
	case sdk.ScopeNotGranted:
		return "the grant does not cover this: link again asking for the data cluster ('obconnect link BANK --clusters ...')"
	case sdk.RateLimited:
		return "the bank asked to slow down: retry later"
	case sdk.Unavailable:
		return "the bank did not answer: check the URL and your network ('obconnect doctor'), then retry"
	case sdk.Unimplemented:
		return "this bank does not offer it"
	}
	return ""
}

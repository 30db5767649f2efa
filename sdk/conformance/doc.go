// Package conformance is the kit every connector passes: a suite of named
// subtests that drive a connector through the portable sdk.Client against
// a bank (mockbank in-process, or a partner's sandbox) and check the
// driver contracts documented in package sdk/driver.
//
// A connector's test calls [Run] with a [Harness] that can open clients,
// link the bank's test user, report the ground truth the bank holds, and,
// where the environment allows, manipulate the bank (expire tokens, revoke
// or expire the consent, inject faults):
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, mockbankharness.ForBank(t, "chase"))
//	}
//
// Package sdk/conformance/mockbankharness is the harness for mockbank;
// [RemoteHarness] and [RemoteFromEnv] run the kit at any sandbox.
//
// Control hooks a harness cannot provide (a partner's real sandbox has no
// fault injection) return an error for which sdk.ErrorCode is
// Unimplemented, and the subtests that need them are skipped, not failed.
//
// # What it checks
//
// Profile sanity; linking; accounts, transactions, statements and payment
// networks complete across pages with no duplicates (compared to the
// truth, with a small page size to force many pages); date filters;
// balances consistent with the account category; exact money; signed
// amounts; statement download streaming; contact; consent status; error
// classification (NotFound, InvalidArgument, ScopeNotGranted,
// ConsentRevoked, ConsentExpired, RateLimited, Unavailable) including that
// scope errors send no request; retry of transient faults; token refresh in
// the middle of an iteration; context cancellation; concurrent use (run the
// kit under -race); revocation; and every optional capability the
// connector implements.
//
// # Testing the kit
//
// [RunT] takes the small [T] interface instead of *testing.T so the kit's
// own tests can run it against a deliberately broken connector and observe
// that it fails.
package conformance

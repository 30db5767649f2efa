// Package conformance is the kit every connector passes: a suite of named
// subtests that drive a connector through the portable sdk.Client against
// a bank (mockbank in-process, or a partner's sandbox) and check the
// driver contracts documented in package sdk/driver.
//
// A connector's test calls [Run] with a [HarnessMaker]. Every subtest gets
// a fresh [Harness] from it (gocloud.dev's drivertest design), closed when
// the subtest ends, so subtests share no consent, fault or clock and run
// in parallel. A harness can open clients, link the bank's test user,
// report the ground truth the bank holds, and, where the environment
// allows, manipulate the bank (expire tokens, revoke or expire the
// consent, inject faults):
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
// kit under -race); revocation; every optional capability the connector
// implements; and the bank's declared error quirks on the wire (Quirks:
// each rule of the bank description, reached through Client.As, is made
// to happen — by fault injection at mockbank, by a bounded burst past the
// declared rate limit at a remote sandbox — and the answer must fit the
// rule and classify as its meaning; rules that cannot be provoked are
// listed as skipped, with why). Run with -v to see what was compared.
//
// # Stability
//
// v0.x. Checks are added as the driver contracts grow, so a connector that
// passes today may meet a new failing check after an upgrade; the Harness
// interface changes only with a CHANGELOG.md entry.
//
// # Testing the kit
//
// [RunT] takes the small [T] interface instead of *testing.T so the kit's
// own tests can run it against a deliberately broken connector and observe
// that it fails.
package conformance

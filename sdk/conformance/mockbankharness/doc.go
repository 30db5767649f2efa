// Package mockbankharness runs the conformance kit (sdk/conformance)
// against a mockbank started in-process, in the profile of the bank under
// test. Every connector's conformance test is one line:
//
//	func TestConformance(t *testing.T) { conformance.Run(t, mockbankharness.ForBank(t, "chase")) }
//
// ForBank switches to conformance.RemoteFromEnv when OBCONNECT_KIT_BASE_URL
// is set, so the same test runs against a bank partner's own sandbox.
//
// # What it does
//
//   - Starts mockbank (mockbank.New behind an httptest.Server, with the
//     simulated clock following real time so consent expiries agree with the
//     sdk's clock) serving the built-in profiles, or the profiles a partner
//     passes in [Options.Profiles] (for a bank mockbank does not know yet).
//   - Opens clients with the bank's ready client (secret or private key).
//   - Links by playing the user at mockbank's consent page with
//     mockbank.Approve (the one consent-page driver, shared with e2e/ and
//     the examples): sign in as [Options.Username], give the one-time code
//     when asked, approve every account offered, and hand the redirect
//     back to the client, whose CompleteLink classifies any OAuth error in
//     it. A sign-in the bank refuses fails the link with Approve's typed
//     error (mockbank.ErrWrongCredentials, ErrUserLocked, ...).
//   - Computes the truth by reading everything through the sdk with the
//     bank's largest page, then cross-checks account and transaction ids
//     against mockbank's store, so a connector that drops a page fails
//     instead of agreeing with itself.
//   - Revokes at the bank for real (mockbank's store), and imitates what
//     the bank answers for an injected fault, an expired access token or an
//     expired consent with a middleware on the bank's data API, using the
//     profile's error conventions (code form, rate-limit status, revoked
//     and expired quirks). Imitating rather than moving the simulated clock
//     keeps the truth valid for the subtests that follow.
//
// The kit runs its subtests one after another, so a fault armed for "the
// next call" at the bank is the grant's next call.
package mockbankharness

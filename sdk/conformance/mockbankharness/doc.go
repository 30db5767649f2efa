// Package mockbankharness runs the conformance kit (sdk/conformance)
// against a mockbank started in-process, serving the bank under test as
// its description says. Every connector's conformance test is one line:
//
//	func TestConformance(t *testing.T) { conformance.Run(t, mockbankharness.ForBank(t, "chase")) }
//
// ForBank switches to conformance.RemoteFromEnv when OBCONNECT_KIT_BASE_URL
// is set, so the same test runs against a bank partner's own sandbox.
//
// # What it does
//
//   - Starts mockbank with mockbanktest.NewServer (the simulated clock
//     following real time, so consent expiries agree with the sdk's
//     clock), serving the built-in banks, or the descriptions a partner
//     passes in [Options.Banks] (for a bank mockbank does not know yet),
//     without their rate limits: the kit reads whole histories in small
//     pages, and throttling is tested by injecting the bank's own answer.
//   - Opens clients with the bank's ready client (secret, or private key
//     and kid).
//   - Links by playing the user at mockbank's consent page with
//     mockbanktest's Approve: sign in as [Options.Username], give the
//     one-time code when asked, approve every account offered, and hand
//     the redirect back to the client, whose CompleteLink classifies any
//     OAuth error in it. A sign-in the bank refuses fails the link with
//     Approve's typed error (mockbanktest.ErrWrongCredentials, ...).
//   - Computes the truth by reading everything through the sdk with the
//     bank's largest page, then cross-checks account and transaction ids
//     against mockbank's ground truth (its admin API), so a connector that
//     drops a page fails instead of agreeing with itself.
//   - Revokes at the bank for real (the admin API), and answers an
//     injected fault, an expired access token or an expired consent with
//     a fault armed in mockbank for the grant's consent only, named by its
//     meaning so that the bank's description words it (citi's rate limit
//     is a 503 with Retry-After, usbank's expired consent a 1107 with its
//     debug wording). Answering rather than moving the simulated clock
//     keeps the truth valid for the subtests that follow, and limiting
//     each fault to its grant lets subtests run side by side.
package mockbankharness

// Package mockbanktest starts mockbank for tests, as net/http/httptest
// starts a server: one call gives a running mock of every built-in bank
// (or of the descriptions given) on a loopback address, and stops it when
// the test ends.
//
//	srv := mockbanktest.NewServer(t, &mockbank.Options{Seed: 1})
//	bank := srv.Bank("wellsfargo")
//	cfg := sdk.Config{BaseURL: bank.Issuer, ClientID: bank.Client.ID, ClientSecret: bank.Client.Secret,
//		RedirectURL: bank.Client.RedirectURIs[0], HTTPClient: srv.Client(), Now: srv.Now}
//	// ... client.StartLink, then:
//	callback, err := srv.Approve(ctx, pending.AuthURL, mockbanktest.Answers{Username: "user_good"})
//
// What a test gets:
//
//   - [Server.URL], and per bank ([Server.Bank]) its issuer, discovery URL,
//     data API URL, description and ready client: client id and secret,
//     or signing key ([Bank.PrivateKey]) and kid, and redirect URIs.
//   - [Server.Client], the HTTP client to use, as with httptest.
//   - The consent driver: [Approve] plays the test user at the bank's real
//     consent page (sign-in, one-time code, account choice, approve or
//     deny) and returns the redirect back to the client.
//   - The admin API ([Server.Admin], with its token), and [Server.InjectFault]
//     for the common case of an error named by its meaning and limited to
//     one consent, so that subtests running in parallel on one server do
//     not see each other's faults.
//   - [Server.Now], mockbank's simulated clock, for the client's Config;
//     [RemoteClock], the same clock for a process that did not start
//     mockbank (wall time plus the offset GET /admin/clock reports).
//
// NewServer takes a [TB] (a *testing.T or *testing.B) so that failures fail
// the test and the server stops with it. Runnable examples, which have no
// test, pass nil and Close the server themselves.
//
// # Stability
//
// v0.x: the package follows mockbank. Fields and methods may be added;
// anything removed or renamed is noted in CHANGELOG.md.
package mockbanktest

// Package usbank is the U.S. Bank connector for obconnect, registered as
// "usbank" when imported.
//
// # Profile
//
// Facts are data: see profile.json next to this file. It models an FDX 6.0
// service — an assumption, like the rest, to be checked against U.S.
// Bank's partner documentation and corrected in that file:
//
//   - data API under {base}/fdx/v6;
//   - pageKey pagination (`pageKey` sent, `page.nextPageKey` read), pages of
//     up to 200 items, 100 by default;
//   - at most 8 requests per second per client, bursts of 16;
//   - 24 months of transactions;
//   - the six data clusters obconnect serves, and FDX notification
//     subscriptions (driver.NotificationSubscriber);
//   - revocation of single accounts inside a consent, which this connector
//     exposes as driver.AccountRevoker (sdk: revoke some accounts, keep the
//     consent for the rest).
//
// The default base URL is the sandbox at http://127.0.0.1:8080/usbank
// (mockbank). The production base URL comes from U.S. Bank's developer
// programme; set it in sdk.Options.BaseURL.
//
// # Auth
//
// PKCE authorization code flow; PAR ({base}/par) is available and optional.
// Clients prove their identity with private_key_jwt: sdk.Credentials.PrivateKey
// signs the assertion, sdk.Credentials.KeyID names the key registered with the
// bank. Token endpoint {base}/token, revocation {base}/revoke, keys
// {base}/jwks.json.
//
// # Errors
//
// U.S. Bank's single deviation, in errors.go: an expired consent arrives as
// HTTP 403 with code 1107 (revoked) and the debugMessage "consent expired".
// The table turns exactly that into ConsentExpired; 1107 with any other
// debug message stays ConsentRevoked. The remaining codes follow
// driver.StandardFDXCode.
//
// Codes travel as JSON strings ("1107"), FDX's form; the generated
// ErrorCode type reads an integer just as well.
package usbank

// Package chase is the obconnect connector for Chase. Enable it with a blank
// import and open it by name:
//
//	import _ "github.com/obconnect/obconnect/connectors/chase"
//
//	client, err := sdk.Open(ctx, chase.Name, sdk.Credentials{ClientID: id, PrivateKey: key, KeyID: kid}, opts)
//
// # Profile
//
// The facts live in profile.json, embedded at build time. They describe a
// representative FDX 6.2 profile, not Chase's private partner
// specification, and every value is an assumption a Chase partner can check
// and correct there (then run the conformance kit again):
//
//   - Data API at {base}/fdx/v6, FDX 6.2.
//   - Key pagination: `pageKey` in the request, `page.nextPageKey` in the
//     answer. Page size at most 100, 50 by default.
//   - Client-side limit of 10 requests per second, bursts of 20.
//   - 24 months of transaction history.
//   - Every data cluster except INVESTMENTS and CUSTOMER_PERSONAL.
//   - Consents are revoked whole; there is no per-account revocation.
//   - FDX notification subscriptions are offered (driver.NotificationSubscriber).
//
// The default base URL is the sandbox, mockbank's /chase prefix on
// 127.0.0.1:8080. The production base URL is issued by Chase's developer
// programme to registered partners; pass it as sdk.Options.BaseURL. Every
// endpoint below resolves against that base.
//
// # Auth
//
// OAuth 2.0 authorization code with PKCE, and Chase requires pushed
// authorization requests: the sdk sends every link through {base}/par
// (RFC 9126) before redirecting to {base}/authorize. The client
// authenticates with private_key_jwt (RFC 7523): give the sdk the private
// key in sdk.Credentials.PrivateKey and its key id in sdk.Credentials.KeyID; the
// matching public key is the one registered with Chase. Tokens come from
// {base}/token, are revoked at {base}/revoke, and ID tokens verify against
// {base}/jwks.json.
//
// # Errors
//
// errors.go holds the table. Chase follows the FDX error table
// (driver.StandardFDXCode: 701 NotFound, 705 AccountClosed, 1106
// ConsentExpired, 1107 ConsentRevoked, ...); its error bodies are FDX's
// (`code` a string of digits, valid under Core Exchange 6.2). It deviates in
// how it says when to come back:
//
//	Retry-After as an HTTP-date, not seconds   read as the wait until that date (RFC 9110 §10.2.3); a date already past means retry now, an unreadable one no hint
//	HTTP 429 with Retry-After, any code        RateLimited, retried by the sdk after Retry-After
//
// Both Retry-After forms are read for every bank by fdx through
// obcerr.ParseRetryAfter, so nothing here is Chase-only code; the date is
// compared with the local clock, so a client whose clock runs ahead of
// Chase's waits less than asked (the sdk's backoff still applies when the
// date has passed).
//
// Answers without an FDX body classify by HTTP status; undecodable
// successful answers classify as Internal.
package chase

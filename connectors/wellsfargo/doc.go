// Package wellsfargo connects obconnect to Wells Fargo's FDX API. A blank
// import registers it under "wellsfargo":
//
//	import _ "github.com/obconnect/obconnect/connectors/wellsfargo"
//
// # Profile
//
// profile.json (embedded) is a representative FDX 5.3 profile written from
// public facts, not Wells Fargo's partner documentation. What it assumes,
// each correctable by editing that file and re-running the conformance kit:
// the data API sits at {base}/fdx/v5; lists page by offset (`offset` sent,
// `page.nextOffset` read back) with at most 50 items a page and 25 by
// default; the client keeps under 5 requests a second with bursts of 10;
// transactions reach back 18 months; all six served data clusters are
// offered; a consent is only ever revoked as a whole; notification
// subscriptions (/notification-subscriptions) are available, so the
// connector is a driver.NotificationSubscriber.
//
// Without sdk.Options.BaseURL the connector talks to the sandbox, mockbank's
// /wellsfargo prefix on 127.0.0.1:8080. For production, use the base URL
// Wells Fargo's developer programme gives a registered partner.
//
// # Auth
//
// Authorization code with PKCE; pushed authorization requests ({base}/par)
// are accepted but not required, so the sdk redirects straight to
// {base}/authorize. The client authenticates with client_secret_basic: put
// the secret in sdk.Credentials.ClientSecret (it is sent only to {base}/token and
// {base}/revoke, in the Authorization header).
//
// # Errors
//
// The table is in errors.go. Everything follows the FDX standard table
// (driver.StandardFDXCode) except one row:
//
//	HTTP 401 + code 602, no Bearer challenge   ConsentRevoked   (FDX: Unauthenticated; Wells Fargo's way of saying the consent was revoked)
//
// A rejected access token is also answered 401/602, but carries the RFC
// 6750 challenge WWW-Authenticate: Bearer error="invalid_token"; that, and
// any 401 without code 602, stays Unauthenticated, which makes the sdk
// refresh the token once before giving up.
//
// Codes travel as JSON strings ("602"), FDX's form; the generated
// ErrorCode type reads an integer just as well.
package wellsfargo

// Package citi is Citi's connector. Register it by importing it for its
// side effect, then open "citi" with sdk.Open.
//
// # Profile
//
// The embedded profile.json states these assumptions about Citi's FDX
// service; they come from public FDX facts, not from Citi's partner
// specification, so a Citi partner should verify each one and correct the
// file where it is wrong:
//
//	FDX version        4.6, data API at {base}/fdx/v4
//	pagination         offset / page.nextOffset, 25 items a page (also the maximum)
//	rate limit         4 requests/s, burst 8, per client
//	history            12 months of transactions
//	clusters           ACCOUNT_BASIC, ACCOUNT_DETAILED, TRANSACTIONS, CUSTOMER_CONTACT, PAYMENT_SUPPORT
//	not offered        STATEMENTS: the sdk refuses it at link time and the connector answers Unimplemented without calling Citi
//	revocation         whole consent only
//	notifications      FDX notification subscriptions (driver.NotificationSubscriber)
//
// The base URL defaults to the sandbox (mockbank, http://127.0.0.1:8080/citi);
// production URLs are handed out by Citi's developer programme and go in
// sdk.Options.BaseURL.
//
// # Auth
//
// OAuth 2.0 authorization code with PKCE at {base}/authorize, tokens at
// {base}/token with client_secret_basic (sdk.Credentials.ClientSecret). PAR at
// {base}/par is optional and not used by default.
//
// # Errors
//
// errors.go maps Citi's answers. Citi throttles with HTTP 503 and code 501
// (FDX's "subsystem unavailable") plus a Retry-After header, where FDX says
// 429/1207. The table reads 503/501 *with* Retry-After as RateLimited and
// without it as Unavailable; every other code follows
// driver.StandardFDXCode (1205 on the statements endpoints would be
// NotFound, but the connector never calls them).
//
// Codes travel as JSON strings ("501"), FDX's form; the generated
// ErrorCode type reads an integer just as well.
package citi

// Package mockbank is a stateful emulation of four banks' authorization
// servers and FDX data APIs, for integration tests and QA. [New] returns an
// http.Handler; cmd/mockbank is the runnable server, and package
// mockbanktest starts one for a Go test in one call.
//
//	srv, err := mockbank.New(ctx, &mockbank.Options{Seed: 1, BaseURL: "http://127.0.0.1:8080"})
//	defer srv.Close()
//	for _, b := range srv.Banks() { ... b.DiscoveryURL, b.DataURL, b.Client ... }
//
// # Layout
//
// Each bank lives under /{bank}: its OAuth 2.0 / OpenID Connect provider
// (package internal/authz) at the prefix, its FDX data API under
// /{bank}{dataPath}, e.g. /chase/fdx/v6. The admin API (openapi/admin.yaml:
// data, clock, faults, notifications, consents, snapshots, scenarios) is
// under /admin.
//
// # Banks
//
// Every bank is a description (package bankdesc), the same file its
// connector reads: FDX version, data path, pagination style and page
// sizes, client authentication and PAR, endpoint paths, rate limit,
// history window, clusters offered, account-level revocation and error
// quirks. Options.Banks picks them; nil serves the built-in ones
// (connectors.Builtin, connectors/<bank>/bank.json). mockbank writes no bank
// fact of its own: what it sends for a revoked, expired or rate-limited
// consent is the description's Answer, error codes and Retry-After are in
// the description's forms, and every FDX code's status and message come
// from the catalogue (package fdxerr). What a bank sends is shaped to its
// FDX version (fdxversion.go): enumerations and required fields as FDX's
// Core Exchange subset of that version has them. A description mockbank
// cannot serve (an endpoint on another host) fails New with an error
// naming the member.
//
// # Serving a data request
//
// In order: the x-fapi-interaction-id is echoed (or generated); the route is
// found in the FDX spec (kin-openapi, loaded once); the bearer token is
// checked by the bank's provider; the client's token bucket
// (golang.org/x/time/rate) is charged; the request is validated against the
// spec; the consent must be active and carry the operation's cluster; the
// generated strict handler (openapi/fdxserver) calls [handlers], which check
// the account-level rules (granted account, closed 705, restricted 706,
// history window and lookback 703). Every failure is an FDX error body in
// the bank's style; responses are never validated on this path (tests do
// it). The transactions page, the one response that grows with the limit,
// is written by a dedicated encoder (fastjson.go) that a test proves
// byte-identical to encoding/json over the generated types.
//
// Accounts outside the consent are "not found" (701), exactly like
// accounts that do not exist, so a consent reveals nothing beyond itself.
//
// # The control side
//
// New attaches the admin API, the fault injector (a middleware on each
// bank), signed notifications and persistence (Options.DataFile) once the
// base URL is known, and applies Options.ScenarioFile. Close stops
// deliveries and writes the data file.
//
// # Dependencies
//
// kin-openapi validates requests against the embedded spec, oapi-codegen's
// strict server (generated in openapi/fdxserver) shapes the handlers,
// golang.org/x/time/rate implements the per-client token buckets, and
// go-jose builds the ready clients' JWKS. Statement PDFs come from a small
// hand-written writer (see pdf.go for why).
package mockbank

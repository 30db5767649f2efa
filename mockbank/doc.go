// Package mockbank is a stateful emulation of four banks' authorization
// servers and FDX data APIs, for integration tests and QA. [New] returns an
// http.Handler, so tests run it in-process with httptest; cmd/mockbank is
// the runnable server.
//
//	srv, err := mockbank.New(ctx, mockbank.Options{Seed: 1})
//	ts := httptest.NewServer(srv)
//	defer ts.Close()
//	defer srv.Close()
//	err = srv.SetBaseURL(ctx, ts.URL) // the issuer depends on the port
//	for _, b := range srv.Banks() { ... b.DiscoveryURL, b.DataURL, b.Client ... }
//
// # Layout
//
// Each bank lives under /{bank}: its OAuth 2.0 / OpenID Connect provider
// (package internal/authz) at the prefix, its FDX data API under
// /{bank}{dataPath}, e.g. /chase/fdx/v6. /admin is reserved for the control API (issue 4),
// mounted with [Server.MountAdmin].
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
// # Seams for the control side
//
// [Server.Store] is the single state store with its simulated clock
// (AdvanceClock), event hooks and JSON snapshots; Options.Middleware wraps
// each bank's handler (fault injection); [Server.Provider] exposes each
// authorization server (ExportState/ImportState); [Server.OnClose]
// registers background work to stop.
//
// # Dependencies
//
// kin-openapi validates requests against the embedded spec, oapi-codegen's
// strict server (generated in openapi/fdxserver) shapes the handlers,
// golang.org/x/time/rate implements the per-client token buckets, and
// go-jose builds the ready clients' JWKS. Statement PDFs come from a small
// hand-written writer (see pdf.go for why).
package mockbank

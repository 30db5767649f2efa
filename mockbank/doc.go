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
// /{bank}/fdx/v{major}. /admin is reserved for the control API (issue 4),
// mounted with [Server.MountAdmin].
//
// # Profiles
//
// A [Profile] holds everything that makes one bank differ: FDX version,
// pagination style, client authentication, PAR, page sizes, rate limit,
// history window, unsupported clusters, account-level revocation and error
// quirks. The four built-in ones are in profile_<bank>.go, each stating its
// assumptions; [LoadProfile] reads more from JSON or YAML. What a bank
// sends is shaped to its FDX version (fdxversion.go): enumerations and
// required fields as FDX's Core Exchange subset of that version has them.
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

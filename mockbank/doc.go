// Package mockbank is a stateful emulation of banks' authorization servers
// and FDX data APIs, for integration tests and QA. [New] returns an
// http.Handler; cmd/mockbank is the runnable server, and package
// mockbanktest starts one for a Go test in one call.
//
//	srv, err := mockbank.New(ctx, &mockbank.Options{Seed: 1, BaseURL: "http://127.0.0.1:8080"})
//	defer srv.Close()
//	for _, b := range srv.Banks() { ... b.DiscoveryURL, b.DataURL, b.Client ... }
//
// This package is the thin public root: the [Server] facade, its one
// [Options] type, the banks it serves ([BankInfo], [ReadyClient]) and the
// documented test users ([TestUsers]). It wires the rooms below and hands
// none of them out.
//
// # Banks
//
// Every bank is a description (package bankdesc), the same file its
// connector reads: FDX version, data path, pagination style and page
// sizes, client authentication and PAR, endpoint paths, rate limit,
// history window, clusters offered, account-level revocation and error
// quirks. Options.Banks picks them; nil serves the built-in ones
// (connectors.Builtin, connectors/<bank>/bank.json). mockbank writes no
// bank fact of its own. A description mockbank cannot serve (an endpoint
// on another host) fails New with an error naming the member. Where a
// person reads a bank's name (consent page, statements, banner) mockbank
// adds "(mock)" to it.
//
// # Layout
//
// Each bank lives under /{bank}: its OAuth 2.0 / OpenID Connect provider
// at the prefix (the description's endpoint paths), its FDX data API under
// /{bank}{dataPath}, e.g. /chase/fdx/v6. The admin API (openapi/admin.yaml:
// data, clock, faults, notifications, consents, snapshots, scenarios) is
// under /admin, its dashboard (HTML pages over the same API, behind the
// same token) under /admin/ui, and /healthz answers "ok".
//
// # Rooms
//
//   - internal/fdxapi: one bank's FDX data API (routing, validation,
//     consent and account checks, paging, errors in the bank's words, FDX
//     version shaping, the transactions encoder, statement PDFs).
//   - internal/authz: one bank's authorization server (discovery, JWKS,
//     consent page, PAR, tokens, revocation, introspection, registration).
//   - internal/store: the single state store and its simulated clock;
//     internal/datagen fills it with the test users.
//   - internal/admin: the admin API and the control side that attaches
//     internal/faults (fault injection), internal/notify (signed
//     notifications) and internal/persist (the data file).
//   - internal/dashboard: the admin dashboard, pages and forms that call
//     the admin API in-process.
//   - scenario (public): scenario files, read here for -scenario and
//     POST /admin/scenarios, and by cmd/mockbankctl before it sends one.
//   - mockbanktest (public): mockbank for Go tests, and the consent-page
//     driver.
//
// # The control side
//
// New attaches the admin API, the fault injector (a middleware on each
// bank), signed notifications and persistence (Options.DataFile) once the
// base URL is known, and applies Options.ScenarioFile. Close stops
// deliveries and writes the data file.
//
// # Stability
//
// v0.x: Options and Server may gain fields and methods; anything removed
// or renamed is noted in CHANGELOG.md. What a bank sends on the wire
// follows its description and the FDX spec, not this package's version.
package mockbank

// Package admin implements mockbank's admin API (openapi/admin.yaml): the
// control side QA suites drive to create data, move simulated time, inject
// faults, fire notifications, inspect and revoke consents, read deliveries,
// reset, snapshot and load scenarios.
//
// # Safety
//
// Three checks run before any handler, in this order:
//
//  1. Loopback only: a request whose peer address is not a loopback address
//     is refused with 403 unless Options.AllowRemote is set. The listener
//     binds loopback by default too (cmd/mockbank -addr); this check keeps
//     the admin API private even when the data API is exposed.
//  2. Bearer token: Authorization: Bearer <token>, compared in constant
//     time; anything else is 401 with WWW-Authenticate. The token never
//     appears in errors or logs.
//  3. Validation against the spec with kin-openapi (types, enums, lengths,
//     patterns, additionalProperties: false) before the generated handler
//     decodes the body.
//
// Handlers then validate their input completely (banks, ids, amounts,
// durations, every user, account, transaction and fault of a scenario)
// before changing anything, so a malformed request changes nothing. A
// scenario or snapshot that still fails half-way (it should not) is rolled
// back to the state exported before it started. Admin mutations are
// serialised by one lock.
//
// # Wiring
//
// [New] takes the store, the fault injector and the notification
// dispatcher, plus hooks for what belongs to the rest of mockbank: the bank
// list (descriptions, URLs, ready clients), reset to the seeded state, and
// extra state parts (each bank's authorization server) that join the
// snapshot. [Server.Handler] serves the API under its base path;
// [Server.ExportState] and [Server.ImportState] are the whole-state
// document for persistence (-data FILE) and the snapshot endpoints.
// [Control] is the whole control side (this API, the fault injector,
// notifications, the data file) that mockbank's server builds and attaches.
//
// The handlers of each resource are in a file of their own: banks.go,
// users.go, accounts.go, transactions.go, clock.go, faults.go,
// notifications.go (and deliveries), consents.go (with the sandbox
// controls expire and reset-login), links.go, subscriptions.go,
// requests.go (the request journal), snapshot.go (and reset),
// scenario.go; handlers.go holds what they share.
//
// # Amounts and times
//
// Amounts are exact decimals signed from the holder's view (negative for
// money leaving a deposit account or charged to a card) and never pass
// through a float. A card's or loan's openingBalance is the amount owed.
// Times are simulated time.
package admin

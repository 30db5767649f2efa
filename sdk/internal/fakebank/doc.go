// Package fakebank is an in-process test double for the SDK's own tests,
// examples and the conformance kit's self-test: a tiny OAuth 2.0
// authorization server plus a data API (JSON of the portable model, not
// FDX), and a driver.Connector that talks to it over HTTP with the client
// the SDK builds. It is deliberately small; mockbank is the realistic bank.
//
// # Faults and breakage
//
// Fail makes the next data calls answer an error; Broken flags make the
// connector misbehave on purpose (drop the last page, repeat a cursor) so
// tests can prove that the SDK and the conformance kit notice.
package fakebank

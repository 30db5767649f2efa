// Package readiness turns a run of the conformance kit into a readiness
// report: every check of the kit with pass, fail or skip and why, and
// the figures a bank partner is judged on, per endpoint and overall —
// latency percentiles, the proper-response rate as 12 CFR 1033.311
// defines it, error-code correctness against the bank's declared quirks,
// the required-field fill rate and validity of every answer for the
// bank's FDX version — with the OAuth side as its own section and an
// optional, bounded load phase. The report is JSON (schema in
// docs/readiness.md, versioned by [SchemaVersion]) and Markdown.
//
//	prof, _ := readiness.Profile("cfpb-1033")
//	r, err := readiness.Run(ctx, readiness.Config{
//		Bank:       desc, // *bankdesc.Description
//		Harness:    mockbankharness.Maker(mockbankharness.Options{Bank: desc.Name}),
//		Thresholds: prof,
//	})
//
// # How it measures
//
// Every client the kit opens gets a transport from Options.WrapTransport
// (the sdk's own hook, the layer its Observer reports from) that times
// each exchange to its last byte and keeps its answer, which is checked
// against openapi/fdx.yaml with kin-openapi and against the bank's FDX
// version (layout, enumerations, required fields, as mockbank shapes
// them). Error answers are classified with the description
// (bankdesc.Description.Classify): an answer the kit provoked (an
// injected fault, an expired token) must mean what was asked, and is left
// out of the proper-response rate; any other must be a declared error.
// Percentiles are exact, over bounded samples.
//
// # Load
//
// Off unless Config.Load is set, bounded by requests and seconds, and
// sent only to the address the harness was configured with (a harness
// says so through an Address method, as conformance.RemoteHarness does).
//
// # Stability
//
// v0.x. The JSON schema is versioned: fields may be added within a
// schema version, and a field that changes meaning or goes bumps it. The
// Go API may change with a CHANGELOG.md entry; named profiles change when
// their sources do.
package readiness

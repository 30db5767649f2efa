// Package e2e holds the end-to-end test of obconnect's real-time side: an
// in-process mockbank (mockbanktest.NewServer), the four
// connectors, a real HTTP webhook receiver verifying notifications with
// sdk/webhook, incremental sync with sdk/txsync checked against mockbank's
// ground truth, and the consent lifecycle with sdk/lifecycle. Every link
// goes through the bank's real consent page, driven by mockbanktest's
// Approve. It has no
// non-test code; run it with
//
//	go test ./e2e/
package e2e

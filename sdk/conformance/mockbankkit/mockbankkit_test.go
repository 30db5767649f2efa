package mockbankkit_test

import (
	"strings"
	"testing"

	_ "github.com/obconnect/obconnect/connectors/chase"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankkit"
)

// knownMockbankIssues are kit failures caused by mockbank itself, reported
// to its maintainers; they are logged here rather than failing this
// package (connector packages run the kit strictly).
var knownMockbankIssues = []string{
	// After a revocation at the bank, mockbank rejects the access token
	// (401, "access token revoked") and the refresh (invalid_grant) instead
	// of answering 403 + 1107, so the client can only say Unauthenticated.
	"Errors/ConsentRevoked",
}

func TestKitAgainstMockbankChase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank")
	}
	rec := &conformance.Recorder{}
	conformance.RunT(rec, mockbankkit.New(t, "chase"))
	for _, f := range rec.Failures {
		known := false
		for _, k := range knownMockbankIssues {
			known = known || strings.HasPrefix(f, k+":")
		}
		if known {
			t.Logf("known mockbank issue: %.300s", f)
		} else {
			t.Errorf("%s", f)
		}
	}
	t.Logf("skipped: %v", rec.Skipped)
}

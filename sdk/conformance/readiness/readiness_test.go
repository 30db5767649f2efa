package readiness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/usbank"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
	"github.com/obconnect/obconnect/sdk/conformance/readiness"
)

// The four built-in banks pass against mockbank; with
// OBCONNECT_READINESS_OUT set, their reports are written there (CI keeps
// them; docs/readiness.md has the summary).
func TestBuiltinBanksAreReady(t *testing.T) {
	prof, err := readiness.Profile("cfpb-1033")
	require.NoError(t, err)
	out := os.Getenv("OBCONNECT_READINESS_OUT")
	for _, d := range connectors.Builtin() {
		t.Run(d.Name, func(t *testing.T) {
			r, err := readiness.Run(context.Background(), readiness.Config{
				Bank: d, Target: "mockbank", Thresholds: prof, Parallel: conformance.Subtests(),
				Harness: mockbankharness.Maker(mockbankharness.Options{Bank: d.Name}),
			})
			require.NoError(t, err)
			var js, mdown bytes.Buffer
			require.NoError(t, r.WriteJSON(&js))
			require.NoError(t, r.WriteMarkdown(&mdown))
			if out != "" {
				require.NoError(t, os.WriteFile(filepath.Join(out, d.Name+".json"), js.Bytes(), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(out, d.Name+".md"), mdown.Bytes(), 0o644))
			}
			assert.True(t, r.Pass, "%s", mdown.String())
			assert.Empty(t, r.Problems)
			assert.Nil(t, r.Load, "the load phase is off by default")
			var back map[string]any
			require.NoError(t, json.Unmarshal(js.Bytes(), &back))
			assert.Equal(t, readiness.SchemaVersion, back["schemaVersion"])
			assert.NotContains(t, js.String(), "Bearer")
		})
	}
}

// The load phase is off by default, and when asked runs bounded, at the
// harness's own address.
func TestLoadPhaseIsBoundedAndReported(t *testing.T) {
	d, err := connectors.Lookup("usbank")
	require.NoError(t, err)
	prof, err := readiness.Profile("cfpb-1033")
	require.NoError(t, err)
	r, err := readiness.Run(context.Background(), readiness.Config{
		Bank: d, Thresholds: prof, Parallel: conformance.Subtests(),
		Harness: mockbankharness.Maker(mockbankharness.Options{Bank: d.Name}),
		Load:    &readiness.LoadOptions{Rate: 40, MaxRequests: 30, MaxDuration: 5 * time.Second},
	})
	require.NoError(t, err)
	require.NotNil(t, r.Load)
	l := r.Load
	assert.True(t, l.Pass, "%v", l.Problems)
	assert.Equal(t, 30, l.Overall.Requests, "exactly the budget")
	assert.Zero(t, l.Refused)
	assert.LessOrEqual(t, l.DurationMs, 5000.0+500)
	assert.Len(t, l.Mix, 3, "attended lists and details, unattended history")
}

// At a sandbox (here mockbank reached as a remote harness would reach a
// partner's: no fault injection, one environment for every subtest) the
// checks that need control of the bank are skipped, each with why, and
// the report still passes.
func TestRemoteRunListsSkipsWithWhy(t *testing.T) {
	d, err := connectors.Lookup("chase")
	require.NoError(t, err)
	prof, err := readiness.Profile("cfpb-1033")
	require.NoError(t, err)
	h := mockbankharness.Start(t, mockbankharness.Options{Bank: d.Name})
	r, err := readiness.Run(context.Background(), readiness.Config{
		Bank: d, Thresholds: prof, Target: h.Address(), Harness: h.RemoteHarness.Maker(),
	})
	require.NoError(t, err)
	var mdown bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&mdown))
	assert.True(t, r.Pass, "%s", mdown.String())
	skips := 0
	for _, c := range r.Checks {
		if c.Status == readiness.Skip {
			skips++
			assert.NotEmpty(t, c.Why, "%s is skipped with a reason", c.Name)
		}
	}
	assert.Positive(t, skips, "fault injection is not possible remotely")
	assert.Zero(t, r.Overall.Provoked)
	assert.Contains(t, mdown.String(), "| skip |")
}

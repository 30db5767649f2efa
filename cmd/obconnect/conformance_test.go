package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conformance writes a passing report for a built-in bank, JSON and
// Markdown, and exits 0; a profile the partner set too strictly makes it
// exit 1, naming the problem.
func TestConformanceReport(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	code, out, stderr := h.run("conformance", "usbank", "--out", dir)
	require.Equal(t, exitOK, code, "%s\n%s", out, stderr)
	assert.Contains(t, out, "**PASS** against profile `cfpb-1033`")
	b, err := os.ReadFile(filepath.Join(dir, "usbank.json"))
	require.NoError(t, err)
	var r struct {
		SchemaVersion string `json:"schemaVersion"`
		Pass          bool   `json:"pass"`
	}
	require.NoError(t, json.Unmarshal(b, &r))
	assert.Equal(t, "1", r.SchemaVersion)
	assert.True(t, r.Pass)
	assert.FileExists(t, filepath.Join(dir, "usbank.md"))

	strict := filepath.Join(dir, "strict.json")
	require.NoError(t, os.WriteFile(strict, []byte(`{"name":"partner-strict","maxP50Ms":0.001}`), 0o600))
	code, out, stderr = h.run("conformance", "usbank", "--thresholds", strict)
	assert.Equal(t, exitFailure, code, "%s", stderr)
	assert.Contains(t, out, "latency p50")
	assert.Contains(t, stderr, "not ready")
}

func TestConformanceUsage(t *testing.T) {
	h := newHarness(t)
	code, _, stderr := h.run("conformance", "usbank", "--profile", "no-such-profile")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "cfpb-1033")
	code, _, _ = h.run("conformance", "no-such-bank")
	assert.Equal(t, exitUsage, code)
}

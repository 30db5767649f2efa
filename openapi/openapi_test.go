package openapi_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/openapi"
)

func TestSpecsAreValid(t *testing.T) {
	ctx := context.Background()
	fdx, err := openapi.LoadFDX(ctx)
	require.NoError(t, err)
	admin, err := openapi.LoadAdmin(ctx)
	require.NoError(t, err)

	// The paths the rest of the project is built on.
	for _, p := range []string{
		"/accounts", "/accounts/{accountId}", "/accounts/{accountId}/transactions",
		"/accounts/{accountId}/statements", "/accounts/{accountId}/statements/{statementId}",
		"/accounts/{accountId}/contact", "/accounts/{accountId}/payment-networks",
		"/customers/current", "/consents/{consentId}", "/consents/{consentId}/revocation",
		"/notification-subscriptions", "/notification-subscriptions/{subscriptionId}",
	} {
		assert.NotNil(t, fdx.Paths.Value(p), p)
	}
	for _, p := range []string{"/users", "/clock/advance", "/faults", "/notifications", "/deliveries", "/consents", "/reset", "/snapshot", "/scenarios"} {
		assert.NotNil(t, admin.Paths.Value(p), p)
	}
}

// Every amount schema must map to the exact decimal type, never a float.
func TestAmountsAreExact(t *testing.T) {
	doc, err := openapi.LoadFDX(context.Background())
	require.NoError(t, err)
	for _, name := range []string{"Amount", "Rate"} {
		s := doc.Components.Schemas[name].Value
		assert.Equal(t, "fdxtypes.Decimal", s.Extensions["x-go-type"], name)
	}
	src, err := os.ReadFile(filepath.Join("fdxclient", "fdx.gen.go"))
	require.NoError(t, err)
	for _, float := range []string{"float32", "float64"} {
		assert.NotContains(t, string(src), float, "generated client must not carry floats")
	}
}

// The validation above is only worth something if it can fail: each broken
// copy must be rejected.
func TestBrokenSpecIsRejected(t *testing.T) {
	good := openapi.FDXSpec()
	breakages := map[string][2]string{
		"example violates schema": {"currentBalance: 2514.37", "currentBalance: lots"},
		"dangling reference":      {"$ref: '#/components/schemas/Accounts'", "$ref: '#/components/schemas/NoSuchThing'"},
		"bad enum example":        {"status: PENDING\n", "status: MAYBE\n"},
		"not yaml":                {"openapi: 3.0.3", "openapi: [3.0.3"},
	}
	for name, b := range breakages {
		t.Run(name, func(t *testing.T) {
			require.True(t, bytes.Contains(good, []byte(b[0])), "fixture text %q no longer in spec", b[0])
			broken := bytes.Replace(good, []byte(b[0]), []byte(b[1]), 1)
			_, err := openapi.Load(context.Background(), broken)
			assert.Error(t, err)
		})
	}
}

// Generated code must match what `go generate` produces from the specs; CI
// checks the same with git diff, this catches it in `go test` too.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	tmp := t.TempDir()
	for _, cfg := range []struct{ config, spec, out string }{
		{"fdxclient.cfg.yaml", "fdx.yaml", "fdxclient/fdx.gen.go"},
		{"fdxserver.cfg.yaml", "fdx.yaml", "fdxserver/fdx.gen.go"},
		{"adminapi.cfg.yaml", "admin.yaml", "adminapi/admin.gen.go"},
	} {
		// The config names its own output; point a copy of it at tmp.
		raw, err := os.ReadFile(cfg.config)
		require.NoError(t, err)
		out := filepath.Join(tmp, strings.ReplaceAll(cfg.out, "/", "_"))
		patched := strings.Replace(string(raw), "output: "+cfg.out, "output: "+out, 1)
		require.NotEqual(t, string(raw), patched, "%s must name output %s", cfg.config, cfg.out)
		tmpCfg := filepath.Join(tmp, cfg.config)
		require.NoError(t, os.WriteFile(tmpCfg, []byte(patched), 0o600))
		cmd := exec.Command(goBin, "tool", "oapi-codegen", "-config", tmpCfg, cfg.spec)
		msg, err := cmd.CombinedOutput()
		require.NoError(t, err, string(msg))
		want, err := os.ReadFile(cfg.out)
		require.NoError(t, err)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s is stale: run go generate ./openapi", cfg.out)
	}
}

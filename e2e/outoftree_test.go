package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOutOfTreeConnector builds examples/acmebank, a connector in a module
// of its own written from docs/adding-a-connector.md, and runs its tests:
// the shared connector suite and the conformance kit against mockbank
// serving its bank.json. It proves a partner needs nothing internal and
// no copy of this repository's code; the Go toolchain refuses a module
// that imports another module's internal packages.
func TestOutOfTreeConnector(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "examples", "acmebank"))
	require.NoError(t, err)
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// The example is its own module: no workspace, and none of the
		// caller's flags (-race, -short) leak into it.
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %v in examples/acmebank (after a dependency change, run go mod tidy there):\n%s", args, out)
	}
}

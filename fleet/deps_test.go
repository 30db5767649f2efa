package fleet_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// An integrator who imports only sdk and a connector compiles none of the
// fleet's databases or River (issue 12, point 8).
func TestSDKCompilesNoDatabase(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/obconnect/obconnect/sdk", "github.com/obconnect/obconnect/connectors/chase").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/jackc/pgx", "github.com/riverqueue/", "modernc.org/sqlite", "github.com/pressly/goose"} {
			require.False(t, strings.HasPrefix(dep, banned), "sdk + connector compile %s", dep)
		}
	}
}

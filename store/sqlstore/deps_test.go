package sqlstore_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An integrator who imports sdk and a connector compiles no database
// driver, and one who imports a driver package compiles that one only:
// the packages are split for that, and this keeps them so.
func TestDriversStayOptional(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := func(pkgs ...string) string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	const m = "github.com/obconnect/obconnect/"
	for _, tc := range []struct {
		pkgs    []string
		without []string
	}{
		{[]string{m + "sdk/...", m + "connectors/..."}, []string{"github.com/jackc/pgx", "modernc.org/sqlite", "github.com/pressly/goose", m + "store"}},
		{[]string{m + "store/sqlstore"}, []string{"github.com/jackc/pgx", "modernc.org/sqlite"}},
		{[]string{m + "store/sqlite"}, []string{"github.com/jackc/pgx"}},
		{[]string{m + "store/postgres"}, []string{"modernc.org/sqlite"}},
	} {
		got := deps(tc.pkgs...)
		for _, w := range tc.without {
			assert.False(t, strings.Contains(got, w+"/") || strings.Contains(got, w+"\n"), "%v depends on %s", tc.pkgs, w)
		}
	}
}

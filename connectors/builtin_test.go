package connectors_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
)

func TestBuiltinDescriptionsParse(t *testing.T) {
	ds := connectors.Builtin()
	require.Len(t, ds, 4)
	for _, d := range ds {
		require.NoError(t, d.Validate(), d.Name)
		got, err := connectors.Lookup(d.Name)
		require.NoError(t, err)
		assert.Equal(t, d, got)
	}
	_, err := connectors.Lookup("nobank")
	assert.ErrorContains(t, err, "chase")
}

// Between them the built-in banks must cover what the design promises
// partners can describe: both pagination styles, both client
// authentications, PAR required somewhere, a cluster not offered,
// account-level revocation, and a quirk at every bank.
func TestBuiltinBanksCoverTheProfiles(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range connectors.Builtin() {
		seen[string(d.Paging.Style)] = true
		seen[string(d.Auth.ClientAuth)] = true
		if d.Auth.PARRequired {
			seen["par"] = true
		}
		if !d.Offers("STATEMENTS") {
			seen["missing cluster"] = true
		}
		if d.AccountRevocation {
			seen["account revocation"] = true
		}
		assert.NotEmpty(t, d.Errors.Quirks, "%s has no error quirk", d.Name)
	}
	for _, k := range []string{"pageKey", "offset", "client_secret_basic", "private_key_jwt", "par", "missing cluster", "account revocation"} {
		assert.True(t, seen[k], k)
	}
}

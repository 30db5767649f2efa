package acmebank

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
)

// TestAcmeBank runs the shared connector suite over httpmock, quirks
// included.
func TestAcmeBank(t *testing.T) { fdxtest.Run(t, fdxtest.Bank{Open: Open}) }

// TestConformance runs the kit against mockbank serving bank.json, or
// against Acme's sandbox when OBCONNECT_KIT_BASE_URL is set.
func TestConformance(t *testing.T) {
	if remote, ok, err := conformance.RemoteFromEnv(Name); ok || err != nil {
		require.NoError(t, err)
		conformance.Run(t, remote.Maker())
		return
	}
	d, err := bankdesc.Parse(description)
	require.NoError(t, err)
	conformance.Run(t, mockbankharness.Maker(mockbankharness.Options{Bank: Name, Banks: []*bankdesc.Description{d}}))
}

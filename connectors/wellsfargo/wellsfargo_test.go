package wellsfargo

import (
	"testing"

	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
)

// TestWellsFargo runs the shared connector suite over httpmock; it checks every
// quirk in bank.json from the reading side, so none is listed here.
func TestWellsFargo(t *testing.T) { fdxtest.Run(t, fdxtest.Bank{Open: Open}) }

package wellsfargo

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/internal/fdxconn"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

func init() { sdk.Register(Name, Open) }

// Name registers the connector: sdk.Open(ctx, wellsfargo.Name, cfg).
const Name = "wellsfargo"

// Open is the driver.Opener sdk.Open calls for "wellsfargo". Everything but
// the error table (errors.go) is the shared FDX behaviour driven by the
// embedded profile.
var Open driver.Opener = fdxconn.Opener(profile, newWF)

//go:embed profile.json
var profile []byte

type wf struct{ *fdxconn.Connector }

func newWF(base *fdxconn.Connector) driver.Connector { return &wf{base} }

var _ driver.Connector = (*wf)(nil)

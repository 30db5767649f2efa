package wellsfargo

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

func init() { sdk.Register(Name, Open) }

// Name registers the connector: sdk.Open(ctx, wellsfargo.Name, cfg).
const Name = "wellsfargo"

// Open is the driver.Opener sdk.Open calls for "wellsfargo". Everything but
// the error table (errors.go) is the shared FDX behaviour driven by the
// embedded profile.
var Open driver.Opener = fdx.Opener(profile, newWF)

//go:embed profile.json
var profile []byte

// wf also subscribes to FDX notifications, which Wells Fargo offers.
type wf struct {
	*fdx.Connector
	fdx.Subscriptions
}

func newWF(base *fdx.Connector) driver.Connector {
	return &wf{Connector: base, Subscriptions: base.Subscriptions()}
}

var _ driver.Connector = (*wf)(nil)
var _ driver.NotificationSubscriber = (*wf)(nil)

package chase

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

// Name is the registry name: sdk.Open(ctx, chase.Name, cfg).
const Name = "chase"

//go:embed profile.json
var profileJSON []byte

// connector is Chase's driver: the shared FDX behaviour, Chase's error
// table (errors.go) and FDX notification subscriptions.
type connector struct {
	*fdx.Connector
	fdx.Subscriptions
}

var (
	_ driver.Connector              = (*connector)(nil)
	_ driver.NotificationSubscriber = (*connector)(nil)
)

// Open is Chase's driver.Opener; integrators call sdk.Open instead.
var Open = fdx.Opener(profileJSON, func(c *fdx.Connector) driver.Connector { return &connector{c, c.Subscriptions()} })

func init() { sdk.Register(Name, Open) }

package chase

import (
	"context"
	_ "embed"

	"github.com/obconnect/obconnect/connectors/internal/fdxconn"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

// Name is the registry name: sdk.Open(ctx, chase.Name, cfg).
const Name = "chase"

//go:embed profile.json
var profileJSON []byte

func init() { sdk.Register(Name, Open) }

// connector is Chase's driver: the shared FDX behaviour plus Chase's error
// table (errors.go). Chase has no optional capability.
type connector struct{ *fdxconn.Connector }

var _ driver.Connector = (*connector)(nil)

// Open is Chase's driver.Opener; integrators use sdk.Open instead.
func Open(_ context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
	base, err := fdxconn.New(cfg, profileJSON)
	if err != nil {
		return nil, err
	}
	return &connector{base}, nil
}

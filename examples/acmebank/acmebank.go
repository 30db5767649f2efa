// Package acmebank is the obconnect connector for Acme Bank, a made-up
// bank that shows how a partner builds a connector in their own module:
// the bank's description file, these lines of Go, and two tests.
package acmebank

import (
	"context"
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

// Name is the registry name: sdk.Open(ctx, acmebank.Name, ...).
const Name = "acmebank"

//go:embed bank.json
var description []byte

var open = fdx.MustOpener(description)

// Open is Acme Bank's driver.Opener.
func Open(ctx context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
	return open(ctx, cfg)
}

func init() { sdk.Register(Name, Open) }

package citi

import (
	"context"
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

// Name is the registry name: sdk.Open(ctx, citi.Name, ...).
const Name = "citi"

// description is bank.json, the one file that holds Citi's facts and
// error quirks; mockbank serves the same file.
//
//go:embed bank.json
var description []byte

// open is built once, at package initialisation, so that a broken
// bank.json fails the package's first test rather than an integrator's
// first Open.
var open = fdx.MustOpener(description)

// Open is Citi's driver.Opener, for sdk.OpenWith and tests; integrators
// usually open the bank by name.
func Open(ctx context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
	return open(ctx, cfg)
}

func init() { sdk.Register(Name, Open) }

package citi

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
)

// Name is the registry name: sdk.Open(ctx, citi.Name, ...).
const Name = "citi"

// description is bank.json, the one file that holds Citi's facts and
// error quirks; mockbank serves the same file.
//
//go:embed bank.json
var description []byte

// Open is Citi's driver.Opener, for sdk.OpenWith or tests; integrators
// usually open the bank by name.
var Open = fdx.MustOpener(description)

func init() { sdk.Register(Name, Open) }

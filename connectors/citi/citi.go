// This file wires Citi's profile into the shared FDX connector. Citi's
// missing STATEMENTS cluster needs no code: the shared connector answers
// Unimplemented for any cluster a profile does not list.

package citi

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/internal/fdxconn"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

//go:embed profile.json
var citiProfile []byte

// Name is Citi's registry name.
const Name = "citi"

type citi struct{ *fdxconn.Connector }

// Open opens a Citi connector (sdk.Open does this for integrators).
var Open = fdxconn.Opener(citiProfile, wrap)

func wrap(c *fdxconn.Connector) driver.Connector { return &citi{c} }

var _ driver.Connector = (*citi)(nil)

func init() { sdk.Register(Name, Open) }

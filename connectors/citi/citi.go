// This file wires Citi's profile into the shared FDX connector. Citi's
// missing STATEMENTS cluster needs no code: the shared connector answers
// Unimplemented for any cluster a profile does not list.

package citi

import (
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
)

//go:embed profile.json
var citiProfile []byte

// Name is Citi's registry name.
const Name = "citi"

// citi embeds fdx.Subscriptions: Citi offers FDX notification
// subscriptions.
type citi struct {
	fdx.Subscriptions
	*fdx.Connector
}

// Open opens a Citi connector (sdk.Open does this for integrators).
var Open = fdx.Opener(citiProfile, wrap)

func wrap(c *fdx.Connector) driver.Connector {
	x := &citi{Connector: c}
	x.Subscriptions = c.Subscriptions()
	return x
}

var (
	_ driver.NotificationSubscriber = (*citi)(nil)
	_ driver.Connector              = (*citi)(nil)
)

func init() { sdk.Register(Name, Open) }

package sdk

import (
	"fmt"
	"slices"
	"sync"

	"github.com/obconnect/obconnect/sdk/driver"
)

// The registry is the SDK's only global state, as in database/sql.
var (
	registryMu sync.RWMutex
	registry   = map[string]driver.Opener{}
)

// Register makes a connector available to [Open] under name, which must be
// the Name of the connector's profile (lower case, e.g. "chase").
// Connectors call it from init, and integrators enable one with a blank
// import. It panics if name is empty, opener is nil, or the name is
// already registered: both are programming errors found at start-up. Code
// that holds an opener, tests above all, can use [OpenWith] and register
// nothing.
func Register(name string, opener driver.Opener) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if name == "" {
		panic("sdk: Register with an empty name")
	}
	if opener == nil {
		panic("sdk: Register " + name + " with a nil opener")
	}
	if _, dup := registry[name]; dup {
		panic("sdk: Register called twice for connector " + name)
	}
	registry[name] = opener
}

// Banks returns the registered connector names, sorted.
func Banks() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lookup(name string) (driver.Opener, error) {
	registryMu.RLock()
	o, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, &Error{Code: InvalidArgument, Op: "sdk.Open",
			Msg: fmt.Sprintf("unknown bank %q (registered: %v; forgotten blank import of the connector?)", name, Banks())}
	}
	return o, nil
}

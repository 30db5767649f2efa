// Package connectors holds the descriptions of the banks built into
// obconnect, for programs that need every bank's facts without its
// connector: mockbank serves them by default, and tools list them.
//
// Each built-in bank is one description file, <bank>/bank.json, next to
// its connector. The connector package embeds the same file, so the
// connector and mockbank read one copy of each fact. The connectors
// themselves are the subpackages (connectors/chase, ...); the shared FDX
// connector they are built on is connectors/fdx.
//
// # Stability
//
// v0.x: banks may be added; a bank's description changes when its
// assumptions are corrected, with a CHANGELOG.md entry.
package connectors

import (
	"embed"
	"fmt"

	"github.com/obconnect/obconnect/bankdesc"
)

//go:embed chase/bank.json wellsfargo/bank.json citi/bank.json usbank/bank.json
var files embed.FS

// names lists the built-in banks in a stable order.
var names = [...]string{"chase", "wellsfargo", "citi", "usbank"}

// Builtin returns fresh copies of the built-in banks' descriptions, in a
// stable order (chase, wellsfargo, citi, usbank).
func Builtin() []*bankdesc.Description {
	out := make([]*bankdesc.Description, 0, len(names))
	for _, n := range names {
		d, err := Lookup(n)
		if err != nil {
			// The files are embedded and tested: a failure here is a broken
			// build, not bad input.
			panic(err)
		}
		out = append(out, d)
	}
	return out
}

// Lookup returns a fresh copy of a built-in bank's description.
func Lookup(name string) (*bankdesc.Description, error) {
	data, err := files.ReadFile(name + "/bank.json")
	if err != nil {
		return nil, fmt.Errorf("connectors: no built-in bank %q (built in: %v)", name, names)
	}
	d, err := bankdesc.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("connectors: %s/bank.json: %w", name, err)
	}
	return d, nil
}

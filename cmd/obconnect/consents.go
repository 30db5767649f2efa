package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

// printGrant prints what a grant covers; it holds no secret.
func printGrant(w io.Writer, g *sdk.Grant) error {
	accts := "all shared (the bank decides)"
	if g.AccountIDs != nil {
		accts = strings.Join(g.AccountIDs, ", ")
	}
	var cl []string
	for _, c := range g.Clusters {
		cl = append(cl, c.String())
	}
	return kv(w,
		"bank", g.Bank,
		"consent", g.ConsentID,
		"purpose", g.Purpose.String(),
		"clusters", strings.Join(cl, ", "),
		"accounts", accts,
		"created", g.CreatedAt.UTC().Format(time.RFC3339),
		"expires", g.ExpiresAt.UTC().Format(time.RFC3339),
	)
}

var _ = fmt.Sprint

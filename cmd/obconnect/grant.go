package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/obconnect/obconnect/sdk"
)

// Grants lists the stored grants, of --bank when given, filtered by
// --consent.
func (a *App) Grants(ctx context.Context) ([]*sdk.Grant, error) {
	st, err := a.Store(ctx, false)
	if err != nil {
		return nil, err
	}
	banks := a.knownBanks()
	if a.Bank != "" {
		banks = []string{a.Bank}
	}
	var out []*sdk.Grant
	for _, b := range banks {
		after := ""
		for {
			page, err := st.Grants().List(ctx, b, after, 100)
			if err != nil {
				return nil, err
			}
			for _, g := range page {
				if a.ConsentID == "" || g.ConsentID == a.ConsentID {
					out = append(out, g)
				}
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].TokenKey()
		}
	}
	return out, nil
}

// Grant is the one grant a data command works on, with a client of its
// bank: the only one stored, or the one --bank and --consent choose.
func (a *App) Grant(ctx context.Context) (*sdk.Client, *sdk.Grant, error) {
	gs, err := a.Grants(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch len(gs) {
	case 0:
		what := "no linked bank"
		if a.Bank != "" || a.ConsentID != "" {
			what = "no grant matches --bank/--consent"
		}
		return nil, nil, &hinted{err: fmt.Errorf("%s", what), hint: "link one with 'obconnect link BANK'; 'obconnect consents' lists the grants"}
	case 1:
	default:
		var ids []string
		for _, g := range gs {
			ids = append(ids, g.Bank+"/"+g.ConsentID)
		}
		return nil, nil, usagef("%d grants are stored (%s): choose one with --bank and --consent", len(gs), strings.Join(ids, ", "))
	}
	c, err := a.Client(ctx, gs[0].Bank)
	if err != nil {
		return nil, nil, err
	}
	return c, c.CurrentGrant(gs[0]), nil
}

package sdk_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// Bad input never panics: a nil context is an InvalidArgument from every
// method that takes one, before any I/O.
func TestNilContextIsInvalidArgument(t *testing.T) {
	for _, par := range []bool{false, true} {
		bank, c := setup(t, fakebank.Options{PARRequired: par}, nil)
		g := link(t, c)
		var nilCtx context.Context // a nil context, as a careless caller passes it
		req := sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposePersonalFinancialManagement, Duration: 24 * 3600e9}
		pending, err := c.StartLink(context.Background(), req)
		require.NoError(t, err)
		before := bank.DataCalls.Load() + bank.TokenCalls.Load()
		calls := map[string]func() error{
			"StartLink": func() error { _, err := c.StartLink(nilCtx, req); return err },
			"CompleteLink": func() error {
				_, err := c.CompleteLink(nilCtx, pending, url.Values{"state": {pending.State}, "code": {"x"}})
				return err
			},
			"Account":         func() error { _, err := c.Account(nilCtx, g, "chk-1"); return err },
			"Accounts":        func() error { _, err := collect(t, c.Accounts(nilCtx, g)); return err },
			"Transactions":    func() error { _, err := collect(t, c.Transactions(nilCtx, g, "chk-1", sdk.TxQuery{})); return err },
			"Statements":      func() error { _, err := collect(t, c.Statements(nilCtx, g, "chk-1", sdk.TxQuery{})); return err },
			"StatementPDF":    func() error { _, err := c.StatementPDF(nilCtx, g, "chk-1", "st-1"); return err },
			"Contact":         func() error { _, err := c.Contact(nilCtx, g, "chk-1"); return err },
			"PaymentNetworks": func() error { _, err := c.PaymentNetworks(nilCtx, g, "chk-1"); return err },
			"Consent":         func() error { _, err := c.Consent(nilCtx, g); return err },
			"RevokeAccounts":  func() error { return c.RevokeAccounts(nilCtx, g, "cc-1") },
			"Subscribe":       func() error { _, err := c.Subscribe(nilCtx, nil, "https://app.example/n", "BALANCE"); return err },
			"Unsubscribe":     func() error { return c.Unsubscribe(nilCtx, nil, "sub-1") },
			"Revoke":          func() error { return c.Revoke(nilCtx, g) },
			"Forget":          func() error { return c.Forget(nilCtx, g) },
		}
		for name, f := range calls {
			var err error
			require.NotPanics(t, func() { err = f() }, name)
			assert.ErrorIs(t, err, sdk.ErrInvalidArgument, name)
		}
		assert.Equal(t, before, bank.DataCalls.Load()+bank.TokenCalls.Load(), "nothing sent")
		assert.True(t, g.RevokedAt.IsZero(), "the grant is untouched")
	}
}

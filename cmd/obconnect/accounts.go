package main

import (
	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk"
)

func init() { register(newAccountsCmd) }

func newAccountsCmd(a *App) *cobra.Command {
	var f format
	cmd := &cobra.Command{
		Use:   "accounts",
		Short: "List the linked accounts",
		Long: `accounts lists the accounts the linked grant covers: id, type, status,
masked number and name. Account numbers are only ever shown masked.`,
		Example: `  obconnect accounts
  obconnect accounts --bank chase --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			t := table{Header: []string{"ID", "TYPE", "STATUS", "NUMBER", "NAME", "CURRENCY"}}
			var all []sdk.Account
			for acct, err := range c.Accounts(ctx, g) {
				if err != nil {
					return err
				}
				all = append(all, acct)
				t.Rows = append(t.Rows, []string{acct.ID, string(acct.Type), string(acct.Status), acct.NumberDisplay, firstNonEmpty(acct.Nickname, acct.ProductName, acct.Description), acct.Currency})
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	return cmd
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/lifecycle"
)

func init() {
	register(newConsentsCmd)
	register(newRevokeCmd)
}

// printGrant prints what a grant covers; it holds no secret.
func printGrant(w io.Writer, g *sdk.Grant) error {
	return kv(w,
		"bank", g.Bank,
		"consent", g.ConsentID,
		"purpose", g.Purpose.String(),
		"clusters", clusterList(g.Clusters),
		"accounts", accountList(g.AccountIDs),
		"created", g.CreatedAt.UTC().Format(time.RFC3339),
		"expires", g.ExpiresAt.UTC().Format(time.RFC3339),
	)
}

func clusterList(cs []sdk.Cluster) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}

func accountList(ids []string) string {
	if ids == nil {
		return "all shared (the bank decides)"
	}
	return strings.Join(ids, ", ")
}

func newConsentsCmd(a *App) *cobra.Command {
	var (
		f      format
		remote bool
	)
	cmd := &cobra.Command{
		Use:   "consents",
		Short: "List the linked consents: clusters, purpose, expiry, accounts",
		Long: `consents lists the grants in the state file: bank, consent id, purpose,
data clusters, accounts and expiry. With --remote it asks each bank for its
own view of the consent (status, accounts, expiry) instead.`,
		Example: `  obconnect consents
  obconnect consents --remote --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			gs, err := a.Grants(ctx)
			if err != nil {
				return err
			}
			t := table{Header: []string{"BANK", "CONSENT", "STATUS", "PURPOSE", "CLUSTERS", "ACCOUNTS", "EXPIRES"}}
			if !remote {
				for _, g := range gs {
					t.Rows = append(t.Rows, []string{g.Bank, g.ConsentID, grantStatus(g, a.Now()), g.Purpose.String(), clusterList(g.Clusters), accountList(g.AccountIDs), date(g.ExpiresAt)})
				}
				if gs == nil {
					gs = []*sdk.Grant{}
				}
				t.JSON = gs
				return f.print(a.Stdout, t)
			}
			all := []*sdk.Consent{}
			for _, g := range gs {
				c, err := a.Client(ctx, g.Bank)
				if err != nil {
					return err
				}
				cs, err := c.Consent(ctx, c.CurrentGrant(g))
				if err != nil {
					return fmt.Errorf("%s consent %s: %w", g.Bank, g.ConsentID, err)
				}
				all = append(all, cs)
				var ids []string
				for _, ca := range cs.Accounts {
					id := ca.AccountID
					if ca.Status == "REVOKED" {
						id += " (revoked)"
					}
					ids = append(ids, id)
				}
				t.Rows = append(t.Rows, []string{g.Bank, cs.ID, string(cs.Status), cs.Purpose, clusterList(cs.Clusters), strings.Join(ids, ", "), date(cs.Expires)})
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	cmd.Flags().BoolVar(&remote, "remote", false, "ask each bank for its view of the consent")
	return cmd
}

// grantStatus is what the state file knows of a grant.
func grantStatus(g *sdk.Grant, now time.Time) string {
	switch {
	case !g.RevokedAt.IsZero():
		return "REVOKED"
	case !now.Before(g.ExpiresAt):
		return "EXPIRED"
	}
	return "ACTIVE"
}

func newRevokeCmd(a *App) *cobra.Command {
	var accounts []string
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke the consent (or some of its accounts) and say what was deleted",
		Long: `revoke withdraws the consent at the bank (RFC 7009 token revocation and the
bank's consent revocation), then deletes the grant's tokens, its record and
its sync state from the state file, and says what was deleted. With
--accounts only those accounts leave the consent, where the bank supports it.`,
		Example: `  obconnect revoke
  obconnect revoke --bank chase --consent cns-123
  obconnect revoke --accounts sav-addb5a6a81`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			st, err := a.Store(ctx, false)
			if err != nil {
				return err
			}
			fg, err := lifecycle.New(c, &lifecycle.Options{Tokens: st.Tokens(), Grants: st.Grants(), SyncState: st.SyncState(), Deletions: st.Deletions()})
			if err != nil {
				return err
			}
			o, err := fg.Revoke(ctx, g, accounts...)
			if err != nil {
				return err
			}
			if err := a.forgetCursors(ctx, o.Bank, o.AccountIDs, o.Whole); err != nil {
				return err
			}
			if o.Whole {
				fmt.Fprintf(a.Stdout, "Revoked %s consent %s.\n", o.Bank, o.ConsentID)
			} else {
				fmt.Fprintf(a.Stdout, "Revoked accounts %s of %s consent %s; the rest of the consent stays.\n", strings.Join(o.AccountIDs, ", "), o.Bank, o.ConsentID)
			}
			fmt.Fprintln(a.Stdout, "Deleted:")
			if o.TokensDeleted {
				fmt.Fprintln(a.Stdout, "  - the grant's tokens (revoked at the bank and removed from the state file)")
			}
			if o.Whole {
				fmt.Fprintln(a.Stdout, "  - the grant record")
			}
			fmt.Fprintf(a.Stdout, "  - sync state of %d account(s)\n", o.SyncStreamsDeleted)
			what := "every account of the consent"
			if o.AccountIDs != nil {
				what = "accounts " + strings.Join(o.AccountIDs, ", ")
			}
			fmt.Fprintf(a.Stdout, "Delete any data you exported for %s: obconnect keeps no copy of it.\n", what)
			if o.ID != "" {
				// Nothing else of this revocation is left to do here.
				if err := st.Deletions().Done(ctx, o.ID); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&accounts, "accounts", nil, "revoke only these accounts, comma-separated")
	return cmd
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk"
)

func init() {
	register(newBalancesCmd)
	register(newTransactionsCmd)
	register(newStatementsCmd)
	register(newContactCmd)
	register(newPaymentNetworksCmd)
}

const dateLayout = "2006-01-02"

// accountsOf is the account the --account flag names, or every account
// of the grant.
func accountsOf(ctx context.Context, c *sdk.Client, g *sdk.Grant, only string) ([]sdk.Account, error) {
	var out []sdk.Account
	for acct, err := range c.Accounts(ctx, g) {
		if err != nil {
			return nil, err
		}
		if only == "" || acct.ID == only {
			out = append(out, acct)
		}
	}
	if only != "" && len(out) == 0 {
		return nil, withHint(fmt.Errorf("no account %q in this grant", only), "'obconnect accounts' lists the account ids")
	}
	return out, nil
}

func addAccountFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "account", "", "account id (default: every account of the grant)")
}

func money(m *sdk.Money) string {
	if m == nil {
		return ""
	}
	return m.String()
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

func newBalancesCmd(a *App) *cobra.Command {
	var (
		f       format
		account string
	)
	cmd := &cobra.Command{
		Use:   "balances",
		Short: "Show each account's balances",
		Long: `balances reads each account's detail (ACCOUNT_DETAILED) and shows its
balances in the bank's convention: on a credit card or loan, a positive
current balance is the amount owed (a loan shows its principal there when
the bank sends no current balance).`,
		Example: `  obconnect balances
  obconnect balances --account chk-ac2605e1ad --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			t := table{Header: []string{"ACCOUNT", "TYPE", "CURRENT", "AVAILABLE", "CREDIT LINE", "AS OF"}}
			var all []*sdk.Account
			for _, acct := range accts {
				d, err := c.Account(ctx, g, acct.ID)
				if err != nil {
					return err
				}
				all = append(all, d)
				var b sdk.Balances
				if d.Balances != nil {
					b = *d.Balances
				}
				t.Rows = append(t.Rows, []string{d.ID, string(d.Type), money(firstMoney(b.Current, b.Principal)), money(firstMoney(b.Available, b.AvailableCredit)), money(b.CreditLine), date(b.AsOf)})
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	return cmd
}

func firstMoney(ms ...*sdk.Money) *sdk.Money {
	for _, m := range ms {
		if m != nil {
			return m
		}
	}
	return nil
}

func newTransactionsCmd(a *App) *cobra.Command {
	var (
		f                 format
		account           string
		since, until      string
		status            string
		merchant, catgory string
		limit             int
	)
	cmd := &cobra.Command{
		Use:     "transactions",
		Aliases: []string{"tx"},
		Short:   "List transactions: date, amount, merchant, category, pending or posted",
		Long: `transactions lists the grant's transactions, newest history first as the
bank sends it, with date, signed amount (negative is money out), merchant,
category and status. Filters apply to every account listed; dates are
calendar days in UTC, both ends included.`,
		Example: `  obconnect transactions --since 30d
  obconnect transactions --since 2026-05-01 --until 2026-05-31
  obconnect transactions --account chk-ac2605e1ad --status pending
  obconnect transactions --merchant starbucks --csv > coffee.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var q sdk.TxQuery
			var err error
			if q.Start, err = parseDate("since", since, a.Now()); err != nil {
				return err
			}
			if q.End, err = parseDate("until", until, a.Now()); err != nil {
				return err
			}
			status = strings.ToUpper(status)
			if status != "" && status != "PENDING" && status != "POSTED" {
				return usagef("--status must be pending or posted, not %q", status)
			}
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			t := table{Header: []string{"DATE", "ACCOUNT", "AMOUNT", "MERCHANT", "CATEGORY", "STATUS"}}
			all := []sdk.Transaction{}
			for _, acct := range accts {
				if account == "" && !txAccount(acct) {
					continue
				}
				for tx, err := range c.Transactions(ctx, g, acct.ID, q) {
					if err != nil {
						return fmt.Errorf("account %s: %w", acct.ID, err)
					}
					if status != "" && string(tx.Status) != status ||
						merchant != "" && !strings.Contains(strings.ToLower(tx.Merchant), strings.ToLower(merchant)) ||
						catgory != "" && !strings.EqualFold(tx.Category, catgory) {
						continue
					}
					if limit > 0 && len(all) >= limit {
						break
					}
					all = append(all, tx)
					t.Rows = append(t.Rows, []string{date(tx.Date()), tx.AccountID, tx.Amount.String(), firstNonEmpty(tx.Merchant, tx.Description), tx.Category, strings.ToLower(string(tx.Status))})
				}
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "first day, YYYY-MM-DD or Nd (N days ago) (default: the bank's default history)")
	fl.StringVar(&until, "until", "", "last day, YYYY-MM-DD or Nd (default: today)")
	fl.StringVar(&status, "status", "", "only pending or only posted transactions")
	fl.StringVar(&merchant, "merchant", "", "only merchants whose name contains this (any case)")
	fl.StringVar(&catgory, "category", "", "only this category (any case), e.g. Groceries")
	fl.IntVar(&limit, "limit", 0, "at most this many transactions (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"pending", "posted"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// txAccount says whether a listing of every account includes this one: a
// closed account's transactions and payment networks are refused by the
// bank (FDX 705), which would end the whole listing; --account still asks.
func txAccount(a sdk.Account) bool {
	return a.Status != "CLOSED"
}

// parseDate reads a date flag: YYYY-MM-DD, or Nd for N days before now
// (in UTC), which reads better in scripts and examples than a date.
func parseDate(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") && n >= 0 {
		y, m, d := now.UTC().AddDate(0, 0, -n).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, usagef("--%s: %q is not a date YYYY-MM-DD or a number of days like 30d", flag, s)
	}
	return t, nil
}

func newStatementsCmd(a *App) *cobra.Command {
	var (
		f        format
		account  string
		download string
		out      string
	)
	cmd := &cobra.Command{
		Use:   "statements",
		Short: "List statements, or download one as PDF",
		Long: `statements lists the periodic statements of the grant's accounts. With
--download ID it saves that statement's PDF (to --output, default
statement-ID.pdf; '-' writes to standard output).`,
		Example: `  obconnect statements
  obconnect statements --account chk-ac2605e1ad --download stmt-123 --output may.pdf`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			if download != "" {
				if account == "" {
					return usagef("--download needs --account: statement ids belong to an account")
				}
				return a.downloadStatement(ctx, c, g, account, download, out)
			}
			t := table{Header: []string{"ID", "ACCOUNT", "DATE", "STATUS", "DESCRIPTION"}}
			all := []sdk.Statement{}
			for _, acct := range accts {
				for st, err := range c.Statements(ctx, g, acct.ID, sdk.TxQuery{}) {
					if err != nil {
						return fmt.Errorf("account %s: %w", acct.ID, err)
					}
					all = append(all, st)
					t.Rows = append(t.Rows, []string{st.ID, st.AccountID, date(st.Date), string(st.Status), st.Description})
				}
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	cmd.Flags().StringVar(&download, "download", "", "statement id whose PDF to save")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to save the PDF to ('-': standard output)")
	return cmd
}

func (a *App) downloadStatement(ctx context.Context, c *sdk.Client, g *sdk.Grant, account, id, out string) error {
	rc, err := c.StatementPDF(ctx, g, account, id)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	if out == "-" {
		_, err := io.Copy(a.Stdout, rc)
		return err
	}
	if out == "" {
		out = "statement-" + filepath.Base(id) + ".pdf"
	}
	// Statements are personal data: only the user may read the file.
	fh, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return withHint(err, "choose another file with --output")
	}
	n, err := io.Copy(fh, rc)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Saved statement %s (%d bytes) to %s\n", id, n, out)
	return nil
}

func newContactCmd(a *App) *cobra.Command {
	var (
		f       format
		account string
	)
	cmd := &cobra.Command{
		Use:   "contact",
		Short: "Show the account holders' names, emails, addresses and phones",
		Long: `contact shows the contact details the bank holds for each account
(CUSTOMER_CONTACT). It is personal data: it is printed because you asked,
and never logged.`,
		Example: `  obconnect contact
  obconnect contact --account chk-ac2605e1ad --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			t := table{Header: []string{"ACCOUNT", "KIND", "VALUE"}}
			type accountContact struct {
				AccountID string
				Contact   *sdk.Contact
			}
			all := []accountContact{}
			for _, acct := range accts {
				ct, err := c.Contact(ctx, g, acct.ID)
				if err != nil {
					return fmt.Errorf("account %s: %w", acct.ID, err)
				}
				all = append(all, accountContact{acct.ID, ct})
				for _, h := range ct.Holders {
					n := strings.Join(strings.Fields(strings.Join([]string{h.Name.Prefix, h.Name.First, h.Name.Middle, h.Name.Last, h.Name.Suffix, h.Name.Company}, " ")), " ")
					t.Rows = append(t.Rows, []string{acct.ID, "holder", strings.TrimSpace(n + " (" + h.Relationship + ")")})
				}
				for _, e := range ct.Emails {
					t.Rows = append(t.Rows, []string{acct.ID, "email", e})
				}
				for _, ad := range ct.Addresses {
					parts := []string{ad.Line1, ad.Line2, ad.Line3, ad.City, ad.Region, ad.PostalCode, ad.Country}
					var keep []string
					for _, p := range parts {
						if p != "" {
							keep = append(keep, p)
						}
					}
					t.Rows = append(t.Rows, []string{acct.ID, "address", strings.Join(keep, ", ")})
				}
				for _, tel := range ct.Telephones {
					t.Rows = append(t.Rows, []string{acct.ID, "phone " + strings.ToLower(tel.Type), strings.TrimSpace(tel.Country + " " + tel.Number)})
				}
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	return cmd
}

func newPaymentNetworksCmd(a *App) *cobra.Command {
	var (
		f       format
		account string
		reveal  bool
	)
	cmd := &cobra.Command{
		Use:   "payment-networks",
		Short: "Show routing and account numbers for moving money (masked unless --reveal)",
		Long: `payment-networks shows, per account, the networks money can move on (ACH,
wire, ...), the routing number and the account number. Account numbers
are masked unless you pass --reveal; --json always masks them.`,
		Example: `  obconnect payment-networks
  obconnect payment-networks --account chk-ac2605e1ad --reveal`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			t := table{Header: []string{"ACCOUNT", "NETWORK", "ROUTING", "ACCOUNT NUMBER", "IN", "OUT"}}
			type accountNetworks struct {
				AccountID string
				Networks  []sdk.PaymentNetwork
			}
			all := []accountNetworks{}
			for _, acct := range accts {
				// Payment networks exist for deposit accounts only (FDX 704
				// elsewhere), so a listing of every account asks only those.
				if account == "" && (!txAccount(acct) || sdk.CategoryOf(acct.Type) != sdk.DepositAccount) {
					continue
				}
				ns, err := c.PaymentNetworks(ctx, g, acct.ID)
				if err != nil {
					return fmt.Errorf("account %s: %w", acct.ID, err)
				}
				all = append(all, accountNetworks{acct.ID, ns})
				for _, n := range ns {
					num := n.Identifier.Mask()
					if reveal {
						num = n.Identifier.Reveal()
					}
					t.Rows = append(t.Rows, []string{acct.ID, string(n.Type), n.BankID, num, yesNo(n.TransferIn), yesNo(n.TransferOut)})
				}
			}
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	cmd.Flags().BoolVar(&reveal, "reveal", false, "show full account numbers in the table and CSV")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

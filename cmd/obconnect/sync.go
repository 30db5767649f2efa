package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk/txsync"
)

func init() { register(newSyncCmd) }

// The CLI keeps each account's txsync cursor in the state file, in a
// table of its own: the cursor is the integrator's to keep (txsync keeps
// only the state behind it), and one file is simpler to look after than
// two.
const cursorsDDL = `CREATE TABLE IF NOT EXISTS obconnect_cli_cursors (
	bank TEXT NOT NULL,
	account_id TEXT NOT NULL,
	cursor TEXT NOT NULL,
	PRIMARY KEY (bank, account_id)
)`

func (a *App) cursorDB(ctx context.Context) (*sql.DB, error) {
	st, err := a.Store(ctx, false)
	if err != nil {
		return nil, err
	}
	if _, err := st.DB().ExecContext(ctx, cursorsDDL); err != nil {
		return nil, err
	}
	return st.DB(), nil
}

func (a *App) cursor(ctx context.Context, bank, account string) (string, error) {
	db, err := a.cursorDB(ctx)
	if err != nil {
		return "", err
	}
	var c string
	err = db.QueryRowContext(ctx, `SELECT cursor FROM obconnect_cli_cursors WHERE bank = ? AND account_id = ?`, bank, account).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

func (a *App) saveCursor(ctx context.Context, bank, account, c string) error {
	db, err := a.cursorDB(ctx)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO obconnect_cli_cursors (bank, account_id, cursor) VALUES (?, ?, ?)
		ON CONFLICT (bank, account_id) DO UPDATE SET cursor = excluded.cursor`, bank, account, c)
	return err
}

// forgetCursors deletes the cursors of revoked accounts (all of the
// bank's when whole and ids is nil), whose sync state lifecycle deleted.
func (a *App) forgetCursors(ctx context.Context, bank string, ids []string, whole bool) error {
	db, err := a.cursorDB(ctx)
	if err != nil {
		return err
	}
	if whole && ids == nil {
		_, err := db.ExecContext(ctx, `DELETE FROM obconnect_cli_cursors WHERE bank = ?`, bank)
		return err
	}
	for _, id := range ids {
		if _, err := db.ExecContext(ctx, `DELETE FROM obconnect_cli_cursors WHERE bank = ? AND account_id = ?`, bank, id); err != nil {
			return err
		}
	}
	return nil
}

func newSyncCmd(a *App) *cobra.Command {
	var (
		f          format
		account    string
		since      string
		noProgress bool
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Fetch what changed in each account's transactions since the last sync",
		Long: `sync reads each account's transactions incrementally (package txsync):
the first sync reports the whole history as added, later ones only what
was added, modified (a pending transaction that posted, a changed amount)
or removed (a dropped authorisation) since. The cursor of each account is
kept in the state file, and saved only after a complete pass, so an
interrupted sync reports the same changes again next time.

It prints a summary per account; --json prints the changes themselves.`,
		Example: `  obconnect sync
  obconnect sync --since 2026-01-01
  obconnect sync --account chk-ac2605e1ad --json > changes.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			start, err := parseDate("since", since, a.Now())
			if err != nil {
				return err
			}
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			accts, err := accountsOf(ctx, c, g, account)
			if err != nil {
				return err
			}
			st, err := a.Store(ctx, false)
			if err != nil {
				return err
			}
			s, err := a.setup(ctx, g.Bank)
			if err != nil {
				return err
			}
			syncer, err := txsync.New(st.SyncState(), &txsync.Options{Now: a.clock(s), InitialStart: start})
			if err != nil {
				return err
			}
			bar := progressbar.NewOptions(len(accts),
				progressbar.OptionSetWriter(a.Stderr),
				progressbar.OptionSetDescription("syncing"),
				progressbar.OptionShowCount(),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionSetVisibility(!noProgress && isTerminal(a.Stderr)),
			)
			type accountChanges struct {
				AccountID string
				*txsync.Result
			}
			all := []accountChanges{}
			t := table{Header: []string{"ACCOUNT", "ADDED", "MODIFIED", "REMOVED"}}
			var added, modified, removed int
			for _, acct := range accts {
				bar.Describe("syncing " + acct.ID)
				if account == "" && !txAccount(acct) {
					_ = bar.Add(1)
					continue
				}
				cur, err := a.cursor(ctx, g.Bank, acct.ID)
				if err != nil {
					return err
				}
				res, err := syncer.Sync(ctx, c, g, acct.ID, cur)
				if errors.Is(err, txsync.ErrStateNotFound) {
					// The state behind the cursor is gone: start again,
					// and say so, since everything comes back as added.
					fmt.Fprintf(a.Stderr, "obconnect: %s: sync state lost; syncing from the start\n", acct.ID)
					res, err = syncer.Sync(ctx, c, g, acct.ID, "")
				}
				if err != nil {
					return fmt.Errorf("account %s: %w", acct.ID, err)
				}
				if err := a.saveCursor(ctx, g.Bank, acct.ID, res.Next); err != nil {
					return err
				}
				_ = bar.Add(1)
				all = append(all, accountChanges{acct.ID, res})
				added, modified, removed = added+len(res.Added), modified+len(res.Modified), removed+len(res.Removed)
				t.Rows = append(t.Rows, []string{acct.ID, strconv.Itoa(len(res.Added)), strconv.Itoa(len(res.Modified)), strconv.Itoa(len(res.Removed))})
			}
			_ = bar.Finish()
			t.Rows = append(t.Rows, []string{"total", strconv.Itoa(added), strconv.Itoa(modified), strconv.Itoa(removed)})
			t.JSON = all
			return f.print(a.Stdout, t)
		},
	}
	addFormatFlags(cmd, &f)
	addAccountFlag(cmd, &account)
	cmd.Flags().StringVar(&since, "since", "", "where an account's first sync starts, YYYY-MM-DD or Nd (default: the whole history the bank serves)")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "do not draw the progress bar (it is drawn only on a terminal)")
	return cmd
}

// isTerminal says whether w is a terminal, where a progress bar belongs.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

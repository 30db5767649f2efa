package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// EventHandler returns the function to give webhook.Handler for one bank:
// it receives only verified notifications. The fleet applies each (syncs,
// deletions); the app turns those a person should hear of into alerts.
// Composing an alert may wait for a sync, so it runs in the background
// and the bank gets its answer at once.
func (a *App) EventHandler(bank string) func(context.Context, *webhook.Event) error {
	return func(ctx context.Context, ev *webhook.Event) error {
		// Before the fleet deletes anything, note what a revocation covers.
		var revoked *revocation
		if d, ok := ev.Data.(*webhook.ConsentRevoked); ok {
			revoked = a.beforeRevocation(ctx, bank, d)
		}
		if err := a.cfg.Fleet.HandleEvent(ctx, bank, ev); err != nil {
			if revoked != nil {
				// The bank retries a failed delivery: let the retry claim
				// and report the revocation.
				_ = a.db.unclaimRevocation(context.WithoutCancel(ctx), revoked.userID, bank, revoked.consentID)
			}
			return err
		}
		switch d := ev.Data.(type) {
		case *webhook.SuspectedFraud:
			a.goBackground(func(ctx context.Context) { a.fraudAlert(ctx, bank, d) })
		case *webhook.NewTransactions:
			a.goBackground(func(ctx context.Context) { a.largePurchaseAlert(ctx, bank, d) })
		case *webhook.LowBalance:
			a.lowBalanceAlert(ctx, bank, d)
		case *webhook.ConsentExpiring:
			a.expiringAlert(ctx, bank, d)
		case *webhook.ConsentRevoked:
			if revoked != nil {
				a.goBackground(func(ctx context.Context) { a.finishRevocation(ctx, revoked, "at the bank") })
			}
		}
		return nil
	}
}

// waitForTx polls the synced table until the transaction arrives: the
// notification that announces it also enqueued its sync.
func (a *App) waitForTx(ctx context.Context, bank, accountID, txID string) (sdk.Transaction, bool) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		if t, ok := a.lookupTx(ctx, bank, accountID, txID); ok {
			return t, true
		}
		if time.Now().After(deadline) {
			return sdk.Transaction{}, false
		}
		select {
		case <-ctx.Done():
			return sdk.Transaction{}, false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lookupTx reads one transaction (or the posted one that replaced it) by
// its key in the fleet's table: many notifications may be waiting at
// once, and each should not read a whole account's history to find one
// row.
func (a *App) lookupTx(ctx context.Context, bank, accountID, txID string) (sdk.Transaction, bool) {
	if a.cfg.TxDB == nil {
		txs, err := a.cfg.Fleet.Transactions(ctx, bank, accountID)
		if err == nil {
			for _, t := range txs {
				if t.ID == txID || t.ReplacesID == txID {
					return t, true
				}
			}
		}
		return sdk.Transaction{}, false
	}
	var data []byte
	err := a.cfg.TxDB.QueryRowContext(ctx, a.db.q(`SELECT data FROM obconnect_transactions WHERE bank = ? AND account_id = ?
		AND (transaction_id = ? OR replaces_id = ?) ORDER BY transaction_id LIMIT 1`), bank, accountID, txID, txID).Scan(&data)
	if err != nil {
		return sdk.Transaction{}, false
	}
	var t sdk.Transaction
	if err := jsonUnmarshal(data, &t); err != nil {
		return sdk.Transaction{}, false
	}
	return t, true
}

func (a *App) fraudAlert(ctx context.Context, bank string, d *webhook.SuspectedFraud) {
	owners, _ := a.db.ownersOfAccount(ctx, bank, d.AccountID)
	for _, ac := range owners {
		body := fmt.Sprintf("%s flagged activity on %s. If it wasn't you, call the bank using the number on your card.", bankTitle(bank), ac.label())
		if d.TransactionID != "" {
			if t, ok := a.waitForTx(ctx, bank, d.AccountID, d.TransactionID); ok {
				abs, _ := t.Amount.Abs()
				body = fmt.Sprintf("%s flagged a %s purchase of %s at %s on %s (%s). If it wasn't you, call the bank using the number on your card.",
					bankTitle(bank), strings.ToLower(string(t.Status)), money(abs), merchantOf(t), ac.label(), t.TransactionTime.UTC().Format("2 Jan 15:04"))
			}
		}
		a.notify(ctx, ac.UserID, Alert{Kind: "fraud", Title: "Suspected fraud", Body: body})
	}
}

func (a *App) largePurchaseAlert(ctx context.Context, bank string, d *webhook.NewTransactions) {
	if len(d.TransactionIDs) == 0 {
		return
	}
	owners, _ := a.db.ownersOfAccount(ctx, bank, d.AccountID)
	if len(owners) == 0 {
		return
	}
	for _, id := range d.TransactionIDs {
		t, ok := a.waitForTx(ctx, bank, d.AccountID, id)
		if !ok || t.Amount.Sign() >= 0 {
			continue
		}
		abs, _ := t.Amount.Abs()
		if c, err := abs.Cmp(a.cfg.LargePurchase); err != nil || c < 0 {
			continue
		}
		for _, ac := range owners {
			a.notify(ctx, ac.UserID, Alert{Kind: "large", Title: "Large purchase",
				Body: fmt.Sprintf("%s at %s on %s (%s).", money(abs), merchantOf(t), ac.label(), strings.ToLower(string(t.Status)))})
		}
	}
}

func (a *App) lowBalanceAlert(ctx context.Context, bank string, d *webhook.LowBalance) {
	owners, _ := a.db.ownersOfAccount(ctx, bank, d.AccountID)
	for _, ac := range owners {
		body := fmt.Sprintf("Your balance on %s is low.", ac.label())
		if d.HasBalance {
			if m, err := sdk.ParseMoney(d.Balance.String(), currencyOr(d.Currency)); err == nil {
				body = fmt.Sprintf("Your available balance on %s is %s.", ac.label(), money(m))
			}
		}
		if d.HasThreshold {
			if m, err := sdk.ParseMoney(d.Threshold.String(), currencyOr(d.Currency)); err == nil {
				body += " That is under " + money(m) + "."
			}
		}
		a.notify(ctx, ac.UserID, Alert{Kind: "low-balance", Title: "Low balance", Body: body})
	}
}

func currencyOr(c string) string {
	if c == "" {
		return "USD"
	}
	return c
}

func (a *App) expiringAlert(ctx context.Context, bank string, d *webhook.ConsentExpiring) {
	userID, status, err := a.db.ownerOfConsent(ctx, bank, d.ConsentID)
	if err != nil || status != "active" {
		return
	}
	when := "soon"
	if !d.ExpiresAt.IsZero() {
		when = "on " + d.ExpiresAt.UTC().Format("Mon 2 Jan 2006")
	}
	a.notify(ctx, userID, Alert{Kind: "expiring", Title: "Consent expiring",
		Body: fmt.Sprintf("Your consent at %s ends %s. Link %s again to keep your answers up to date; nothing is shared after it ends.", bankTitle(bank), when, bankTitle(bank))})
}

// revocation is what a revocation covers, noted before the fleet deletes
// it, so the app can say afterwards what was deleted.
type revocation struct {
	userID, bank, consentID string
	accounts                []account
	rows                    map[string]int // transactions held per account before
}

// beforeRevocation claims the link's revocation (once, whoever revokes)
// and counts what the fleet holds for it.
func (a *App) beforeRevocation(ctx context.Context, bank string, d *webhook.ConsentRevoked) *revocation {
	if !d.WholeConsent() {
		return nil // one account: the fleet deletes it; the link stays
	}
	userID, _, err := a.db.ownerOfConsent(ctx, bank, d.ConsentID)
	if err != nil {
		return nil
	}
	ok, err := a.db.claimRevocation(ctx, userID, bank, d.ConsentID)
	if err != nil || !ok {
		return nil // already revoked from the app, or being revoked
	}
	return a.countHeld(ctx, userID, bank, d.ConsentID)
}

func (a *App) countHeld(ctx context.Context, userID, bank, consentID string) *revocation {
	r := &revocation{userID: userID, bank: bank, consentID: consentID, rows: map[string]int{}}
	accts, _ := a.db.accounts(ctx, userID)
	for _, ac := range accts {
		if ac.Bank == bank && ac.ConsentID == consentID {
			r.accounts = append(r.accounts, ac)
			txs, _ := a.cfg.Fleet.Transactions(ctx, bank, ac.ID)
			r.rows[ac.ID] = len(txs)
		}
	}
	return r
}

// finishRevocation waits until the fleet's deletion job has deleted the
// accounts' data, then records and announces what went.
func (a *App) finishRevocation(ctx context.Context, r *revocation, where string) string {
	deadline := time.Now().Add(a.cfg.RevokeWait)
	deleted := false
	for !deleted && time.Now().Before(deadline) {
		deleted = true
		for _, ac := range r.accounts {
			st, err := a.cfg.Fleet.Account(ctx, r.bank, ac.ID)
			if err == nil && st.Status != fleet.StatusDeleted {
				deleted = false
			}
		}
		if !deleted {
			select {
			case <-ctx.Done():
				return ""
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	var parts []string
	total := 0
	for _, ac := range r.accounts {
		parts = append(parts, fmt.Sprintf("%s %s (%d %s)", ac.Name, ac.Masked, r.rows[ac.ID], plural(r.rows[ac.ID], "transaction")))
		total += r.rows[ac.ID]
	}
	outcome := fmt.Sprintf("Consent revoked %s. Deleted %d %s of %s, the sync state and the access tokens; nothing more is read from %s.",
		where, total, plural(total, "transaction"), strings.Join(parts, ", "), bankTitle(r.bank))
	if !deleted {
		outcome = fmt.Sprintf("Consent revoked %s. Nothing more is read from %s; deleting its data (%d %s) is still under way and will be retried until it is done.",
			where, bankTitle(r.bank), total, plural(total, "transaction"))
	}
	if err := a.db.markRevoked(ctx, r.userID, r.bank, r.consentID, outcome); err != nil {
		a.log.Error("assistant: recording a revocation", "bank", r.bank, "err", err)
	}
	a.notify(ctx, r.userID, Alert{Kind: "revoked", Title: bankTitle(r.bank) + ": consent revoked", Body: outcome})
	return outcome
}

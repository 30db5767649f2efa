package notify

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
)

// HandleEvent turns a store event into notifications. Register it with
// store.OnEvent. It never blocks on the network: deliveries run in their
// own goroutines.
func (d *Dispatcher) HandleEvent(e store.Event) {
	ctx := d.ctx
	var err error
	switch e.Kind {
	case store.EventTransactionNew, store.EventTransactionPosted:
		typ := TypeTransactionsNew
		if e.Kind == store.EventTransactionPosted {
			typ = TypeTransactionsPosted
		}
		req := Request{Bank: e.Bank, Type: typ, AccountID: e.AccountID, TransactionID: e.TransactionID}
		if typ == TypeTransactionsPosted {
			req.Fields = map[string]string{"status": "POSTED"}
		}
		_, err = d.Fire(ctx, req)
		if err == nil {
			err = d.checkBalance(ctx, e.Bank, e.AccountID)
		}
	case store.EventConsentRevoked, store.EventConsentUpdated:
		err = d.consentChanged(ctx, e)
	case store.EventClockAdvanced:
		err = d.checkExpiring(ctx)
	}
	if err != nil && ctx.Err() == nil {
		d.log.Warn("notification not produced", "event", string(e.Kind), "bank", e.Bank, "err", err)
	}
}

// checkBalance sends BALANCE when a deposit account's available balance
// crosses under the threshold, and re-arms when it climbs back.
func (d *Dispatcher) checkBalance(ctx context.Context, bank, accountID string) error {
	st := d.opts.Store
	a, err := st.Account(ctx, bank, accountID)
	if err != nil {
		return err
	}
	if a.Kind.Owed() {
		return nil
	}
	b, err := st.BalancesAt(ctx, bank, accountID, st.Now())
	if err != nil {
		return err
	}
	low := b.Current-b.Holds < d.opts.LowBalance
	key := bank + "/" + accountID
	d.mu.Lock()
	was := d.low[key]
	d.low[key] = low
	d.mu.Unlock()
	if !low || was {
		return nil
	}
	_, err = d.Fire(ctx, Request{Bank: bank, Type: TypeBalance, AccountID: accountID,
		Fields: map[string]string{"availableBalance": formatMinor(b.Current - b.Holds), "threshold": formatMinor(d.opts.LowBalance),
			"balanceType": "AVAILABLE", "currency": a.Currency}})
	return err
}

func formatMinor(m store.Money) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// consentChanged sends CONSENT_REVOKED for a whole consent, or one per
// newly revoked account of an account-level revocation.
func (d *Dispatcher) consentChanged(ctx context.Context, e store.Event) error {
	c, err := d.opts.Store.Consent(ctx, e.Bank, e.ConsentID)
	if err != nil {
		return err
	}
	key := e.Bank + "/" + c.ID
	d.mu.Lock()
	seen := d.revokedAcc[key]
	if seen == nil {
		seen = map[string]bool{}
		d.revokedAcc[key] = seen
	}
	var fresh []string
	for _, a := range c.RevokedAccounts {
		if !seen[a] {
			seen[a] = true
			fresh = append(fresh, a)
		}
	}
	d.mu.Unlock()
	if e.Kind == store.EventConsentRevoked {
		// The consent is gone as a whole (even when its last account went
		// last): one whole-consent notification says everything.
		_, err = d.Fire(ctx, Request{Bank: e.Bank, Type: TypeConsentRevoked, ConsentID: c.ID, Fields: reasonField(c)})
		return err
	}
	for _, a := range fresh {
		if _, err := d.Fire(ctx, Request{Bank: e.Bank, Type: TypeConsentRevoked, ConsentID: c.ID, AccountID: a, Fields: reasonField(c)}); err != nil {
			return err
		}
	}
	if len(fresh) == 0 {
		var granted []string
		for _, a := range c.AccountIDs {
			if c.GrantsAccount(a) {
				granted = append(granted, a)
			}
		}
		_, err = d.Fire(ctx, Request{Bank: e.Bank, Type: TypeConsentUpdated, ConsentID: c.ID,
			Fields: map[string]string{"status": c.StatusAt(d.opts.Store.Now()), "accountIds": strings.Join(granted, ",")}})
	}
	return err
}

// reasonField carries the revocation's reason when the store has one.
func reasonField(c *store.Consent) map[string]string {
	if c.RevokeReason == "" {
		return nil
	}
	return map[string]string{"reason": c.RevokeReason}
}

// checkExpiring sends CONSENT_EXPIRING once per active consent that expires
// within ExpiringDays of the simulated now.
func (d *Dispatcher) checkExpiring(ctx context.Context) error {
	st := d.opts.Store
	now := st.Now()
	horizon := now.Add(time.Duration(d.opts.ExpiringDays) * 24 * time.Hour)
	for _, bank := range st.Banks() {
		cs, err := st.Consents(ctx, bank)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.StatusAt(now) != store.ConsentActive || c.ExpiresAt.After(horizon) {
				continue
			}
			key := bank + "/" + c.ID
			d.mu.Lock()
			sent := d.expiring[key]
			d.expiring[key] = true
			d.mu.Unlock()
			if sent {
				continue
			}
			if _, err := d.Fire(ctx, Request{Bank: bank, Type: TypeConsentExpiring, ConsentID: c.ID,
				Fields: map[string]string{"expirationTime": c.ExpiresAt.UTC().Format(time.RFC3339)}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// State is the dispatcher's persistent form.
type State struct {
	Seq        uint64              `json:"seq"`
	Deliveries []Delivery          `json:"deliveries"`
	Low        []string            `json:"low,omitempty"`
	Expiring   []string            `json:"expiring,omitempty"`
	RevokedAcc map[string][]string `json:"revokedAccounts,omitempty"`
}

// Export returns the deliveries and what has been notified already.
func (d *Dispatcher) Export(ctx context.Context) State {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := State{Seq: d.seq, RevokedAcc: map[string][]string{}}
	for _, x := range d.deliveries {
		st.Deliveries = append(st.Deliveries, x.clone())
	}
	for k, v := range d.low {
		if v {
			st.Low = append(st.Low, k)
		}
	}
	for k := range d.expiring {
		st.Expiring = append(st.Expiring, k)
	}
	for k, m := range d.revokedAcc {
		for a := range m {
			st.RevokedAcc[k] = append(st.RevokedAcc[k], a)
		}
		sort.Strings(st.RevokedAcc[k])
	}
	sort.Strings(st.Low)
	sort.Strings(st.Expiring)
	return st
}

// Import replaces the dispatcher's state after validating it, and resumes
// the deliveries that were pending.
func (d *Dispatcher) Import(ctx context.Context, st State) error {
	byID := map[string]*Delivery{}
	list := make([]*Delivery, 0, len(st.Deliveries))
	for _, x := range st.Deliveries {
		if x.ID == "" || byID[x.ID] != nil || x.CallbackURL == "" || len(x.Body) == 0 {
			return fmt.Errorf("%w: delivery without a unique id, a callback URL or a body", ErrInvalid)
		}
		if !slices.Contains([]string{StatusPending, StatusDelivered, StatusFailed}, x.Status) {
			return fmt.Errorf("%w: delivery status %q", ErrInvalid, x.Status)
		}
		c := x.clone()
		byID[c.ID] = &c
		list = append(list, &c)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	// The id sequence never goes back (a reset or an older snapshot would
	// otherwise reuse notificationIds, which receivers drop as replays).
	d.seq, d.deliveries, d.byID = max(d.seq, st.Seq), list, byID
	d.low, d.expiring, d.revokedAcc = map[string]bool{}, map[string]bool{}, map[string]map[string]bool{}
	for _, k := range st.Low {
		d.low[k] = true
	}
	for _, k := range st.Expiring {
		d.expiring[k] = true
	}
	for k, as := range st.RevokedAcc {
		m := map[string]bool{}
		for _, a := range as {
			m[a] = true
		}
		d.revokedAcc[k] = m
	}
	var resume []*Delivery
	for _, x := range list {
		if x.Status == StatusPending {
			d.inflight++
			resume = append(resume, x)
		}
	}
	d.mu.Unlock()
	for _, x := range resume {
		d.start(x)
	}
	return nil
}

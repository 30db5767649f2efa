package fleet

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Counter names kept in the database (BankStats).
const counterRateLimited = "rate_limited"

// Metrics are this process's counters since Open, per bank. They hold no
// account or transaction data. For fleet-wide figures that survive a
// process's death, see Fleet.Stats.
type Metrics struct {
	Banks []BankMetrics
}

// BankMetrics are one bank's counters in this process.
type BankMetrics struct {
	Bank string
	// Requests is every HTTP exchange with the bank (attempts, OAuth
	// included); RateLimited those the bank refused for rate (its
	// rate-limit status: 429, or the bank's own, as its description says);
	// Failures those with a 5xx status or no response.
	Requests, RateLimited, Failures int64
	// BudgetWait is the time requests waited for the shared budget.
	BudgetWait time.Duration
	// Syncs counts committed syncs; SyncErrors failed attempts (retried);
	// Conflicts commits refused because another sync of the account had
	// committed first (retried, nothing applied).
	Syncs, SyncErrors, Conflicts int64
	// Added, Modified and Removed count the changes applied to the
	// transactions table.
	Added, Modified, Removed int64
	// Deletions counts accounts whose data was deleted (revoked or expired
	// consent, unlink).
	Deletions int64
}

type bankCounters struct {
	requests, rateLimited, failures, budgetWait         atomic.Int64
	syncs, syncErrors, conflicts, added, modified, gone atomic.Int64
	deletions                                           atomic.Int64
}

type metrics struct {
	mu    sync.Mutex
	banks map[string]*bankCounters
}

func newMetrics() *metrics { return &metrics{banks: map[string]*bankCounters{}} }

func (m *metrics) bank(name string) *bankCounters {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.banks[name]
	if c == nil {
		c = &bankCounters{}
		m.banks[name] = c
	}
	return c
}

// Metrics returns a snapshot of this process's counters, banks sorted by
// name.
func (f *Fleet) Metrics() Metrics {
	f.metrics.mu.Lock()
	names := make([]string, 0, len(f.metrics.banks))
	for n := range f.metrics.banks {
		names = append(names, n)
	}
	f.metrics.mu.Unlock()
	slices.Sort(names)
	var out Metrics
	for _, n := range names {
		c := f.metrics.bank(n)
		out.Banks = append(out.Banks, BankMetrics{
			Bank: n, Requests: c.requests.Load(), RateLimited: c.rateLimited.Load(), Failures: c.failures.Load(),
			BudgetWait: time.Duration(c.budgetWait.Load()),
			Syncs:      c.syncs.Load(), SyncErrors: c.syncErrors.Load(), Conflicts: c.conflicts.Load(),
			Added: c.added.Load(), Modified: c.modified.Load(), Removed: c.gone.Load(), Deletions: c.deletions.Load(),
		})
	}
	return out
}

// BankStats are fleet-wide figures for one bank, read from the database:
// every process's contribution, including processes that died.
type BankStats struct {
	Bank string
	// Granted is how many requests the shared budget let through (0 when
	// the bank has no budget).
	Granted int64
	// RateLimited is how many rate-limit refusals the fleet's processes
	// saw from the bank. A refusal is written when seen; a process killed
	// between the bank's answer and that write loses at most that one.
	RateLimited int64
	// Accounts counts the bank's accounts by status (active, deleted).
	Accounts map[string]int64
	// Transactions is the number of rows in the transactions table.
	Transactions int64
}

// Stats returns fleet-wide figures per bank, sorted by bank.
func (f *Fleet) Stats(ctx context.Context) ([]BankStats, error) {
	const op = "fleet.Stats"
	by := map[string]*BankStats{}
	get := func(bank string) *BankStats {
		s := by[bank]
		if s == nil {
			s = &BankStats{Bank: bank, Accounts: map[string]int64{}}
			by[bank] = s
		}
		return s
	}
	scan := func(q string, fn func(r interface{ Scan(...any) error }) error) error {
		rows, err := f.db.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := scan(`SELECT bank, granted FROM obconnect_fleet_budget`, func(r interface{ Scan(...any) error }) error {
		var b string
		var n int64
		if err := r.Scan(&b, &n); err != nil {
			return err
		}
		get(b).Granted = n
		return nil
	})
	if err == nil {
		err = scan(`SELECT bank, value FROM obconnect_fleet_counters WHERE name = '`+counterRateLimited+`'`, func(r interface{ Scan(...any) error }) error {
			var b string
			var n int64
			if err := r.Scan(&b, &n); err != nil {
				return err
			}
			get(b).RateLimited = n
			return nil
		})
	}
	if err == nil {
		err = scan(`SELECT bank, status, COUNT(*) FROM obconnect_fleet_accounts GROUP BY bank, status`, func(r interface{ Scan(...any) error }) error {
			var b, st string
			var n int64
			if err := r.Scan(&b, &st, &n); err != nil {
				return err
			}
			get(b).Accounts[st] = n
			return nil
		})
	}
	if err == nil {
		err = scan(`SELECT bank, COUNT(*) FROM obconnect_transactions GROUP BY bank`, func(r interface{ Scan(...any) error }) error {
			var b string
			var n int64
			if err := r.Scan(&b, &n); err != nil {
				return err
			}
			get(b).Transactions = n
			return nil
		})
	}
	if err != nil {
		return nil, &obcerr.Error{Code: obcerr.Unavailable, Op: op, Err: err}
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]BankStats, 0, len(names))
	for _, n := range names {
		out = append(out, *by[n])
	}
	return out, nil
}

func (f *Fleet) addCounter(ctx context.Context, bank, name string, n int64) error {
	_, err := f.db.Exec(ctx, `INSERT INTO obconnect_fleet_counters (bank, name, value) VALUES (?, ?, ?)
		ON CONFLICT (bank, name) DO UPDATE SET value = obconnect_fleet_counters.value + excluded.value`, bank, name, n)
	return err
}

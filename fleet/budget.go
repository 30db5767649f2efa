package fleet

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/obconnect/obconnect/fleet/internal/backend"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// budget is one bank's request budget, shared by every process of the
// fleet: a token bucket kept in one database row. Each request takes a
// token with one UPDATE that refills the bucket for the time elapsed (on
// the database's clock, so processes with skewed clocks agree) and takes
// one token, possibly going below zero. A negative level is a queue: the
// taker waits until its token will have been refilled. So however many
// processes and goroutines send, the bank sees at most burst requests at
// once and rate per second after that, in the order they asked.
type budget struct {
	bank    string
	rate    float64
	burst   float64
	off     bool
	db      backend.DB
	metrics *metrics
}

// install writes the bucket's rate and burst, keeping its level: a process
// starting does not hand out a fresh burst the bank has not refilled.
func (b *budget) install(ctx context.Context) error {
	now := "EXTRACT(EPOCH FROM clock_timestamp())"
	if b.db.Dialect() == backend.SQLite {
		now = sqliteNow
	}
	_, err := b.db.Exec(ctx, `INSERT INTO obconnect_fleet_budget (bank, rate, burst, tokens, stamp, granted)
		VALUES (?, ?, ?, ?, `+now+`, 0)
		ON CONFLICT (bank) DO UPDATE SET rate = excluded.rate, burst = excluded.burst,
			tokens = CASE WHEN obconnect_fleet_budget.tokens > excluded.burst THEN excluded.burst ELSE obconnect_fleet_budget.tokens END`,
		b.bank, b.rate, b.burst, b.burst)
	return err
}

// sqliteNow is seconds since the epoch with sub-second precision in SQLite
// (julianday counts days since a date 2440587.5 days before 1970).
const sqliteNow = "((julianday('now') - 2440587.5) * 86400.0)"

const takePostgres = `UPDATE obconnect_fleet_budget AS b
	SET tokens = LEAST(b.burst, b.tokens + b.rate * GREATEST(n.now - b.stamp, 0)) - 1,
	    stamp = GREATEST(n.now, b.stamp),
	    granted = b.granted + 1
	FROM (SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now) AS n
	WHERE b.bank = ?
	RETURNING b.tokens, b.rate`

const takeSQLite = `UPDATE obconnect_fleet_budget
	SET tokens = MIN(burst, tokens + rate * MAX(n.now - stamp, 0)) - 1,
	    stamp = MAX(n.now, stamp),
	    granted = granted + 1
	FROM (SELECT ` + sqliteNow + ` AS now) AS n
	WHERE bank = ?
	RETURNING tokens, rate`

// maxBudgetWait bounds how long a request queues for the budget. A longer
// queue means the fleet has more work than the bank allows: the request
// gives its token back and fails as RateLimited, and River retries the job
// later, instead of a queue that grows faster than it drains while its
// waiters time out holding tokens nobody uses.
const maxBudgetWait = 20 * time.Second

// take reserves one request and waits for its turn.
func (b *budget) take(ctx context.Context) error {
	if b == nil || b.off {
		return nil
	}
	q := takePostgres
	if b.db.Dialect() == backend.SQLite {
		q = takeSQLite
	}
	var level, rate float64
	if err := b.db.QueryRow(ctx, q, b.bank).Scan(&level, &rate); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &obcerr.Error{Code: obcerr.Unavailable, Op: "fleet.budget", Msg: "take a request from the budget of " + b.bank, Err: err}
	}
	if level >= 0 || rate <= 0 {
		return nil
	}
	wait := time.Duration(-level / rate * float64(time.Second))
	limit := maxBudgetWait
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	if wait > limit {
		b.refund()
		return &obcerr.Error{Code: obcerr.RateLimited, Op: "fleet.budget", Msg: "the request budget of " + b.bank + " is booked for longer than this request can wait", RetryAfter: wait}
	}
	b.metrics.bank(b.bank).budgetWait.Add(int64(wait))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		b.refund()
		return ctx.Err()
	}
}

// refund gives back a token that will not be used, so requests that are
// never sent do not push everyone else's turn back.
func (b *budget) refund() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = b.db.Exec(ctx, `UPDATE obconnect_fleet_budget SET tokens = CASE WHEN tokens + 1 > burst THEN burst ELSE tokens + 1 END,
		granted = granted - 1 WHERE bank = ?`, b.bank)
}

// budgetTransport takes a token before every request the sdk sends to the
// bank's resource server, retries included: the bank counts attempts, not
// calls. Those are the requests with a bearer token (data API,
// subscriptions); the OAuth endpoints (token, PAR, revocation), which
// authenticate the client otherwise, are not what a bank's per-client
// data limit counts, and are not made to wait behind a backlog of syncs.
type budgetTransport struct {
	next http.RoundTripper
	b    *budget
}

func (t *budgetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return t.next.RoundTrip(r)
	}
	if err := t.b.take(r.Context()); err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, err
	}
	return t.next.RoundTrip(r)
}

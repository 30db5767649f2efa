package fleet_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/internal/pgtest"
	"github.com/obconnect/obconnect/sdk"
)

// The benchmarks run one fleet once each, whatever b.N (run them with
// -benchtime=1x); docs/fleet.md records their figures and the command.
// OBCONNECT_FLEET_BENCH_USERS sets the accounts per bank.

// BenchmarkFleetBound measures the fleet against the banks' real rate
// limits with a backlog at every bank. Over a window of T seconds a token
// bucket lets through at most rate·T + burst requests; that is each bank's
// bound (chase 10/s burst 20, wellsfargo 5/10, citi 4/8, usbank 8/16), and
// the figure is the requests the fleet sent against the sum of the bounds,
// from the workers' start to each bank's last request. The goal is at
// least 90 %. Backlogs are sized so that every bank is busy for about the
// same time; OBCONNECT_FLEET_BENCH_SCALE multiplies them.
func BenchmarkFleetBound(b *testing.B) {
	m := startMock(b, true)
	scale := envInt("OBCONNECT_FLEET_BENCH_SCALE", 1)
	// Accounts of 120 transactions: 2 pages at chase, 3 at wellsfargo, 5
	// at citi, 1 at usbank, each read twice per sync.
	perBank := map[string]int{"chase": 40 * scale, "wellsfargo": 15 * scale, "citi": 8 * scale, "usbank": 60 * scale}
	users := m.histories(b, perBank, 120)
	// Every account is linked (its first sync queued) before the workers
	// start, so each bank has a backlog from the first second.
	f, _ := benchFleet(b, m, os.Getenv(pgtest.EnvDSN) != "", false)
	linkAll(b, m, f, users)
	m.wire.reset()
	require.NoError(b, f.Start(context.Background()))
	waitIdle(b, f, 10*time.Minute)
	var sent, bound float64
	for _, d := range connectors.Builtin() {
		bank, rl := d.Name, d.RateLimit
		n, window := m.wire.window(bank)
		bb := float64(rl.RequestsPerSecond)*window.Seconds() + float64(rl.Burst)
		sent += float64(n)
		bound += bb
		b.ReportMetric(float64(n)/bb*100, bank+"_%bound")
	}
	b.ReportMetric(sent/bound*100, "%bound")
	refusals, _, _ := m.wire.snapshot()
	b.ReportMetric(float64(sum(refusals)), "refusals")
}

// BenchmarkFleetUnlimited measures end-to-end synced transactions per
// second with the banks' limits lifted and no budget, into SQLite and
// into PostgreSQL, and the process's CPU time per 1,000 transactions.
// mockbank runs in the same process, so its CPU is included; the
// PostgreSQL server's is not.
func BenchmarkFleetUnlimited(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			m := startMock(b, false)
			n := envInt("OBCONNECT_FLEET_BENCH_USERS", 25)
			users := m.histories(b, map[string]int{"chase": n, "wellsfargo": n, "citi": n, "usbank": n}, 400)
			f, _ := benchFleet(b, m, db == "postgres", true)
			var ru0 syscall.Rusage
			require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru0))
			start := time.Now()
			accounts := linkAll(b, m, f, users)
			waitIdle(b, f, 10*time.Minute)
			elapsed := time.Since(start)
			var ru1 syscall.Rusage
			require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru1))
			stats, err := f.Stats(context.Background())
			require.NoError(b, err)
			var rows int64
			for _, s := range stats {
				rows += s.Transactions
			}
			require.Equal(b, int64(len(accounts)*400), rows)
			cpu := cpuOf(ru1) - cpuOf(ru0)
			b.ReportMetric(float64(rows)/elapsed.Seconds(), "tx/s")
			b.ReportMetric(cpu.Seconds()*1000/float64(rows)*1000, "cpu-ms/1000tx")
			b.ReportMetric(float64(len(accounts)), "accounts")
		})
	}
}

func cpuOf(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// benchFleet opens a fleet on SQLite, or on PostgreSQL when pg, started
// when start.
func benchFleet(b *testing.B, m *mock, pg, start bool) (*fleet.Fleet, string) {
	dsn := "sqlite://" + filepath.Join(b.TempDir(), "fleet.db")
	var tokens sdk.TokenStore = sdk.NewMemoryTokenStore()
	if pg {
		dsn = postgresDSN(b)
		tokens = openPGTokens(b, dsn)
	}
	opts := workerOptions(b, m.banks, tokens, 8)
	opts.Logger = nil
	if !m.real {
		for i := range opts.Banks {
			opts.Banks[i].Budget = sdk.RateLimit{RequestsPerSecond: -1}
		}
	}
	f, err := fleet.Open(context.Background(), dsn, opts)
	require.NoError(b, err)
	b.Cleanup(func() { _ = f.Close() })
	if start {
		require.NoError(b, f.Start(context.Background()))
	}
	return f, dsn
}

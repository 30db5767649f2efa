package fleet_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/sdk"
)

// The benchmarks run one fleet once each, whatever b.N (run them with
// -benchtime=1x); docs/fleet.md records their figures and the command.
// OBCONNECT_FLEET_BENCH_USERS sets the accounts per bank.

// BenchmarkFleetBound measures the fleet against the banks' real rate
// limits with a backlog at every bank: each bank's data requests per
// second (first to last request) against its published limit. The bound
// is the sum of the limits (chase 10, wellsfargo 5, citi 4, usbank 8 =
// 27 requests per second); the goal is at least 90 % of it.
func BenchmarkFleetBound(b *testing.B) {
	m := startMock(b, true)
	users := m.histories(b, envInt("OBCONNECT_FLEET_BENCH_USERS", 12), 120)
	f, dsn := benchFleet(b, m, false)
	_ = dsn
	linkAll(b, m, f, users)
	waitIdle(b, f, 10*time.Minute)
	rates := m.wire.rates()
	limits := map[string]float64{"chase": 10, "wellsfargo": 5, "citi": 4, "usbank": 8}
	var got, bound float64
	for bank, lim := range limits {
		got += rates[bank]
		bound += lim
		b.ReportMetric(rates[bank]/lim*100, bank+"_%bound")
	}
	b.ReportMetric(got, "req/s")
	b.ReportMetric(got/bound*100, "%bound")
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
			users := m.histories(b, envInt("OBCONNECT_FLEET_BENCH_USERS", 25), 400)
			f, _ := benchFleet(b, m, db == "postgres")
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

// benchFleet opens a working fleet on SQLite, or on PostgreSQL when pg.
func benchFleet(b *testing.B, m *mock, pg bool) (*fleet.Fleet, string) {
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
	require.NoError(b, f.Start(context.Background()))
	return f, dsn
}

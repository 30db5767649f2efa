package mockbank

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
)

// BenchmarkStartup measures New with the default data (the four banks, the
// large user left lazy) and reports the heap it keeps. Documented figures
// are in docs/mockbank.md; the targets are < 1 s and < 150 MB.
func BenchmarkStartup(b *testing.B) {
	var heap uint64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		srv, err := New(context.Background(), &Options{Seed: 1, BaseURL: "http://127.0.0.1:8080"})
		require.NoError(b, err)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
		runtime.KeepAlive(srv)
		_ = srv.Close()
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkLargeUserFirstRead is the lazy generation of user_large's
// 50 000 transactions, paid by the first request that reads it.
func BenchmarkLargeUserFirstRead(b *testing.B) {
	for b.Loop() {
		srv, err := New(context.Background(), &Options{Seed: 1, BaseURL: "http://127.0.0.1:8080", Banks: []*bankdesc.Description{builtin(b, "chase")}})
		require.NoError(b, err)
		st := srv.st
		u, err := st.UserByUsername(context.Background(), "chase", "user_large")
		require.NoError(b, err)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err = st.BalancesAt(context.Background(), "chase", u.Accounts[0], st.Now())
		require.NoError(b, err)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "gen-ms")
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))/(1<<20), "heap-MB")
		runtime.KeepAlive(srv)
	}
}

package mockbank

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// discardWriter is the cheapest ResponseWriter, shared by both sides so the
// comparison measures the handlers only.
type discardWriter struct {
	h http.Header
	n int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func (d *discardWriter) reset() {
	clear(d.h)
	d.n = 0
}

// benchBank is Wells Fargo with room for 100-transaction pages and no
// rate limit, so the benchmark measures serving, not throttling.
func benchBank(b testing.TB) *bankdesc.Description {
	d := builtin(b, "wellsfargo")
	d.Name, d.DisplayName = "benchbank", "Bench Bank"
	d.Paging.Max = 100
	d.RateLimit = bankdesc.RateLimit{RequestsPerSecond: 1 << 30, Burst: 1 << 30}
	return d
}

// BenchmarkTransactionsPage serves a 100-transaction page through the whole
// stack (token check, rate limiter, request validation against the spec,
// consent check, store read, conversion, encoding) next to two plain
// net/http handlers:
//
//   - "plain" encodes the same payload with encoding/json, the comparison
//     issue 3 asks for (target mockbank/plain ≥ 80% in throughput). It
//     mixes two things: mockbank's dedicated encoder is faster than
//     encoding/json, which hides what the serving path costs.
//   - "fast" reads the same page from the store and writes it with
//     mockbank's own encoder, so "mockbank" minus "fast" is exactly the
//     serving path: routing, token, rate limiter, validation, consent and
//     account checks.
func BenchmarkTransactionsPage(b *testing.B) {
	e := newEnv(b, Options{Seed: 1, Banks: []*bankdesc.Description{benchBank(b)}})
	g := e.link("benchbank", "user_good", "", []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, nil)
	path := "/benchbank/fdx/v5/accounts/" + g.accounts[0] + "/transactions?limit=100"

	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer "+g.token)
		r.Header.Set("x-fapi-interaction-id", "5f0c6b1e-8d1a-4c52-9a3e-0d4f2b7c9e11")
		return r
	}
	w := &discardWriter{h: http.Header{}}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, newReq())
	require.Equal(b, http.StatusOK, rec.Code, rec.Body.String())
	var payload fdxclient.Transactions
	require.NoError(b, json.Unmarshal(rec.Body.Bytes(), &payload))
	require.Len(b, payload.Transactions, 100)
	b.Logf("page: %d bytes", rec.Body.Len())

	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(payload); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = buf.WriteTo(w)
	})

	st := e.srv.st
	acct, err := st.Account(context.Background(), "benchbank", g.accounts[0])
	require.NoError(b, err)
	shape := shapeFor(benchBank(b).FDXVersion)
	fast := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		txs, _, err := st.Transactions(r.Context(), "benchbank", acct.ID, store.TxQuery{Now: st.Now(), Limit: 100})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = transactionsPage{shape: shape, kind: acct.Kind, txs: txs, page: payload.Page}.VisitSearchForAccountTransactionsResponse(w)
	})
	frec := httptest.NewRecorder()
	fast.ServeHTTP(frec, newReq())
	require.Equal(b, rec.Body.String(), frec.Body.String(), "the fast handler writes the same page")

	// Interleaved: each iteration serves the page once each way, so load
	// from other processes hits both sides alike; the ratio is the figure
	// that matters.
	sideBySide := func(name string, base http.Handler) {
		b.Run(name, func(b *testing.B) {
			var baseT, mockT time.Duration
			for b.Loop() {
				w.reset()
				t0 := time.Now()
				base.ServeHTTP(w, newReq())
				t1 := time.Now()
				w.reset()
				e.srv.ServeHTTP(w, newReq())
				mockT += time.Since(t1)
				baseT += t1.Sub(t0)
			}
			n := float64(b.N)
			b.ReportMetric(float64(baseT.Nanoseconds())/n, "plain-ns/page")
			b.ReportMetric(float64(mockT.Nanoseconds())/n, "mockbank-ns/page")
			b.ReportMetric(100*float64(baseT)/float64(mockT), "throughput-%")
		})
	}
	// Against encoding/json (target ≥ 80%).
	sideBySide("side-by-side", plain)
	// Against the same encoder: the serving path's own cost.
	sideBySide("same-encoder", fast)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			plain.ServeHTTP(w, newReq())
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			fast.ServeHTTP(w, newReq())
		}
	})
	b.Run("mockbank", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.reset()
			e.srv.ServeHTTP(w, newReq())
		}
	})
}

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

package webhook_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/webhook"
)

// t0 is the fixed "now" of the tests: mockbank-style simulated time.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock shared by verifier, store and key source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSigner(t testing.TB, publisher string) *webhook.TestSigner {
	t.Helper()
	s, err := webhook.NewTestSigner(publisher)
	require.NoError(t, err)
	return s
}

func newVerifier(t testing.TB, keys webhook.KeySource, clk *fakeClock) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(keys, &webhook.Options{Now: clk.Now})
	require.NoError(t, err)
	return v
}

// payload signs a notification of type typ sent at t0 (unless n says
// otherwise).
func payload(t testing.TB, s *webhook.TestSigner, n webhook.TestNotification) ([]byte, http.Header) {
	t.Helper()
	if n.SentOn.IsZero() {
		n.SentOn = t0
	}
	body, h, err := s.Payload(n)
	require.NoError(t, err)
	return body, h
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jwksServer serves whatever JWKS document is current and counts requests.
type jwksServer struct {
	*httptest.Server
	doc     atomic.Value // []byte
	fetches atomic.Int64
	fail    atomic.Bool
}

func newJWKSServer(t testing.TB, doc []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.doc.Store(doc)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if s.fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.doc.Load().([]byte))
	})
	mux.HandleFunc("GET /chase/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + s.URL + `/chase","jwks_uri":"` + s.URL + `/jwks.json"}`))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// alwaysFresh is a ReplayStore that never remembers, for benchmarks.
type alwaysFresh struct{}

func (alwaysFresh) Claim(context.Context, string, time.Duration) (bool, error) { return true, nil }
func (alwaysFresh) Release(context.Context, string) error                      { return nil }

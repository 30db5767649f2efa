package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/webhook"
)

func post(t *testing.T, h http.Handler, body []byte, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/hooks/chase", bytes.NewReader(body))
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerSemantics(t *testing.T) {
	bank := newSigner(t, "chase")
	n := webhook.TestNotification{Type: webhook.TypeConsentRevoked, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}}

	t.Run("success is 204 after the handler ran", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		var got *webhook.Event
		h := webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error { got = ev; return nil })
		body, hdr := payload(t, bank, n)
		rec := post(t, h, body, hdr)
		assert.Equal(t, http.StatusNoContent, rec.Code)
		require.NotNil(t, got)
		d, err := got.ConsentRevoked()
		require.NoError(t, err)
		assert.True(t, d.WholeConsent())
	})

	t.Run("bad signature is 400 and the handler never runs", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		var calls atomic.Int32
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { calls.Add(1); return nil })
		body, hdr := payload(t, bank, n)
		rec := post(t, h, append(bytes.Clone(body), ' '), hdr)
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Contains(t, rec.Body.String(), "invalid signature")
		rec = post(t, h, body, http.Header{})
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Zero(t, calls.Load())
	})

	t.Run("replay is 200 without calling the handler again", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		var calls atomic.Int32
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { calls.Add(1); return nil })
		body, hdr := payload(t, bank, n)
		assert.Equal(t, http.StatusNoContent, post(t, h, body, hdr).Code)
		assert.Equal(t, http.StatusOK, post(t, h, body, hdr).Code)
		assert.EqualValues(t, 1, calls.Load())
	})

	t.Run("handler error is 500 and the retry is processed", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		var calls atomic.Int32
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error {
			if calls.Add(1) == 1 {
				return errors.New("database down")
			}
			return nil
		})
		body, hdr := payload(t, bank, n)
		rec := post(t, h, body, hdr)
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.NotContains(t, rec.Body.String(), "database", "internal errors stay internal")
		assert.Equal(t, http.StatusNoContent, post(t, h, body, hdr).Code, "the bank's retry is not taken for a replay")
		assert.Equal(t, http.StatusOK, post(t, h, body, hdr).Code)
		assert.EqualValues(t, 2, calls.Load())
	})

	t.Run("handler panic is 500 and the retry is processed", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		var calls atomic.Int32
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error {
			if calls.Add(1) == 1 {
				panic("bug")
			}
			return nil
		})
		body, hdr := payload(t, bank, n)
		assert.Equal(t, http.StatusInternalServerError, post(t, h, body, hdr).Code)
		assert.Equal(t, http.StatusNoContent, post(t, h, body, hdr).Code)
	})

	t.Run("stale is 400", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { return nil })
		old := n
		old.SentOn = t0.Add(-time.Hour)
		body, hdr := payload(t, bank, old)
		assert.Equal(t, http.StatusBadRequest, post(t, h, body, hdr).Code)
	})

	t.Run("oversize body is 413", func(t *testing.T) {
		v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, MaxBodyBytes: 256})
		require.NoError(t, err)
		var calls atomic.Int32
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { calls.Add(1); return nil })
		big := n
		big.Fields = []webhook.Field{{"padding", strings.Repeat("p", 4096)}}
		body, hdr := payload(t, bank, big)
		assert.Equal(t, http.StatusRequestEntityTooLarge, post(t, h, body, hdr).Code)
		assert.Zero(t, calls.Load())
	})

	t.Run("GET is 405", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks/chase", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
	})

	t.Run("JWKS unreachable is 503", func(t *testing.T) {
		srv := newJWKSServer(t, jwksOf(t, bank))
		srv.fail.Store(true)
		v := newVerifier(t, newJWKSSource(t, srv, newClock()), newClock())
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { return nil })
		body, hdr := payload(t, bank, n)
		assert.Equal(t, http.StatusServiceUnavailable, post(t, h, body, hdr).Code)
	})

	t.Run("replay store down is 503", func(t *testing.T) {
		v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, Replay: failingStore{}})
		require.NoError(t, err)
		h := webhook.Handler(v, func(context.Context, *webhook.Event) error { return nil })
		body, hdr := payload(t, bank, n)
		assert.Equal(t, http.StatusServiceUnavailable, post(t, h, body, hdr).Code)
	})
}

// TestHandlerOverHTTP drives the handler through a real HTTP server, as a
// bank would reach it.
func TestHandlerOverHTTP(t *testing.T) {
	bank := newSigner(t, "wellsfargo")
	jwks := newJWKSServer(t, jwksOf(t, bank))
	v := newVerifier(t, newJWKSSource(t, jwks, newClock()), newClock())
	got := make(chan *webhook.Event, 1)
	srv := httptest.NewServer(webhook.Handler(v, func(_ context.Context, ev *webhook.Event) error { got <- ev; return nil }))
	defer srv.Close()

	body, hdr := payload(t, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-7", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"currentBalance", "-0.01"}}})
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = hdr
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	ev := <-got
	lb, err := ev.LowBalance()
	require.NoError(t, err)
	assert.Equal(t, "-0.01", lb.Balance.String())
	assert.Equal(t, "CURRENT", lb.BalanceType)
}

package admin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/admin"
)

// TestBodiesAreBoundedInSizeAndTokens: validation decodes a body into
// generic maps at 40 to 100 bytes a JSON token, so both the size and the
// token count of one body are bounded, and refused with 413 before any
// decoding.
func TestBodiesAreBoundedInSizeAndTokens(t *testing.T) {
	w := newWorld(t, newKey(t))
	before := w.state(t)
	big := `{"users":[],"clockSteps":["` + strings.Repeat("x", admin.MaxBody) + `"]}`
	st, body := w.raw(t, "POST", "/admin/scenarios", big, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, st, body)
	assert.Contains(t, body, "body too large")

	// Under the size limit, over the token limit: an array of empty
	// objects is the costliest body per byte to decode generically.
	many := `{"users":[` + strings.Repeat(`{},`, admin.MaxBodyTokens/2) + `{}]}`
	require.Less(t, len(many), admin.MaxBody)
	st, body = w.raw(t, "POST", "/admin/scenarios", many, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, st, body)

	// At the limits, an ordinary answer.
	fits := `{"users":[` + strings.Repeat(`{},`, admin.MaxBodyTokens/2-10) + `{}]}`
	st, body = w.raw(t, "POST", "/admin/scenarios", fits, nil)
	assert.Equal(t, http.StatusBadRequest, st, "validated, and refused for what it says: %s", body)
	assert.Equal(t, before, w.state(t))
}

// signalReader blocks its first Read until released, telling started that
// the server is reading (it has reserved the body's share of the budget).
type signalReader struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
	r       io.Reader
}

func (s *signalReader) Read(p []byte) (int, error) {
	s.once.Do(func() { close(s.started); <-s.release })
	return s.r.Read(p)
}

// TestLargeBodiesInFlightAreBounded: four concurrent 53 MB scenarios once
// peaked at 4.3 GB. Bodies being served share one budget; a request that
// does not fit it is answered 429 with Retry-After at once, not queued.
func TestLargeBodiesInFlightAreBounded(t *testing.T) {
	w := newWorld(t, newKey(t))
	h := w.srv.Handler()
	send := func(body io.Reader, length int64) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/admin/scenarios", body)
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.RemoteAddr = "127.0.0.1:5555"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	payload := `{"clockSteps":["` + strings.Repeat("x", admin.MaxBody-len(`{"clockSteps":[""]}`)) + `"]}`
	require.Len(t, payload, admin.MaxBody)
	slow := &signalReader{started: make(chan struct{}), release: make(chan struct{}), r: strings.NewReader(payload)}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- send(slow, int64(len(payload))) }()
	<-slow.started

	small := `{"clockSteps":["1h"]}`
	rec := send(strings.NewReader(small), int64(len(small)))
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
	// A body of unknown length reserves the maximum, so it waits its turn too.
	rec = send(strings.NewReader(small), -1)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())

	close(slow.release)
	assert.Equal(t, http.StatusBadRequest, (<-done).Code, "the large one was served (and refused for its content)")
	rec = send(strings.NewReader(small), int64(len(small)))
	assert.Equal(t, http.StatusOK, rec.Code, "the budget is back once it is done: %s", rec.Body.String())
	rec = send(strings.NewReader(small), -1)
	assert.Equal(t, http.StatusOK, rec.Code, "and an unknown length gives back what it did not use: %s", rec.Body.String())
	rec = send(strings.NewReader(small), int64(len(small)))
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// TestLargeScenarioAppliesInTime: a scenario at the body limits must apply
// well within the server's write timeout. Adding its transactions one
// store call at a time re-indexed the ledger each time: 10 000 took 10 s,
// and 30 000 took about 90.
func TestLargeScenarioAppliesInTime(t *testing.T) {
	if testing.Short() {
		t.Skip("applies 30 000 transactions")
	}
	w := newWorld(t, newKey(t))
	const n = 30_000
	var sb strings.Builder
	sb.WriteString(`{"users":[{"user":{"bank":"chase","username":"qa_many","password":"pw"},"accounts":[{"account":{"type":"CHECKING","openingBalance":1500},"transactions":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"amount":-1.25,"description":"COFFEE %d","timestamp":"2026-05-01T10:00:00Z"}`, i)
	}
	sb.WriteString(`]}]}]}`)
	start := time.Now()
	st, body := w.raw(t, "POST", "/admin/scenarios", sb.String(), nil)
	took := time.Since(start)
	require.Equal(t, http.StatusOK, st, body)
	assert.Less(t, took, 20*time.Second)
	var res struct{ AccountIds []string }
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Len(t, res.AccountIds, 1)
	recs, err := w.st.Records(t.Context(), "chase", res.AccountIds[0])
	require.NoError(t, err)
	assert.Len(t, recs, n)
}

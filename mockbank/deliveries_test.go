package mockbank_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// verifyingReceiver is a receiver as an integrator writes it: sdk/webhook
// verifies each request against the bank's JWKS on the given clock.
type verifyingReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	accepted []string // notification ids, in order of acceptance
	refusals atomic.Int64
}

func newVerifyingReceiver(t *testing.T, srv *mockbanktest.Server, bank string, now func() time.Time) *verifyingReceiver {
	t.Helper()
	keys, err := webhook.DiscoverJWKS(t.Context(), srv.Bank(bank).DiscoveryURL, nil)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(keys, &webhook.Options{Publisher: bank, Now: now})
	require.NoError(t, err)
	r := &verifyingReceiver{}
	h := webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		r.mu.Lock()
		r.accepted = append(r.accepted, ev.ID)
		r.mu.Unlock()
		return nil
	})
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 400 {
			r.refusals.Add(1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *verifyingReceiver) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.accepted...)
}

type deliveryOut struct {
	ID           string `json:"deliveryId"`
	Notification string `json:"notificationId"`
	Status       string `json:"status"`
	Mode         string `json:"mode"`
	RedeliveryOf string `json:"redeliveryOf"`
	Attempts     []struct {
		HTTPStatus int     `json:"httpStatus"`
		Error      string  `json:"error"`
		Response   string  `json:"response"`
		Kind       string  `json:"kind"`
		DurationMs float64 `json:"durationMs"`
	} `json:"attempts"`
}

func deliveries(t *testing.T, srv *mockbanktest.Server, query string) []deliveryOut {
	t.Helper()
	code, body := adminCall(t, srv, "GET", "/deliveries?"+query, "")
	require.Equal(t, 200, code, body)
	var out struct {
		Deliveries []deliveryOut `json:"deliveries"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	return out.Deliveries
}

func subscribe(t *testing.T, srv *mockbanktest.Server, bank, url, extra string) string {
	t.Helper()
	code, body := adminCall(t, srv, "POST", "/subscriptions", `{"bank":"`+bank+`","callbackUrl":"`+url+`","notificationTypes":["FRAUD_SUSPECTED","PLANNED_OUTAGE"]`+extra+`}`)
	require.Equal(t, 201, code, body)
	var s struct {
		ID string `json:"subscriptionId"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	return s.ID
}

func fire(t *testing.T, srv *mockbanktest.Server, body string) string {
	t.Helper()
	code, out := adminCall(t, srv, "POST", "/notifications", body)
	require.Equal(t, 202, code, out)
	var f struct {
		IDs []string `json:"notificationIds"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &f))
	require.Len(t, f.IDs, 1, out)
	return f.IDs[0]
}

// A receiver that refuses says why in the delivery log; after the
// receiver is fixed, redeliver gets the notification through.
func TestDeliveryKeepsTheReceiversAnswerAndRedelivers(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{NotificationRetryBase: time.Millisecond, NotificationMaxAttempts: 2})
	// A verifier on a clock a day off: every notification is stale.
	skewed := newVerifyingReceiver(t, srv, "chase", func() time.Time { return srv.Now().Add(24 * time.Hour) })
	fixed := newVerifyingReceiver(t, srv, "chase", srv.Now)
	var broken atomic.Bool
	broken.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			skewed.srv.Config.Handler.ServeHTTP(w, r)
			return
		}
		fixed.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	subscribe(t, srv, "chase", front.URL+"/hook", "")
	id := fire(t, srv, `{"bank":"chase","type":"PLANNED_OUTAGE"}`)
	require.Eventually(t, func() bool {
		d := deliveries(t, srv, "notificationId="+id)
		return len(d) == 1 && d[0].Status == "FAILED"
	}, 5*time.Second, 10*time.Millisecond)
	d := deliveries(t, srv, "notificationId="+id)[0]
	require.Len(t, d.Attempts, 2)
	a := d.Attempts[0]
	assert.Equal(t, 400, a.HTTPStatus)
	assert.Contains(t, a.Response, "time tolerance", "the receiver's answer is kept")
	assert.Contains(t, a.Error, "receiver answered HTTP 400: ")
	assert.Positive(t, a.DurationMs)

	broken.Store(false)
	code, body := adminCall(t, srv, "POST", "/deliveries/"+d.ID+"/redeliver", "")
	require.Equal(t, 202, code, body)
	require.Eventually(t, func() bool { return len(fixed.ids()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, id, fixed.ids()[0], "the same notification")
	// The receiver has the notification before mockbank has read its
	// answer and marked the delivery, so wait for the mark too.
	var again []deliveryOut
	require.Eventually(t, func() bool {
		again = deliveries(t, srv, "status=DELIVERED")
		return len(again) == 1
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, d.ID, again[0].RedeliveryOf)
	code, _ = adminCall(t, srv, "POST", "/deliveries/dlv-nope/redeliver", "")
	assert.Equal(t, 404, code)
}

// Deliberate misdelivery: duplicated, out of order, badly signed, delayed.
func TestDeliveryModes(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{NotificationRetryBase: time.Millisecond})
	rcv := newVerifyingReceiver(t, srv, "citi", srv.Now)
	sub := subscribe(t, srv, "citi", rcv.srv.URL+"/hook", `,"delivery":{"mode":"duplicate"}`)

	first := fire(t, srv, `{"bank":"citi","type":"PLANNED_OUTAGE"}`)
	require.Eventually(t, func() bool {
		d := deliveries(t, srv, "notificationId="+first)
		return len(d) == 1 && len(d[0].Attempts) == 2
	}, 5*time.Second, 10*time.Millisecond)
	d := deliveries(t, srv, "notificationId="+first)[0]
	assert.Equal(t, "duplicate", d.Mode)
	assert.Equal(t, "duplicate", d.Attempts[1].Kind)
	assert.Equal(t, 200, d.Attempts[1].HTTPStatus, "the receiver recognised the replay")
	assert.Equal(t, []string{first}, rcv.ids(), "processed once")

	code, body := adminCall(t, srv, "PATCH", "/subscriptions/"+sub, `{"delivery":{"mode":"out_of_order","delay":"5s"}}`)
	require.Equal(t, 200, code, body)
	held := fire(t, srv, `{"bank":"citi","type":"PLANNED_OUTAGE"}`)
	time.Sleep(50 * time.Millisecond)
	later := fire(t, srv, `{"bank":"citi","type":"PLANNED_OUTAGE","delivery":{"mode":"normal"}}`)
	require.Eventually(t, func() bool { return len(rcv.ids()) == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{first, later, held}, rcv.ids(), "the later notification overtook the held one")

	code, _ = adminCall(t, srv, "PATCH", "/subscriptions/"+sub, `{"delivery":{"mode":"normal"}}`)
	require.Equal(t, 200, code)
	forged := fire(t, srv, `{"bank":"citi","type":"PLANNED_OUTAGE","delivery":{"mode":"bad_signature"}}`)
	require.Eventually(t, func() bool { return len(rcv.ids()) == 4 }, 5*time.Second, 10*time.Millisecond)
	d = deliveries(t, srv, "notificationId="+forged)[0]
	require.Len(t, d.Attempts, 2)
	assert.Equal(t, "bad_signature", d.Attempts[0].Kind)
	assert.Equal(t, 400, d.Attempts[0].HTTPStatus)
	assert.Contains(t, d.Attempts[0].Response, "signature")
	assert.Equal(t, 204, d.Attempts[1].HTTPStatus, "the genuine retry is accepted")

	start := time.Now()
	delayed := fire(t, srv, `{"bank":"citi","type":"PLANNED_OUTAGE","delivery":{"mode":"delay","delay":"300ms"}}`)
	require.Eventually(t, func() bool { return len(rcv.ids()) == 5 }, 5*time.Second, 10*time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	assert.Equal(t, delayed, rcv.ids()[4])

	code, body = adminCall(t, srv, "PATCH", "/subscriptions/"+sub, `{"delivery":{"mode":"sideways"}}`)
	assert.Equal(t, 400, code, body)
	code, body = adminCall(t, srv, "POST", "/notifications", `{"bank":"citi","type":"PLANNED_OUTAGE","delivery":{"mode":"delay","delay":"10m"}}`)
	assert.Equal(t, 400, code, body)
	assert.True(t, strings.Contains(body, "5m0s"), body)
}

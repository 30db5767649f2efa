package mockbank_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

// With a running clock (cmd/mockbank's default) simulated time is wall
// time: a receiver on its own wall clock verifies what mockbank sends, as
// the webhook quick start does. After an advance, the receiver needs
// mockbank's clock, which another process reads as wall time plus the
// offset GET /admin/clock reports.
func TestRunningClockAgreesWithWallTime(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{RunClock: true, NotificationRetryBase: time.Millisecond, NotificationMaxAttempts: 1})
	assert.WithinDuration(t, time.Now(), srv.Now(), time.Second)
	before := srv.Now()
	time.Sleep(20 * time.Millisecond)
	assert.True(t, srv.Now().After(before), "the clock runs")

	wall := newVerifyingReceiver(t, srv, "chase", nil) // sdk/webhook's default: time.Now
	subscribe(t, srv, "chase", wall.srv.URL+"/hook", "")
	id := fire(t, srv, `{"bank":"chase","type":"PLANNED_OUTAGE"}`)
	require.Eventually(t, func() bool { return len(wall.ids()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, id, wall.ids()[0], "verified on wall time")

	code, body := adminCall(t, srv, "GET", "/clock", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"running":true`)

	code, body = adminCall(t, srv, "POST", "/clock/advance", `{"by":"36h"}`)
	require.Equal(t, 200, code, body)
	remote, err := mockbanktest.NewRemoteClock(t.Context(), srv.URL+"/admin", ctlToken, nil)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(36*time.Hour), remote.Now(), 2*time.Second)
	assert.WithinDuration(t, srv.Now(), remote.Now(), time.Second)

	id = fire(t, srv, `{"bank":"chase","type":"PLANNED_OUTAGE"}`)
	assert.Eventually(t, func() bool { return wall.refusals.Load() == 1 }, 5*time.Second, 10*time.Millisecond,
		"the wall-time receiver finds the advanced notification stale")
	onMockbank := newVerifyingReceiver(t, srv, "usbank", remote.Now)
	subscribe(t, srv, "usbank", onMockbank.srv.URL+"/hook", "")
	id = fire(t, srv, `{"bank":"usbank","type":"PLANNED_OUTAGE"}`)
	require.Eventually(t, func() bool { return len(onMockbank.ids()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, id, onMockbank.ids()[0], "verified on mockbank's clock read from another process")
}

// What comes due while the clock runs is notified without an advance: a
// pending purchase posts and TRANSACTIONS_POSTED arrives within seconds.
func TestRunningClockNotifiesWhatComesDue(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{RunClock: true, NotificationRetryBase: time.Millisecond})
	rcv := newReceiver(t)
	code, body := adminCall(t, srv, "POST", "/subscriptions", `{"bank":"usbank","callbackUrl":"`+rcv.srv.URL+`/hook","notificationTypes":["TRANSACTIONS_POSTED"]}`)
	require.Equal(t, 201, code, body)
	l := link(t, srv, `{"bank":"usbank","username":"user_good","clusters":["ACCOUNT_BASIC","TRANSACTIONS"]}`)
	code, body = adminCall(t, srv, "POST", "/accounts/"+l.AccountIDs[0]+"/transactions", `{"amount":-5.00,"description":"COFFEE","status":"PENDING","postAfter":"1500ms"}`)
	require.Equal(t, 201, code, body)
	require.Eventually(t, func() bool { return len(rcv.got()) == 1 }, 6*time.Second, 50*time.Millisecond)
	assert.Contains(t, rcv.got()[0], "TRANSACTIONS_POSTED")
}

// A frozen clock (the library's default) stands still between advances.
func TestFrozenClockStandsStill(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	a := srv.Now()
	time.Sleep(10 * time.Millisecond)
	assert.Equal(t, a, srv.Now())
	_, body := adminCall(t, srv, "GET", "/clock", "")
	assert.Contains(t, body, `"running":false`)
}

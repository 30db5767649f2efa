package mockbank_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// -data with -scenario restarts: the second start finds the scenario in
// the state and skips it, saying so; -scenario-mode always applies it
// again, which then conflicts.
func TestScenarioOnceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	data, sc := filepath.Join(dir, "state.json"), filepath.Join(dir, "qa.yaml")
	require.NoError(t, os.WriteFile(sc, []byte("users:\n  - user: {bank: citi, username: qa_fraud, password: pw}\n    accounts:\n      - account: {type: CHECKING, openingBalance: 100.00}\nclockSteps: [2h]\n"), 0o600))
	var log1 syncBuffer
	srv := startControlled(t, mockbanktest.Options{DataFile: data, ScenarioFile: sc, Logger: slog.New(slog.NewTextHandler(&log1, nil))})
	assert.Contains(t, log1.String(), "scenario applied")
	assert.Contains(t, log1.String(), "users=1 accounts=1")
	assert.Contains(t, log1.String(), "no state file yet")
	now := srv.Now()
	srv.Close()

	var log2 syncBuffer
	again := startControlled(t, mockbanktest.Options{DataFile: data, ScenarioFile: sc, Logger: slog.New(slog.NewTextHandler(&log2, nil))})
	assert.Contains(t, log2.String(), "state file loaded")
	assert.Contains(t, log2.String(), "scenario already applied")
	assert.True(t, again.Now().Equal(now), "the clock steps were not taken twice")
	_, users := adminCall(t, again, "GET", "/users?bank=citi&username=qa_fraud", "")
	assert.Equal(t, 1, strings.Count(users, `"username":"qa_fraud"`))
	again.Close()

	_, err := mockbank.New(t.Context(), &mockbank.Options{Seed: 3, AdminToken: ctlToken, LargeTransactions: 1000,
		BaseURL: "http://127.0.0.1:9", DataFile: data, ScenarioFile: sc, ScenarioMode: "always"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `username "qa_fraud" already exists at citi`)

	_, err = mockbank.New(t.Context(), &mockbank.Options{BaseURL: "http://127.0.0.1:9", ScenarioMode: "sometimes"})
	assert.ErrorIs(t, err, mockbank.ErrConfig)
}

// A scenario subscribes, links and fires before anything else could: what
// it causes at start-up reaches the receiver, through the linked client's
// subscription.
func TestScenarioNotificationsAtStartReachTheReceiver(t *testing.T) {
	rcv := newReceiver(t)
	sc := filepath.Join(t.TempDir(), "qa.yaml")
	doc := `subscriptions:
  - {bank: chase, callbackUrl: "` + rcv.srv.URL + `/hook", notificationTypes: [FRAUD_SUSPECTED, TRANSACTIONS_NEW]}
users:
  - user: {bank: chase, username: qa_fraud, password: pw}
    accounts:
      - account: {type: CHECKING, openingBalance: 100.00}
        transactions:
          - {amount: -9.99, description: ODD, suspectedFraud: true}
links:
  - {ref: fraud, bank: chase, username: qa_fraud, clusters: [ACCOUNT_BASIC, TRANSACTIONS], duration: 30d}
  - {bank: chase, username: user_good, state: LOGIN_REQUIRED}
notifications:
  - {bank: chase, type: FRAUD_SUSPECTED, link: fraud, fields: {reason: scenario}}
faults:
  - {bank: citi, endpoint: token, status: 503, retryAfter: 2s, latency: 10ms, times: 1}
`
	require.NoError(t, os.WriteFile(sc, []byte(doc), 0o600))
	srv := startControlled(t, mockbanktest.Options{ScenarioFile: sc, NotificationRetryBase: time.Millisecond})
	require.Eventually(t, func() bool { return len(rcv.got()) >= 3 }, 5*time.Second, 10*time.Millisecond)
	all := strings.Join(rcv.got(), "\n")
	assert.Contains(t, all, `"TRANSACTIONS_NEW"`, "the scenario's transaction, heard by the linked client")
	assert.Contains(t, all, `"transaction created with suspectedFraud"`)
	assert.Contains(t, all, `"scenario"`, "the scenario's own notification")

	_, consents := adminCall(t, srv, "GET", "/consents?bank=chase", "")
	assert.Equal(t, 2, strings.Count(consents, `"consentId"`))
	assert.Contains(t, consents, `"loginRequiredTime"`)
	_, fs := adminCall(t, srv, "GET", "/faults", "")
	assert.Contains(t, fs, `"retryAfterSeconds":2`)
	assert.Contains(t, fs, `"latencyMs":10`)
}

// Through the API, a scenario already applied is skipped unless asked
// again, and the answer carries the links' tokens.
func TestScenarioThroughTheAPI(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	body := `{"links":[{"bank":"wellsfargo","username":"user_good"}]}`
	code, out := adminCall(t, srv, "POST", "/scenarios", body)
	require.Equal(t, 200, code, out)
	assert.Contains(t, out, `"applied":true`)
	assert.Contains(t, out, `"accessToken"`)
	code, out = adminCall(t, srv, "POST", "/scenarios", body)
	require.Equal(t, 200, code, out)
	assert.Contains(t, out, `"applied":false`)
	code, out = adminCall(t, srv, "POST", "/scenarios?mode=always", body)
	require.Equal(t, 200, code, out)
	assert.Contains(t, out, `"applied":true`)
	_, consents := adminCall(t, srv, "GET", "/consents", "")
	assert.Equal(t, 2, strings.Count(consents, `"consentId"`))

	code, out = adminCall(t, srv, "POST", "/scenarios", `{"links":[{"bank":"wellsfargo","username":"user_god"}]}`)
	assert.Equal(t, 404, code)
	assert.Contains(t, out, `did you mean \"user_good\"`)
	code, out = adminCall(t, srv, "POST", "/scenarios", `{"notifications":[{"bank":"chase","type":"FRAUD_SUSPECTED","link":"nope"}]}`)
	assert.Equal(t, 400, code, out)
}

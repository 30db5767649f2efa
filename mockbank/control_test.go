package mockbank_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank"
)

const ctlToken = "control-test-token-0123456789"

func startControlled(t *testing.T, c mockbank.ControlOptions) (*mockbank.Server, *httptest.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	srv, err := mockbank.NewWithControl(t.Context(), mockbank.Options{Seed: 3, AdminToken: ctlToken, BaseURL: "http://" + ts.Listener.Addr().String(), LargeTransactions: 1000}, c)
	require.NoError(t, err)
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	return srv, ts
}

func adminCall(t *testing.T, ts *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, ts.URL+"/admin"+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+ctlToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNewWithControlServesTheAdminAPI(t *testing.T) {
	_, ts := startControlled(t, mockbank.ControlOptions{})
	code, body := adminCall(t, ts, "GET", "/banks", "")
	require.Equal(t, 200, code, body)
	var banks struct {
		Banks []struct {
			Name        string `json:"name"`
			FdxVersion  string `json:"fdxVersion"`
			ReadyClient *struct {
				ClientID string `json:"clientId"`
			} `json:"readyClient"`
		} `json:"banks"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &banks))
	require.Len(t, banks.Banks, 4)
	assert.Equal(t, "chase", banks.Banks[0].Name)
	assert.Equal(t, "6.2", banks.Banks[0].FdxVersion)
	require.NotNil(t, banks.Banks[0].ReadyClient)

	resp, err := http.Get(ts.URL + "/admin/clock")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "no token, no admin")

	_, err = mockbank.NewWithControl(t.Context(), mockbank.Options{}, mockbank.ControlOptions{})
	assert.ErrorIs(t, err, mockbank.ErrConfig, "the base URL is required")

	_, err = mockbank.NewWithControl(t.Context(), mockbank.Options{BaseURL: "http://127.0.0.1:9", AdminToken: ctlToken},
		mockbank.ControlOptions{DataFile: filepath.Join(t.TempDir(), "missing-dir", "state.json")})
	assert.Error(t, err, "an unwritable data file fails at start")
}

func TestNewWithControlDataFileAndScenario(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "state.json")
	sc := filepath.Join(dir, "scenario.yaml")
	require.NoError(t, os.WriteFile(sc, []byte("users:\n  - user: {bank: wellsfargo, username: qa_fixture, password: pw}\n    accounts:\n      - account: {type: SAVINGS, openingBalance: 10.05}\nclockSteps: [2h]\n"), 0o600))

	srv, ts := startControlled(t, mockbank.ControlOptions{DataFile: data, ScenarioFile: sc})
	u, err := srv.Store().UserByUsername(t.Context(), "wellsfargo", "qa_fixture")
	require.NoError(t, err)
	code, body := adminCall(t, ts, "POST", "/clock/advance", `{"by":"1h"}`)
	require.Equal(t, 200, code, body)
	now := srv.Store().Now()
	ts.Close()
	require.NoError(t, srv.Close())

	// Restart without the scenario: the data file brings everything back.
	srv2, _ := startControlled(t, mockbank.ControlOptions{DataFile: data})
	u2, err := srv2.Store().UserByUsername(t.Context(), "wellsfargo", "qa_fixture")
	require.NoError(t, err)
	assert.Equal(t, u.ID, u2.ID)
	assert.True(t, srv2.Store().Now().Equal(now))
}

// Faults injected through the admin API send Retry-After in the bank's
// form: an HTTP-date at chase (its profile's quirk), seconds elsewhere.
func TestInjectedFaultRetryAfterFollowsTheProfile(t *testing.T) {
	_, ts := startControlled(t, mockbank.ControlOptions{})
	for _, bank := range []string{"chase", "wellsfargo"} {
		code, body := adminCall(t, ts, "POST", "/faults", `{"bank":"`+bank+`","status":429,"retryAfterSeconds":3,"times":1}`)
		require.Equal(t, 201, code, body)
	}
	get := func(path string) *http.Response {
		resp, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp
	}
	chase := get("/chase/fdx/v6/accounts")
	assert.Equal(t, 429, chase.StatusCode)
	at, err := http.ParseTime(chase.Header.Get("Retry-After"))
	require.NoError(t, err, "an HTTP-date: %q", chase.Header.Get("Retry-After"))
	assert.InDelta(t, 3*time.Second, time.Until(at), float64(time.Second+time.Second/2), "about the 3 s asked")
	wf := get("/wellsfargo/fdx/v5/accounts")
	assert.Equal(t, 429, wf.StatusCode)
	assert.Equal(t, "3", wf.Header.Get("Retry-After"))
}

package mockbank_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

const ctlToken = "control-test-token-0123456789"

func startControlled(t *testing.T, o mockbanktest.Options) *mockbanktest.Server {
	t.Helper()
	o.Seed, o.AdminToken, o.LargeTransactions = 3, ctlToken, 1000
	return mockbanktest.NewServer(t, &o)
}

func adminCall(t *testing.T, srv *mockbanktest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+"/admin"+path, strings.NewReader(body))
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

func TestNewServesTheAdminAPI(t *testing.T) {
	ts := startControlled(t, mockbanktest.Options{})
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

	_, err = mockbank.New(t.Context(), &mockbank.Options{DataFile: filepath.Join(t.TempDir(), "state.json")})
	assert.ErrorIs(t, err, mockbank.ErrConfig, "a data file needs the base URL")

	_, err = mockbank.New(t.Context(), &mockbank.Options{BaseURL: "http://127.0.0.1:9", AdminToken: ctlToken,
		DataFile: filepath.Join(t.TempDir(), "missing-dir", "state.json")})
	assert.Error(t, err, "an unwritable data file fails at start")
	_, err = mockbank.New(t.Context(), &mockbank.Options{BaseURL: "http://127.0.0.1:9", AdminToken: "short"})
	assert.Error(t, err, "a short admin token fails at start")
}

func TestDataFileAndScenario(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "state.json")
	sc := filepath.Join(dir, "scenario.yaml")
	require.NoError(t, os.WriteFile(sc, []byte("users:\n  - user: {bank: wellsfargo, username: qa_fixture, password: pw}\n    accounts:\n      - account: {type: SAVINGS, openingBalance: 10.05}\nclockSteps: [2h]\n"), 0o600))

	ts := startControlled(t, mockbanktest.Options{DataFile: data, ScenarioFile: sc})
	code, u := adminCall(t, ts, "GET", "/users?bank=wellsfargo&username=qa_fixture", "")
	require.Equal(t, 200, code, u)
	require.Contains(t, u, `"username":"qa_fixture"`)
	code, body := adminCall(t, ts, "POST", "/clock/advance", `{"by":"1h"}`)
	require.Equal(t, 200, code, body)
	now := ts.Now()
	ts.Close() // writes the data file

	// Restart without the scenario: the data file brings everything back.
	ts2 := startControlled(t, mockbanktest.Options{DataFile: data})
	code, u2 := adminCall(t, ts2, "GET", "/users?bank=wellsfargo&username=qa_fixture", "")
	require.Equal(t, 200, code, u2)
	assert.Equal(t, userID(t, u), userID(t, u2))
	assert.True(t, ts2.Now().Equal(now))
}

func userID(t *testing.T, list string) string {
	t.Helper()
	var out struct {
		Users []struct {
			UserID string `json:"userId"`
		} `json:"users"`
	}
	require.NoError(t, json.Unmarshal([]byte(list), &out))
	require.Len(t, out.Users, 1)
	return out.Users[0].UserID
}

// Faults injected through the admin API send Retry-After in the bank's
// form: an HTTP-date at chase (its profile's quirk), seconds elsewhere.
func TestInjectedFaultRetryAfterFollowsTheProfile(t *testing.T) {
	ts := startControlled(t, mockbanktest.Options{})
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

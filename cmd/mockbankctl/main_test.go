package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type seen struct {
	method, path, query, auth, body string
}

// fakeAdmin records requests and answers with status and body.
func fakeAdmin(t *testing.T, status int, answer string) (*httptest.Server, *[]seen) {
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func runCtl(t *testing.T, url string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	env := map[string]string{"MOCKBANK_ADMIN_TOKEN": "tok-0123456789abcdef", "MOCKBANK_ADMIN_URL": url + "/admin"}
	code := run(t.Context(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestCommandsSendTheRightRequests(t *testing.T) {
	srv, got := fakeAdmin(t, 200, `{"ok":true}`)
	cases := []struct {
		args                      []string
		method, path, query, body string
	}{
		{[]string{"clock"}, "GET", "/admin/clock", "", ""},
		{[]string{"advance", "-by", "36h"}, "POST", "/admin/clock/advance", "", `{"by":"36h"}`},
		{[]string{"users", "-bank", "citi"}, "GET", "/admin/users", "bank=citi", ""},
		{[]string{"add-fault", "-bank", "citi", "-endpoint", "searchForAccountTransactions", "-status", "503", "-code", "501", "-retry-after", "2", "-times", "3"},
			"POST", "/admin/faults", "", `{"bank":"citi","endpoint":"searchForAccountTransactions","fdxCode":501,"retryAfterSeconds":2,"status":503,"times":3}`},
		{[]string{"add-transaction", "acc-1", "-amount", "-42.50", "-description", "DINER", "-pending", "-post-after", "24h"},
			"POST", "/admin/accounts/acc-1/transactions", "", `{"amount":-42.50,"description":"DINER","postAfter":"24h","status":"PENDING"}`},
		{[]string{"revoke", "cns-1", "-accounts", "a1,a2"}, "POST", "/admin/consents/cns-1/revoke", "", `{"accountIds":["a1","a2"]}`},
		{[]string{"notify", "-bank", "chase", "-type", "PLANNED_OUTAGE"}, "POST", "/admin/notifications", "", `{"bank":"chase","type":"PLANNED_OUTAGE"}`},
		{[]string{"close-account", "acc-1"}, "PATCH", "/admin/accounts/acc-1", "", `{"status":"CLOSED"}`},
		{[]string{"reset"}, "POST", "/admin/reset", "", ""},
		{[]string{"clear-login-failures", "-bank", "citi", "-username", "user_lockout"}, "DELETE", "/admin/login-failures", "bank=citi&username=user_lockout", ""},
	}
	for i, c := range cases {
		code, out, errOut := runCtl(t, srv.URL, c.args...)
		require.Equal(t, 0, code, "%v: %s", c.args, errOut)
		assert.Contains(t, out, `"ok": true`)
		r := (*got)[i]
		assert.Equal(t, c.method, r.method, "%v", c.args)
		assert.Equal(t, c.path, r.path, "%v", c.args)
		assert.Equal(t, c.query, r.query, "%v", c.args)
		assert.Equal(t, "Bearer tok-0123456789abcdef", r.auth)
		if c.body != "" {
			assert.JSONEq(t, c.body, r.body, "%v", c.args)
			if strings.Contains(c.body, "-42.50") {
				assert.Contains(t, r.body, "-42.50", "the amount's text travels unchanged")
			}
		}
	}
}

func TestScenarioFileIsSentAsExactJSON(t *testing.T) {
	srv, got := fakeAdmin(t, 200, `{}`)
	path := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte("users:\n  - user: {bank: chase, username: qa, password: p}\n    accounts:\n      - account: {type: CHECKING, openingBalance: 1500.10}\nclockSteps: [36h]\n"), 0o600))
	code, _, errOut := runCtl(t, srv.URL, "scenario", path)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, (*got)[0].body, `"openingBalance":1500.10`)
}

// A scenario file with a mistake is refused before anything is sent, by
// the same parser mockbank uses.
func TestBadScenarioIsNotSent(t *testing.T) {
	srv, got := fakeAdmin(t, 200, `{}`)
	path := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte("users:\n  - user: {bank: chase, username: qa}\n"), 0o600))
	code, _, errOut := runCtl(t, srv.URL, "scenario", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "s.yaml")
	assert.Contains(t, errOut, "password")
	assert.Empty(t, *got, "nothing sent")
}

func TestErrorsAndUsage(t *testing.T) {
	srv, _ := fakeAdmin(t, 400, `{"error":"invalid_request","message":"bad"}`)
	code, _, errOut := runCtl(t, srv.URL, "clock")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "HTTP 400")
	assert.Contains(t, errOut, `"invalid_request"`)

	for _, args := range [][]string{{}, {"frobnicate"}, {"user"}, {"add-transaction", "acc"}, {"add-transaction", "acc", "-amount", "abc"}, {"advance", "-to", "tomorrow"}} {
		code, _, _ := runCtl(t, srv.URL, args...)
		assert.Equal(t, 2, code, "%v", args)
	}

	var out, errb bytes.Buffer
	code = run(t.Context(), []string{"clock"}, &out, &errb, func(string) string { return "" })
	assert.Equal(t, 2, code, "no token")
	assert.Contains(t, errb.String(), "MOCKBANK_ADMIN_TOKEN")
}

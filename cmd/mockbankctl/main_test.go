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
		{[]string{"add-fault", "-bank", "citi", "-endpoint", "searchForAccountTransactions", "-status", "503", "-code", "501", "-retry-after", "2s", "-latency", "1s", "-times", "3"},
			"POST", "/admin/faults", "", `{"bank":"citi","endpoint":"searchForAccountTransactions","fdxCode":501,"retryAfterSeconds":2,"latencyMs":1000,"status":503,"times":3}`},
		{[]string{"add-transaction", "acc-1", "-amount", "-42.50", "-description", "DINER", "-pending", "-post-after", "24h"},
			"POST", "/admin/accounts/acc-1/transactions", "", `{"amount":-42.50,"description":"DINER","postAfter":"24h","status":"PENDING"}`},
		{[]string{"revoke", "cns-1", "-accounts", "a1,a2"}, "POST", "/admin/consents/cns-1/revoke", "", `{"accountIds":["a1","a2"]}`},
		{[]string{"notify", "-bank", "chase", "-type", "PLANNED_OUTAGE"}, "POST", "/admin/notifications", "", `{"bank":"chase","type":"PLANNED_OUTAGE"}`},
		{[]string{"close-account", "acc-1"}, "PATCH", "/admin/accounts/acc-1", "", `{"status":"CLOSED"}`},
		{[]string{"reset"}, "POST", "/admin/reset", "", ""},
		{[]string{"link", "-bank", "wellsfargo", "-user", "user_good", "-clusters", "ACCOUNT_BASIC,TRANSACTIONS", "-duration", "30d", "-code"},
			"POST", "/admin/links", "", `{"bank":"wellsfargo","username":"user_good","clusters":["ACCOUNT_BASIC","TRANSACTIONS"],"duration":"30d","return":"code"}`},
		{[]string{"expire", "cns-1"}, "POST", "/admin/consents/cns-1/expire", "", ""},
		{[]string{"reset-login", "cns-1"}, "POST", "/admin/consents/cns-1/reset-login", "", ""},
		{[]string{"consent", "cns-1"}, "GET", "/admin/consents/cns-1", "", ""},
		{[]string{"subscribe", "-bank", "chase", "-url", "http://127.0.0.1:9999/hook", "-types", "FRAUD_SUSPECTED,BALANCE", "-mode", "duplicate"},
			"POST", "/admin/subscriptions", "", `{"bank":"chase","callbackUrl":"http://127.0.0.1:9999/hook","notificationTypes":["FRAUD_SUSPECTED","BALANCE"],"delivery":{"mode":"duplicate"}}`},
		{[]string{"delivery-mode", "sub-1", "-mode", "delay", "-delay", "1500ms"}, "PATCH", "/admin/subscriptions/sub-1", "", `{"delivery":{"mode":"delay","delay":"1.5s"}}`},
		{[]string{"unsubscribe", "sub-1"}, "DELETE", "/admin/subscriptions/sub-1", "", ""},
		{[]string{"notify", "-bank", "chase", "-type", "FRAUD_SUSPECTED", "-consent", "cns-1", "-field", "reason=skimmed", "-mode", "bad_signature"},
			"POST", "/admin/notifications", "", `{"bank":"chase","type":"FRAUD_SUSPECTED","consentId":"cns-1","fields":{"reason":"skimmed"},"delivery":{"mode":"bad_signature"}}`},
		{[]string{"redeliver", "dlv-1"}, "POST", "/admin/deliveries/dlv-1/redeliver", "", ""},
		{[]string{"deliveries", "-status", "FAILED"}, "GET", "/admin/deliveries", "status=FAILED", ""},
		{[]string{"requests", "-operation", "token", "-param", "limit=5", "-limit", "3"}, "GET", "/admin/requests", "operation=token&param=limit%3D5&limit=3", ""},
		{[]string{"verify", "-path", "/chase/*", "-status", "200", "-exactly", "2"}, "GET", "/admin/requests/count", "path=%2Fchase%2F%2A&status=200&exactly=2", ""},
		{[]string{"clear-requests"}, "DELETE", "/admin/requests", "", ""},
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

// verify fails (exit 1) when the count does not match, with the reason.
func TestVerifyExitsOneOnMismatch(t *testing.T) {
	srv, _ := fakeAdmin(t, 200, `{"count":1,"ok":false,"message":"expected exactly 2 matching requests, found 1"}`)
	code, _, errOut := runCtl(t, srv.URL, "verify", "-operation", "token", "-exactly", "2")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "expected exactly 2 matching requests, found 1")
}

// Every duration flag takes the one syntax; a bare number is refused.
func TestDurationFlags(t *testing.T) {
	srv, _ := fakeAdmin(t, 200, `{}`)
	code, _, errOut := runCtl(t, srv.URL, "add-fault", "-bank", "citi", "-retry-after", "2")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "not a duration such as")
	code, _, errOut = runCtl(t, srv.URL, "add-fault", "-bank", "citi", "-retry-after", "1500ms")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "whole seconds")
}

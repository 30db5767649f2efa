package admin_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/openapi"
)

// TestResponsesMatchTheSpec validates every kind of answer the admin API
// gives (successes and errors) against openapi/admin.yaml.
func TestResponsesMatchTheSpec(t *testing.T) {
	w := newWorld(t, newKey(t))
	doc, err := openapi.LoadAdmin(context.Background())
	require.NoError(t, err)
	doc.Servers = openapi3.Servers{{URL: "/admin"}}
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)

	call := func(method, path, body string) string {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.RemoteAddr = "127.0.0.1:5555"
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		w.srv.Handler().ServeHTTP(rec, req)

		vreq := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			vreq.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(vreq)
		require.NoError(t, err, path)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
			Status:                 rec.Code, Header: rec.Header(),
			Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		}
		require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "%s %s -> %d %s", method, path, rec.Code, rec.Body.String())
		return rec.Body.String()
	}
	idOf := func(body, field string) string {
		_, rest, ok := strings.Cut(body, `"`+field+`":"`)
		require.True(t, ok, body)
		id, _, _ := strings.Cut(rest, `"`)
		return id
	}

	call("GET", "/admin/banks", "")
	call("GET", "/admin/clock", "")
	u := call("POST", "/admin/users", `{"bank":"usbank","username":"spec_user","password":"pw","otp":"123456","failWithCode":501}`)
	uid := idOf(u, "userId")
	call("GET", "/admin/users/"+uid, "")
	call("GET", "/admin/users?bank=usbank", "")
	a := call("POST", "/admin/users/"+uid+"/accounts", `{"type":"CREDITCARD","creditLine":1000.00,"openingBalance":-20.00}`)
	aid := idOf(a, "accountId")
	call("GET", "/admin/accounts/"+aid, "")
	call("PATCH", "/admin/accounts/"+aid, `{"status":"RESTRICTED"}`)
	call("POST", "/admin/accounts/usbank-chk/transactions", `{"amount":-5.25,"description":"X","status":"PENDING","dropAfter":"1h","merchant":"M","merchantCategoryCode":5411,"category":"Groceries"}`)
	call("POST", "/admin/accounts/usbank-chk/transactions", `{"amount":100,"description":"PAY"}`)
	call("POST", "/admin/clock/advance", `{"by":"2h"}`)
	call("GET", "/admin/accounts/usbank-chk/transactions", "")
	call("GET", "/admin/accounts/usbank-chk/transactions?status=DROPPED", "")
	f := call("POST", "/admin/faults", `{"bank":"usbank","endpoint":"getAccount","status":503,"fdxCode":501,"fdxCodeAsString":true,"retryAfterSeconds":1,"latencyMs":5,"fraction":0.5,"message":"x"}`)
	call("GET", "/admin/faults", "")
	call("DELETE", "/admin/faults/"+idOf(f, "faultId"), "")
	call("DELETE", "/admin/faults", "")
	call("POST", "/admin/notifications", `{"bank":"usbank","type":"PLANNED_OUTAGE"}`)
	call("GET", "/admin/deliveries", "")
	call("GET", "/admin/consents?status=ACTIVE", "")
	call("POST", "/admin/consents/"+w.cns.ID+"/revoke", `{"accountIds":["usbank-sav"]}`)
	call("GET", "/admin/snapshot", "")
	call("POST", "/admin/scenarios", `{"users":[{"user":{"bank":"chase","username":"spec2","password":"p"},"accounts":[{"account":{"type":"LOAN","openingBalance":900}}]}],"clockSteps":["1h"]}`)
	call("POST", "/admin/reset", "")
	call("DELETE", "/admin/login-failures?bank=usbank&username=user_good", "")
	call("DELETE", "/admin/login-failures", "")
	// Errors.
	call("DELETE", "/admin/login-failures?bank=hsbc", "")
	call("GET", "/admin/users/nobody", "")
	call("POST", "/admin/users", `{"bank":"hsbc","username":"x","password":"y"}`)
	call("POST", "/admin/consents/"+w.cns.ID+"/revoke", `{}`)
	call("POST", "/admin/consents/"+w.cns.ID+"/revoke", `{}`)
}

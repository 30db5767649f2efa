package mockbank

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type journalPage struct {
	Requests []struct {
		Seq        int64               `json:"seq"`
		Bank       string              `json:"bank"`
		Operation  string              `json:"operation"`
		Method     string              `json:"method"`
		Path       string              `json:"path"`
		Query      map[string][]string `json:"query"`
		Status     int                 `json:"status"`
		ClientID   string              `json:"clientId"`
		ConsentID  string              `json:"consentId"`
		GrantType  string              `json:"grantType"`
		Interact   string              `json:"interactionId"`
		Fault      *struct{ FaultID, Mode string }
		Violations []struct {
			Location []string `json:"location"`
			Severity string   `json:"severity"`
			Code     string   `json:"code"`
			Message  string   `json:"message"`
		} `json:"violations"`
	} `json:"requests"`
	Total   int   `json:"total"`
	LastSeq int64 `json:"lastSeq"`
}

func (e *env) journal(query string) journalPage {
	e.t.Helper()
	code, body := e.admin("GET", "/requests?"+query, "")
	require.Equal(e.t, 200, code, body)
	var p journalPage
	require.NoError(e.t, json.Unmarshal([]byte(body), &p), body)
	return p
}

// The journal records the consent flow and data calls with who made them,
// what was applied and what broke the spec, and never a secret.
func TestJournalRecordsRequests(t *testing.T) {
	e := newEnv(t, Options{Seed: 7})
	g := e.link("wellsfargo", "user_good", "", []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, nil)
	client := e.bank("wellsfargo").Client.ID

	tokens := e.journal("bank=wellsfargo&operation=token")
	require.Len(t, tokens.Requests, 1, "one code exchange")
	tok := tokens.Requests[0]
	assert.Equal(t, "authorization_code", tok.GrantType)
	assert.Equal(t, client, tok.ClientID)
	assert.Equal(t, 200, tok.Status)

	path := "/accounts/" + g.accounts[0] + "/transactions"
	ok := e.call("GET", "wellsfargo", path+"?startTime=2026-05-01&limit=5", g.token, nil)
	require.Equal(t, 200, ok.status, string(ok.body))
	bad := e.call("GET", "wellsfargo", path+"?limit=abc", g.token, nil)
	require.Equal(t, 400, bad.status)
	code, body := e.admin("POST", "/faults", `{"bank":"wellsfargo","endpoint":"searchForAccounts","status":503,"times":1}`)
	require.Equal(t, 201, code, body)
	require.Equal(t, 503, e.call("GET", "wellsfargo", "/accounts", g.token, nil).status)

	txs := e.journal("path=" + url.QueryEscape("/wellsfargo/fdx/v5/accounts/*/transactions"))
	require.Equal(t, 2, txs.Total)
	assert.Equal(t, 400, txs.Requests[0].Status, "newest first")
	v := txs.Requests[0].Violations
	require.NotEmpty(t, v, "the invalid limit is a violation")
	assert.Equal(t, []string{"query", "limit"}, v[0].Location)
	assert.Equal(t, "Error", v[0].Severity)
	assert.NotContains(t, v[0].Message, "Schema:", "no schema dumped")
	good := txs.Requests[1]
	assert.Equal(t, "searchForAccountTransactions", good.Operation)
	assert.Equal(t, g.consentID, good.ConsentID)
	assert.Equal(t, client, good.ClientID)
	assert.Equal(t, []string{"5"}, good.Query["limit"])
	assert.NotEmpty(t, good.Interact)
	assert.Empty(t, good.Violations)

	faulted := e.journal("faulted=true")
	require.Len(t, faulted.Requests, 1)
	assert.Equal(t, 503, faulted.Requests[0].Status)
	require.NotNil(t, faulted.Requests[0].Fault)

	params := e.journal("param=startTime%3D2026-05-01&param=limit%3D5")
	assert.Equal(t, 1, params.Total)
	assert.Equal(t, 0, e.journal("param=limit%3D6").Total)

	code, body = e.admin("GET", "/requests/count?operation=searchForAccountTransactions&status=200&exactly=1", "")
	require.Equal(t, 200, code, body)
	assert.JSONEq(t, `{"count":1,"ok":true}`, body)
	code, body = e.admin("GET", "/requests/count?operation=searchForAccountTransactions&atLeast=3", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"ok":false`)
	assert.Contains(t, body, "expected at least 3 matching requests, found 2")

	code, body = e.admin("GET", "/requests?operation=searchForTransactions", "")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, `did you mean \"searchForAccountTransactions\"`)
	code, body = e.admin("GET", "/requests?bank=wellsfarg", "")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, `did you mean \"wellsfargo\"`)

	// Nothing secret: no token, code, secret or verifier in any entry.
	_, all := e.admin("GET", "/requests?limit=5000", "")
	for _, secret := range []string{g.token, e.bank("wellsfargo").Client.Secret, "pass_good"} {
		assert.NotContains(t, all, secret)
	}
	after := e.journal("after=" + jsonInt(e.journal("").LastSeq))
	assert.Empty(t, after.Requests, "after the newest seq, nothing")

	code, _ = e.admin("DELETE", "/requests", "")
	require.Equal(t, 204, code)
	assert.Equal(t, 0, e.journal("").Total)
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return strings.TrimSpace(string(b)) }

// The authorization request's query keeps its shape but never a code or a
// pushed request's URI.
func TestJournalRedactsQuerySecrets(t *testing.T) {
	e := newEnv(t, Options{Seed: 7})
	res := e.call("GET", "wellsfargo", "/accounts?access_token=abc123&code=xyz", "", nil)
	require.Equal(t, 401, res.status)
	p := e.journal("operation=searchForAccounts")
	require.Len(t, p.Requests, 1)
	assert.Equal(t, []string{"REDACTED"}, p.Requests[0].Query["access_token"])
	assert.Equal(t, []string{"REDACTED"}, p.Requests[0].Query["code"])
	_, all := e.admin("GET", "/requests", "")
	assert.NotContains(t, all, "abc123")
	assert.NotContains(t, all, "xyz")
}

package mockbank

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/store"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
}

var allClusters = []string{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "STATEMENTS", "CUSTOMER_CONTACT", "PAYMENT_SUPPORT"}

func TestEndToEndWellsFargo(t *testing.T) {
	e := newEnv(t, Options{Seed: 11})
	g := e.link("wellsfargo", "user_good", "", allClusters, nil)
	require.Len(t, g.accounts, 4)
	ok := func(r resp) resp {
		t.Helper()
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.NotEmpty(t, r.header.Get("x-fapi-interaction-id"))
		validate(t, "wellsfargo", r)
		return r
	}

	accts := ok(e.call("GET", "wellsfargo", "/accounts", g.token, nil)).json(t)
	require.Len(t, accts["accounts"], 4)

	for _, id := range g.accounts {
		ok(e.call("GET", "wellsfargo", "/accounts/"+id, g.token, nil))
		ok(e.call("GET", "wellsfargo", "/accounts/"+id+"/contact", g.token, nil))
	}
	chk := g.accounts[0]

	// Page through a month of transactions with the bank's offset style.
	seen := map[string]bool{}
	path := "/accounts/" + chk + "/transactions?startTime=2026-04-01&endTime=2026-04-30&limit=10"
	pages := 0
	for {
		r := ok(e.call("GET", "wellsfargo", path, g.token, nil))
		m := r.json(t)
		for _, tx := range m["transactions"].([]any) {
			dt := tx.(map[string]any)["depositTransaction"].(map[string]any)
			id := dt["transactionId"].(string)
			require.False(t, seen[id], "transaction %s served twice", id)
			seen[id] = true
			ts := dt["transactionTimestamp"].(string)
			assert.True(t, ts >= "2026-04-01" && ts < "2026-05-01T", "%s outside the window", ts)
		}
		pages++
		page, _ := m["page"].(map[string]any)
		next, _ := page["nextOffset"].(string)
		if next == "" {
			break
		}
		assert.Nil(t, page["nextPageKey"])
		path = "/accounts/" + chk + "/transactions?startTime=2026-04-01&endTime=2026-04-30&limit=10&offset=" + next
	}
	assert.Greater(t, pages, 1)
	assert.Greater(t, len(seen), 15)

	// The card has pending authorisations at the simulated now.
	r := ok(e.call("GET", "wellsfargo", "/accounts/"+g.accounts[2]+"/transactions?limit=50", g.token, nil))
	assert.True(t, strings.Contains(string(r.body), `"PENDING"`), "no pending card transaction")
	assert.True(t, strings.Contains(string(r.body), `"locTransaction"`))

	st := ok(e.call("GET", "wellsfargo", "/accounts/"+chk+"/statements", g.token, nil)).json(t)
	stmts := st["statements"].([]any)
	require.NotEmpty(t, stmts)
	href := stmts[0].(map[string]any)["links"].([]any)[0].(map[string]any)["href"].(string)
	pdf := e.call("GET", "wellsfargo", strings.TrimPrefix(href, "/wellsfargo/fdx/v5"), g.token, nil)
	require.Equal(t, http.StatusOK, pdf.status, "%s", pdf.body)
	assert.Equal(t, "application/pdf", pdf.header.Get("Content-Type"))
	assert.True(t, bytes.HasPrefix(pdf.body, []byte("%PDF-1.4")))
	assert.True(t, bytes.HasSuffix(pdf.body, []byte("%%EOF\n")))
	validate(t, "wellsfargo", pdf)
	// The cross-reference table is where startxref says.
	tail := pdf.body[bytes.LastIndex(pdf.body, []byte("startxref\n"))+len("startxref\n"):]
	var off int
	_, err := fmt.Sscanf(string(tail), "%d", &off)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(pdf.body[off:], []byte("xref\n")))

	ok(e.call("GET", "wellsfargo", "/accounts/"+chk+"/payment-networks", g.token, nil))
	cust := ok(e.call("GET", "wellsfargo", "/customers/current", g.token, nil)).json(t)
	assert.Equal(t, "Avery", cust["name"].(map[string]any)["first"])
	cons := ok(e.call("GET", "wellsfargo", "/consents/"+g.consentID, g.token, nil)).json(t)
	assert.Equal(t, "ACTIVE", cons["status"])

	// Notification subscriptions with a client_credentials token.
	b := e.bank("wellsfargo")
	var ctok *oauth2.Token
	cc := clientcredentials.Config{ClientID: b.Client.ID, ClientSecret: b.Client.Secret, TokenURL: b.Issuer + "/token"}
	ctok, err = cc.Token(context.Background())
	require.NoError(t, err)
	created := e.call("POST", "wellsfargo", "/notification-subscriptions", ctok.AccessToken,
		map[string]any{"callbackUrl": "http://127.0.0.1:9/hook", "notificationTypes": []string{"TRANSACTIONS_NEW", "CONSENT_REVOKED"}})
	require.Equal(t, http.StatusCreated, created.status, "%s", created.body)
	validate(t, "wellsfargo", created)
	subID := created.json(t)["subscriptionId"].(string)
	ok(e.call("GET", "wellsfargo", "/notification-subscriptions", ctok.AccessToken, nil))
	ok(e.call("GET", "wellsfargo", "/notification-subscriptions/"+subID, ctok.AccessToken, nil))
	assert.Equal(t, http.StatusNoContent, e.call("DELETE", "wellsfargo", "/notification-subscriptions/"+subID, ctok.AccessToken, nil).status)
	// A client credentials token reads no customer data.
	assert.Equal(t, http.StatusForbidden, e.call("GET", "wellsfargo", "/accounts", ctok.AccessToken, nil).status)

	// Revocation kills the consent's tokens; whatever the token asks next
	// gets the bank's revoked-consent answer, wellsfargo's quirk: 401 +
	// 602 without a Bearer challenge.
	rev := e.call("PUT", "wellsfargo", "/consents/"+g.consentID+"/revocation", g.token, map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL"})
	require.Equal(t, http.StatusNoContent, rev.status, "%s", rev.body)
	for _, after := range []resp{
		e.call("GET", "wellsfargo", "/accounts", g.token, nil),
		e.call("PUT", "wellsfargo", "/consents/"+g.consentID+"/revocation", g.token, map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL"}),
		e.call("GET", "wellsfargo", "/consents/"+g.consentID, g.token, nil),
	} {
		assert.Equal(t, http.StatusUnauthorized, after.status)
		assert.Equal(t, "602", after.code(t))
		assert.Empty(t, after.header.Get("WWW-Authenticate"))
		validate(t, "wellsfargo", after)
	}
	c, err := e.srv.st.Consent(t.Context(), "wellsfargo", g.consentID)
	require.NoError(t, err)
	assert.Equal(t, "REVOKED", c.StatusAt(e.srv.Now()))
}

func TestConsentLimitedToOneAccountAndTwoClusters(t *testing.T) {
	e := newEnv(t, Options{Seed: 12})
	all := e.link("citi", "user_good", "", allClusters[:2], nil) // just to learn the account ids
	g := e.link("citi", "user_good", "", []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, func(ids []string) []string { return ids[:1] })
	mine, other := g.accounts[0], all.accounts[1]

	list := e.call("GET", "citi", "/accounts", g.token, nil)
	require.Equal(t, http.StatusOK, list.status)
	validate(t, "citi", list)
	assert.Len(t, list.json(t)["accounts"], 1)
	assert.NotContains(t, string(list.body), other)
	// Asking for another account by id shows nothing.
	filtered := e.call("GET", "citi", "/accounts?accountIds="+other, g.token, nil)
	assert.Empty(t, filtered.json(t)["accounts"])

	tx := e.call("GET", "citi", "/accounts/"+mine+"/transactions", g.token, nil)
	require.Equal(t, http.StatusOK, tx.status, "%s", tx.body)
	validate(t, "citi", tx)

	deny := []struct {
		path   string
		status int
		code   string
	}{
		{"/accounts/" + other + "/transactions", 404, "701"},
		{"/accounts/" + other, 403, "602"},
		{"/accounts/" + mine, 403, "602"},
		{"/accounts/" + mine + "/contact", 403, "602"},
		{"/accounts/" + mine + "/payment-networks", 403, "602"},
		{"/customers/current", 403, "602"},
		{"/accounts/" + mine + "/statements", 404, "1205"}, // citi offers no statements at all
		{"/accounts/nope/transactions", 404, "701"},
	}
	for _, d := range deny {
		r := e.call("GET", "citi", d.path, g.token, nil)
		assert.Equal(t, d.status, r.status, "%s: %s", d.path, r.body)
		assert.Equal(t, d.code, r.code(t), d.path)
		assert.NotContains(t, string(r.body), other, d.path)
		validate(t, "citi", r)
	}
}

func TestInvalidRequestsGetFDXErrors(t *testing.T) {
	e := newEnv(t, Options{Seed: 13})
	g := e.link("wellsfargo", "user_good", "", allClusters, nil)
	chk := g.accounts[0]
	tx := "/accounts/" + chk + "/transactions"
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "GET", "/accounts", "", nil, 401, "602"},
		{"garbage token", "GET", "/accounts", "not-a-token", nil, 401, "602"},
		{"limit zero", "GET", "/accounts?limit=0", g.token, nil, 400, "401"},
		{"limit text", "GET", "/accounts?limit=ten", g.token, nil, 400, "401"},
		{"limit above the spec", "GET", "/accounts?limit=5000", g.token, nil, 400, "401"},
		{"limit above the bank", "GET", tx + "?limit=51", g.token, nil, 400, "401"},
		{"pageKey at an offset bank", "GET", tx + "?pageKey=pk3", g.token, nil, 400, "401"},
		{"malformed offset", "GET", tx + "?offset=abc", g.token, nil, 400, "401"},
		{"malformed start", "GET", tx + "?startTime=yesterday", g.token, nil, 400, "702"},
		{"impossible date", "GET", tx + "?startTime=2026-02-31", g.token, nil, 400, "702"},
		{"start after end", "GET", tx + "?startTime=2026-05-01&endTime=2026-04-01", g.token, nil, 400, "703"},
		{"before the history window", "GET", tx + "?startTime=2020-01-01", g.token, nil, 400, "703"},
		{"both date styles", "GET", tx + "?startTime=2026-01-01&startDate=2026-01-01", g.token, nil, 400, "401"},
		{"unknown account", "GET", "/accounts/acc-nope", g.token, nil, 404, "701"},
		{"unknown statement", "GET", "/accounts/" + chk + "/statements/stm-nope", g.token, nil, 404, "1205"},
		{"revocation without body", "PUT", "/consents/" + g.consentID + "/revocation", g.token, "", 400, "401"},
		{"revocation with bad JSON", "PUT", "/consents/" + g.consentID + "/revocation", g.token, "{", 400, "401"},
		{"revocation with unknown field", "PUT", "/consents/" + g.consentID + "/revocation", g.token, map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL", "extra": 1}, 400, "401"},
		{"revocation with bad reason", "PUT", "/consents/" + g.consentID + "/revocation", g.token, map[string]any{"reason": "BORED", "initiator": "INDIVIDUAL"}, 400, "401"},
		{"account-level revocation unsupported", "PUT", "/consents/" + g.consentID + "/revocation", g.token, map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL", "accountIds": []string{chk}}, 501, "501"},
		{"another consent", "GET", "/consents/cns-other", g.token, nil, 404, "601"},
		{"revoking another consent", "PUT", "/consents/cns-other/revocation", g.token, map[string]any{"reason": "USER_ACTION", "initiator": "INDIVIDUAL"}, 404, "601"},
		{"subscription to plain http", "POST", "/notification-subscriptions", g.token, map[string]any{"callbackUrl": "http://example.com/hook", "notificationTypes": []string{"BALANCE"}}, 400, "401"},
		{"subscription to a wildcard host", "POST", "/notification-subscriptions", g.token, map[string]any{"callbackUrl": "https://*.example.com/hook", "notificationTypes": []string{"BALANCE"}}, 400, "401"},
		{"subscription with unknown type", "POST", "/notification-subscriptions", g.token, map[string]any{"callbackUrl": "https://example.com/hook", "notificationTypes": []string{"ADS"}}, 400, "401"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.method, "wellsfargo", c.path, c.token, c.body)
			assert.Equal(t, c.status, r.status, "%s", r.body)
			assert.Equal(t, c.code, r.code(t))
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			validate(t, "wellsfargo", r)
		})
	}
	// Outside the spec's routes: still an FDX body, never a 500.
	for _, p := range []string{"/nope", "/accounts/" + chk + "/transactions/x"} {
		r := e.call("GET", "wellsfargo", p, g.token, nil)
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.Equal(t, "401", r.code(t))
	}
	r := e.call("DELETE", "wellsfargo", "/accounts", g.token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "401", r.code(t))

	// Under /{bank}/fdx/ but not the bank's version (or no version at
	// all): an FDX body too, not the authorization server's OAuth one.
	for _, p := range []string{"/wellsfargo/fdx/v6/accounts", "/wellsfargo/fdx/", "/wellsfargo/fdx/v5x/accounts", "/chase/fdx/v5/accounts"} {
		req, err := http.NewRequest("GET", e.ts.URL+p, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+g.token)
		req.Header.Set("x-fapi-interaction-id", "c0ffee00-0000-4000-8000-000000000001")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"), p)
		assert.Equal(t, "c0ffee00-0000-4000-8000-000000000001", res.Header.Get("x-fapi-interaction-id"), p)
		r := resp{status: res.StatusCode, body: body}
		assert.Equal(t, "401", r.code(t), "%s: %s", p, body)
		assert.NotContains(t, string(body), `"error"`, p)
	}
}

func TestInteractionIDEchoed(t *testing.T) {
	e := newEnv(t, Options{Seed: 14})
	req, _ := http.NewRequest("GET", e.bank("chase").DataURL+"/accounts", nil)
	req.Header.Set("x-fapi-interaction-id", "c0ffee00-1111-4222-8333-444455556666")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "c0ffee00-1111-4222-8333-444455556666", res.Header.Get("x-fapi-interaction-id"))
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}

func TestSameSeedSameBytes(t *testing.T) {
	body := func() [][]byte {
		e := newEnv(t, Options{Seed: 99})
		g := e.link("citi", "user_good", "", allClusters[:3], nil)
		var out [][]byte
		for _, p := range []string{"/accounts", "/accounts/" + g.accounts[0], "/accounts/" + g.accounts[0] + "/transactions?limit=25", "/accounts/" + g.accounts[2] + "/transactions?limit=25&offset=25", "/consents/" + g.consentID} {
			r := e.call("GET", "citi", p, g.token, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			out = append(out, r.body)
		}
		return out
	}
	assert.Equal(t, body(), body())
}

func TestErrorAndScenarioUsers(t *testing.T) {
	e := newEnv(t, Options{Seed: 15})
	g := e.link("wellsfargo", "user_error_501", "", allClusters, nil)
	r := e.call("GET", "wellsfargo", "/accounts", g.token, nil)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "501", r.code(t))
	validate(t, "wellsfargo", r)

	// Any standard code works without configuration.
	g = e.link("wellsfargo", "user_error_706", "", allClusters, nil)
	r = e.call("GET", "wellsfargo", "/accounts", g.token, nil)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "706", r.code(t))

	g = e.link("wellsfargo", "user_locked", "", allClusters, nil)
	r = e.call("GET", "wellsfargo", "/accounts/"+g.accounts[0]+"/transactions", g.token, nil)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "706", r.code(t))
	validate(t, "wellsfargo", r)
	detail := e.call("GET", "wellsfargo", "/accounts/"+g.accounts[0], g.token, nil)
	assert.Contains(t, string(detail.body), `"RESTRICTED"`)

	g = e.link("wellsfargo", "user_closed", "", allClusters, nil)
	r = e.call("GET", "wellsfargo", "/accounts/"+g.accounts[1]+"/transactions", g.token, nil)
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Equal(t, "705", r.code(t))

	g = e.link("wellsfargo", "user_mfa", "123456", allClusters, nil)
	assert.Equal(t, http.StatusOK, e.call("GET", "wellsfargo", "/accounts", g.token, nil).status)

	g = e.link("wellsfargo", "user_large", "", allClusters, nil)
	r = e.call("GET", "wellsfargo", "/accounts/"+g.accounts[0]+"/transactions?limit=50", g.token, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Len(t, r.json(t)["transactions"], 50)
}

func TestLiveUserActivityAsTheClockAdvances(t *testing.T) {
	e := newEnv(t, Options{Seed: 16})
	g := e.link("usbank", "user_live", "", allClusters, nil)
	card := g.accounts[1]
	path := "/accounts/" + card + "/transactions?limit=200"
	page := func(token string) []map[string]any {
		r := e.call("GET", "usbank", path, token, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var out []map[string]any
		for _, x := range r.json(t)["transactions"].([]any) {
			// usbank speaks FDX 6.0: flat transactions tagged by category.
			tx := x.(map[string]any)
			require.Equal(t, "LOC_ACCOUNT", tx["accountCategory"])
			out = append(out, tx)
		}
		return out
	}
	var pending []string
	for _, tx := range page(g.token) {
		if tx["status"] == "PENDING" {
			pending = append(pending, tx["transactionId"].(string))
		}
	}
	require.NotEmpty(t, pending)
	oldNow := e.srv.st.Now()

	require.NoError(t, e.srv.st.AdvanceClock(context.Background(), 4*24*time.Hour))
	// Access tokens live 15 simulated minutes: link again after the jump.
	g = e.link("usbank", "user_live", "", allClusters, nil)
	after := page(g.token)
	ids, refs := map[string]bool{}, map[string]bool{}
	newer := 0
	for _, tx := range after {
		ids[tx["transactionId"].(string)] = true
		if ref, ok := tx["referenceTransactionId"].(string); ok {
			refs[ref] = true
		}
		if ts, _ := time.Parse(time.RFC3339, tx["transactionTimestamp"].(string)); ts.After(oldNow) {
			newer++
		}
	}
	for _, p := range pending {
		assert.False(t, ids[p], "pending %s is gone", p)
	}
	assert.Positive(t, newer, "new activity arrived")
	posted := 0
	for _, p := range pending {
		if refs[p] {
			posted++
		}
	}
	assert.Positive(t, posted, "pendings posted under a new id that refers to them")
}

// A description mockbank can serve is served as it says, with its own
// endpoint paths and data path next to the built-in banks.
func TestServesAnyDescription(t *testing.T) {
	d := builtin(t, "wellsfargo")
	d.Name, d.DisplayName, d.DataPath = "mybank", "My Bank", "/api/fdx/v5"
	d.Auth.Authorization, d.Auth.Token, d.Auth.JWKS = "/oauth2/authorize", "/oauth2/token", "/oauth2/keys"
	e := newEnv(t, Options{Seed: 17, Banks: append(relaxed(connectors.Builtin()), d)})
	b := e.bank("mybank")
	assert.Equal(t, b.Issuer+"/api/fdx/v5", b.DataURL)

	res, err := http.Get(b.DiscoveryURL)
	require.NoError(t, err)
	var disc map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&disc))
	res.Body.Close()
	assert.Equal(t, b.Issuer+"/oauth2/authorize", disc["authorization_endpoint"])
	assert.Equal(t, b.Issuer+"/oauth2/token", disc["token_endpoint"])
	assert.Equal(t, b.Issuer+"/oauth2/keys", disc["jwks_uri"])
	assert.Equal(t, b.Issuer+"/revoke", disc["revocation_endpoint"], "an endpoint the description leaves as it was")

	g := e.link("mybank", "user_good", "", allClusters, nil)
	r := e.call("GET", "mybank", "/accounts", g.token, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	res, err = http.Post(b.Issuer+"/token", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "the default path is not the bank's")
}

// What a description may say but mockbank cannot serve fails at start,
// naming the bank and the member.
func TestDescriptionsMockbankCannotServe(t *testing.T) {
	ctx := context.Background()
	remote := builtin(t, "chase")
	remote.Auth.Token = "https://auth.chase.example/oauth2/token"
	under := builtin(t, "citi")
	under.Auth.JWKS = "/fdx/keys"
	clash := builtin(t, "usbank")
	clash.Auth.Revocation = "/token"
	_, err := New(ctx, &Options{Banks: []*bankdesc.Description{remote, under, clash, builtin(t, "citi")}})
	require.ErrorIs(t, err, ErrConfig)
	for _, want := range []string{`"chase": auth.token`, "absolute URL", `"citi": auth.jwks`, "under the data API", `"usbank": auth`, "two banks named \"citi\""} {
		assert.Contains(t, err.Error(), want)
	}
	invalid := builtin(t, "wellsfargo")
	invalid.Paging.Max = 0
	_, err = New(ctx, &Options{Banks: []*bankdesc.Description{invalid}})
	require.ErrorIs(t, err, bankdesc.ErrInvalid)
	assert.Contains(t, err.Error(), "paging.max")
	_, err = New(ctx, &Options{Banks: []*bankdesc.Description{}})
	require.ErrorIs(t, err, ErrConfig)
}

// TestHostileInputNeverFails500 throws malformed and oversized input at every
// endpoint: the answer is always an FDX error body, never a 5xx or a panic.
func TestHostileInputNeverFails500(t *testing.T) {
	e := newEnv(t, Options{Seed: 32})
	g := e.link("wellsfargo", "user_good", "", allClusters, nil)
	long := strings.Repeat("x", 5000)
	ids := []string{"%00", "..%2F..%2Fetc", url.PathEscape("é€😀"), long, "%25ZZ"}
	queries := []string{"limit=-1", "limit=99999999999999999999", "offset=-5", "offset=" + long, "startTime=2026-13-45", "endTime=9999-99-99T99:99:99Z",
		"startDate=2026-02-30", "accountIds=" + long, "limit=1&limit=2", "startTime=%00", "pageKey=pk-1"}
	paths := []string{"/accounts", "/accounts/%s", "/accounts/%s/transactions", "/accounts/%s/statements", "/accounts/%s/statements/%s",
		"/accounts/%s/contact", "/accounts/%s/payment-networks", "/consents/%s", "/notification-subscriptions/%s"}
	for _, p := range paths {
		for _, id := range append(ids, g.accounts[0]) {
			path := strings.ReplaceAll(p, "%s", id)
			for _, q := range append(queries, "") {
				r := e.call("GET", "wellsfargo", path+"?"+q, g.token, nil)
				require.Less(t, r.status, 500, "%s?%s: %s", path, q, r.body)
				if r.status >= 400 {
					require.NotEmpty(t, r.code(t), "%s?%s", path, q)
				}
			}
		}
	}
	bodies := []string{"", "null", "[]", "{}", `{"reason":1}`, `{"reason":"USER_ACTION","initiator":"INDIVIDUAL","accountIds":[]}`, strings.Repeat("[", 10000), "\x00\xff"}
	for _, b := range bodies {
		for _, p := range []string{"/consents/" + g.consentID + "/revocation", "/notification-subscriptions"} {
			method := "PUT"
			if strings.HasPrefix(p, "/notification") {
				method = "POST"
			}
			r := e.call(method, "wellsfargo", p, g.token, b)
			require.Less(t, r.status, 500, "%s %q: %s", p, b, r.body)
			require.NotEmpty(t, r.code(t))
		}
	}
}

// An open loan's dates follow the simulated now, whatever it is, and its
// product name agrees with its FDX type, at every bank.
func TestLoanDetailsAreCoherent(t *testing.T) {
	now := time.Date(2031, 3, 15, 9, 30, 0, 0, time.UTC)
	e := newEnv(t, Options{Seed: 8, Clock: func() time.Time { return now }})
	for _, bank := range []string{"chase", "wellsfargo", "citi", "usbank"} {
		g := e.link(bank, "user_good", "", allClusters[:2], nil)
		found := false
		for _, id := range g.accounts {
			r := e.call("GET", bank, "/accounts/"+id, g.token, nil)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			validate(t, bank, r)
			type loanFields struct {
				AccountType     string `json:"accountType"`
				ProductName     string `json:"productName"`
				Status          string `json:"status"`
				AccountOpenDate string `json:"accountOpenDate"`
				NextPaymentDate string `json:"nextPaymentDate"`
				MaturityDate    string `json:"maturityDate"`
			}
			// Either layout: the loanAccount member (FDX 4/5) or the
			// flat object tagged LOAN_ACCOUNT (Core Exchange 6.x).
			var body struct {
				loanFields
				AccountCategory string      `json:"accountCategory"`
				LoanAccount     *loanFields `json:"loanAccount"`
			}
			require.NoError(t, json.Unmarshal(r.body, &body))
			ln := body.LoanAccount
			if ln == nil && body.AccountCategory == "LOAN_ACCOUNT" {
				ln = &body.loanFields
			}
			if ln == nil {
				continue
			}
			found = true
			assert.Equal(t, "AUTOLOAN", ln.AccountType, bank)
			assert.Contains(t, ln.ProductName, "Auto Loan", bank)
			assert.Equal(t, "OPEN", ln.Status, bank)
			today := now.Format(time.DateOnly)
			assert.Less(t, ln.AccountOpenDate, today, bank)
			if e.bank(bank).Description.MajorVersion() < 5 {
				// A 4.6 bank sends no payment or maturity date: 4.6 types
				// them as date-times (internal/fdxapi/fdxversion.go).
				assert.Empty(t, ln.NextPaymentDate+ln.MaturityDate, bank)
				continue
			}
			assert.Greater(t, ln.NextPaymentDate, today, bank)
			assert.Greater(t, ln.MaturityDate, ln.NextPaymentDate, "%s: an open loan matures after its next payment", bank)
		}
		assert.True(t, found, "%s: user_good has a loan", bank)
	}
}

// A locked user's sign-in ends on a 403 page that says "locked": the
// consent driver (mockbanktest.Approve) tells ErrUserLocked by that.
func TestLockedUserPage(t *testing.T) {
	e := newEnv(t, Options{Seed: 4, LargeTransactions: 100})
	ctx := context.Background()
	require.NoError(t, e.srv.st.AddUser(ctx, "wellsfargo", &store.User{ID: "u-frozen", Username: "user_frozen", Password: "pw-frozen", Locked: true}))
	b := e.bank("wellsfargo")
	cfg := &oauth2.Config{ClientID: b.Client.ID, ClientSecret: b.Client.Secret, RedirectURL: b.Client.RedirectURIs[0], Scopes: []string{"openid", "ACCOUNT_BASIC"},
		Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + b.Description.Auth.Authorization, TokenURL: b.Issuer + b.Description.Auth.Token}}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	res, err := hc.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	s, c, a := reSession.FindSubmatch(page), reCSRF.FindSubmatch(page), reAction.FindSubmatch(page)
	require.NotNil(t, s, "%s", page)
	res, err = hc.PostForm(e.ts.URL+string(a[1]), url.Values{"session": {string(s[1])}, "csrf_token": {string(c[1])},
		"action": {"login"}, "username": {"user_frozen"}, "password": {"pw-frozen"}})
	require.NoError(t, err)
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, string(page), "locked")
}

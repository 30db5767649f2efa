package mockbank_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

type linkOut struct {
	ConsentID  string   `json:"consentId"`
	UserID     string   `json:"userId"`
	ClientID   string   `json:"clientId"`
	AccountIDs []string `json:"accountIds"`
	Clusters   []string `json:"clusters"`
	Purpose    string   `json:"purpose"`
	Expiration string   `json:"expirationTime"`
	Tokens     *struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
		ExpiresIn    int    `json:"expiresIn"`
		Scope        string `json:"scope"`
	} `json:"tokens"`
	Authorization *struct {
		Code         string `json:"code"`
		CodeVerifier string `json:"codeVerifier"`
		RedirectURI  string `json:"redirectUri"`
		CallbackURL  string `json:"callbackUrl"`
	} `json:"authorization"`
}

func link(t *testing.T, srv *mockbanktest.Server, body string) linkOut {
	t.Helper()
	code, out := adminCall(t, srv, "POST", "/links", body)
	require.Equal(t, 201, code, out)
	var l linkOut
	require.NoError(t, json.Unmarshal([]byte(out), &l), out)
	return l
}

func dataGet(t *testing.T, srv *mockbanktest.Server, bank, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.Bank(bank).DataURL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func refresh(t *testing.T, srv *mockbanktest.Server, bank, rt string) (int, string) {
	t.Helper()
	b := srv.Bank(bank)
	req, err := http.NewRequest("POST", b.Issuer+b.Description.Auth.Token, strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(b.Client.ID, b.Client.Secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// One call links a user; the tokens read data at once, at a
// client_secret_basic bank and at a private_key_jwt bank alike.
func TestLinkInOneCall(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	wf := link(t, srv, `{"bank":"wellsfargo","username":"user_good","clusters":["ACCOUNT_BASIC","TRANSACTIONS"],"duration":"30d","purpose":"PERSONAL_FINANCIAL_MANAGEMENT"}`)
	require.NotNil(t, wf.Tokens)
	assert.Equal(t, srv.Bank("wellsfargo").Client.ID, wf.ClientID, "the ready client by default")
	assert.Len(t, wf.AccountIDs, 4, "every account of user_good by default")
	assert.Equal(t, []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, wf.Clusters)
	exp, err := time.Parse(time.RFC3339, wf.Expiration)
	require.NoError(t, err)
	assert.Equal(t, srv.Now().Add(30*24*time.Hour), exp)
	code, body := dataGet(t, srv, "wellsfargo", "/accounts/"+wf.AccountIDs[0]+"/transactions?limit=2", wf.Tokens.AccessToken)
	assert.Equal(t, 200, code, body)
	code, _ = dataGet(t, srv, "wellsfargo", "/accounts/"+wf.AccountIDs[0], wf.Tokens.AccessToken)
	assert.Equal(t, 403, code, "ACCOUNT_DETAILED was not granted")

	chase := link(t, srv, `{"bank":"chase","username":"user_mfa"}`)
	code, body = dataGet(t, srv, "chase", "/accounts", chase.Tokens.AccessToken)
	assert.Equal(t, 200, code, body)

	code, body = adminCall(t, srv, "GET", "/consents/"+wf.ConsentID, "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"purpose":"PERSONAL_FINANCIAL_MANAGEMENT"`)
	assert.Contains(t, body, `"status":"ACTIVE"`)
}

// return=code gives a code, its verifier and the callback URL; exchanging
// them at the token endpoint is the rest of the usual flow.
func TestLinkReturnsACode(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	l := link(t, srv, `{"bank":"wellsfargo","username":"user_good","return":"code","state":"st1"}`)
	require.Nil(t, l.Tokens)
	require.NotNil(t, l.Authorization)
	a := l.Authorization
	cb, err := url.Parse(a.CallbackURL)
	require.NoError(t, err)
	assert.Equal(t, a.Code, cb.Query().Get("code"))
	assert.Equal(t, "st1", cb.Query().Get("state"))
	b := srv.Bank("wellsfargo")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {a.Code}, "redirect_uri": {a.RedirectURI}, "code_verifier": {a.CodeVerifier}}
	req, _ := http.NewRequest("POST", b.Issuer+b.Description.Auth.Token, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(b.Client.ID, b.Client.Secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(out))
	assert.Contains(t, string(out), `"consent_id":"`+l.ConsentID+`"`)
}

// A link that cannot be made says why and creates nothing.
func TestLinkRefusalsChangeNothing(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	for _, c := range []struct{ body, want string }{
		{`{"bank":"wellsfargo","username":"user_god"}`, `did you mean \"user_good\"`},
		{`{"bank":"wellsfarg","username":"user_good"}`, `did you mean \"wellsfargo\"`},
		{`{"bank":"citi","username":"user_good","clusters":["STATEMENTS"]}`, `does not offer cluster \"STATEMENTS\"`},
		{`{"bank":"citi","username":"user_good","accountIds":["acc-nope"]}`, `account \"acc-nope\" is not one of the user's`},
		{`{"bank":"citi","username":"user_good","clientId":"nobody"}`, `unknown client \"nobody\"`},
		{`{"bank":"citi","username":"user_good","duration":"36h"}`, `whole number of days`},
		{`{"bank":"citi","username":"user_good","duration":"400d"}`, `1d to 365d`},
		{`{"bank":"citi"}`, `give username or userId`},
		{`{"bank":"citi","username":"user_good","codeChallenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}`, `codeChallenge goes with`},
	} {
		code, body := adminCall(t, srv, "POST", "/links", c.body)
		assert.GreaterOrEqual(t, code, 400, c.body)
		assert.Contains(t, body, c.want, c.body)
	}
	_, body := adminCall(t, srv, "GET", "/consents", "")
	assert.JSONEq(t, `{"consents":[]}`, body)
}

// reset-login kills the grant's tokens until the user links again; expire
// ends the consent; both say so in the consent.
func TestResetLoginAndExpire(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	l := link(t, srv, `{"bank":"wellsfargo","username":"user_good"}`)
	code, body := adminCall(t, srv, "POST", "/consents/"+l.ConsentID+"/reset-login", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"loginRequiredTime"`)
	assert.Contains(t, body, `"status":"ACTIVE"`)
	code, _ = dataGet(t, srv, "wellsfargo", "/accounts", l.Tokens.AccessToken)
	assert.Equal(t, 401, code)
	code, body = refresh(t, srv, "wellsfargo", l.Tokens.RefreshToken)
	assert.Equal(t, 400, code)
	assert.Contains(t, body, "invalid_grant")
	assert.NotContains(t, body, "no longer active", "not mistaken for a revocation")

	again := link(t, srv, `{"bank":"wellsfargo","username":"user_good"}`)
	code, _ = dataGet(t, srv, "wellsfargo", "/accounts", again.Tokens.AccessToken)
	assert.Equal(t, 200, code, "consenting again works")

	code, body = adminCall(t, srv, "POST", "/consents/"+again.ConsentID+"/expire", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"status":"EXPIRED"`)
	code, body = dataGet(t, srv, "wellsfargo", "/accounts", again.Tokens.AccessToken)
	assert.Equal(t, 403, code, body)
	assert.Contains(t, body, `"1106"`)
	code, body = adminCall(t, srv, "POST", "/consents/"+again.ConsentID+"/expire", "")
	assert.Equal(t, 409, code, body)
	code, _ = adminCall(t, srv, "POST", "/consents/"+again.ConsentID+"/reset-login", "")
	assert.Equal(t, 409, code)
	code, _ = adminCall(t, srv, "POST", "/consents/cns-nope/expire", "")
	assert.Equal(t, 404, code)
}

// receiver collects notifications.
type receiver struct {
	mu     sync.Mutex
	bodies []string
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		r.mu.Unlock()
		w.WriteHeader(204)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// Subscriptions made through the admin API receive what is fired for a
// consent, with the caller's fields.
func TestAdminSubscriptionsAndFireForAConsent(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{NotificationRetryBase: time.Millisecond})
	rcv := newReceiver(t)
	code, body := adminCall(t, srv, "POST", "/subscriptions", `{"bank":"chase","callbackUrl":"`+rcv.srv.URL+`/hook","notificationTypes":["FRAUD_SUSPECTED","CONSENT_UPDATED"]}`)
	require.Equal(t, 201, code, body)
	var sub struct {
		ID string `json:"subscriptionId"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &sub))
	code, body = adminCall(t, srv, "POST", "/subscriptions", `{"bank":"chase","callbackUrl":"http://example.com/hook","notificationTypes":["BALANCE"]}`)
	assert.Equal(t, 400, code, body)

	l := link(t, srv, `{"bank":"chase","username":"user_good","clusters":["ACCOUNT_BASIC","TRANSACTIONS"]}`)
	code, body = adminCall(t, srv, "POST", "/notifications", `{"bank":"chase","type":"FRAUD_SUSPECTED","consentId":"`+l.ConsentID+`","fields":{"reason":"card skimmed"}}`)
	require.Equal(t, 202, code, body)
	var fired struct {
		IDs []string `json:"notificationIds"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &fired))
	assert.Len(t, fired.IDs, len(l.AccountIDs), "one per account of the consent")
	require.Eventually(t, func() bool { return len(rcv.got()) == len(l.AccountIDs) }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, rcv.got()[0], `"card skimmed"`)

	code, _ = adminCall(t, srv, "POST", "/consents/"+l.ConsentID+"/expire", "")
	require.Equal(t, 200, code)
	require.Eventually(t, func() bool {
		for _, b := range rcv.got() {
			if strings.Contains(b, `"CONSENT_UPDATED"`) && strings.Contains(b, `"EXPIRED"`) {
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "expiring tells the client")

	code, body = adminCall(t, srv, "GET", "/subscriptions?bank=chase", "")
	require.Equal(t, 200, code)
	assert.Contains(t, body, sub.ID)
	code, _ = adminCall(t, srv, "DELETE", "/subscriptions/"+sub.ID, "")
	assert.Equal(t, 204, code)
	code, _ = adminCall(t, srv, "DELETE", "/subscriptions/"+sub.ID, "")
	assert.Equal(t, 404, code)
}

// The ground truth shows which transactions were created as suspected
// fraud.
func TestTransactionListingShowsSuspectedFraud(t *testing.T) {
	srv := startControlled(t, mockbanktest.Options{})
	l := link(t, srv, `{"bank":"citi","username":"user_good"}`)
	acct := l.AccountIDs[0]
	code, body := adminCall(t, srv, "POST", "/accounts/"+acct+"/transactions", `{"amount":-9.99,"description":"ODD","suspectedFraud":true}`)
	require.Equal(t, 201, code, body)
	assert.Contains(t, body, `"suspectedFraud":true`)
	_, body = adminCall(t, srv, "GET", "/accounts/"+acct+"/transactions", "")
	assert.Equal(t, 1, strings.Count(body, `"suspectedFraud":true`))
}

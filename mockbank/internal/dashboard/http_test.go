package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/dashboard"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func TestSignInWithTheFormOrTheURL(t *testing.T) {
	e := newEnv(t, nil)
	token := e.srv.AdminToken()

	t.Run("pages redirect to the sign-in form", func(t *testing.T) {
		p := e.get(t, e.client(t), "/consents?status=ACTIVE")
		assert.Equal(t, http.StatusSeeOther, p.status)
		assert.Equal(t, "/admin/ui/login?next=%2Fadmin%2Fui%2Fconsents%3Fstatus%3DACTIVE", p.header.Get("Location"))
		login := e.get(t, e.client(t), "/login")
		assert.Equal(t, http.StatusOK, login.status)
		assert.Contains(t, login.body, `id="login-form"`)
		assert.NotContains(t, login.body, token)
	})
	t.Run("a wrong token is refused and not echoed", func(t *testing.T) {
		c := e.client(t)
		resp := e.post(t, c, "/login", url.Values{"token": {"wrong-token-with-a-marker-42"}})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Empty(t, resp.Cookies())
		p := e.get(t, c, "/login?token=wrong-token-with-a-marker-42")
		assert.Equal(t, http.StatusUnauthorized, p.status)
		assert.NotContains(t, p.body, "wrong-token-with-a-marker-42")
		assert.Equal(t, http.StatusSeeOther, e.get(t, c, "/").status, "still signed out")
	})
	t.Run("the form sets a strict, HttpOnly cookie without the token", func(t *testing.T) {
		c := e.client(t)
		resp := e.post(t, c, "/login", url.Values{"token": {token}, "next": {"/admin/ui/consents?status=ACTIVE"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/admin/ui/consents?status=ACTIVE", resp.Header.Get("Location"))
		require.Len(t, resp.Cookies(), 1)
		ck := resp.Cookies()[0]
		assert.True(t, ck.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
		assert.Equal(t, "/admin/ui", ck.Path)
		assert.Equal(t, int(dashboard.SessionLifetime.Seconds()), ck.MaxAge)
		assert.NotContains(t, ck.Value, token)
		p := e.get(t, c, "/consents")
		assert.Equal(t, http.StatusOK, p.status)
		assert.NotContains(t, p.body, token)
	})
	t.Run("?token= signs in and leaves the address", func(t *testing.T) {
		c := e.client(t)
		p := e.get(t, c, "/faults?x=1&token="+url.QueryEscape(token))
		require.Equal(t, http.StatusSeeOther, p.status)
		assert.Equal(t, "/admin/ui/faults?x=1", p.header.Get("Location"))
		assert.Equal(t, http.StatusOK, e.get(t, c, "/faults").status)
	})
	t.Run("only dashboard pages are a target after sign-in", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/admin/ui/", "/admin/faults"} {
			resp := e.post(t, e.client(t), "/login", url.Values{"token": {token}, "next": {next}})
			assert.Equal(t, "/admin/ui/", resp.Header.Get("Location"), next)
		}
	})
	t.Run("a sign-in posted from another site is refused", func(t *testing.T) {
		resp := e.post(t, e.client(t), "/login", url.Values{"token": {token}}, "Origin", "http://evil.example")
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Empty(t, resp.Cookies())
	})
	t.Run("sign out", func(t *testing.T) {
		c := e.signIn(t)
		resp := e.post(t, c, "/logout", url.Values{"csrf": {csrf(t, e.get(t, c, "/"))}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/admin/ui/login", resp.Header.Get("Location"))
		assert.Equal(t, http.StatusSeeOther, e.get(t, c, "/").status)
	})
}

func TestActionsNeedTheSessionAndItsCSRFToken(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	_, err := e.srv.InjectFault(ctx, mockbanktest.Fault{Bank: "citi", Status: 503})
	require.NoError(t, err)

	c := e.signIn(t)
	token := csrf(t, e.get(t, c, "/faults"))
	other := e.signIn(t)
	otherToken := csrf(t, e.get(t, other, "/faults"))
	require.NotEqual(t, token, otherToken)

	for _, tc := range []struct {
		name    string
		client  *http.Client
		form    url.Values
		headers []string
		want    int
	}{
		{"no session", e.client(t), url.Values{"csrf": {token}}, nil, http.StatusUnauthorized},
		{"no CSRF token", c, url.Values{}, nil, http.StatusForbidden},
		{"a wrong CSRF token", c, url.Values{"csrf": {"AAAA"}}, nil, http.StatusForbidden},
		{"another session's CSRF token", c, url.Values{"csrf": {otherToken}}, nil, http.StatusForbidden},
		{"another origin", c, url.Values{"csrf": {token}}, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"a cross-site fetch", c, url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a same-site fetch from another origin", c, url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"an opaque origin", c, url.Values{"csrf": {token}}, []string{"Origin", "null"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.post(t, tc.client, "/faults/clear", tc.form, tc.headers...)
			assert.Equal(t, tc.want, resp.StatusCode)
			assert.Len(t, e.faults(t), 1, "nothing changed")
		})
	}
	t.Run("the session's own token, from its own origin", func(t *testing.T) {
		resp := e.post(t, c, "/faults/clear", url.Values{"csrf": {token}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/admin/ui/faults", resp.Header.Get("Location"))
		assert.Empty(t, e.faults(t))
		assert.Contains(t, e.get(t, c, "/faults").body, "Every fault cleared.")
	})
}

func TestOnlyLoopbackPeersUnlessRemoteAdminIsAllowed(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprint("AllowRemoteAdmin=", allow), func(t *testing.T) {
			e := newEnv(t, &mockbanktest.Options{AllowRemoteAdmin: allow})
			for _, path := range []string{"/admin/ui/", "/admin/ui/login", "/admin/ui/?token=" + e.srv.AdminToken()} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.RemoteAddr = "192.0.2.7:40000"
				rec := httptest.NewRecorder()
				e.srv.Mock().ServeHTTP(rec, req)
				if allow {
					assert.NotEqual(t, http.StatusForbidden, rec.Code, path)
				} else {
					assert.Equal(t, http.StatusForbidden, rec.Code, path)
				}
			}
		})
	}
}

func TestPagesAreBoundedEscapedAndKeepSecrets(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := e.srv.Admin()
	consentID := e.link(t, "wellsfargo", "user_good")
	failing := receiver(t, http.StatusInternalServerError, "")
	e.subscribe(t, "wellsfargo", failing.URL, "PLANNED_OUTAGE")
	_, err := admin.FireNotificationWithResponse(ctx, adminapi.FireNotificationJSONRequestBody{Bank: "wellsfargo", Type: adminapi.NotificationFireTypePLANNEDOUTAGE})
	require.NoError(t, err)
	e.deliveries(t)
	// More faults than a page holds, one with markup in its message.
	for i := range dashboard.PageSize + 5 {
		msg := fmt.Sprintf("fault %d", i)
		if i == 0 {
			msg = `<script>alert("x")</script>`
		}
		r, err := admin.CreateFaultWithResponse(ctx, adminapi.FaultCreate{Bank: "citi", Status: ptr(500), Message: &msg, Times: ptr(1)})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, r.StatusCode(), string(r.Body))
	}
	users, err := admin.ListUsersWithResponse(ctx, &adminapi.ListUsersParams{Bank: ptr("wellsfargo"), Username: ptr("user_good")})
	require.NoError(t, err)
	user := users.JSON200.Users[0]
	account := (*user.Accounts)[0].AccountId

	c := e.signIn(t)
	secrets := []string{e.srv.AdminToken()}
	for _, b := range e.srv.Banks() {
		if b.Client.Secret != "" {
			secrets = append(secrets, b.Client.Secret)
		}
		if b.Client.PrivateKeyPEM != "" {
			secrets = append(secrets, "PRIVATE KEY")
		}
	}
	for path, wants := range map[string][]string{
		"/":                     {`id="bank-wellsfargo"`, "Wells Fargo (mock)", "wellsfargo-ready", e.srv.Bank("wellsfargo").Client.Secret[:4] + "••••••••", "1 active"},
		"/users":                {"user_good", "user_large"},
		"/users?bank=citi":      {"user_good", "citi"},
		"/users/" + user.UserId: {"user_good", account, consentID},
		"/accounts/" + account:  {account, `id="transactions"`, `id="next"`},
		"/accounts/" + account + "?page=2&status=POSTED": {`id="prev"`, "POSTED"},
		"/consents":                    {consentID, `id="revoke-` + consentID + `"`},
		"/consents?status=REVOKED":     {"No consents."},
		"/deliveries":                  {"PLANNED_OUTAGE", "FAILED", "receiver answered HTTP 500", `id="fire-form"`},
		"/deliveries?status=DELIVERED": {"No deliveries."},
		"/faults": {`id="fault-form"`, "searchForAccountTransactions", "RateLimited", "1–50 of 55", `id="next"`,
			`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`},
		"/faults?page=2": {"51–55 of 55", `id="prev"`},
	} {
		t.Run(path, func(t *testing.T) {
			p := e.get(t, c, path)
			require.Equal(t, http.StatusOK, p.status, p.body)
			for _, w := range wants {
				assert.Contains(t, p.body, w)
			}
			for _, s := range secrets {
				assert.NotContains(t, p.body, s, "a secret on the page")
			}
			assert.NotContains(t, p.body, "<script", "everything is escaped, and pages carry no script")
			assert.LessOrEqual(t, strings.Count(p.body, "<tr id=\"fault-"), dashboard.PageSize)
			assert.LessOrEqual(t, strings.Count(p.body, "<tr>"), dashboard.PageSize+1)
			assert.Equal(t, "text/html; charset=utf-8", p.header.Get("Content-Type"))
			assert.Contains(t, p.header.Get("Content-Security-Policy"), "default-src 'none'")
			assert.Contains(t, p.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
			assert.Equal(t, "no-store", p.header.Get("Cache-Control"))
			assert.Equal(t, "same-origin", p.header.Get("Referrer-Policy"))
		})
	}
	t.Run("what the API does not know is a 404 page", func(t *testing.T) {
		for _, path := range []string{"/users/usr-nobody", "/accounts/acc-nobody", "/no-such-page"} {
			p := e.get(t, c, path)
			assert.Equal(t, http.StatusNotFound, p.status, path)
			assert.Contains(t, p.body, `id="error-message"`)
		}
	})
	t.Run("the stylesheet needs no session", func(t *testing.T) {
		p := e.get(t, e.client(t), "/static/dashboard.css")
		assert.Equal(t, http.StatusOK, p.status)
		assert.Contains(t, p.header.Get("Content-Type"), "text/css")
	})
}

// The API's own message reaches the page; the tests look for the value it
// names rather than its wording, which is the API's to change.
func TestBadFormsChangeNothingAndSayWhy(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn(t)
	token := csrf(t, e.get(t, c, "/"))
	before := e.srv.Now()
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/clock/advance", url.Values{"by": {"soon"}}, `&#34;soon&#34;`},
		{"/clock/advance", url.Values{}, "give a duration"},
		{"/clock/advance", url.Values{"to": {"tomorrow"}}, `to: &#34;tomorrow&#34; is not a date and time`},
		{"/faults", url.Values{"bank": {"citi"}, "times": {"three"}}, `times: &#34;three&#34; is not a whole number`},
		{"/faults", url.Values{"bank": {"hsbc"}}, `&#34;hsbc&#34;`},
		{"/faults", url.Values{"bank": {"citi"}, "endpoint": {"nope"}}, `&#34;nope&#34;`},
		{"/notifications", url.Values{"bank": {"citi"}, "type": {"NOPE"}}, "body:"},
		{"/consents/cns-nobody/revoke", url.Values{}, `consent &#34;cns-nobody&#34; not found`},
		{"/faults/flt-nobody/delete", url.Values{}, "flt-nobody"},
	} {
		t.Run(tc.path+" "+tc.form.Encode(), func(t *testing.T) {
			tc.form.Set("csrf", token)
			resp := e.post(t, c, tc.path, tc.form)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			p := e.get(t, c, resp.Header.Get("Location")[len("/admin/ui"):])
			assert.Contains(t, p.body, `class="flash error"`)
			assert.Contains(t, p.body, tc.want)
			assert.Empty(t, e.faults(t))
			assert.Equal(t, before, e.srv.Now())
		})
	}
}

func TestJournalPagesReachBackAndClear(t *testing.T) {
	e := newEnv(t, nil)
	discovery := e.srv.Bank("citi").DiscoveryURL
	for range dashboard.PageSize + 10 {
		resp, err := e.srv.Client().Get(discovery + "?probe=1")
		require.NoError(t, err)
		resp.Body.Close()
	}
	c := e.signIn(t)
	first := e.get(t, c, "/journal?bank=citi")
	require.Equal(t, http.StatusOK, first.status)
	assert.Contains(t, first.body, "1–50 of 60")
	assert.Equal(t, dashboard.PageSize, strings.Count(first.body, `<tr id="request-`))
	assert.Contains(t, first.body, `<tr id="request-60">`, "newest first")
	second := e.get(t, c, "/journal?bank=citi&page=2")
	assert.Contains(t, second.body, "51–60 of 60")
	assert.Equal(t, 10, strings.Count(second.body, `<tr id="request-`))
	assert.Contains(t, second.body, `<tr id="request-1">`)
	assert.Contains(t, second.body, "probe=1")

	bad := e.get(t, c, "/journal?status=teapot")
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Contains(t, bad.body, "is not an HTTP status")

	resp := e.post(t, c, "/journal/clear", url.Values{"csrf": {csrf(t, first)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	after := e.get(t, c, "/journal")
	assert.Contains(t, after.body, "Request journal cleared.")
	assert.Contains(t, after.body, "No request matches.")
}

func TestConsentControlsLinksAndSubscriptions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	users, err := e.srv.Admin().ListUsersWithResponse(ctx, &adminapi.ListUsersParams{Bank: ptr("wellsfargo"), Username: ptr("user_good")})
	require.NoError(t, err)
	user := users.JSON200.Users[0]
	account := (*user.Accounts)[0].AccountId
	c := e.signIn(t)
	userPage := "/users/" + user.UserId
	token := csrf(t, e.get(t, c, userPage))
	act := func(path string, form url.Values) page {
		t.Helper()
		form.Set("csrf", token)
		resp := e.post(t, c, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		return e.get(t, c, strings.TrimPrefix(resp.Header.Get("Location"), "/admin/ui"))
	}
	consents := func() []adminapi.Consent {
		r, err := e.srv.Admin().ListConsentsWithResponse(ctx, &adminapi.ListConsentsParams{Bank: ptr("wellsfargo")})
		require.NoError(t, err)
		return r.JSON200.Consents
	}

	p := act("/links", url.Values{"bank": {"wellsfargo"}, "userId": {user.UserId}, "cluster": {"ACCOUNT_BASIC", "TRANSACTIONS"},
		"account": {account}, "purpose": {"FRAUD_DETECTION"}, "duration": {"30d"}, "back": {"/admin/ui" + userPage}})
	assert.Contains(t, p.body, "Linked at wellsfargo for client wellsfargo-ready")
	assert.Contains(t, p.body, "not shown here")
	cs := consents()
	require.Len(t, cs, 1)
	linked := cs[0]
	assert.Equal(t, []string{account}, linked.AccountIds)
	assert.ElementsMatch(t, []string{"ACCOUNT_BASIC", "TRANSACTIONS"}, linked.Clusters)
	assert.Contains(t, p.body, `id="consent-`+linked.ConsentId+`"`, "back on the user's page, with the new consent")

	p = act("/consents/"+linked.ConsentId+"/reset-login", url.Values{"back": {"/admin/ui/consents"}})
	assert.Contains(t, p.body, "tokens are refused until the user consents again")
	assert.Contains(t, p.body, "login required")
	assert.NotContains(t, p.body, `id="reset-login-`+linked.ConsentId+`"`, "done once")
	assert.NotNil(t, e.consent(t, linked.ConsentId).LoginRequiredTime)

	p = act("/consents/"+linked.ConsentId+"/expire", url.Values{"back": {"/admin/ui/consents"}})
	assert.Contains(t, p.body, "it is now EXPIRED")
	assert.Equal(t, adminapi.ConsentStatusEXPIRED, e.consent(t, linked.ConsentId).Status)
	p = act("/consents/"+linked.ConsentId+"/expire", url.Values{"back": {"/admin/ui/consents"}})
	assert.Contains(t, p.body, `class="flash error"`, "an expired consent cannot expire again")

	hook := receiver(t, http.StatusNoContent, "")
	p = act("/subscriptions", url.Values{"bank": {"citi"}, "callbackUrl": {hook.URL}, "type": {"PLANNED_OUTAGE", "CUSTOM"}})
	assert.Contains(t, p.body, "hears PLANNED_OUTAGE, CUSTOM")
	subs, err := e.srv.Admin().ListSubscriptionsWithResponse(ctx, &adminapi.ListSubscriptionsParams{})
	require.NoError(t, err)
	require.Len(t, subs.JSON200.Subscriptions, 1)
	sub := subs.JSON200.Subscriptions[0]
	assert.Contains(t, p.body, `id="subscription-`+sub.SubscriptionId+`"`)
	p = act("/subscriptions", url.Values{"bank": {"citi"}, "callbackUrl": {hook.URL}})
	assert.Contains(t, p.body, "tick at least one notification type")

	p = act("/notifications", url.Values{"bank": {"citi"}, "type": {"CUSTOM"}, "fields": {"reason = a test\nticket=QA-1\n"}})
	assert.Contains(t, p.body, "CUSTOM fired at citi: 1 notification(s) queued")
	p = act("/notifications", url.Values{"bank": {"citi"}, "type": {"CUSTOM"}, "fields": {"no equals sign"}})
	assert.Contains(t, p.body, `fields: &#34;no equals sign&#34; is not name=value`)

	delivered := e.deliveries(t)
	require.Len(t, delivered, 1)
	p = act("/deliveries/"+delivered[0].DeliveryId+"/redeliver", url.Values{"back": {"/admin/ui/deliveries"}})
	assert.Contains(t, p.body, "is sent again as delivery")
	again := e.deliveries(t)
	require.Len(t, again, 2)
	assert.Equal(t, delivered[0].DeliveryId, *again[0].RedeliveryOf)
	assert.Contains(t, e.get(t, c, "/deliveries").body, "redelivery of "+delivered[0].DeliveryId)

	p = act("/subscriptions/"+sub.SubscriptionId+"/delivery", url.Values{"deliveryMode": {"delay"}, "deliveryDelay": {"1s"}})
	assert.Contains(t, p.body, "are now delay (1s)")
	subs, err = e.srv.Admin().ListSubscriptionsWithResponse(ctx, &adminapi.ListSubscriptionsParams{})
	require.NoError(t, err)
	require.NotNil(t, subs.JSON200.Subscriptions[0].Delivery)
	assert.Equal(t, adminapi.DeliveryOptionsMode("delay"), subs.JSON200.Subscriptions[0].Delivery.Mode)
	p = act("/subscriptions/"+sub.SubscriptionId+"/delivery", url.Values{"deliveryMode": {"sideways"}})
	assert.Contains(t, p.body, `class="flash error"`)
	p = act("/subscriptions/"+sub.SubscriptionId+"/delivery", url.Values{"deliveryMode": {"normal"}})
	assert.Contains(t, p.body, "are now normal")

	p = act("/subscriptions/"+sub.SubscriptionId+"/delete", url.Values{})
	assert.Contains(t, p.body, "Subscription "+sub.SubscriptionId+" deleted.")
	assert.Contains(t, p.body, "No subscriptions")
}

func TestTheClockSaysWhetherItRuns(t *testing.T) {
	for _, running := range []bool{false, true} {
		t.Run(fmt.Sprint("RunClock=", running), func(t *testing.T) {
			e := newEnv(t, &mockbanktest.Options{RunClock: running})
			c := e.signIn(t)
			p := e.get(t, c, "/")
			require.Equal(t, http.StatusOK, p.status)
			if running {
				assert.Contains(t, p.body, `<span class="muted" id="clock-mode">running</span>`)
				assert.Contains(t, p.body, "The clock runs with the wall clock")
			} else {
				assert.Contains(t, p.body, `<span class="muted" id="clock-mode">stopped</span>`)
				assert.Contains(t, p.body, "The clock stands still between advances.")
			}
		})
	}
}

func TestMountedBesideTheAPIWithoutShadowingIt(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := c.Get(e.srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp := get("/admin/ui")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin/ui/", resp.Header.Get("Location"))
	resp = get("/admin/uiextra")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the admin API's, not a page")
	assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
	clock, err := e.srv.Admin().GetClockWithResponse(context.Background())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, clock.StatusCode())
}

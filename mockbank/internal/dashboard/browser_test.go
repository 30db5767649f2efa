package dashboard_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/browsertest"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// screenshotsEnv names a directory to write the documentation's
// screenshots to (docs/images); unset, none are taken.
const screenshotsEnv = "MOCKBANK_DASHBOARD_SCREENSHOTS"

// browser drives the dashboard in a tab of headless Chromium.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func (b browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, actions...))
}

// text reads an element's text without waiting for it ("" when absent),
// so that polling never blocks on a page still loading.
func (b browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(sel)+`)||{}).innerText||""`))
	require.NoError(b.t, err)
	return s
}

// waitText waits until sel's text contains want on a page that has
// finished loading: after a click, the old page may still be showing, or
// the new one only partly parsed.
func (b browser) waitText(sel, want string) string {
	b.t.Helper()
	var got string
	require.Eventually(b.t, func() bool {
		got = b.text(sel)
		return strings.Contains(got, want) && b.loaded()
	}, 15*time.Second, 25*time.Millisecond, "%s never said %q", sel, want)
	return got
}

func (b browser) loaded() bool {
	b.t.Helper()
	state, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState`))
	require.NoError(b.t, err)
	return state == "complete"
}

func (b browser) open(url, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// shot writes a full-page PNG when screenshots are asked for.
func (b browser) shot(name string) { b.t.Helper(); b.shotOf("", name) }

// shotOf writes a PNG of the element sel (the whole page when "") when
// screenshots are asked for.
func (b browser) shotOf(sel, name string) {
	b.t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return
	}
	shoot := chromedp.FullScreenshot(100)
	if sel != "" {
		shoot = chromedp.Screenshot(chromedp.CSS(sel))
	}
	png, err := chromedp.Run(b.ctx, shoot)
	require.NoError(b.t, err)
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func TestDashboardInHeadlessChromium(t *testing.T) {
	b := browser{t: t, ctx: browsertest.New(t, &browsertest.Options{Width: 1280, Height: 860, Timeout: 2 * time.Minute})}
	e := newEnv(t, nil)
	wellsfargo := e.link(t, "wellsfargo", "user_good")
	citi, citiToken := e.linkWithToken(t, "citi", "user_mfa")
	failing := receiver(t, http.StatusBadRequest, `{"error":"stale notification: sentOn is 72h old"}`)
	working := receiver(t, http.StatusNoContent, "")
	e.subscribe(t, "wellsfargo", failing.URL, "PLANNED_OUTAGE", "CONSENT_REVOKED")
	e.subscribe(t, "citi", working.URL, "PLANNED_OUTAGE", "CONSENT_REVOKED")
	// For the journal: an answer, a faulted answer and a request that
	// broke the spec, while the access token is fresh (the clock moves
	// below).
	fault, err := e.srv.InjectFault(context.Background(), mockbanktest.Fault{Bank: "citi", Means: obcerr.RateLimited,
		Endpoint: "searchForAccountTransactions", Times: 1})
	require.NoError(t, err)
	ids := e.accountIDs(t, "citi", citi)
	require.Equal(t, http.StatusOK, e.dataCall(t, "citi", citiToken, "/accounts"))
	require.Equal(t, http.StatusServiceUnavailable, e.dataCall(t, "citi", citiToken, "/accounts/"+ids[0]+"/transactions"))
	require.Equal(t, http.StatusBadRequest, e.dataCall(t, "citi", citiToken, "/accounts/"+ids[0]+"/transactions?limit=lots"))
	_, err = e.srv.Admin().DeleteFaultWithResponse(context.Background(), fault)
	require.NoError(t, err)

	// Signing in: the pages send the browser to the form, then back.
	b.open(e.ui+"/consents", "#token")
	b.do(chromedp.SendKeys(chromedp.ID("token"), e.srv.AdminToken()), chromedp.Click(chromedp.ID("sign-in")))
	b.waitText("#consent-"+wellsfargo, "ACTIVE")
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Equal(t, e.ui+"/consents", loc)

	t.Run("banks and the clock", func(t *testing.T) {
		b.open(e.ui+"/", "#banks")
		assert.Equal(t, "2026-06-01 12:00:00 UTC", b.text("#clock-now"))
		for _, bank := range []string{"chase", "wellsfargo", "citi", "usbank"} {
			assert.Contains(t, b.text("#bank-"+bank), bank+"-ready")
		}
		assert.Contains(t, b.text("#bank-wellsfargo"), "Wells Fargo (mock)")
		assert.Contains(t, b.text("#summary"), "2 active")
	})
	t.Run("users and their accounts", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.ID("nav-users")))
		b.waitText("#users", "user_large")
		b.open(e.ui+"/users?bank=wellsfargo", "#users")
		b.do(chromedp.Click(chromedp.CSS(`#users a`)))
		b.waitText("#accounts", "CHECKING")
		b.do(chromedp.Click(chromedp.CSS(`#accounts a`)))
		b.waitText("#transactions", "POSTED")
		assert.Contains(t, b.text("#pager"), "of")
	})
	t.Run("advance the clock", func(t *testing.T) {
		b.open(e.ui+"/", "#advance-form")
		b.do(chromedp.Click(chromedp.ID("advance-24h")))
		assert.Contains(t, b.waitText("#flash", "Clock advanced"), "Clock advanced to 2026-06-02 12:00:00 UTC")
		assert.Equal(t, "2026-06-02 12:00:00 UTC", b.text("#clock-now"))
		b.do(chromedp.SendKeys(chromedp.ID("advance-by"), "36h"), chromedp.Click(chromedp.ID("advance")))
		b.waitText("#clock-now", "2026-06-04 00:00:00 UTC")
		assert.Equal(t, time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC), e.srv.Now().UTC())
	})
	t.Run("add, delete and clear faults", func(t *testing.T) {
		b.open(e.ui+"/faults", "#fault-form")
		b.do(chromedp.SetValue(chromedp.ID("fault-bank"), "citi"),
			chromedp.SendKeys(chromedp.ID("fault-endpoint"), "searchForAccountTransactions"),
			chromedp.SetValue(chromedp.ID("fault-means"), "RateLimited"),
			chromedp.SendKeys(chromedp.ID("fault-times"), "3"),
			chromedp.Click(chromedp.ID("fault-add")))
		b.waitText("#flash", "added at citi")
		fs := e.faults(t)
		require.Len(t, fs, 1)
		first := fs[0]
		assert.Equal(t, "RateLimited", *first.Means)
		assert.Equal(t, 3, *first.Times)
		b.do(chromedp.SetValue(chromedp.ID("fault-bank"), "chase"),
			chromedp.SetValue(chromedp.ID("fault-mode"), "latency_only"),
			chromedp.SendKeys(chromedp.ID("fault-latency"), "800"),
			chromedp.SendKeys(chromedp.ID("fault-fraction"), "0.1"),
			chromedp.Click(chromedp.ID("fault-add")))
		b.waitText("#flash", "added at chase")
		require.Len(t, e.faults(t), 2)
		assert.Contains(t, b.text("#fault-"+first.FaultId), "means RateLimited")
		b.shot("dashboard-faults.png")

		b.do(chromedp.Click(chromedp.ID("delete-" + first.FaultId)))
		b.waitText("#flash", "Fault "+first.FaultId+" deleted")
		require.Len(t, e.faults(t), 1)
		b.do(chromedp.Click(chromedp.ID("clear-faults")))
		b.waitText("#flash", "Every fault cleared")
		assert.Empty(t, e.faults(t))
		assert.Contains(t, b.text("#faults"), "No faults")
	})
	t.Run("revoke a consent", func(t *testing.T) {
		b.open(e.ui+"/consents", "#consent-"+wellsfargo)
		b.do(chromedp.Click(chromedp.ID("revoke-" + wellsfargo)))
		b.waitText("#flash", "Consent "+wellsfargo+" revoked")
		assert.Contains(t, b.text("#consent-"+wellsfargo), "REVOKED")
		assert.Contains(t, b.text("#consent-"+citi), "ACTIVE")
		assert.Equal(t, adminapi.ConsentStatusREVOKED, e.consent(t, wellsfargo).Status)
		b.shot("dashboard-consents.png")
	})
	t.Run("link a user, reset its login, expire it", func(t *testing.T) {
		b.open(e.ui+"/users?bank=wellsfargo", "#users")
		b.do(chromedp.Click(chromedp.CSS(`#users a`)))
		b.do(chromedp.WaitVisible(chromedp.ID("link-form")),
			chromedp.Click(chromedp.ID("link-cluster-ACCOUNT_BASIC")),
			chromedp.Click(chromedp.ID("link-cluster-TRANSACTIONS")),
			chromedp.SetValue(chromedp.ID("link-purpose"), "PERSONAL_FINANCIAL_MANAGEMENT"),
			chromedp.SendKeys(chromedp.ID("link-duration"), "30d"),
			chromedp.Click(chromedp.ID("link-submit")))
		flash := b.waitText("#flash", "Linked at wellsfargo")
		var linked adminapi.Consent
		for _, c := range e.consents(t) {
			if c.Bank == "wellsfargo" && c.ConsentId != wellsfargo {
				linked = c
			}
		}
		require.NotEmpty(t, linked.ConsentId)
		assert.Contains(t, flash, linked.ConsentId)
		assert.Equal(t, "PERSONAL_FINANCIAL_MANAGEMENT", *linked.Purpose)
		assert.Equal(t, linked.CreatedTime.AddDate(0, 0, 30), linked.ExpirationTime)
		assert.Contains(t, b.text("#consent-"+linked.ConsentId), "ACTIVE", "the user's page lists it")

		b.do(chromedp.Click(chromedp.ID("reset-login-" + linked.ConsentId)))
		b.waitText("#flash", "tokens are refused")
		assert.Contains(t, b.text("#consent-"+linked.ConsentId), "login required")
		assert.NotNil(t, e.consent(t, linked.ConsentId).LoginRequiredTime)
		b.do(chromedp.Click(chromedp.ID("expire-" + linked.ConsentId)))
		b.waitText("#flash", "it is now EXPIRED")
		assert.Contains(t, b.text("#consent-"+linked.ConsentId), "EXPIRED")
		assert.Equal(t, adminapi.ConsentStatusEXPIRED, e.consent(t, linked.ConsentId).Status)
	})
	t.Run("fire a notification and read why a delivery failed", func(t *testing.T) {
		for _, bank := range []string{"citi", "wellsfargo"} {
			b.open(e.ui+"/deliveries", "#fire-form")
			b.do(chromedp.SetValue(chromedp.ID("fire-bank"), bank),
				chromedp.SetValue(chromedp.ID("fire-type"), "PLANNED_OUTAGE"),
				chromedp.Click(chromedp.ID("fire-submit")))
			b.waitText("#flash", "PLANNED_OUTAGE fired at "+bank+": 1 notification(s) queued")
		}
		e.deliveries(t) // every delivery settled
		assert.Positive(t, working.received.Load())
		b.open(e.ui+"/deliveries?status=FAILED", "#deliveries")
		failed := b.text("#deliveries")
		assert.Contains(t, failed, "PLANNED_OUTAGE")
		assert.Contains(t, failed, "CONSENT_REVOKED", "the revocation above told wellsfargo's client, which failed too")
		assert.Contains(t, failed, "receiver answered HTTP 400")
		assert.Contains(t, failed, "stale notification: sentOn is 72h old", "the receiver's own answer")
		assert.NotContains(t, failed, "DELIVERED")

		// The receiver is fixed; the failed outage notification goes again.
		failing.set(http.StatusOK, `{"ok":true}`)
		var outage adminapi.Delivery
		for _, dl := range e.deliveries(t) {
			if dl.Type == "PLANNED_OUTAGE" && dl.Bank == "wellsfargo" {
				outage = dl
			}
		}
		require.NotEmpty(t, outage.DeliveryId)
		b.do(chromedp.Click(chromedp.ID("redeliver-" + outage.DeliveryId)))
		b.waitText("#flash", "is sent again as delivery")
		e.deliveries(t)
		b.open(e.ui+"/deliveries", "#deliveries")
		all := b.text("#deliveries")
		assert.Contains(t, all, "redelivery of "+outage.DeliveryId)
		assert.Contains(t, all, "DELIVERED")
		b.shotOf("main > section", "dashboard-deliveries.png")
	})
	t.Run("the request journal", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.ID("nav-journal")))
		all := b.waitText("#journal", "searchForAccountTransactions")
		assert.Contains(t, all, "/citi/token")
		b.do(chromedp.SetValue(chromedp.ID("j-bank"), "citi"),
			chromedp.SendKeys(chromedp.ID("j-consent"), citi),
			chromedp.Click(chromedp.ID("j-apply")))
		b.waitText("#journal-summary", "3 matching request(s)")
		rows := b.text("#journal")
		assert.Contains(t, rows, "503")
		assert.Contains(t, rows, "(error)", "the fault applied")
		assert.Contains(t, rows, "limit=lots")
		assert.NotContains(t, rows, "/citi/token", "the token request carries no consent")
		b.do(chromedp.Click(chromedp.ID("j-violations")), chromedp.Click(chromedp.ID("j-apply")))
		b.waitText("#journal-summary", "1 matching request(s)")
		assert.Contains(t, b.text("#journal"), "limit")
		b.open(e.ui+"/journal?bank=citi", "#journal")
		b.shot("dashboard-journal.png")
	})
	t.Run("the overview sums it up", func(t *testing.T) {
		b.open(e.ui+"/", "#summary")
		summary := b.text("#summary")
		assert.Contains(t, summary, "1 active")
		assert.Contains(t, summary, "1 expired")
		assert.Contains(t, summary, "1 revoked")
		b.shot("dashboard-overview.png")
	})
	t.Run("sign out", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.ID("logout")))
		b.waitText("h1", "Sign in")
		b.open(e.ui+"/faults", "#token")
	})
}

package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/internal/pgtest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
)

// TestStoryOverHTTP walks the story without a browser: two app users link
// at two banks, ask, get alerts, and one revokes at the bank; and neither
// ever sees the other's data.
func TestStoryOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank, the fleet and the app")
	}
	story(t, launch(t))
}

// TestStoryOverHTTPPostgres is the same story with the tokens, the app's
// tables and the fleet in PostgreSQL.
func TestStoryOverHTTPPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank, the fleet and the app")
	}
	story(t, launchWith(t, LaunchOptions{PostgresDSN: pgtest.Schema(t)}))
}

func story(t *testing.T, inst *Instance) {
	admin := adminClient(t, inst)
	ctx := t.Context()
	alice := signIn(t, inst, "alice", "alice-pass")
	bob := signIn(t, inst, "bob", "bob-pass1")
	aliceID, bobID := userID(t, inst, "alice"), userID(t, inst, "bob")

	alice.link("chase", "user_good")
	bob.link("wellsfargo", "user_good")
	waitSynced(t, inst, aliceID)
	waitSynced(t, inst, bobID)

	home := alice.get("/")
	assert.Contains(t, home, "PERSONAL_FINANCIAL_MANAGEMENT")
	assert.Contains(t, home, "ACCOUNT_BASIC, ACCOUNT_DETAILED, TRANSACTIONS")
	assert.Contains(t, home, "90 days")
	assert.NotContains(t, strings.ToLower(home), "advertis"+"ing purpose")
	accts, err := inst.App.db.accounts(ctx, aliceID)
	require.NoError(t, err)
	require.Len(t, accts, 4, "user_good shares checking, savings, card and loan")
	for _, a := range accts {
		assert.Regexp(t, `^••••\d{4}$`, a.Masked)
		assert.Contains(t, home, a.Masked)
	}

	// Balance: the checking account's available balance is mockbank's.
	var checking account
	for _, a := range accts {
		if a.Type == string(sdk.Checking) {
			checking = a
		}
	}
	r, err := admin.GetAccountWithResponse(ctx, checking.ID)
	require.NoError(t, err)
	require.NotNil(t, r.JSON200)
	ans := alice.ask("What's my balance?")
	assert.Contains(t, ans, money(truthMoney(t, r.JSON200.AvailableBalance)))

	// Starbucks this month, from the ground truth of her accounts.
	var want sdk.Money
	n := 0
	monthStart := time.Date(testStart.Year(), testStart.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, a := range accts {
		tr, err := admin.ListTransactionsWithResponse(ctx, a.ID, nil)
		require.NoError(t, err)
		for _, tx := range tr.JSON200.Transactions {
			m := truthMoney(t, tx.Amount)
			merchant := tx.Description
			if tx.Merchant != nil {
				merchant = *tx.Merchant
			}
			if tx.Status != "DROPPED" && m.Sign() < 0 && strings.Contains(strings.ToLower(merchant), "starbucks") && !tx.TransactionTimestamp.Before(monthStart) {
				abs, _ := m.Abs()
				want = addMoney(want, abs)
				n++
			}
		}
	}
	ans = alice.ask("what did I spend at Starbucks this month?")
	t.Logf("starbucks this month: %d purchase(s) in the ground truth", n)
	require.Positive(t, n, "seed 1 has a Starbucks purchase this month")
	assert.Contains(t, ans, "You spent "+money(want)+" at Starbucks this month")
	assert.Contains(t, alice.ask("show my recent card purchases"), `class="receipt"`)
	assert.Contains(t, alice.ask("spending by category"), "By category")
	assert.Contains(t, alice.ask("when is my next loan payment?"), "due ")
	assert.Contains(t, alice.ask("tell me a joke"), "I can&#39;t answer that")

	// Isolation: bob sees only his Wells Fargo accounts, cannot revoke
	// alice's consent, and his audit log names no read of hers.
	bobAns := bob.ask("What's my balance?")
	assert.Contains(t, bobAns, "Wells Fargo")
	assert.NotContains(t, bobAns, "Chase")
	for _, a := range accts {
		assert.NotContains(t, bobAns, a.Masked)
	}
	resp := bob.post("/revoke", url.Values{"bank": {"chase"}, "consent": {checking.ConsentID}})
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.NotContains(t, bob.get("/audit"), "Chase")
	assert.Contains(t, alice.get("/audit"), "synced store (obconnect_transactions)")

	// CSRF: a form without the token is refused.
	resp, err = alice.c.PostForm(alice.base+"/ask", url.Values{"q": {"balance"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	// A suspected-fraud purchase on alice's card reaches her chat, not bob's.
	aliceAlerts, bobAlerts := alice.alerts(), bob.alerts()
	var card account
	for _, a := range accts {
		if a.Type == string(sdk.CreditCard) {
			card = a
		}
	}
	pending := adminapi.TransactionCreateStatus("PENDING")
	fraud := true
	var amt adminapi.Amount
	require.NoError(t, amt.UnmarshalJSON([]byte("-1299.99")))
	ct, err := admin.CreateTransactionWithResponse(ctx, card.ID, adminapi.TransactionCreate{Amount: amt, Description: "ELECTRO WORLD ONLINE",
		Merchant: ptr("Electro World"), Category: ptr("Shopping"), Status: &pending, SuspectedFraud: &fraud})
	require.NoError(t, err)
	require.NotNil(t, ct.JSON201, "%s", ct.Body)
	by := "1h"
	_, err = admin.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockJSONRequestBody{By: &by})
	require.NoError(t, err)
	al := waitAlert(t, aliceAlerts, "fraud")
	assert.Contains(t, al.Body, "$1,299.99")
	assert.Contains(t, al.Body, "Electro World")
	assert.Contains(t, al.Body, card.Masked)
	select {
	case a := <-bobAlerts:
		t.Fatalf("bob got alice's alert: %+v", a)
	case <-time.After(300 * time.Millisecond):
	}

	// Her checking account falls under mockbank's low-balance threshold
	// (100.00) with a large rent payment: a low-balance alert with the
	// exact balance, and a large-purchase alert.
	r, err = admin.GetAccountWithResponse(ctx, checking.ID)
	require.NoError(t, err)
	avail := truthMoney(t, r.JSON200.AvailableBalance)
	rent, err := sdk.NewMoney(-(avail.Minor - 4250), "USD") // leaves 42.50
	require.NoError(t, err)
	var rentAmt adminapi.Amount
	require.NoError(t, rentAmt.UnmarshalJSON([]byte(rent.Decimal())))
	ct, err = admin.CreateTransactionWithResponse(ctx, checking.ID, adminapi.TransactionCreate{Amount: rentAmt, Description: "RENT JUNE", Merchant: ptr("Parkside Apartments"), Category: ptr("Rent")})
	require.NoError(t, err)
	require.NotNil(t, ct.JSON201, "%s", ct.Body)
	low := waitAlert(t, aliceAlerts, "low-balance")
	assert.Contains(t, low.Body, "$42.50")
	assert.Contains(t, low.Body, checking.Masked)
	// The fraudulent purchase and the rent were both large purchases.
	require.Eventually(t, func() bool {
		als, err := inst.App.db.alerts(ctx, aliceID, 100)
		require.NoError(t, err)
		var large []string
		for _, a := range als {
			if a.Kind == "large" {
				large = append(large, a.Body)
			}
		}
		return len(large) == 2 && strings.Contains(strings.Join(large, "|"), "$1,299.99 at Electro World") &&
			strings.Contains(strings.Join(large, "|"), "at Parkside Apartments")
	}, 30*time.Second, 100*time.Millisecond, "large-purchase alerts")
	// The consent nears its end: the bank says so.
	fr, err := admin.FireNotificationWithResponse(ctx, adminapi.NotificationFire{Bank: "chase", Type: "CONSENT_EXPIRING", ConsentId: &checking.ConsentID})
	require.NoError(t, err)
	require.Less(t, fr.StatusCode(), 300, "%s", fr.Body)
	assert.Contains(t, waitAlert(t, aliceAlerts, "expiring").Body, "Your consent at Chase ends")

	// Revoked at the bank: the app says so and the data is gone.
	held := fleetRows(t, inst, "chase", ids(accts))
	require.Positive(t, held)
	rv, err := admin.RevokeConsentWithResponse(ctx, checking.ConsentID, adminapi.RevokeConsentJSONRequestBody{})
	require.NoError(t, err)
	require.NotNil(t, rv.JSON200, "%s", rv.Body)
	al = waitAlert(t, aliceAlerts, "revoked")
	assert.Contains(t, al.Body, "Consent revoked at the bank. Deleted")
	assert.Zero(t, fleetRows(t, inst, "chase", ids(accts)))
	for _, a := range accts {
		st, err := inst.Fleet.Account(ctx, "chase", a.ID)
		require.NoError(t, err)
		assert.Equal(t, fleet.StatusDeleted, st.Status)
	}
	left, err := inst.App.db.accounts(ctx, aliceID)
	require.NoError(t, err)
	assert.Empty(t, left)
	assert.Contains(t, alice.get("/"), "Consent revoked at the bank")
	assert.Contains(t, bob.ask("balance"), "Wells Fargo", "bob's link is untouched")

	// Revoked from the app: bob's page says what was deleted, the rows are
	// gone, and the bank's own CONSENT_REVOKED that follows is not
	// reported a second time.
	bobAccts, err := inst.App.db.accounts(ctx, bobID)
	require.NoError(t, err)
	require.NotEmpty(t, bobAccts)
	require.Positive(t, fleetRows(t, inst, "wellsfargo", ids(bobAccts)))
	resp = bob.post("/revoke", url.Values{"bank": {"wellsfargo"}, "consent": {bobAccts[0].ConsentID}})
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	page := bob.get("/")
	assert.Contains(t, page, "Consent revoked from the app. Deleted")
	assert.Zero(t, fleetRows(t, inst, "wellsfargo", ids(bobAccts)))
	assert.Equal(t, "revoked", waitAlert(t, bobAlerts, "revoked").Kind)
	time.Sleep(time.Second) // the bank's notification of the revocation arrives meanwhile
	als, err := inst.App.db.alerts(ctx, bobID, 100)
	require.NoError(t, err)
	n = 0
	for _, a := range als {
		if a.Kind == "revoked" {
			n++
		}
	}
	assert.Equal(t, 1, n, "one report of one revocation")
	assert.Contains(t, bob.ask("balance"), "no linked accounts")
}

func ids(accts []account) []string {
	out := make([]string, len(accts))
	for i, a := range accts {
		out[i] = a.ID
	}
	return out
}

func ptr[T any](v T) *T { return &v }

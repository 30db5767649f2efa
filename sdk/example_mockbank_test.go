package sdk_test

import (
	"context"
	"fmt"
	"log"
	"time"

	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/model"
)

// The integrator's journey against a real connector and an in-process
// mockbank: the same code runs against the bank, with the bank's
// credentials and URL in Credentials and Options and a real user at the
// consent page instead of mockbanktest's Approve. A fixed seed and a
// stopped clock make every run print the same thing.
func Example_mockbank() {
	ctx := context.Background()
	clock := func() time.Time { return time.Date(2026, time.March, 2, 12, 0, 0, 0, time.UTC) }
	// In a test, pass t instead of nil: the server then stops with it.
	srv := mockbanktest.NewServer(nil, &mockbanktest.Options{Seed: 42, Clock: clock})
	defer srv.Close()
	bank := srv.Bank("wellsfargo")

	// mockbank registers a ready client at every bank.
	client, err := sdk.Open(ctx, "wellsfargo",
		sdk.Credentials{ClientID: bank.Client.ID, ClientSecret: bank.Client.Secret},
		&sdk.Options{
			BaseURL:     bank.Issuer,
			RedirectURL: bank.Client.RedirectURIs[0],
			HTTPClient:  srv.Client(),
			Now:         srv.Now, // consents expire on the bank's simulated clock
		})
	if err != nil {
		log.Fatal(err)
	}

	pending, err := client.StartLink(ctx, sdk.LinkRequest{
		Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions},
		Purpose:  sdk.PurposePersonalFinancialManagement,
		Duration: 30 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The test user signs in and approves every account offered.
	callback, err := srv.Approve(ctx, pending.AuthURL, mockbanktest.Answers{Username: "user_good", Password: "pass_good"})
	if err != nil {
		log.Fatal(err)
	}
	grant, err := client.CompleteLink(ctx, pending, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("granted:", grant.Clusters, "until", grant.ExpiresAt.Format(time.DateOnly))

	var checking string
	for account, err := range client.Accounts(ctx, grant) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(account.Type, account.NumberDisplay)
		if account.Type == model.Checking && checking == "" {
			checking = account.ID
		}
	}
	detail, err := client.Account(ctx, grant, checking)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("checking balance:", detail.Balances.Current)

	lastWeek := sdk.TxQuery{Start: clock().AddDate(0, 0, -7), End: clock()}
	n := 0
	for tx, err := range client.Transactions(ctx, grant, checking, lastWeek) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tx.TransactionTime.Format(time.DateOnly), tx.Status, tx.Amount, tx.Description)
		if n++; n == 3 {
			break
		}
	}
	// Output:
	// granted: [ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS] until 2026-04-01
	// CHECKING ...6658
	// SAVINGS ...8547
	// CREDITCARD ...1026
	// AUTOLOAN ...5416
	// checking balance: 25135.14 USD
	// 2026-03-02 POSTED -500.00 USD ONLINE TRANSFER TO SAV ...8547
	// 2026-03-01 PENDING -11.14 USD DEBIT CARD PURCHASE STARBUCKS STORE 05521
	// 2026-03-01 POSTED -1674.85 USD PARKSIDE APTS RENT WEB PMTS
}

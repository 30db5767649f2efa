package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// A bank that narrows grants on refresh (here: the user withdrew the
// credit card at the bank's site). The integrator persists the new grant
// from the hook; the client already refuses the withdrawn account, even
// through the grant the integrator still holds.
func ExampleOptions_onGrantChange() {
	ctx := context.Background()
	bank := fakebank.New()
	defer bank.Close()
	atBank := &narrowingBank{next: http.DefaultTransport} // stands in for the bank's own site

	saved := map[string]*sdk.Grant{} // the integrator's database
	client, err := sdk.Open(ctx, "examplebank", sdk.Credentials{ClientID: "my-client-id", ClientSecret: "my-client-secret"}, &sdk.Options{
		RedirectURL: "https://app.example/callback", BaseURL: bank.URL(),
		HTTPClient: &http.Client{Transport: atBank},
		OnGrantChange: func(ctx context.Context, ch sdk.GrantChange) {
			saved[ch.Grant.UserRef] = ch.Grant // persist in place of the old grant
			fmt.Println("withdrawn at the bank:", ch.RemovedAccounts, "still shared:", ch.Grant.AccountIDs)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	pending, err := client.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountDetailed},
		Purpose: sdk.PurposePersonalFinancialManagement, Duration: 90 * 24 * time.Hour, UserRef: "user-42"})
	if err != nil {
		log.Fatal(err)
	}
	callback, err := fakebank.Consent(ctx, pending.AuthURL)
	if err != nil {
		log.Fatal(err)
	}
	grant, err := client.CompleteLink(ctx, pending, callback)
	if err != nil {
		log.Fatal(err)
	}
	saved["user-42"] = grant
	fmt.Println("linked:", grant.AccountIDs)

	atBank.withdraw([]string{"cc-1"}) // the user withdraws the card at the bank
	bank.ExpireAccessTokens()         // the next call refreshes

	if _, err := client.Account(ctx, grant, "chk-1"); err != nil {
		log.Fatal(err)
	}
	_, err = client.Account(ctx, grant, "cc-1")
	fmt.Println("card refused before the network:", errors.Is(err, sdk.ErrScopeNotGranted))
	fmt.Println("saved grant:", saved["user-42"].AccountIDs)
	// Output:
	// linked: [chk-1 cc-1 loan-1]
	// withdrawn at the bank: [cc-1] still shared: [chk-1 loan-1]
	// card refused before the network: true
	// saved grant: [chk-1 loan-1]
}

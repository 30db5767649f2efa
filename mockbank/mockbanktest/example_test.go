package mockbanktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

// Link at a bank from code with golang.org/x/oauth2: Approve plays the
// user at the real consent page (sign-in, account choice, approve) and
// returns the redirect to the client, whose code is exchanged as usual.
func ExampleApprove() {
	ctx := context.Background()
	srv := mockbanktest.NewServer(nil, &mockbanktest.Options{Seed: 1}) // nil: no test to fail
	defer srv.Close()
	bank := srv.Bank("wellsfargo") // client_secret_basic, no PAR

	cfg := &oauth2.Config{
		ClientID:     bank.Client.ID,
		ClientSecret: bank.Client.Secret,
		RedirectURL:  bank.Client.RedirectURIs[0],
		Scopes:       []string{"openid", "offline_access", "ACCOUNT_BASIC"},
		Endpoint:     oauth2.Endpoint{AuthURL: bank.Issuer + "/authorize", TokenURL: bank.Issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("my-state", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("purpose", "ACCOUNT_AGGREGATION"))

	// user_good shares every account offered.
	callback, err := mockbanktest.Approve(ctx, srv.Client(), authURL, mockbanktest.Answers{
		Username: "user_good", Password: "pass_good",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", callback.Query().Get("state"))

	// The oauth2 client must use the test server's transport too.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, srv.Client())
	tok, err := cfg.Exchange(ctx, callback.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := cfg.Client(ctx, tok).Get(bank.DataURL + "/accounts")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Accounts []map[string]struct {
			AccountID   string `json:"accountId"`
			AccountType string `json:"accountType"`
		} `json:"accounts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	for _, a := range page.Accounts {
		for kind, acct := range a { // FDX wraps each account in its kind
			fmt.Println(kind, acct.AccountType, acct.AccountID)
		}
	}

	// A wrong password is a typed error, not a page to read.
	_, err = srv.Approve(ctx, cfg.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)),
		mockbanktest.Answers{Username: "user_good", Password: "wrong"})
	fmt.Println(errors.Is(err, mockbanktest.ErrWrongCredentials))
	// Output:
	// state: my-state
	// depositAccount CHECKING chk-6da75dd3a7
	// depositAccount SAVINGS sav-4e6c177ab5
	// locAccount CREDITCARD cc-3c9e464ba8
	// loanAccount AUTOLOAN ln-874253f6ef
	// true
}

package mockbank_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank"
)

// Start mockbank in-process and list what each bank serves. In a test, put
// it behind httptest.NewServer and call SetBaseURL with the server's URL.
func ExampleNew() {
	ctx := context.Background()
	srv, err := mockbank.New(ctx, mockbank.Options{Seed: 1, BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	for _, b := range srv.Banks() {
		fmt.Println(b.Name, b.DataURL, b.Client.AuthMethod)
	}
	// Output:
	// chase http://127.0.0.1:8080/chase/fdx/v6 private_key_jwt
	// wellsfargo http://127.0.0.1:8080/wellsfargo/fdx/v5 client_secret_basic
	// citi http://127.0.0.1:8080/citi/fdx/v4 client_secret_basic
	// usbank http://127.0.0.1:8080/usbank/fdx/v6 private_key_jwt
}

// A partner's bank is a description file (package bankdesc, the format
// of connectors/<bank>/bank.json); mockbank serves it as it stands.
func ExampleNew_description() {
	d, err := bankdesc.Load("../connectors/citi/bank.json")
	if err != nil {
		log.Fatal(err)
	}
	d.Name, d.DisplayName = "mybank", "My Bank"
	srv, err := mockbank.New(context.Background(), mockbank.Options{Banks: []*bankdesc.Description{d}, BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	for _, b := range srv.Banks() {
		fmt.Println(b.Name, b.DataURL, b.Description.Clusters)
	}
	// Output:
	// mybank http://127.0.0.1:8080/mybank/fdx/v4 [ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS CUSTOMER_CONTACT PAYMENT_SUPPORT]
}

// Link at a bank from code with golang.org/x/oauth2: Approve plays the
// user at the real consent page (sign-in, account choice, approve) and
// returns the redirect to the client, whose code is exchanged as usual.
func ExampleApprove() {
	ctx := context.Background()
	srv, err := mockbank.New(ctx, mockbank.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	if err := srv.SetBaseURL(ctx, ts.URL); err != nil {
		log.Fatal(err)
	}
	var bank mockbank.BankInfo
	for _, b := range srv.Banks() {
		if b.Name == "wellsfargo" { // client_secret_basic, no PAR
			bank = b
		}
	}

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

	// user_good shares two of their accounts.
	user, err := srv.Store().UserByUsername(ctx, bank.Name, "user_good")
	if err != nil {
		log.Fatal(err)
	}
	callback, err := mockbank.Approve(ctx, ts.Client(), authURL, mockbank.Answers{
		Username: "user_good", Password: "pass_good", Accounts: user.Accounts[:2],
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", callback.Query().Get("state"))

	// The oauth2 client must use the test server's transport too.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.Client())
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
	_, err = mockbank.Approve(ctx, ts.Client(), cfg.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)),
		mockbank.Answers{Username: "user_good", Password: "wrong"})
	fmt.Println(errors.Is(err, mockbank.ErrWrongCredentials))
	// Output:
	// state: my-state
	// depositAccount CHECKING chk-6da75dd3a7
	// depositAccount SAVINGS sav-4e6c177ab5
	// true
}

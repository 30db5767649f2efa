package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// The examples run against an in-process fake bank registered as
// "examplebank"; with a real connector the code is the same, with a blank
// import of the connector and the bank's name in sdk.Open.
func init() {
	sdk.Register("examplebank", fakebank.Opener(fakebank.Options{Name: "examplebank"}))
}

// The integrator's journey: open a client, link a user, read their data,
// revoke.
func Example() {
	ctx := context.Background()
	bank := fakebank.New() // stands in for the bank's sandbox
	defer bank.Close()

	client, err := sdk.Open(ctx, "examplebank",
		sdk.Credentials{ClientID: "my-client-id", ClientSecret: "my-client-secret"},
		&sdk.Options{RedirectURL: "https://app.example/callback", BaseURL: bank.URL()})
	if err != nil {
		log.Fatal(err)
	}

	// 1. Start a link and send the user to pending.AuthURL. Keep pending
	// server-side (it is JSON-serialisable) until the callback arrives.
	pending, err := client.StartLink(ctx, sdk.LinkRequest{
		Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions},
		Purpose:  sdk.PurposePersonalFinancialManagement,
		Duration: 90 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}

	// 2. The user consents at the bank, which redirects back with a code.
	callback, err := fakebank.Consent(ctx, pending.AuthURL)
	if err != nil {
		log.Fatal(err)
	}

	// 3. Complete the link: the grant says what the user shared.
	grant, err := client.CompleteLink(ctx, pending, callback)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("clusters:", grant.Clusters)

	// 4. Read data.
	for account, err := range client.Accounts(ctx, grant) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(account.ID, account.Type, account.NumberDisplay)
	}
	checking, err := client.Account(ctx, grant, "chk-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current balance:", checking.Balances.Current)

	january := sdk.TxQuery{Start: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)}
	for tx, err := range client.Transactions(ctx, grant, "chk-1", january) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tx.ID, tx.Status, tx.Amount, tx.Merchant, tx.MCC)
	}

	// 5. Outside the grant: refused before any request is sent.
	_, err = client.Contact(ctx, grant, "chk-1")
	fmt.Println("contact:", sdk.ErrorCode(err))

	// 6. Revoke; every later call fails with ConsentRevoked.
	if err := client.Revoke(ctx, grant); err != nil {
		log.Fatal(err)
	}
	_, err = client.Account(ctx, grant, "chk-1")
	fmt.Println("after revoke:", errors.Is(err, sdk.ErrConsentRevoked))

	// Output:
	// clusters: [ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS]
	// chk-1 CHECKING ...6789
	// cc-1 CREDITCARD ...4321
	// loan-1 AUTOLOAN ...1111
	// current balance: 1234567890123.45 USD
	// chk-1-tx-01 POSTED -7.01 USD Shop 5411
	// chk-1-tx-02 POSTED -14.02 USD Shop 5411
	// chk-1-tx-03 POSTED -21.03 USD Shop 5411
	// contact: ScopeNotGranted
	// after revoke: true
}

// Errors carry a code for errors.Is and, when the bank answered, the bank's
// own error for errors.As. Integrators can build both in their tests.
func ExampleErrorCode() {
	bankErr := &sdk.BankError{HTTPStatus: 429, Code: 1207, Message: "Too many requests", RetryAfter: 2 * time.Second}
	err := fmt.Errorf("syncing: %w", &sdk.Error{Code: sdk.RateLimited, Op: "sdk.Transactions", Err: bankErr})

	fmt.Println(sdk.ErrorCode(err))
	fmt.Println(errors.Is(err, sdk.ErrRateLimited))
	var be *sdk.BankError
	if errors.As(err, &be) {
		fmt.Println("FDX code", be.Code, "HTTP", be.HTTPStatus)
	}
	d, _ := sdk.RetryAfter(err)
	fmt.Println("retry after", d)
	// Output:
	// RateLimited
	// true
	// FDX code 1207 HTTP 429
	// retry after 2s
}

// Amounts are exact: parsed from the bank's decimal text, never a float.
func ExampleParseMoney() {
	m, err := sdk.ParseMoney("-1234567890123.45", "USD")
	fmt.Println(m, m.Minor, err)
	_, err = sdk.ParseMoney("0.005", "USD") // would need rounding: refused
	fmt.Println(err != nil)
	y, _ := sdk.ParseMoney("1500", "JPY")
	fmt.Println(y.Minor)
	// Output:
	// -1234567890123.45 USD -123456789012345 <nil>
	// true
	// 1500
}

// Statements stream: nothing is buffered by the SDK.
func ExampleClient_StatementPDF() {
	ctx := context.Background()
	bank := fakebank.New()
	defer bank.Close()
	client, _ := sdk.Open(ctx, "examplebank", sdk.Credentials{ClientID: "id", ClientSecret: "secret"},
		&sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: bank.URL()})
	pending, _ := client.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.Statements}, Purpose: sdk.PurposeCreditDecisioning, Duration: 24 * time.Hour})
	callback, _ := fakebank.Consent(ctx, pending.AuthURL)
	grant, _ := client.CompleteLink(ctx, pending, callback)

	for st, err := range client.Statements(ctx, grant, "chk-1", sdk.TxQuery{}) {
		if err != nil {
			log.Fatal(err)
		}
		pdf, err := client.StatementPDF(ctx, grant, "chk-1", st.ID)
		if err != nil {
			log.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, pdf)
		pdf.Close()
		fmt.Println(st.ID, st.Date.Format(time.DateOnly), n, "bytes")
	}
	// Output:
	// st-1 2026-01-31 22 bytes
	// st-2 2026-02-28 22 bytes
}

package mockbank_test

import (
	"context"
	"fmt"
	"log"

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

// A bank profile can come from a file, for a partner's own bank.
func ExampleParseProfile() {
	p, err := mockbank.ParseProfile(context.Background(), []byte(`
name: mybank
displayName: My Bank (mock)
fdxVersion: "6.1"
pagination: pageKey
clientAuth: client_secret_basic
maxPageSize: 100
defaultPageSize: 20
limitOverMax: clamp
rateLimit: {perSecond: 3, burst: 6}
historyMonths: 6
`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.VersionPath(), p.SupportedClusters())
	// Output:
	// mybank v6 [ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS STATEMENTS CUSTOMER_CONTACT PAYMENT_SUPPORT INVESTMENTS CUSTOMER_PERSONAL]
}

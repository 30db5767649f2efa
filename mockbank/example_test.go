package mockbank_test

import (
	"context"
	"fmt"
	"log"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank"
)

// Start mockbank in-process and list what each bank serves. In a test,
// mockbanktest.NewServer does this behind an httptest server.
func ExampleNew() {
	ctx := context.Background()
	srv, err := mockbank.New(ctx, &mockbank.Options{Seed: 1, BaseURL: "http://127.0.0.1:8080"})
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
	srv, err := mockbank.New(context.Background(), &mockbank.Options{Banks: []*bankdesc.Description{d}, BaseURL: "http://127.0.0.1:8080"})
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

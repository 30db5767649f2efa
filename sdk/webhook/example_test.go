package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/obconnect/obconnect/sdk/webhook"
)

// A receiver verifies a notification and switches on its typed data. In a
// test the bank is played by a TestSigner; in production the keys come from
// webhook.DiscoverJWKS.
func ExampleVerifier_Verify() {
	bank, _ := webhook.NewTestSigner("chase")
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) // e.g. mockbank's simulated clock
	v, _ := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: func() time.Time { return now }})

	body, header, _ := bank.Payload(webhook.TestNotification{
		ID: "n-1", Type: webhook.TypeBalance, SentOn: now.Add(-time.Minute),
		Subject: webhook.Subject{ID: "acc-chk-001", Kind: "ACCOUNT"},
		Fields:  []webhook.Field{{Name: "availableBalance", Value: "42.10"}, {Name: "threshold", Value: "100.00"}},
	})

	ev, err := v.Verify(context.Background(), header, body)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	switch d := ev.Data.(type) {
	case *webhook.LowBalance:
		fmt.Println(ev.Type, ev.Publisher, d.AccountID, d.Balance, "<", d.Threshold)
	default:
		fmt.Println("other event", ev.Type)
	}

	// The same delivery again is a replay.
	_, err = v.Verify(context.Background(), header, body)
	fmt.Println(errors.Is(err, webhook.ErrReplayed))
	// Output:
	// BALANCE chase acc-chk-001 42.10 < 100.00
	// true
}

// Handler answers the bank: 204 once the function succeeded, 400 for a
// notification that fails verification.
func ExampleHandler() {
	bank, _ := webhook.NewTestSigner("usbank")
	v, _ := webhook.NewVerifier(bank.Keys(), nil)
	h := webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		if d, err := ev.ConsentRevoked(); err == nil {
			fmt.Println("delete data of consent", d.ConsentID, "account", d.AccountID)
		}
		return nil
	})

	body, header, _ := bank.Payload(webhook.TestNotification{
		Type:    webhook.TypeConsentRevoked,
		Subject: webhook.Subject{ID: "cns-42", Kind: "CONSENT"},
		Fields:  []webhook.Field{{Name: "accountId", Value: "acc-sav-002"}},
	})
	for _, b := range [][]byte{body, append(bytes.Clone(body[:len(body)-1]), []byte(`,"x":1}`)...)} {
		req := httptest.NewRequest(http.MethodPost, "/hooks/usbank", bytes.NewReader(b))
		req.Header = header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// delete data of consent cns-42 account acc-sav-002
	// 204
	// 400
}

// SignTestPayload signs any body with any key, for tests of a receiver's
// own plumbing.
func ExampleSignTestPayload() {
	bank, _ := webhook.NewTestSigner("citi")
	body := []byte(`{"notificationId":"n-7","type":"PLANNED_OUTAGE","sentOn":"2026-06-01T12:00:00Z","category":"MAINTENANCE",` +
		`"publisher":{"name":"citi","type":"DATA_PROVIDER"},"notificationPayload":{"id":"mnt-1","idType":"MAINTENANCE",` +
		`"customFields":[{"name":"startTime","value":"2026-06-02T01:00:00Z"},{"name":"endTime","value":"2026-06-02T03:00:00Z"}]}}`)
	sig, _ := bank.Sign(body) // webhook.SignTestPayload(privateKey, kid, body) with your own key

	v, _ := webhook.NewVerifier(bank.Keys(), &webhook.Options{
		Now: func() time.Time { return time.Date(2026, 6, 1, 12, 1, 0, 0, time.UTC) },
	})
	ev, err := v.VerifySignature(context.Background(), sig, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	o, _ := ev.PlannedOutage()
	fmt.Println(o.OutageID, o.End.Sub(o.Start))
	// Output: mnt-1 2h0m0s
}

// In production the keys come from the bank's discovery document; here a
// TestSigner's JWKS is served from httptest as mockbank serves its own.
func ExampleDiscoverJWKS() {
	bank, _ := webhook.NewTestSigner("wellsfargo")
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("GET /wellsfargo/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, srv.URL+"/wellsfargo", srv.URL+"/wellsfargo/jwks.json")
	})
	mux.HandleFunc("GET /wellsfargo/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(bank.JWKS())
	})

	ctx := context.Background()
	keys, err := webhook.DiscoverJWKS(ctx, srv.URL+"/wellsfargo/.well-known/openid-configuration", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := webhook.NewVerifier(keys, &webhook.Options{Publisher: "wellsfargo"})
	body, header, _ := bank.Payload(webhook.TestNotification{
		Type:    webhook.TypeTransactionsNew,
		Subject: webhook.Subject{ID: "acc-chk-001", Kind: "ACCOUNT"},
		Fields:  []webhook.Field{{Name: "transactionId", Value: "tx-1001"}},
	})
	ev, err := v.Verify(ctx, header, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := ev.NewTransactions()
	fmt.Println(d.AccountID, d.TransactionIDs)
	// Output: acc-chk-001 [tx-1001]
}

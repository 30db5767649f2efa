package fdx

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// decodeSeeds is the fuzz corpus of FuzzDecode, shared with the
// differential test of the two JSON engines.
var decodeSeeds = []string{
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1.5}}]}`,
	`{"accounts": [{"locAccount": {"accountId": "a", "currentBalance": 1e3}}], "page": {"nextOffset": "2"}}`,
	`{"depositAccount": {"accountId": "a", "availableBalance": "12.30"}}`,
	`{"transactions": [{"accountCategory": "LOC_ACCOUNT", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 2}]}`,
	`{"accountCategory": "INVESTMENT_ACCOUNT", "accountId": "a", "currentBalance": 3, "nextPaymentDate": "2026-01-02"}`,
	`{"code": "701", "message": "x"}`, `{"id": "c", "status": "ACTIVE", "resources": [{"dataClusters": [null]}]}`,
	``, `null`, `[`, `{"transactions": [null, {}]}`, "\x00\xff",
}

// FuzzDecode feeds arbitrary bodies and statuses to every decoding path:
// none may panic, a failure must classify (never Unknown for a bank
// answer), and a success must carry a non-nil page.
func FuzzDecode(f *testing.F) {
	for _, seed := range decodeSeeds {
		f.Add(200, seed)
		f.Add(404, seed)
	}
	mt := httpmock.NewMockTransport()
	c, err := New(driver.OpenConfig{HTTPClient: &http.Client{Transport: mt}}, mustAcme())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 599 {
			return
		}
		mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			r := httpmock.NewStringResponse(status, body)
			r.Header.Set("Content-Type", "application/json")
			return r, nil
		})
		ctx := context.Background()
		check := func(ok bool, err error) {
			if err == nil {
				if !ok {
					t.Fatalf("nil result without error for %d %q", status, body)
				}
				return
			}
			if code := c.ErrorCode(err); code == obcerr.Unknown && status < 300 {
				t.Fatalf("unclassified failure of a 2xx answer: %v", err)
			}
		}
		tp, err := c.ListTransactions(ctx, driver.TransactionQuery{AccountID: "a"})
		check(tp != nil, err)
		ap, err := c.ListAccounts(ctx, driver.PageRequest{})
		check(ap != nil, err)
		a, err := c.GetAccount(ctx, "a")
		check(a != nil, err)
		cs, err := c.GetConsent(ctx, "c")
		check(cs != nil, err)
		ct, err := c.GetContact(ctx, "a")
		check(ct != nil, err)
		pn, err := c.ListPaymentNetworks(ctx, "a", driver.PageRequest{})
		check(pn != nil, err)
	})
}

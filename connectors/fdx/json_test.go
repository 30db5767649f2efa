package fdx

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
)

// differentialBodies are answers on which the engines have been known to
// differ in general (names matched case-insensitively, duplicate names,
// invalid UTF-8, null for values, numbers where strings belong, loose
// timestamps, decimals in strings, truncation) and which must therefore be
// read alike here.
var differentialBodies = []string{
	`{"Transactions": [{"DepositTransaction": {"AccountID": "a", "TRANSACTIONID": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "transactionId": "u", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}]}`,
	`{"transactions": [], "transactions": [{"accountCategory": "DEPOSIT_ACCOUNT", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "CREDIT", "amount": "0.10"}]}`,
	"{\"transactions\": [{\"depositTransaction\": {\"accountId\": \"a\", \"transactionId\": \"t\xff\", \"status\": \"POSTED\", \"debitCreditMemo\": \"DEBIT\", \"amount\": 1, \"payee\": \"caf\\u00e9 \\ud800\"}}]}",
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": null}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "payee": null, "memo": 5}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "merchantCategoryCode": 5411.0}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "merchantCategoryCode": 99999999999}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "postedTimestamp": "2026-05-01T14:02:11.5+05:30"}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "postedTimestamp": "2026-05-01 14:02:11Z"}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "postedTimestamp": "2026-05-01T24:00:00Z"}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "postedTimestamp": null}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1e400}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": "1.5", "foreignAmount": 2, "foreignCurrency": "EUR"}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}, "locTransaction": null}], "page": {"nextOffset": 3}}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "NEW_STATUS", "debitCreditMemo": "MEMO", "amount": 1, "extra": {"deep": [1, {"x": null}]}}}], "links": {"next": {"href": "/x"}}, "unknown": true}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}], "page": {"nextOffset": "2"}, "links": 7}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}]} trailing`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1, "payee": "x", "payee": null, "memo": null, "memo": "y", "checkNumber": 1, "checkNumber": 2}}]}`,
	`{"transactions": [{"depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}, "depositTransaction": {"memo": "merged"}}]}`,
	`{"transactions": [{"depositTransaction": null, "depositTransaction": {"accountId": "a", "transactionId": "t", "status": "POSTED", "debitCreditMemo": "DEBIT", "amount": 1}, "x": 1, "x": [2]}]}`,
	`{"page": {"nextOffset": "1"}, "transactions": [], "page": null}`,
	`{"transactions": {}}`, `{"transactions": null}`, `{"transactions": "x"}`, `{}`, `[]`, `"x"`, `{"transactions": [1]}`,
	`{"accounts": [{"DepositAccount": {"AccountId": "a"}}, {"loanAccount": {"accountId": "b", "principalBalance": "-0.00"}}]}`,
}

// TestEnginesAgree is the differential test of the JSON engines: over the
// fdxtest fixtures, the FuzzDecode corpus and bodies chosen where
// encoding/json and the v2 engine are known to be able to differ, every
// decoding call returns identical results through Unmarshal and through
// encoding/json, or fails under both with the same code.
func TestEnginesAgree(t *testing.T) {
	bodies := append(append([]string{}, decodeSeeds...), differentialBodies...)
	files, err := filepath.Glob("fdxtest/testdata/*.json")
	require.NoError(t, err)
	files = append(files, filepath.Join("..", "..", "sdk", "testdata", "fdx_transactions_page.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		bodies = append(bodies, string(b))
	}
	corpus, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, f := range corpus {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for line := range strings.Lines(string(b)) {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "string("); ok {
				bodies = append(bodies, strings.TrimSuffix(s, ")"))
			}
		}
	}
	for i, body := range bodies {
		checkEnginesAgree(t, i, body)
	}
}

// FuzzEnginesAgree lets `go test -fuzz` search for a body on which the two
// engines disagree.
func FuzzEnginesAgree(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	for _, s := range differentialBodies {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) { checkEnginesAgree(t, 0, body) })
}

func checkEnginesAgree(t *testing.T, i int, body string) {
	t.Helper()
	open := func(u unmarshaler, noStream bool) *Connector {
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
			r := httpmock.NewStringResponse(200, body)
			r.Header.Set("Content-Type", "application/json")
			return r, nil
		})
		c, err := New(driver.OpenConfig{HTTPClient: &http.Client{Transport: mt}}, mustAcme())
		require.NoError(t, err)
		c.unmarshal, c.noStream = u, noStream
		return c
	}
	oldc := open(stdUnmarshal, true)
	for _, newc := range []*Connector{open(Unmarshal, true), open(Unmarshal, false)} {
		engine := "v2"
		if !newc.noStream {
			engine = "stream"
		}
		checkAgree(t, fmt.Sprintf("body %d %s", i, engine), body, oldc, newc)
	}
}

func checkAgree(t *testing.T, name, body string, oldc, newc *Connector) {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func(c *Connector) (any, error){
		"ListTransactions": func(c *Connector) (any, error) {
			return c.ListTransactions(ctx, driver.TransactionQuery{AccountID: "a", Page: driver.PageRequest{Limit: 3}})
		},
		"ListTransactions(chk-1)": func(c *Connector) (any, error) {
			return c.ListTransactions(ctx, driver.TransactionQuery{AccountID: "chk-1"})
		},
		"ListAccounts": func(c *Connector) (any, error) { return c.ListAccounts(ctx, driver.PageRequest{}) },
		"GetAccount":   func(c *Connector) (any, error) { return c.GetAccount(ctx, "a") },
		"GetConsent":   func(c *Connector) (any, error) { return c.GetConsent(ctx, "c") },
		"GetContact":   func(c *Connector) (any, error) { return c.GetContact(ctx, "a") },
		"ListPaymentNetworks": func(c *Connector) (any, error) {
			return c.ListPaymentNetworks(ctx, "a", driver.PageRequest{})
		},
	}
	for call, fn := range calls {
		want, werr := fn(oldc)
		got, gerr := fn(newc)
		if werr != nil || gerr != nil {
			require.Errorf(t, gerr, "%s %s: encoding/json failed (%v), the new engine did not: %q", name, call, werr, body)
			require.Errorf(t, werr, "%s %s: the new engine failed (%v), encoding/json did not: %q", name, call, gerr, body)
			assert.Equal(t, oldc.ErrorCode(werr), newc.ErrorCode(gerr), "%s %s: %q", name, call, body)
			continue
		}
		assert.Equal(t, want, got, "%s %s: %q", name, call, body)
	}
}

// TestStreamingDecoderTakesFixtures makes sure the streaming decoder
// really reads ordinary pages (both layouts) rather than always deferring
// to the ordinary path, which would pass TestEnginesAgree while losing the
// speed.
func TestStreamingDecoderTakesFixtures(t *testing.T) {
	for _, f := range []string{"fdxtest/testdata/transactions_page.json", "fdxtest/testdata/transactions_page_flat.json",
		"../../sdk/testdata/fdx_transactions_page.json"} {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		var page fdxclient.Transactions
		require.NoError(t, stdUnmarshal(body, &page))
		require.NotEmpty(t, page.Transactions, f)
		w := page.Transactions[0]
		account := deref(w.AccountId)
		if w.DepositTransaction != nil {
			account = w.DepositTransaction.AccountId
		}
		m := &mapper{currency: "USD"}
		items, _, err := m.decodeTransactionsPage(body, account)
		require.NoError(t, err, f)
		assert.Len(t, items, len(page.Transactions), f)
	}
	_, _, err := (&mapper{currency: "USD"}).decodeTransactionsPage([]byte(`{"Transactions": []}`), "a")
	assert.ErrorIs(t, err, errSlowPath)
}

// TestShapesMapEveryField checks that the streaming decoder reads every
// mapped field of the generated types itself: a regenerated client that
// changed one's type would send every page to the slow path, silently
// losing the speed.
func TestShapesMapEveryField(t *testing.T) {
	for _, sh := range shapes {
		for name, s := range sh.slots {
			assert.NotEqual(t, slotUnsupported, s, name)
		}
	}
	assert.Len(t, shapes[0].slots, len(slotNames), "the entry has every mapped field, members included")
}

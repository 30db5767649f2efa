package fdx

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/obconnect/obconnect/sdk/driver"
)

// BenchmarkListTransactions measures decoding and mapping one FDX page of
// 100 deposit transactions (the wire is an in-memory mock, so the figure
// is the connector's own cost), side by side in one run: old is
// encoding/json into the generated types, v2 the encoding/json/v2 engine
// into the same types, new the streaming page decoder (txpage.go) the
// connector uses.
func BenchmarkListTransactions(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"page": {"nextOffset": "100"}, "transactions": [`)
	for i := range 100 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"depositTransaction": {"accountId": "acc-1", "transactionId": "tx-%03d", "postedTimestamp": "2026-05-%02dT14:02:11Z",
			"transactionTimestamp": "2026-05-%02dT10:00:00-04:00", "description": "WHOLE FOODS MKT #10233 AUSTIN TX", "debitCreditMemo": "DEBIT",
			"status": "POSTED", "amount": %d.%02d, "transactionType": "POSDEBIT", "payee": "Whole Foods Market", "merchantCategoryCode": 5411,
			"category": "Groceries"}}`, i, i%28+1, i%28+1, i*3, i%100)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(200, body)
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = int64(len(body))
		return r, nil
	})
	c, err := New(driver.OpenConfig{HTTPClient: &http.Client{Transport: mt}}, mustAcme())
	if err != nil {
		b.Fatal(err)
	}
	q := driver.TransactionQuery{AccountID: "acc-1", Page: driver.PageRequest{Limit: 100}}
	for _, engine := range []struct {
		name     string
		u        unmarshaler
		noStream bool
	}{{"old", stdUnmarshal, true}, {"v2", Unmarshal, true}, {"new", Unmarshal, false}} {
		b.Run(engine.name, func(b *testing.B) {
			c.unmarshal, c.noStream = engine.u, engine.noStream
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				p, err := c.ListTransactions(context.Background(), q)
				if err != nil || len(p.Items) != 100 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

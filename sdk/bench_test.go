package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// fdxBenchConnector reads transactions with the generated FDX client and
// maps them the way a connector does; the rest of the driver is the fake
// bank's. It exists to measure the SDK's per-transaction cost on a real
// FDX page.
type fdxBenchConnector struct {
	driver.Connector
	fdx *fdxclient.ClientWithResponses
}

func (c *fdxBenchConnector) ListTransactions(ctx context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	limit := int32(q.Page.Limit)
	params := &fdxclient.SearchForAccountTransactionsParams{Limit: &limit}
	if q.Page.Cursor != "" {
		params.Offset = &q.Page.Cursor
	}
	resp, err := c.fdx.SearchForAccountTransactionsWithResponse(ctx, q.AccountID, params)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, &obcerr.BankError{HTTPStatus: resp.StatusCode()}
	}
	out := &model.Page[model.Transaction]{Items: make([]model.Transaction, 0, len(resp.JSON200.Transactions))}
	if p := resp.JSON200.Page; p != nil && p.NextOffset != nil {
		out.Next = *p.NextOffset
	}
	for _, w := range resp.JSON200.Transactions {
		d := w.DepositTransaction
		if d == nil {
			return nil, errors.New("bench: only deposit transactions in the fixture")
		}
		abs, err := model.ParseMoney(d.Amount.String(), "USD")
		if err != nil {
			return nil, err
		}
		amt, err := model.SignedAmount(abs, model.Direction(d.DebitCreditMemo))
		if err != nil {
			return nil, err
		}
		tx := model.Transaction{ID: d.TransactionId, AccountID: d.AccountId, Amount: amt, Direction: model.Direction(d.DebitCreditMemo),
			Status: model.TransactionStatus(d.Status)}
		if d.TransactionTimestamp != nil {
			tx.TransactionTime = d.TransactionTimestamp.UTC()
		}
		if d.PostedTimestamp != nil {
			tx.PostedTime = d.PostedTimestamp.UTC()
		}
		if d.Payee != nil {
			tx.Merchant = *d.Payee
		}
		if d.MerchantCategoryCode != nil {
			tx.MCC = model.FormatMCC(int(*d.MerchantCategoryCode))
		}
		if d.Category != nil {
			tx.Category = *d.Category
		}
		if d.Description != nil {
			tx.Description = *d.Description
		}
		out.Items = append(out.Items, tx)
	}
	return out, nil
}

// toolkitConnector reads transactions with the FDX toolkit connector
// (connectors/fdx: the streaming page decoder on jsontext, the full
// mapping); the rest of the driver is the fake bank's.
type toolkitConnector struct {
	driver.Connector
	fdx *fdx.Connector
}

func (c *toolkitConnector) ListTransactions(ctx context.Context, q driver.TransactionQuery) (*model.Page[model.Transaction], error) {
	return c.fdx.ListTransactions(ctx, q)
}

// benchBank describes the fixture bank to the toolkit connector.
const benchBank = `{
  "name": "fdxbench", "displayName": "FDX bench", "fdxVersion": "5.0",
  "sandboxURL": "http://127.0.0.1:8080", "dataPath": "/fdx/v5", "currency": "USD",
  "clusters": ["TRANSACTIONS", "ACCOUNT_BASIC"], "historyMonths": 12,
  "paging": {"style": "offset", "max": 100, "default": 100, "overMax": "reject"},
  "rateLimit": {"requestsPerSecond": 100, "burst": 100},
  "accountRevocation": false, "notificationSubscriptions": false,
  "auth": {"clientAuth": "client_secret_basic", "parRequired": false, "authorization": "/authorize", "token": "/token"},
  "errors": {"codeForm": "string", "retryAfter": "seconds", "quirks": []},
  "assumptions": ["a benchmark fixture"]
}`

// fixtureTransport answers every transactions request with the fixture
// page, so the benchmark measures decoding and the client, not a socket.
// With pages > 1 it serves that many copies of the page, chained by
// page.nextOffset.
type fixtureTransport struct {
	page  []byte
	pages int
	next  http.RoundTripper
}

func (f *fixtureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/accounts/chk-1/transactions") {
		body := f.page
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		if next := off + 100; next < f.pages*100 {
			body = bytes.Replace(body, []byte(`"totalElements": 100`), []byte(`"nextOffset": "`+strconv.Itoa(next)+`"`), 1)
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	return f.next.RoundTrip(r)
}

// openFDX opens a client whose transactions come from the FDX fixture,
// read with the generated ClientWithResponses over encoding/json.
func openFDX(tb testing.TB, pages int) (*sdk.Client, *sdk.Grant) {
	return openFDXWith(tb, pages, false)
}

// openFDXWith opens the fixture client, reading transactions with the FDX
// toolkit connector when toolkit is true and with the encoding/json bench
// connector otherwise.
func openFDXWith(tb testing.TB, pages int, toolkit bool) (*sdk.Client, *sdk.Grant) {
	page, err := os.ReadFile("testdata/fdx_transactions_page.json")
	require.NoError(tb, err)
	bank := fakebank.New()
	tb.Cleanup(bank.Close)
	name := fmt.Sprintf("fdxbench%d", nameSeq.Add(1))
	opener := func(ctx context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
		inner, err := fakebank.Opener(fakebank.Options{Name: name, MaxPageSize: 100, DefaultPageSize: 100})(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if toolkit {
			desc, err := bankdesc.Parse([]byte(benchBank))
			if err != nil {
				return nil, err
			}
			tk, err := fdx.New(cfg, desc)
			if err != nil {
				return nil, err
			}
			return &toolkitConnector{Connector: inner, fdx: tk}, nil
		}
		api, err := fdxclient.NewClientWithResponses(cfg.BaseURL, fdxclient.WithHTTPClient(cfg.HTTPClient))
		if err != nil {
			return nil, err
		}
		return &fdxBenchConnector{Connector: inner, fdx: api}, nil
	}
	c, err := sdk.OpenWith(context.Background(), opener, sdk.Credentials{ClientID: "bench", ClientSecret: "bench-secret"}, &sdk.Options{RedirectURL: "https://app.example/cb",
		BaseURL: bank.URL(), HTTPClient: &http.Client{Transport: &fixtureTransport{page: page, pages: pages, next: http.DefaultTransport}},
		RateLimit: sdk.RateLimit{RequestsPerSecond: -1}})
	require.NoError(tb, err)
	return c, link(tb, c)
}

// TestIterationHoldsOnePage iterates 20,000 transactions (200 FDX pages)
// and checks that the live heap does not grow with the history: retaining
// it would cost about 40 MB.
func TestIterationHoldsOnePage(t *testing.T) {
	c, g := openFDX(t, 200)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var early, late uint64
	n := 0
	for _, err := range c.Transactions(context.Background(), g, "chk-1", sdk.TxQuery{}) {
		require.NoError(t, err)
		n++
		switch n {
		case 1_050:
			early = heap()
		case 19_950:
			late = heap()
		}
	}
	require.Equal(t, 20_000, n)
	assert.Less(t, int64(late)-int64(early), int64(4<<20), "heap grew from %d to %d bytes", early, late)
}

// BenchmarkTransactionsFDXPage reads a 100-transaction FDX page through the
// whole client, side by side: old is the generated ClientWithResponses over
// encoding/json with a minimal mapping (the benchmark as it was), new is
// the FDX toolkit connector (streaming decoder, full mapping, so the
// comparison is conservative).
func BenchmarkTransactionsFDXPage(b *testing.B) {
	for _, v := range []struct {
		name    string
		toolkit bool
	}{{"old", false}, {"new", true}} {
		b.Run(v.name, func(b *testing.B) {
			c, g := openFDXWith(b, 1, v.toolkit)
			benchPages(b, c, g)
		})
	}
}

func benchPages(b *testing.B, c *sdk.Client, g *sdk.Grant) {
	ctx := context.Background()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n := 0
	for b.Loop() {
		for _, err := range c.Transactions(ctx, g, "chk-1", sdk.TxQuery{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if n != 100*b.N {
		b.Fatalf("decoded %d transactions over %d pages", n, b.N)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/tx")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "B/tx")
}

package readiness

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
)

func TestPercentilesAreNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, .50))
	assert.Equal(t, 95*time.Millisecond, percentile(d, .95))
	assert.Equal(t, 99*time.Millisecond, percentile(d, .99))
	assert.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, .99))
	assert.Zero(t, percentile(nil, .5))
}

// The load phase's transport sends nothing to another host than the
// configured one, and nothing past its budget.
func TestLoadTransportStaysOnTheConfiguredHostAndBudget(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	router, err := fdxRouter()
	require.NoError(t, err)
	d, err := connectors.Lookup("chase")
	require.NoError(t, err)
	m := &meter{desc: d, version: d.FDXVersion, router: router, allowHost: hostOf(srv.URL), bounded: true}
	m.budget.Store(2)
	c := &http.Client{Transport: m.wrap(nil)(http.DefaultTransport)}

	_, err = c.Get("http://elsewhere.invalid/chase/fdx/v6/accounts")
	require.Error(t, err)
	assert.Equal(t, int64(1), m.refused.Load())

	for range 3 {
		resp, err := c.Get(srv.URL + "/chase/fdx/v6/accounts")
		if err == nil {
			_ = resp.Body.Close()
		}
	}
	assert.Equal(t, 2, hits, "the budget of two requests holds")
	assert.Len(t, m.take(), 2)
}

// The per-version checks tell the layouts apart and count required
// fields.
func TestVersionChecks(t *testing.T) {
	flat := []byte(`{"accounts":[{"accountCategory":"DEPOSIT_ACCOUNT","accountId":"a1","accountType":"CHECKING","status":"RESTRICTED","currency":{"currencyCode":"USD"}}]}`)
	fc := checkVersion("6.2", "/accounts", flat)
	assert.Equal(t, 6, fc.required)
	assert.Equal(t, 5, fc.filled, "productName missing")
	assert.Contains(t, fc.problems[0], "productName")

	fc = checkVersion("4.6", "/accounts", flat)
	assert.Contains(t, fc.problems[0], "layout", "4.6 wraps entries in a member")

	member := []byte(`{"accounts":[{"depositAccount":{"accountCategory":"DEPOSIT_ACCOUNT","accountId":"a1","accountType":"CHECKING","productName":"Checking","status":"RESTRICTED","currency":{"currencyCode":"USD"}}}]}`)
	fc = checkVersion("4.6", "/accounts", member)
	assert.Equal(t, fc.required, fc.filled)
	require.Len(t, fc.problems, 1)
	assert.Contains(t, fc.problems[0], "RESTRICTED", "4.6 has no RESTRICTED")

	loan := []byte(`{"accountCategory":"LOAN_ACCOUNT","accountId":"l1","accountType":"MORTGAGE","productName":"Home","status":"OPEN","currency":{"currencyCode":"USD"},"principalBalance":1,"interestRate":1,"interestRateType":"FIXED","accountNumber":"1234567890"}`)
	fc = checkVersion("6.2", "/accounts/{accountId}", loan)
	assert.Equal(t, fc.required, fc.filled)
	assert.Contains(t, fc.problems, "account l1: accountNumber is not masked")
}

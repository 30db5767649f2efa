package chase

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// chaseBank is Chase under the shared suite: its deviations are
// Retry-After as an HTTP-date (the suite checks the wait it yields for
// every bank) and 429 without code 1207.
var chaseBank = fdxtest.Bank{
	Open: Open,
	Quirks: []fdxtest.ErrorCase{
		{Name: "429 1207 with an HTTP-date", Status: 429, Body: `{"code": "1207", "message": "Too many requests"}`, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", Want: obcerr.RateLimited},
		{Name: "429 without a code", Status: 429, Body: `{"message": "Too many requests"}`, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", Want: obcerr.RateLimited},
		{Name: "429 html", Status: 429, Body: "<html>slow down</html>", RetryAfter: "2", Want: obcerr.RateLimited},
		{Name: "429 with an unreadable date", Status: 429, Body: `{"code": "1207", "message": "Too many requests"}`, RetryAfter: "Wed, 21 Oct 2026", Want: obcerr.RateLimited},
	},
}

func TestChase(t *testing.T) { fdxtest.Run(t, chaseBank) }

// Chase's 429 carries its wait as an HTTP-date; the connector turns it into
// the duration the sdk's retry loop honours.
func TestChaseHTTPDateRetryAfter(t *testing.T) {
	h := fdxtest.Open(t, chaseBank)
	at := time.Now().Add(12 * time.Second).UTC().Truncate(time.Second)
	h.Answer(http.StatusTooManyRequests, `{"code": "1207", "message": "Too many requests"}`, "Retry-After", at.Format(http.TimeFormat))
	_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{Limit: 1})
	require.Error(t, err)
	assert.Equal(t, obcerr.RateLimited, h.Conn.ErrorCode(err))
	d, ok := obcerr.RetryAfter(err)
	require.True(t, ok)
	assert.InDelta(t, 12*time.Second, d, float64(5*time.Second), "about the 12 s the date names")
	var be *obcerr.BankError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "1207", be.RawCode)
}

package citi

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

var bank = fdxtest.Bank{Open: Open, Quirks: []fdxtest.ErrorCase{
	{Name: "throttled as 503/501 with Retry-After", Status: 503, RetryAfter: "3",
		Body: `{"code": "501", "message": "Subsystem unavailable"}`, Want: obcerr.RateLimited},
	{Name: "outage as 503/501 without Retry-After", Status: 503,
		Body: `{"code": "501", "message": "Subsystem unavailable"}`, Want: obcerr.Unavailable},
}}

func TestCiti(t *testing.T) { fdxtest.Run(t, bank) }

func TestThrottleCarriesRetryAfter(t *testing.T) {
	h := fdxtest.Open(t, bank)
	h.Answer(503, `{"code": "501", "message": "Subsystem unavailable"}`, "Retry-After", "3")
	_, err := h.Conn.GetAccount(context.Background(), "a")
	require.Error(t, err)
	d, ok := obcerr.RetryAfter(err)
	require.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
}

func TestNoStatements(t *testing.T) {
	h := fdxtest.Open(t, bank)
	assert.NotContains(t, h.Conn.Profile().Clusters, model.Statements)
	_, err := h.Conn.ListStatements(context.Background(), driver.StatementQuery{AccountID: "a"})
	assert.ErrorIs(t, err, obcerr.ErrUnimplemented)
	assert.Zero(t, h.Mock.GetTotalCallCount())
}

package sdk_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// retryWaits is a slog.Handler that reports the wait of each "obconnect
// retrying" record and then cancels the call, so a test learns the wait
// the retry loop chose without sleeping through it or timing it.
type retryWaits struct {
	waits  chan time.Duration
	cancel context.CancelFunc
}

func (h retryWaits) Enabled(context.Context, slog.Level) bool { return true }
func (h retryWaits) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h retryWaits) WithGroup(string) slog.Handler            { return h }

func (h retryWaits) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "obconnect retrying" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "wait" {
			h.waits <- a.Value.Duration()
			h.cancel()
			return false
		}
		return true
	})
	return nil
}

// A Retry-After sent as an HTTP-date (chase's form, RFC 9110 §10.2.3) is
// honoured like delta-seconds: the retry loop waits until the date; a date
// past the policy's MaxRetryAfter fails at once carrying the wait; a date
// already past is retried at once.
func TestRetryLoopHonoursHTTPDateRetryAfter(t *testing.T) {
	waits := make(chan time.Duration, 8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bank, c := setup(t, fakebank.Options{}, func(cfg *sdk.Options) {
		cfg.Logger = slog.New(retryWaits{waits: waits, cancel: cancel})
	})
	g := link(t, c)
	date := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }

	bank.Fail(fakebank.Fault{Status: 429, Code: 1207, Count: 1, RetryAfterHeader: date(20 * time.Second)})
	_, err := c.Account(ctx, g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrCanceled, "the handler cancels during the wait")
	require.Len(t, waits, 1)
	// The date has whole seconds and the clock moves on while the test
	// runs: about 20 s, not exactly.
	assert.InDelta(t, 20*time.Second, <-waits, float64(3*time.Second))

	bank.Fail(fakebank.Fault{Status: 429, Code: 1207, Count: 1, RetryAfterHeader: date(5 * time.Minute)})
	_, err = c.Account(context.Background(), g, "chk-1")
	require.ErrorIs(t, err, sdk.ErrRateLimited, "beyond MaxRetryAfter: no wait, the caller decides")
	d, ok := sdk.RetryAfter(err)
	require.True(t, ok)
	assert.InDelta(t, 5*time.Minute, d, float64(3*time.Second))
	assert.Empty(t, waits)

	for _, v := range []string{"Wed, 21 Oct 2015 07:28:00 GMT", "not a date"} {
		before := bank.DataCalls.Load()
		bank.Fail(fakebank.Fault{Status: 429, Code: 1207, Count: 1, RetryAfterHeader: v})
		_, err = c.Account(context.Background(), g, "chk-1")
		require.NoError(t, err, "%q: retried after the sdk's own short backoff", v)
		assert.Equal(t, before+2, bank.DataCalls.Load(), "%q", v)
		require.Len(t, waits, 1, "%q", v)
		assert.LessOrEqual(t, <-waits, time.Millisecond, "%q: the policy's first backoff, no bank-given wait", v)
	}
}

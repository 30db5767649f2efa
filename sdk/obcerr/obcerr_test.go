package obcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

func TestCodesThroughWrapping(t *testing.T) {
	be := &obcerr.BankError{HTTPStatus: 429, Code: 1207, RawCode: "1207", Message: "slow down", RetryAfter: 3 * time.Second, InteractionID: "abc"}
	err := fmt.Errorf("reading: %w", obcerr.Wrap(be, obcerr.RateLimited, "sdk.Accounts"))
	assert.ErrorIs(t, err, obcerr.ErrRateLimited)
	assert.NotErrorIs(t, err, obcerr.ErrNotFound)
	assert.Equal(t, obcerr.RateLimited, obcerr.ErrorCode(err))
	var got *obcerr.BankError
	assert.True(t, errors.As(err, &got))
	assert.Equal(t, 1207, got.Code)
	d, ok := obcerr.RetryAfter(err)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	assert.Contains(t, err.Error(), "sdk.Accounts: RateLimited")
	assert.Contains(t, err.Error(), "interaction abc")
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, obcerr.OK, obcerr.ErrorCode(nil))
	assert.Equal(t, obcerr.Unknown, obcerr.ErrorCode(errors.New("x")))
	assert.Equal(t, obcerr.Canceled, obcerr.ErrorCode(fmt.Errorf("x: %w", context.Canceled)))
	assert.Equal(t, obcerr.DeadlineExceeded, obcerr.ErrorCode(context.DeadlineExceeded))
	assert.Equal(t, obcerr.NotFound, obcerr.ErrorCode(obcerr.ErrNotFound))
	assert.Equal(t, obcerr.NotFound, obcerr.ErrorCode(obcerr.New(obcerr.NotFound, "no such account")))
	assert.ErrorIs(t, obcerr.Newf(obcerr.ScopeNotGranted, "needs %s", "TRANSACTIONS"), obcerr.ErrScopeNotGranted)
	assert.Nil(t, obcerr.Wrap(nil, obcerr.Internal, "op"))
	assert.Equal(t, "Code(99)", obcerr.Code(99).String())
	for c := obcerr.OK; c <= obcerr.DeadlineExceeded; c++ {
		assert.NotContains(t, c.String(), "Code(")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 27, 50, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"86400", 24 * time.Hour, true},
		// HTTP-dates: IMF-fixdate, and the obsolete forms RFC 9110 says
		// recipients must accept.
		{"Wed, 21 Oct 2026 07:28:00 GMT", 10 * time.Second, true},
		{"Wednesday, 21-Oct-26 07:28:00 GMT", 10 * time.Second, true},
		{"Wed Oct 21 07:28:00 2026", 10 * time.Second, true},
		// A past date: retry now.
		{"Wed, 21 Oct 2026 07:27:00 GMT", 0, true},
		{"Wed, 21 Oct 2026 07:27:50 GMT", 0, true},
		// No hint.
		{"", 0, false},
		{"soon", 0, false},
		{"-3", 0, false},
		{"+3", 0, false},
		{"1.5", 0, false},
		{"86401", 0, false},
		{"99999999999999999999999", 0, false},
		{"Thu, 22 Oct 2026 07:28:00 GMT", 0, false}, // over a day off
		{"Wed, 21 Oct 2026 07:28:00 EST", 0, false}, // HTTP-dates are GMT
		{"Wed, 32 Oct 2026 07:28:00 GMT", 0, false},
		{"Wed, 21 Oct 2026", 0, false},
	} {
		d, ok := obcerr.ParseRetryAfterHint(c.in, now)
		assert.Equal(t, c.want, d, "%q", c.in)
		assert.Equal(t, c.ok, ok, "%q", c.in)
		assert.Equal(t, c.want, obcerr.ParseRetryAfter(c.in, now), "%q", c.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "Wed, 21 Oct 2026 07:28:00 GMT", "Wed Oct 21 07:28:00 2026", "", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 10, 21, 7, 27, 50, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := obcerr.ParseRetryAfterHint(v, now)
		if d < 0 || d > 24*time.Hour || (!ok && d != 0) {
			t.Fatalf("%q: %v %v", v, d, ok)
		}
	})
}

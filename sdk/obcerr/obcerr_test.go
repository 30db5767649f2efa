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
	assert.Equal(t, obcerr.RateLimited, obcerr.CodeOf(err))
	var got *obcerr.BankError
	assert.True(t, errors.As(err, &got))
	assert.Equal(t, 1207, got.Code)
	d, ok := obcerr.RetryAfterOf(err)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	assert.Contains(t, err.Error(), "sdk.Accounts: RateLimited")
	assert.Contains(t, err.Error(), "interaction abc")
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, obcerr.OK, obcerr.CodeOf(nil))
	assert.Equal(t, obcerr.Unknown, obcerr.CodeOf(errors.New("x")))
	assert.Equal(t, obcerr.Canceled, obcerr.CodeOf(fmt.Errorf("x: %w", context.Canceled)))
	assert.Equal(t, obcerr.DeadlineExceeded, obcerr.CodeOf(context.DeadlineExceeded))
	assert.Equal(t, obcerr.NotFound, obcerr.CodeOf(obcerr.ErrNotFound))
	assert.Equal(t, obcerr.NotFound, obcerr.CodeOf(obcerr.New(obcerr.NotFound, "no such account")))
	assert.ErrorIs(t, obcerr.Newf(obcerr.ScopeNotGranted, "needs %s", "TRANSACTIONS"), obcerr.ErrScopeNotGranted)
	assert.Nil(t, obcerr.Wrap(nil, obcerr.Internal, "op"))
	assert.Equal(t, "Code(99)", obcerr.Code(99).String())
	for c := obcerr.OK; c <= obcerr.DeadlineExceeded; c++ {
		assert.NotContains(t, c.String(), "Code(")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, 7*time.Second, obcerr.ParseRetryAfter("7", now))
	assert.Equal(t, 10*time.Second, obcerr.ParseRetryAfter(now.Add(10*time.Second).Format(time.RFC1123), now))
	assert.Zero(t, obcerr.ParseRetryAfter("soon", now))
	assert.Zero(t, obcerr.ParseRetryAfter("-3", now))
	assert.Zero(t, obcerr.ParseRetryAfter(now.Add(-time.Minute).Format(time.RFC1123), now))
}

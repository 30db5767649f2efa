package sdk

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// classify turns any error from a connector call into an *Error. Context
// errors are the caller's and win; an *Error already in the chain (from the
// SDK's own transports, or a connector that classified) is kept; everything
// else goes through the connector's ErrorCode.
func (c *Client) classify(ctx context.Context, op string, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		code := Canceled
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			code = DeadlineExceeded
		}
		return &Error{Code: code, Op: op, Err: err}
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Op == op {
			return e
		}
		return &Error{Code: e.Code, Op: op, RetryAfter: e.RetryAfter, Err: err}
	}
	code := safeErrorCode(c, err)
	if code == OK || (code == Unknown && driver.IsNetworkError(err)) {
		// A connector that forgot a network failure still gets it retried.
		code = Unknown
		if driver.IsNetworkError(err) {
			code = Unavailable
		}
	}
	out := &Error{Code: code, Op: op, Err: err}
	if d, ok := obcerr.RetryAfter(err); ok {
		out.RetryAfter = d
	}
	return out
}

// safeErrorCode shields the client from a connector whose ErrorCode panics.
func safeErrorCode(c *Client, err error) (code Code) {
	defer func() {
		if r := recover(); r != nil {
			code = Unknown
		}
	}()
	return c.conn.ErrorCode(err)
}

// retry runs f until it succeeds, fails with a non-retryable error, runs
// out of attempts, or ctx ends. Idempotent calls are retried on every
// retryable code; others only on RateLimited.
func retry[T any](ctx context.Context, c *Client, op string, idempotent bool, f func(context.Context) (T, error)) (T, error) {
	var zero T
	p := c.retry
	for attempt := 1; ; attempt++ {
		v, err := f(ctx)
		if err == nil {
			return v, nil
		}
		e := c.classify(ctx, op, err)
		// A rate-limit refusal means the bank did not act on the request,
		// so even a non-idempotent call (revocation) may be repeated.
		if !e.Code.Retryable() || attempt >= p.MaxAttempts || (!idempotent && e.Code != RateLimited) {
			return zero, e
		}
		wait := backoff(p, attempt)
		if e.RetryAfter > 0 {
			if e.RetryAfter > p.MaxRetryAfter {
				return zero, e
			}
			wait = e.RetryAfter
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "obconnect retrying",
			slog.String("bank", c.bank), slog.String("op", op), slog.String("code", e.Code.String()),
			slog.Int("attempt", attempt), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, c.classify(ctx, op, err)
		case <-t.C:
		}
	}
}

// backoff is "full jitter" (AWS architecture blog, exponential backoff and
// jitter): uniform in [0, min(MaxDelay, BaseDelay*2^(attempt-1))), which
// spreads retries of many clients better than equal or no jitter.
func backoff(p RetryPolicy, attempt int) time.Duration {
	ceiling := p.BaseDelay << min(attempt-1, 30)
	if ceiling <= 0 || ceiling > p.MaxDelay {
		ceiling = p.MaxDelay
	}
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

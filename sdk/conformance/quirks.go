package conformance

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk"
)

// testQuirks checks the bank's declared error quirks on the wire: for
// each rule of its description it makes the bank mean that condition —
// through the harness's fault injector where there is one (the answer is
// then the bank's own, as mockbank imitates it), else by provoking it
// (a burst past the declared rate limit at a remote sandbox) — and checks
// that the answer fits the rule and classifies as its meaning. Rules it
// cannot provoke are listed as skipped, with why.
func (k *kit) testQuirks(t T) {
	ctx := context.Background()
	probe, err := k.h.NewClient(ctx, nil)
	require.NoError(t, err, "NewClient")
	var d *bankdesc.Description
	if !probe.As(&d) {
		t.Skipf("the connector exposes no bank description through Client.As(**bankdesc.Description); declared quirks cannot be listed")
	}
	if len(d.Errors.Quirks) == 0 {
		t.Skipf("%s declares no error quirks", d.Name)
	}
	for i, q := range d.Errors.Quirks {
		means, ok := bankdesc.ParseCode(q.Means)
		require.True(t, ok, "quirk %d means %q", i, q.Means)
		t.Run(fmt.Sprintf("%d_%s_%d", i, q.Means, q.Status), func(t T) {
			how, err := k.provoke(t, means)
			if err == nil {
				t.Skipf("not provoked: %s", how)
			}
			var be *sdk.BankError
			require.ErrorAs(t, err, &be, "%s: the bank's answer is reachable", how)
			got := bankdesc.Received{Status: be.HTTPStatus, Code: be.Code, Message: be.Message,
				DebugMessage: be.DebugMessage, RetryAfter: be.RetryAfter > 0}
			t.Logf("%s: the bank answered HTTP %d, code %q, message %q; rule: %s", how, be.HTTPStatus, be.RawCode, be.Message, q.Why)
			assert.True(t, q.Matches(got), "%s: the answer (HTTP %d, code %d) does not fit the declared rule %+v", how, be.HTTPStatus, be.Code, q)
			assert.Equal(t, means, sdk.ErrorCode(err), "%s: classified as", how)
		})
	}
}

// provoke makes the bank answer means to a data call, returning that
// call's error and how it was provoked, or a nil error and why not.
func (k *kit) provoke(t T, means sdk.Code) (string, error) {
	ctx := context.Background()
	e := k.newEnv(t, nil, func(o *sdk.Options) { o.Retry.MaxAttempts = 1 })
	acct := k.truth.Accounts[0].ID
	err := k.h.InjectFault(ctx, e.g, Fault{Code: means, RetryAfter: time.Second})
	switch {
	case err == nil:
		_, err := e.c.Account(ctx, e.g, acct)
		return "injected " + means.String(), err
	case sdk.ErrorCode(err) != sdk.Unimplemented:
		require.NoError(t, err, "InjectFault")
	}
	switch means {
	case sdk.RateLimited:
		return k.burst(t, e.g)
	case sdk.ConsentRevoked:
		if err := k.h.RevokeAtBank(ctx, e.g); err == nil {
			_, err := e.c.Account(ctx, e.g, acct)
			return "revoked at the bank", err
		}
		return "the harness cannot revoke at the bank (revocation through the API ends the client's own tokens)", nil
	}
	return "the harness cannot make the bank mean " + means.String() + " (no fault injection, and a remote bank cannot be made to)", nil
}

// burst sends reads past the declared rate limit, with the client-side
// limiter lifted and no retries, until the bank refuses one. It is
// bounded: three bursts' worth of requests, or ten seconds.
func (k *kit) burst(t T, g *sdk.Grant) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rl := k.profile.RateLimit
	c, err := k.h.NewClient(ctx, func(o *sdk.Options) {
		o.Limiter = rate.NewLimiter(rate.Inf, 0)
		o.Retry = sdk.RetryPolicy{MaxAttempts: 1}
	})
	require.NoError(t, err, "NewClient")
	budget := 3*max(rl.Burst, 1) + 3*int(rl.RequestsPerSecond)
	how := fmt.Sprintf("a burst of up to %d reads past the declared %v/s (burst %d)", budget, rl.RequestsPerSecond, rl.Burst)
	var (
		mu      sync.Mutex
		refusal error
		sent    int
		wg      sync.WaitGroup
	)
	next := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if refusal != nil || sent >= budget || ctx.Err() != nil {
			return false
		}
		sent++
		return true
	}
	for range 4 {
		wg.Go(func() {
			for next() {
				var err error
				for _, err = range c.Accounts(ctx, g) {
					break
				}
				if err != nil && sdk.ErrorCode(err) == sdk.RateLimited {
					mu.Lock()
					if refusal == nil {
						refusal = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if refusal == nil {
		return fmt.Sprintf("%s: the bank answered all %d without refusing", how, sent), nil
	}
	return how, refusal
}

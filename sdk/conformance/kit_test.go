package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// fakeHarness runs the kit against the in-process fake bank.
type fakeHarness struct {
	bank   *fakebank.Bank
	name   string
	opener driver.Opener
}

var seq atomic.Int64

func newFakeHarness(t *testing.T, o fakebank.Options) *fakeHarness {
	h := startFake(o)
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func startFake(o fakebank.Options) *fakeHarness {
	o.Name = fmt.Sprintf("kitfake%d", seq.Add(1))
	return &fakeHarness{bank: fakebank.New(), name: o.Name, opener: fakebank.Opener(o)}
}

// fakeMaker starts a fake bank of its own for every subtest and counts
// the harnesses made.
func fakeMaker(o fakebank.Options, made *atomic.Int64) conformance.HarnessMaker {
	return func(context.Context, conformance.T) (conformance.Harness, error) {
		if made != nil {
			made.Add(1)
		}
		return startFake(o), nil
	}
}

func (h *fakeHarness) Close() error {
	h.bank.Close()
	return nil
}

func (h *fakeHarness) NewClient(ctx context.Context, mutate func(*sdk.Options)) (*sdk.Client, error) {
	opts := sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: h.bank.URL()}
	if mutate != nil {
		mutate(&opts)
	}
	return sdk.OpenWith(ctx, h.opener, sdk.Credentials{ClientID: "kit-client", ClientSecret: "kit-secret"}, &opts)
}

func (h *fakeHarness) Link(ctx context.Context, c *sdk.Client, req sdk.LinkRequest) (*sdk.Grant, error) {
	p, err := c.StartLink(ctx, req)
	if err != nil {
		return nil, err
	}
	cb, err := fakebank.Consent(ctx, p.AuthURL)
	if err != nil {
		return nil, err
	}
	return c.CompleteLink(ctx, p, cb)
}

func (h *fakeHarness) Truth(context.Context) (*conformance.Truth, error) {
	accts, txs, sts := h.bank.Truth()
	pns := map[string][]sdk.PaymentNetwork{}
	for _, a := range accts {
		pns[a.ID] = h.bank.Networks(a.ID)
	}
	return &conformance.Truth{Accounts: accts, Transactions: txs, Statements: sts, PaymentNetworks: pns}, nil
}

func (h *fakeHarness) ExpireAccessTokens(context.Context, *sdk.Grant) error {
	h.bank.ExpireAccessTokens()
	return nil
}

func (h *fakeHarness) RevokeAtBank(_ context.Context, g *sdk.Grant) error {
	h.bank.RevokeConsent(g.ConsentID)
	return nil
}

func (h *fakeHarness) ExpireAtBank(_ context.Context, g *sdk.Grant) error {
	h.bank.ExpireConsent(g.ConsentID)
	return nil
}

func (h *fakeHarness) InjectFault(_ context.Context, _ *sdk.Grant, f conformance.Fault) error {
	status, code := map[sdk.Code][2]int{
		sdk.NotFound:        {http.StatusNotFound, 701},
		sdk.InvalidArgument: {http.StatusBadRequest, 703},
		sdk.Unavailable:     {http.StatusServiceUnavailable, 503},
		sdk.Internal:        {http.StatusInternalServerError, 500},
		sdk.AccountClosed:   {http.StatusConflict, 705},
		sdk.AccountLocked:   {http.StatusConflict, 706},
		sdk.RateLimited:     {http.StatusTooManyRequests, 1207},
		sdk.ConsentRevoked:  {http.StatusForbidden, 1107},
		sdk.ConsentExpired:  {http.StatusForbidden, 1106},
	}[f.Code][0], 0
	if status == 0 {
		return sdk.NewError(sdk.Unimplemented, "no such fault")
	}
	code = map[sdk.Code]int{sdk.NotFound: 701, sdk.InvalidArgument: 703, sdk.Unavailable: 503, sdk.Internal: 500,
		sdk.AccountClosed: 705, sdk.AccountLocked: 706, sdk.RateLimited: 1207, sdk.ConsentRevoked: 1107, sdk.ConsentExpired: 1106}[f.Code]
	h.bank.Fail(fakebank.Fault{Status: status, Code: code, Count: f.Count, RetryAfter: int(f.RetryAfter / time.Second)})
	return nil
}

func TestKitPassesForAGoodConnector(t *testing.T) {
	conformance.Run(t, fakeMaker(fakebank.Options{}, nil))
}

func TestKitPassesWithoutOptionalCapabilities(t *testing.T) {
	conformance.Run(t, fakeMaker(fakebank.Options{NoAccountRevocation: true}, nil))
}

func TestKitFailsWhenLastPageDropped(t *testing.T) {
	rec := &conformance.Recorder{}
	conformance.RunT(rec, fakeMaker(fakebank.Options{DropLastPage: true}, nil))
	require.True(t, rec.Failed(), "the kit must fail a connector that drops the last page")
	assert.True(t, rec.FailedSubtest("Transactions"), "failures: %v", rec.Failures)
	assert.True(t, rec.FailedSubtest("Accounts"), "failures: %v", rec.Failures)
}

func TestKitFailsWhenRevocationMisclassified(t *testing.T) {
	rec := &conformance.Recorder{}
	conformance.RunT(rec, fakeMaker(fakebank.Options{MisclassifyRevoked: true}, nil))
	require.True(t, rec.Failed())
	assert.True(t, rec.FailedSubtest("Errors/ConsentRevoked"), "failures: %v", rec.Failures)
}

func TestKitFailsWhenCursorRepeats(t *testing.T) {
	rec := &conformance.Recorder{}
	conformance.RunT(rec, fakeMaker(fakebank.Options{RepeatCursor: true}, nil))
	require.True(t, rec.Failed())
	assert.True(t, rec.FailedSubtest("Transactions"), "failures: %v", rec.Failures)
}

// remoteName is the fake connector's registry name for the remote harness,
// which opens its bank by name as a partner's test does.
const remoteName = "kitremote"

func init() { sdk.Register(remoteName, fakebank.Opener(fakebank.Options{Name: remoteName})) }

// TestRemoteHarnessAgainstFakeBank runs the kit the way a partner runs it
// at their sandbox: credentials only, truth read from the bank itself,
// manipulation subtests skipped.
func TestRemoteHarnessAgainstFakeBank(t *testing.T) {
	fh := newFakeHarness(t, fakebank.Options{})
	h := &conformance.RemoteHarness{Bank: remoteName, Credentials: sdk.Credentials{ClientID: "p", ClientSecret: "s"},
		Options: sdk.Options{RedirectURL: "https://partner.example/cb", BaseURL: fh.bank.URL()}}
	rec := &conformance.Recorder{}
	conformance.RunT(rec, h.Maker())
	assert.False(t, rec.Failed(), "failures: %v", rec.Failures)
	assert.NotEmpty(t, rec.Skipped)
}

// Every subtest runs on a harness of its own, closed when it ends.
func TestKitMakesAHarnessPerSubtest(t *testing.T) {
	var made atomic.Int64
	rec := &conformance.Recorder{}
	conformance.RunT(rec, fakeMaker(fakebank.Options{}, &made))
	assert.False(t, rec.Failed(), "failures: %v", rec.Failures)
	assert.Equal(t, int64(conformance.Subtests()), made.Load())
}

func TestRemoteFromEnv(t *testing.T) {
	t.Setenv(conformance.EnvBaseURL, "")
	_, ok, err := conformance.RemoteFromEnv("x")
	require.NoError(t, err)
	assert.False(t, ok)
	t.Setenv(conformance.EnvBaseURL, "https://sandbox.example")
	t.Setenv(conformance.EnvClientID, "cid")
	h, ok, err := conformance.RemoteFromEnv("x")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "x", h.Bank)
	assert.Equal(t, "cid", h.Credentials.ClientID)
}

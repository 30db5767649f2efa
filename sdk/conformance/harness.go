package conformance

import (
	"context"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

// HarnessMaker makes a fresh harness for one subtest of the kit, as
// gocloud.dev's drivertest does: whatever one subtest does to the bank
// (revoking, expiring, injecting faults) stays in its harness. t is the
// subtest's, for helpers that want t.Cleanup or logging.
type HarnessMaker func(ctx context.Context, t T) (Harness, error)

// Harness gives the kit access to one bank through one connector, for one
// subtest. Implementations must be safe for concurrent use.
type Harness interface {
	// Close releases what the harness holds (a server it started, its
	// consents at a remote bank). The kit calls it when the subtest ends.
	Close() error
	// NewClient opens a fresh *sdk.Client for the bank with the harness's
	// credentials. mutate, if non-nil, adjusts the Options first (the kit
	// sets page size, retries, rate limit and an observer); the harness
	// must call it last. When the bank runs on a simulated clock (mockbank
	// does), set Options.Now to that clock, or the client's local expiry
	// check will disagree with the consent_expires_at the bank sends.
	NewClient(ctx context.Context, mutate func(*sdk.Options)) (*sdk.Client, error)
	// Link links the bank's standard test user through the bank's consent
	// page, sharing every account, and returns the grant: StartLink,
	// consent, CompleteLink.
	Link(ctx context.Context, c *sdk.Client, req sdk.LinkRequest) (*sdk.Grant, error)
	// Truth returns what the bank holds for the standard test user.
	Truth(ctx context.Context) (*Truth, error)

	// ExpireAccessTokens makes the bank reject the grant's current access
	// token (refresh tokens stay valid).
	ExpireAccessTokens(ctx context.Context, g *sdk.Grant) error
	// RevokeAtBank revokes the consent at the bank, as the user would on
	// the bank's own site.
	RevokeAtBank(ctx context.Context, g *sdk.Grant) error
	// ExpireAtBank makes the consent expired at the bank (e.g. by
	// advancing the bank's clock past its expiry).
	ExpireAtBank(ctx context.Context, g *sdk.Grant) error
	// InjectFault makes the bank answer the next f.Count data calls of the
	// grant with an error that the bank's own conventions use for f.Code.
	InjectFault(ctx context.Context, g *sdk.Grant, f Fault) error
}

// Fault is an error to inject, named by the code the connector must
// classify it as.
type Fault struct {
	Code sdk.Code
	// Count is how many consecutive data calls fail; 0 means 1.
	Count int
	// RetryAfter, for RateLimited and Unavailable, is sent as Retry-After.
	RetryAfter time.Duration
}

// Truth is the bank's ground truth for the standard test user.
type Truth struct {
	// Accounts, each with Balances set.
	Accounts []sdk.Account
	// Transactions by account id: the whole history the bank serves.
	Transactions map[string][]sdk.Transaction
	// Statements by account id (nil if the bank offers none).
	Statements map[string][]sdk.Statement
	// PaymentNetworks by account id; optional.
	PaymentNetworks map[string][]sdk.PaymentNetwork
}

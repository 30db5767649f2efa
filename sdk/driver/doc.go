// Package driver is the interface a bank connector implements. Integrators
// never use it: they hold an *sdk.Client, which wraps a [Connector] and adds
// everything that is the same for every bank.
//
// The split follows gocloud.dev (portable type over a small driver) and
// database/sql (a registry of named drivers, optional capabilities as
// separate interfaces).
//
// # What the connector does
//
//   - Describe the bank: [Connector.Profile] (FDX version, pagination style,
//     limits, supported clusters, OAuth endpoints and client authentication).
//   - Build one request per method call with the *http.Client it was given
//     at open time, and map the FDX response to the portable model
//     (package sdk/model): one page of a list, or one resource.
//   - Return the bank's error as an *obcerr.BankError (wrapped or not), and
//     classify it and any other error of its own in [Connector.ErrorCode],
//     from a single mapping table.
//
// # What the connector must not do
//
//   - Retry. The sdk retries idempotent reads, with backoff, honouring
//     Retry-After; a connector that retries too multiplies the load.
//   - Iterate pages. It returns one page and an opaque cursor; the sdk loops.
//   - Handle tokens. The *http.Client handed to [Opener] already attaches the
//     grant's access token (taken from the request's context), a fresh
//     x-fapi-interaction-id, the client-side rate limiter and the
//     integrator's observers. A connector must therefore build every request
//     with the context it received (http.NewRequestWithContext, or the
//     generated client's *WithResponse methods, which do).
//   - Check consent scope or input shape the sdk already checks (clusters,
//     accounts, expiry, limits, date order); it may check more.
//   - Log tokens, secrets or full account numbers.
//
// # Cursors
//
// A page request carries an opaque cursor string: "" for the first page,
// then whatever the connector returned as [model.Page.Next]. Offset banks
// put the offset in it, pageKey banks the page key; the sdk never looks
// inside, except to stop when a cursor repeats (a bank looping forever).
//
// # Errors
//
// Every method documents which code its errors must classify to. The sdk
// calls ErrorCode on every non-nil error a method returns, except context
// errors, which it classifies itself. ErrorCode must be total: Unknown for
// anything it does not recognise, never a panic.
//
// # Optional capabilities
//
// [AccountRevoker] (revoking single accounts), [NotificationSubscriber]
// (FDX notification subscriptions), [TokenErrorClassifier] (telling
// the sdk what the bank means by a refusal at its token endpoint, such as
// ConsentRevoked for a refresh of a revoked consent) and [Aser] (the
// escape hatch behind sdk.Client.As). The sdk finds them by type assertion
// and falls back to Unimplemented, to its default classification, or to
// false, when a connector lacks them. Integrators never get the connector
// itself: sdk.Client reports what it supports in sdk.Profile and exposes
// bank-specific types only through As.
//
// # Concurrency
//
// A Connector is used concurrently by many goroutines (one sdk.Client serves
// all the integrator's users at one bank) and must be safe for that.
package driver

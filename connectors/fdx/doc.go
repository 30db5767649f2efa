// Package fdx is the shared FDX connector: everything the bank connectors
// have in common, public so that a bank partner builds a connector for
// their bank in their own module. A bank is a description file (package
// bankdesc) plus a few lines of Go:
//
//	//go:embed bank.json
//	var description []byte
//
//	var Open = fdx.MustOpener(description)
//
//	func init() { sdk.Register("acme", Open) }
//
// and its tests run the shared suite in package fdxtest. See
// docs/adding-a-connector.md for the in-tree and out-of-tree layouts.
//
// # What it does
//
//   - Reads the bank's description ([Opener], [New]) and resolves its
//     endpoints against the base URL the integrator chose ([Resolve]); ""
//     means the sandbox (mockbank).
//   - Offers exactly the optional capabilities the description names
//     ([Connector.Dress]): driver.AccountRevoker ([AccountRevocation]) and
//     driver.NotificationSubscriber ([Subscriptions]).
//   - Sends every data request through the generated client in
//     openapi/fdxclient with the *http.Client the sdk built (token,
//     interaction id, rate limit, observers); it never writes HTTP by hand.
//   - Decodes answers strictly: a 2xx answer must be one complete JSON
//     document of the expected shape (lists present, ids set, exactly one
//     account or transaction member set, or else Core Exchange 6.x's flat
//     layout: the fields beside an accountCategory tag, a tag the SDK has
//     no member for passing through as an unknown category, never
//     dropped); anything else — empty, truncated,
//     malformed, wrong content type, an amount that is not exact in the
//     currency — fails with an *obcerr.Error of code Internal, never with
//     empty data. Unknown fields and unknown enumeration values pass
//     through.
//   - Turns non-2xx answers into *obcerr.BankError (HTTP status, FDX code
//     in either JSON form, messages, interaction id, Retry-After in seconds
//     or as an HTTP-date, both read by obcerr.ParseRetryAfter), reading
//     the body leniently so a gateway's HTML page still classifies by status.
//   - Maps FDX types to sdk/model: amounts through model.ParseMoney from the
//     exact decimal text (no float anywhere), signed with model.SignedAmount
//     from debitCreditMemo; timestamps in UTC; dates at midnight UTC.
//   - Encodes cursors for both pagination styles ([EncodeCursor]) and stops
//     a bank that answers the page key it was sent or pages in the other
//     style.
//   - Classifies errors with the description's two-sided quirks first
//     (bankdesc.Description.Classify), then the FDX catalogue (fdxerr) by
//     code, then the HTTP status ([Connector.ErrorCode]; [Connector.Explain]
//     also names the quirk that decided).
//   - Classifies refusals at the bank's token endpoint
//     ([Connector.TokenErrorCode], driver.TokenErrorClassifier) from the
//     description's auth.tokenErrors, or bankdesc.DefaultTokenErrors, so a
//     refresh of a revoked consent reaches the integrator as
//     ConsentRevoked rather than Unauthenticated.
//
// # When the description is not enough
//
// A bank whose behaviour the description cannot express embeds
// *[Connector] in its own type, overrides the methods that differ, and
// declares its capabilities by embedding [Subscriptions] or
// [AccountRevocation]; the shared suite in fdxtest still applies.
//
// # As
//
// [Connector.As] (and so sdk.Client.As) fills a **bankdesc.Description
// with a copy of the bank's description.
//
// # Performance
//
// BenchmarkListTransactions measures decoding and mapping one page of 100
// real-world-shaped FDX deposit transactions, old (encoding/json) and new
// side by side; figures and the command that produced them are in
// docs/sdk.md ("Performance"). One page is held at a time, whatever the
// history. The transactions page, the one answer read in bulk, is read by
// a streaming decoder on jsontext that falls back to the ordinary path for
// any body it is not certain to read identically (see txpage.go).
//
// # Stability
//
// v0.x. The names documented here are what out-of-tree connectors build
// on: they change only with a CHANGELOG.md entry and a release note on how
// to move. Unexported behaviour may change freely.
//
// # Why no library
//
// The request side is the generated client (oapi-codegen); decoding is
// the encoding/json/v2 engine (github.com/go-json-experiment/json) under
// encoding/json's semantics into the generated types, whose amounts are
// fdxtypes.Decimal ([Unmarshal]). Nothing else here is standard enough to
// borrow.
package fdx

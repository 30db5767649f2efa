// Package fdx is everything the bank connectors have in common, so that
// each package under connectors/ holds only what is specific to its bank:
// a profile file, an error table, documentation and any optional
// capability.
//
// # What it does
//
//   - Reads a bank's profile.json ([ParseProfile], strict: unknown keys are
//     errors) and resolves its endpoints against the base URL the
//     integrator chose ([ProfileFile.Resolve]); "" means the sandbox
//     (mockbank).
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
//   - Classifies errors with a bank's [ErrorTable]: its quirks first, then
//     driver.StandardFDXCode, then the HTTP status.
//   - Classifies refusals at the bank's token endpoint
//     ([Connector.TokenErrorCode], driver.TokenErrorClassifier) from the
//     profile's tokenErrors rows, or [DefaultTokenRules] when it has none,
//     so a refresh of a revoked consent reaches the integrator as
//     ConsentRevoked rather than Unauthenticated. It is data in the
//     profile, written once here, because the four banks differ only in
//     wording.
//
// # What a bank package adds
//
// A type embedding *[Connector], an ErrorCode method over its [ErrorTable]
// (in errors.go), registration in init, and methods for optional
// capabilities: driver.AccountRevoker through [Connector.Revoke], and
// driver.NotificationSubscriber by embedding [Subscriptions]. See
// docs/adding-a-connector.md.
//
// # Performance
//
// BenchmarkListTransactions decodes and maps one real-world-shaped page of
// 100 FDX deposit transactions: about 1.4 ms a page (73 000 transactions/s,
// 30 MB/s), 21 allocations and 1.9 KB per transaction, on a shared 2-core
// AMD EPYC (go test -bench ListTransactions ./connectors/fdx).
// Most of it is encoding/json reflecting into the generated types and
// RFC 3339 parsing; one page is held at a time, whatever the history.
//
// # Why no library
//
// The request side is the generated client (oapi-codegen); decoding is
// encoding/json into the generated types, whose amounts are
// fdxtypes.Decimal. Nothing else here is standard enough to borrow.
package fdx

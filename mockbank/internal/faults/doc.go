// Package faults injects failures into mockbank's HTTP traffic on purpose,
// so that QA suites can prove a client survives what real banks do: error
// statuses with FDX codes, latency, Retry-After, malformed or truncated
// bodies, reset connections and a pagination key that never advances.
//
// # Rules
//
// A [Rule] targets one bank and one endpoint (an operationId of the FDX
// spec such as searchForAccountTransactions, an OAuth endpoint name such as
// "token", or "*" for every endpoint of the bank). It applies to the next
// Times matching calls, to a Fraction of them, or to all of them. Fractions
// are deterministic: the n-th matching call is hit when floor(n·f) grows,
// so exactly ⌊N·f⌋ of N calls fail, evenly spread, and a rerun of the same
// suite fails the same calls. The first rule that matches wins; a rule that
// has used up its Times stays listed with its hit count until deleted.
//
// # Meanings and parties
//
// A rule may name what its error means (Spec.Means, an obcerr code name such
// as RateLimited) instead of a status and code: the bank's description
// words it (bankdesc's Answer), so one rule is citi's 503/501 with
// Retry-After and wellsfargo's 429/1207, and a harness written once for
// every bank stays in each bank's words. A rule may also be limited to one
// consent or one client (Spec.ConsentID, Spec.ClientID): Options.Party
// tells whose a call is, and is asked only while such a rule exists, so
// tests running in parallel against one mockbank each fault their own grant.
//
// # Wiring
//
// [Injector.Middleware] wraps a bank's handler and finds the endpoint from
// the request path with [OperationID]; [Injector.Wrap] wraps a handler
// whose endpoint the caller already knows. Both cost one atomic load when no
// rule exists (about 20 ns, no allocation; BenchmarkMiddlewareNoRules) and a
// locked scan of the rules otherwise, parsing the path only when a rule
// names the bank, so they stay on the serving path.
//
// # Modes
//
//   - error: the status (default 500) and an FDX error body whose code is
//     the one asked for, or the standard code for the status, with FDX's
//     message for the code (package fdxerr). The code travels in the
//     bank's form, as its description says (bankdesc's CodeJSON): a JSON
//     string, FDX's, or a number where errors.codeForm is "integer", and
//     there CodeAsString forces a string.
//   - latency_only: the call is delayed, then served normally.
//   - malformed_body: the real response with its JSON cut and garbage
//     appended, so decoding fails.
//   - truncated_body: the real response's headers with its full
//     Content-Length, half the body, then the connection closes.
//   - connection_reset: the connection is hijacked and closed with a TCP
//     RST (SO_LINGER 0) before any byte is written.
//   - repeat_page_key: the real page, but its page.nextPageKey (or
//     nextOffset) is the key the request came with, so a naive client loops.
//     A first page (no key in the request) passes untouched and is not
//     counted as a hit.
//
// Latency applies before any mode. Retry-After is added to every faulted
// response that has headers, in the bank's form (bankdesc's
// RetryAfterValue): delta-seconds, or at a bank whose errors.retryAfter is
// "httpDate" the date that many seconds ahead, rounded up to a whole
// second so that a client never waits less than asked. Dates come from the
// wall clock, not mockbank's simulated time, because the client compares
// them with its own.
//
// The truncated and reset modes need an HTTP/1 connection (http.Hijacker);
// on HTTP/2 they fall back to aborting the stream with http.ErrAbortHandler.
package faults

// Package fdxapi is one bank's FDX data API in mockbank: the accounts,
// transactions, statements, contact, payment networks, customer, consent
// and notification-subscription endpoints of openapi/fdx.yaml, served
// under /{bank}{dataPath} as the bank's description says.
//
// # Serving a data request
//
// In order: the x-fapi-interaction-id is echoed (or generated); the route
// is found in the FDX spec (kin-openapi; [LoadSpec] parses it once per
// server and the banks share the router); the bearer token is checked by
// the bank's authorization server ([Authenticator]); the client's token
// bucket (golang.org/x/time/rate, the description's rateLimit) is
// charged; the request is validated against the spec; the consent must be
// active and carry the operation's cluster, which the bank must offer; the
// generated strict handler (openapi/fdxserver) calls the handlers, which
// check the account-level rules (granted account, closed 705, restricted
// 706, history window and lookback 703) and page in the bank's style.
// Responses are never validated on this path (tests do it).
//
// Accounts outside the consent are "not found" (701), exactly like
// accounts that do not exist, so a consent reveals nothing beyond itself.
//
// # Errors
//
// Every failure is an FDX error body. A code's status and message come
// from the FDX catalogue (package fdxerr); what the bank sends for a
// revoked, expired or rate-limited consent is its description's Answer;
// the code and Retry-After travel in the description's forms (CodeJSON,
// RetryAfterValue).
//
// # Versions and encoding
//
// What a bank sends is shaped to its FDX version (fdxversion.go):
// enumerations, required fields and Core Exchange 6.x's flat layout as
// that version has them. The transactions page, the one response that
// grows with the limit, is written by a dedicated encoder (fastjson.go)
// that a test proves byte-identical to encoding/json over the generated
// types. Statement PDFs come from a small hand-written writer (pdf.go says
// why).
package fdxapi

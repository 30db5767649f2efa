// Package usbank is the obconnect connector for U.S. Bank. Enable it with a
// blank import and open it by name:
//
//	import _ "github.com/obconnect/obconnect/connectors/usbank"
//
//	client, err := sdk.Open(ctx, usbank.Name, creds, opts)
//
// # Description
//
// Everything this package knows about U.S. Bank is in bank.json, embedded at
// build time: FDX version, endpoints, pagination, page sizes, rate limit,
// history window, clusters offered, client authentication and PAR, and the
// bank's error quirks as two-sided rules. mockbank serves the same file,
// so the connector and the sandbox cannot disagree. The file describes a
// representative FDX profile, not U.S. Bank's private partner
// specification; its "assumptions" say what to check. A partner corrects a
// fact by editing bank.json and running the package's tests and the
// conformance kit again; docs/bank-description.md documents every member.
//
// The default base URL is the description's sandboxURL, mockbank's /usbank
// prefix on 127.0.0.1:8080; the production base URL comes from U.S. Bank's
// developer programme and is passed in the sdk's options.
//
// # Errors
//
// Answers are classified by the description's quirks first, then the FDX
// error catalogue (package fdxerr) by code, then the HTTP status; the
// bank's own error stays reachable with errors.As(err, **obcerr.BankError).
//
// # Stability
//
// v0.x, as the rest of the module. The Go API (Name, Open) is stable in
// spirit; the description changes as its assumptions are corrected, noted
// in CHANGELOG.md.
package usbank

// Package obcerr defines obconnect's error codes and error types. It is a
// leaf package shared by package sdk, package sdk/driver and the connectors;
// integrators use the aliases re-exported by package sdk.
//
// # Codes
//
// Every error the SDK returns carries a [Code]. Test for one with
// errors.Is and the matching sentinel (errors.Is(err, obcerr.ErrNotFound)) or
// read it with [ErrorCode]. The bank's own error, when there is one, is a
// [*BankError] in the chain and is reached with errors.As.
//
// "ErrorCode" is the one name for "the code of an error" everywhere: this
// package's [ErrorCode], its re-export sdk.ErrorCode, and the method
// ErrorCode of sdk/driver.Connector, which classifies a connector's own
// errors. [RetryAfter] (and sdk.RetryAfter) likewise reads the wait a bank
// asked for.
//
// # Construction
//
// Everything here is constructible, so integrators can fake SDK failures in
// their own tests: [New], [Wrap], a literal &Error{...} or &BankError{...}.
//
// # Secrets
//
// Error strings are built only from codes, operation names, identifiers and
// the bank's own message; they never include tokens, client secrets or full
// account numbers, and the types here have no field that could hold one.
package obcerr

// Package model is the portable data model of obconnect: the values every
// connector produces and every integrator reads, whatever the bank and
// whatever its FDX version.
//
// It is a leaf package (standard library and golang.org/x/text only) so that
// package sdk, package sdk/driver and every connector can share it without
// import cycles. Integrators normally use the aliases re-exported by package
// sdk and never import model directly.
//
// # Money
//
// [Money] is an int64 count of minor units plus an ISO 4217 currency code.
// No amount ever passes through float32 or float64: [ParseMoney] reads the
// exact decimal text a bank sent (for example the String of an
// fdxtypes.Decimal) and converts it digit by digit. The number of minor
// units per major unit is the currency's ISO 4217 exponent, taken from
// golang.org/x/text/currency (CLDR data, kept current by the Go team, so we
// do not maintain our own table): 2 for USD, 0 for JPY, 3 for BHD.
//
// The rule for extra fraction digits is strict: "1.50" and "1.500" are
// accepted for USD because the extra digits are zeros, but "0.005" is
// rejected with [ErrInexact] rather than rounded, because a silently rounded
// amount is a wrong amount. Values that do not fit in an int64 of minor units
// are rejected with [ErrOutOfRange]. Both errors wrap [ErrInvalidMoney].
//
// # Signs
//
// FDX sends transaction amounts as absolute values with a debitCreditMemo
// direction. The portable [Transaction.Amount] is signed from the account
// holder's view (a debit is negative, a credit positive); the direction the
// bank sent is kept in [Transaction.Direction]. See [SignedAmount] for the
// exact rule, including MEMO entries.
//
// # Enumerations
//
// Open enumerations from banks (account types, transaction status, payment
// network types, ...) are string types with named constants: an unknown
// value from a bank passes through unchanged instead of failing a decode.
// The two enumerations the integrator chooses, [Cluster] and above all
// [Purpose], are validated. [Purpose] is closed: its constants are the only
// valid values, any other value fails [Purpose.Valid], marshalling and
// unmarshalling and is refused by the sdk, and the set has no advertising
// or marketing member. Both sets are constants; [Clusters] and [Purposes]
// return a fresh slice on every call, so the package holds no state a
// caller could change.
//
// # Privacy
//
// Full account numbers are held in [AccountNumber], whose String, Format,
// LogValue and JSON/text encodings show only the last four digits. The
// full value is available only through [AccountNumber.Reveal].
package model

// Package bankdesc is the schema of a bank description: one file that holds
// everything obconnect knows about one bank, read alike by the bank's
// connector (to talk to it) and by mockbank (to imitate it).
//
// A description holds the bank's facts — FDX version, data API path,
// pagination style and page sizes, client authentication and PAR, its
// rate limit, history window, the data clusters it offers, whether it
// revokes single accounts — and its quirks. A quirk is a two-sided rule:
// it says what the bank sends (HTTP status, FDX code, debug wording,
// Retry-After) and what that means (an obcerr.Code). mockbank reads a rule
// to decide what to send when the condition arises; the connector reads the
// same rule to recognise the answer. Everything a rule does not override
// comes from the FDX error catalogue (package fdxerr).
//
// Because both sides read the same file, a bank fact is written once: a
// partner corrects an assumption by editing the description, and both the
// connector and the mock follow.
//
// # Format
//
// A description is one JSON object; docs/bank-description.md documents
// every member. Decoding is strict: member names match case-sensitively,
// an unknown or duplicate member is an error, and so is anything after the
// object, because a misspelt key would otherwise fall back to a default
// without a word. [Parse] reports every problem it finds at once, each
// naming the member at fault.
//
// The decoder is github.com/go-json-experiment/json, the implementation
// behind the standard library's encoding/json/v2 proposal: it matches
// names case-sensitively and rejects duplicates, which encoding/json (v1)
// cannot be told to do.
//
// # Stability
//
// v0.x. The file format is versioned with the module: members may be
// added; a member is renamed or removed only with a CHANGELOG.md entry and
// an error message that names its replacement.
package bankdesc

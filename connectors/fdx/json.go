package fdx

import (
	stdjson "encoding/json"

	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// v1Semantics makes the v2 engine decode exactly as encoding/json does
// (case-insensitive names, duplicate names last-wins, invalid UTF-8
// replaced, RFC 3339 as time.Time.UnmarshalJSON reads it), so switching
// engines changes speed, not which answers are accepted or what they
// mean. The differential test holds the two to that.
var v1Semantics = jsonv1.DefaultOptionsV1()

// Unmarshal decodes a bank's JSON answer into a generated FDX type the way
// [Connector] does: with the encoding/json/v2 engine
// (github.com/go-json-experiment/json), about three times faster than
// encoding/json and with far fewer allocations, under encoding/json's
// semantics. A bank package that overrides a Connector method and decodes a
// body itself uses it so its answers are read by the same rules. Amounts
// decode into fdxtypes.Decimal, never a float; a malformed, truncated or
// wrongly typed body is an error; unknown fields are ignored and unknown
// enumeration values are kept as text.
func Unmarshal(data []byte, v any) error {
	return json.Unmarshal(data, v, v1Semantics)
}

// unmarshaler is the decoder a Connector uses; tests and benchmarks swap
// in stdUnmarshal to compare the engines side by side.
type unmarshaler func(data []byte, v any) error

// stdUnmarshal is the encoding/json path the toolkit used before the v2
// engine, kept as the reference for the differential test and benchmark.
func stdUnmarshal(data []byte, v any) error { return stdjson.Unmarshal(data, v) }

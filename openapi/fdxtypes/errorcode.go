package fdxtypes

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// ErrorCode is the `code` of an FDX error body. FDX 4.x and 5.x send it as a
// JSON integer, FDX 6 permits a string; both decode, and the value
// remembers which form it came in so that re-encoding is faithful.
type ErrorCode struct {
	text   string
	quoted bool
}

// Code returns an integer-form error code, e.g. Code(701).
func Code(n int) ErrorCode { return ErrorCode{text: strconv.Itoa(n)} }

// CodeString returns a string-form error code, e.g. CodeString("701"),
// which encodes as "701" (quoted).
func CodeString(s string) ErrorCode { return ErrorCode{text: s, quoted: true} }

// String returns the code's text, e.g. "701".
func (c ErrorCode) String() string { return c.text }

// Int returns the code as an integer when it is numeric.
func (c ErrorCode) Int() (int, bool) {
	n, err := strconv.Atoi(c.text)
	return n, err == nil
}

// Quoted reports whether the code travels as a JSON string.
func (c ErrorCode) Quoted() bool { return c.quoted }

// MarshalJSON writes the code in the form it was created or decoded in.
func (c ErrorCode) MarshalJSON() ([]byte, error) {
	if c.quoted {
		return json.Marshal(c.text)
	}
	if _, ok := c.Int(); !ok {
		return nil, fmt.Errorf("fdxtypes: error code %q is not numeric; use CodeString", c.text)
	}
	return []byte(c.text), nil
}

// UnmarshalJSON accepts a JSON integer or a JSON string.
func (c *ErrorCode) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("fdxtypes: error code: %w", err)
		}
		*c = ErrorCode{text: s, quoted: true}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("fdxtypes: error code must be a number or a string, got %.32s", b)
	}
	if _, err := strconv.Atoi(n.String()); err != nil {
		return fmt.Errorf("fdxtypes: error code %q is not an integer", n)
	}
	*c = ErrorCode{text: n.String()}
	return nil
}

package fdxtypes

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxDigits is the most significant digits a Decimal accepts.
const MaxDigits = 34

// MaxScale is the most digits after the decimal point a Decimal accepts.
const MaxScale = 18

// ErrInvalidDecimal is wrapped by every error that reports malformed decimal
// text, so callers can classify it with errors.Is.
var ErrInvalidDecimal = errors.New("fdxtypes: invalid decimal")

// Decimal is an exact decimal number. The zero value is 0.
//
// It is stored in canonical text form: an optional minus sign, the integer
// digits without leading zeros, and, when the scale is positive, a point and
// exactly scale fraction digits. "1.50" and "1.5" are therefore different
// Decimals (the scale is part of the value, as in FDX payloads), while
// "1.5E1" and "15" are the same.
type Decimal struct {
	// text is canonical; empty means "0".
	text string
}

// ParseDecimal parses s as a JSON number (optionally with an exponent) and
// returns it exactly. Leading '+', hex, NaN and infinities are rejected.
func ParseDecimal(s string) (Decimal, error) {
	neg, intPart, frac, err := splitNumber(s)
	if err != nil {
		return Decimal{}, err
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	if len(digits) > MaxDigits {
		return Decimal{}, fmt.Errorf("%w: %q has more than %d significant digits", ErrInvalidDecimal, truncate(s), MaxDigits)
	}
	if len(frac) > MaxScale {
		return Decimal{}, fmt.Errorf("%w: %q has more than %d fraction digits", ErrInvalidDecimal, truncate(s), MaxScale)
	}
	// Text without an exponent is already canonical (leading zeros were
	// refused) unless it is a negative zero, whose sign canonical drops:
	// keep it as is rather than build an equal copy, an allocation per
	// amount on every page of transactions.
	if !strings.ContainsAny(s, "eE") && !(neg && strings.Trim(s[1:], "0.") == "") {
		return Decimal{text: s}, nil
	}
	return Decimal{text: canonical(neg, intPart, frac)}, nil
}

// MustDecimal is ParseDecimal for literals known to be valid; it panics
// otherwise and is meant for tests and package-level fixtures.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromMinor returns units / 10^scale exactly, for example
// DecimalFromMinor(-1234, 2) is -12.34. Scale must be within 0..MaxScale.
func DecimalFromMinor(units int64, scale int) Decimal {
	if scale < 0 || scale > MaxScale {
		panic(fmt.Sprintf("fdxtypes: scale %d out of range 0..%d", scale, MaxScale))
	}
	neg := units < 0
	var abs string
	if units == math.MinInt64 {
		abs = "9223372036854775808"
	} else {
		if neg {
			units = -units
		}
		abs = strconv.FormatInt(units, 10)
	}
	if len(abs) <= scale {
		abs = strings.Repeat("0", scale-len(abs)+1) + abs
	}
	cut := len(abs) - scale
	return Decimal{text: canonical(neg, abs[:cut], abs[cut:])}
}

// String returns the canonical decimal text, e.g. "-12.30".
func (d Decimal) String() string {
	if d.text == "" {
		return "0"
	}
	return d.text
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	s := d.String()
	if strings.Trim(s, "-0.") == "" {
		return 0
	}
	if s[0] == '-' {
		return -1
	}
	return 1
}

// Scale returns the number of digits after the decimal point.
func (d Decimal) Scale() int {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	if strings.HasPrefix(d.text, "-") {
		return Decimal{text: d.text[1:]}
	}
	return d
}

// Neg returns -d (and 0 for 0).
func (d Decimal) Neg() Decimal {
	switch {
	case d.Sign() == 0:
		return d
	case strings.HasPrefix(d.text, "-"):
		return Decimal{text: d.text[1:]}
	default:
		return Decimal{text: "-" + d.String()}
	}
}

// ErrPrecision reports that a Decimal cannot be expressed in the requested
// minor units without rounding, or does not fit in an int64.
var ErrPrecision = errors.New("fdxtypes: decimal does not fit minor units exactly")

// MinorUnits returns d * 10^scale as an int64 when that is exact: trailing
// fraction digits beyond scale must be zeros. It never rounds.
func (d Decimal) MinorUnits(scale int) (int64, error) {
	if scale < 0 || scale > MaxScale {
		return 0, fmt.Errorf("%w: scale %d out of range", ErrPrecision, scale)
	}
	s := d.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) > scale {
		if strings.TrimRight(frac[scale:], "0") != "" {
			return 0, fmt.Errorf("%w: %s has more than %d fraction digits", ErrPrecision, d, scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || (!neg && u > math.MaxInt64) || (neg && u > 1<<63) {
		return 0, fmt.Errorf("%w: %s overflows int64 at scale %d", ErrPrecision, d, scale)
	}
	if neg {
		return -int64(u), nil // u == 1<<63 wraps to MinInt64, which is exact.
	}
	return int64(u), nil
}

// MarshalJSON writes the decimal as a JSON number, digits unchanged.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return []byte(d.String()), nil
}

// MarshalText writes the canonical decimal text.
func (d Decimal) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalJSON accepts a JSON number, or a JSON string holding one (some
// banks quote amounts). null is an error: a required amount that is null is
// a broken payload, and optional amounts are pointers, which encoding/json
// sets to nil without calling this method.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		return fmt.Errorf("%w: null where an amount is required", ErrInvalidDecimal)
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
		s = s[1 : len(s)-1]
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalText parses decimal text, for query parameters and YAML.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// splitNumber validates JSON number syntax and returns the sign and the
// digits on each side of the point after applying any exponent.
func splitNumber(s string) (neg bool, intPart, frac string, err error) {
	bad := func(why string) (bool, string, string, error) {
		return false, "", "", fmt.Errorf("%w: %q: %s", ErrInvalidDecimal, truncate(s), why)
	}
	if len(s) > 2*(MaxDigits+MaxScale)+8 {
		return bad("too long")
	}
	rest := s
	if strings.HasPrefix(rest, "-") {
		neg, rest = true, rest[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(rest), "e")
	intPart, frac, hasPoint := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) {
		return bad("expected digits before the point")
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return bad("leading zero")
	}
	if hasPoint && (frac == "" || !allDigits(frac)) {
		return bad("expected digits after the point")
	}
	if hasExp {
		e, perr := strconv.Atoi(exp)
		if perr != nil || exp == "" || strings.HasPrefix(exp, "+-") {
			return bad("malformed exponent")
		}
		if e > MaxDigits+MaxScale || e < -(MaxDigits+MaxScale) {
			return bad("exponent out of range")
		}
		all := intPart + frac
		point := len(intPart) + e
		switch {
		case point <= 0:
			intPart, frac = "0", strings.Repeat("0", -point)+all
		case point >= len(all):
			intPart, frac = all+strings.Repeat("0", point-len(all)), ""
		default:
			intPart, frac = all[:point], all[point:]
		}
	}
	return neg, intPart, frac, nil
}

func canonical(neg bool, intPart, frac string) string {
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncate keeps error messages bounded when the input is hostile.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// ErrInvalidMoney is wrapped by every error from [ParseMoney] and the Money
// arithmetic, so callers can test for it with errors.Is.
var ErrInvalidMoney = errors.New("model: invalid money")

// ErrInexact reports an amount with more non-zero fraction digits than its
// currency's minor unit allows (e.g. "0.005" USD). It wraps ErrInvalidMoney.
var ErrInexact = fmt.Errorf("%w: more fraction digits than the currency allows", ErrInvalidMoney)

// ErrOutOfRange reports an amount whose minor units do not fit in an int64,
// or arithmetic that would overflow. It wraps ErrInvalidMoney.
var ErrOutOfRange = fmt.Errorf("%w: amount out of range", ErrInvalidMoney)

// ErrCurrencyMismatch reports arithmetic or comparison across currencies.
var ErrCurrencyMismatch = fmt.Errorf("%w: currency mismatch", ErrInvalidMoney)

// Money is an exact amount: Minor units of Currency (cents for USD).
// The zero value is "no amount" (no currency); use [NewMoney] or
// [ParseMoney] to build one.
type Money struct {
	// Minor is the signed amount in the currency's minor units.
	Minor int64
	// Currency is the upper-case ISO 4217 code, e.g. "USD".
	Currency string
}

// CurrencyExponent returns the number of fraction digits of an ISO 4217
// currency (2 for USD, 0 for JPY, 3 for BHD). Unknown or malformed codes are
// an error wrapping ErrInvalidMoney.
func CurrencyExponent(code string) (int, error) {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return 0, fmt.Errorf("%w: currency %q is not an upper-case ISO 4217 code", ErrInvalidMoney, truncateText(code))
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("%w: unknown currency %q", ErrInvalidMoney, code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// NewMoney returns minor units of currency after checking the code.
func NewMoney(minor int64, currencyCode string) (Money, error) {
	if _, err := CurrencyExponent(currencyCode); err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: currencyCode}, nil
}

// MustMoney is ParseMoney for literals in tests and examples; it panics on
// invalid input and must not be used on data from the network.
func MustMoney(text, currencyCode string) Money {
	m, err := ParseMoney(text, currencyCode)
	if err != nil {
		panic(err)
	}
	return m
}

// ParseMoney converts exact decimal text such as "-1234567890123.45" into
// Money. The accepted syntax is an optional sign, digits, and an optional
// point followed by digits; exponents (as in JSON "1E2") are accepted only
// when the result is still exact. Fraction digits beyond the currency's
// exponent must be zeros ("1.500" USD is 150 cents); otherwise the error
// wraps ErrInexact. Nothing is ever rounded.
func ParseMoney(text, currencyCode string) (Money, error) {
	exp, err := CurrencyExponent(currencyCode)
	if err != nil {
		return Money{}, err
	}
	minor, err := parseMinor(text, exp)
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: currencyCode}, nil
}

// maxTextLen bounds the work hostile input can cause; FDX amounts are far
// shorter.
const maxTextLen = 64

func parseMinor(text string, exp int) (int64, error) {
	if text == "" || len(text) > maxTextLen {
		return 0, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidMoney, truncateText(text))
	}
	s := text
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	// Optional exponent: fold it into the position of the point.
	shift := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > maxTextLen || e < -maxTextLen {
			return 0, fmt.Errorf("%w: %q has a bad exponent", ErrInvalidMoney, truncateText(text))
		}
		shift = e
		s = s[:i]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	// "12." and ".5" are not JSON numbers; refuse rather than guess.
	if intPart == "" || !digits(intPart) || !digits(frac) || (hasPoint && frac == "") {
		return 0, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidMoney, truncateText(text))
	}
	// All digits with the point moved (exp + shift) places to the right.
	all := intPart + frac
	point := len(intPart) + shift + exp // index in all where the minor units end
	var whole string
	switch {
	case point <= 0:
		whole = ""
		if strings.Trim(all, "0") != "" {
			return 0, fmt.Errorf("%w: %q in a currency with %d fraction digits", ErrInexact, truncateText(text), exp)
		}
	case point >= len(all):
		whole = all + strings.Repeat("0", point-len(all))
	default:
		whole = all[:point]
		if strings.Trim(all[point:], "0") != "" {
			return 0, fmt.Errorf("%w: %q in a currency with %d fraction digits", ErrInexact, truncateText(text), exp)
		}
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return 0, nil
	}
	if len(whole) > 19 {
		return 0, fmt.Errorf("%w: %q", ErrOutOfRange, truncateText(text))
	}
	u, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrOutOfRange, truncateText(text))
	}
	if neg {
		if u > 1<<63 {
			return 0, fmt.Errorf("%w: %q", ErrOutOfRange, truncateText(text))
		}
		return int64(-u), nil //nolint:gosec // range checked above
	}
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q", ErrOutOfRange, truncateText(text))
	}
	return int64(u), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncateText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// IsZero reports whether m is the zero value (no amount, no currency).
func (m Money) IsZero() bool { return m.Minor == 0 && m.Currency == "" }

// Sign returns -1, 0 or +1.
func (m Money) Sign() int {
	switch {
	case m.Minor < 0:
		return -1
	case m.Minor > 0:
		return 1
	}
	return 0
}

// Neg returns -m. Negating the most negative int64 is reported as an error.
func (m Money) Neg() (Money, error) {
	if m.Minor == math.MinInt64 {
		return Money{}, ErrOutOfRange
	}
	return Money{Minor: -m.Minor, Currency: m.Currency}, nil
}

// Abs returns |m|.
func (m Money) Abs() (Money, error) {
	if m.Minor < 0 {
		return m.Neg()
	}
	return m, nil
}

// Add returns m + o; both must be in the same currency and the sum must fit.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s + %s", ErrCurrencyMismatch, m.Currency, o.Currency)
	}
	s := m.Minor + o.Minor
	if (o.Minor > 0 && s < m.Minor) || (o.Minor < 0 && s > m.Minor) {
		return Money{}, ErrOutOfRange
	}
	return Money{Minor: s, Currency: m.Currency}, nil
}

// Cmp compares two amounts of the same currency: -1, 0 or +1.
func (m Money) Cmp(o Money) (int, error) {
	if m.Currency != o.Currency {
		return 0, fmt.Errorf("%w: %s vs %s", ErrCurrencyMismatch, m.Currency, o.Currency)
	}
	switch {
	case m.Minor < o.Minor:
		return -1, nil
	case m.Minor > o.Minor:
		return 1, nil
	}
	return 0, nil
}

// Decimal returns the amount as exact decimal text with exactly the
// currency's number of fraction digits, e.g. "-12.30" for USD, "5" for JPY.
// An unknown currency is formatted with two fraction digits.
func (m Money) Decimal() string {
	exp, err := CurrencyExponent(m.Currency)
	if err != nil {
		exp = 2
	}
	return formatMinor(m.Minor, exp)
}

func formatMinor(minor int64, exp int) string {
	var abs string
	neg := minor < 0
	if minor == math.MinInt64 {
		abs = "9223372036854775808"
	} else {
		if neg {
			minor = -minor
		}
		abs = strconv.FormatInt(minor, 10)
	}
	if exp > 0 {
		if len(abs) <= exp {
			abs = strings.Repeat("0", exp-len(abs)+1) + abs
		}
		abs = abs[:len(abs)-exp] + "." + abs[len(abs)-exp:]
	}
	if neg {
		return "-" + abs
	}
	return abs
}

// String returns e.g. "-12.30 USD"; the zero value prints as "0".
func (m Money) String() string {
	if m.IsZero() {
		return "0"
	}
	return m.Decimal() + " " + m.Currency
}

type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON encodes {"amount":"-12.30","currency":"USD"}: the amount is a
// string so that no JSON consumer turns it into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Decimal(), Currency: m.Currency})
}

// UnmarshalJSON decodes the form written by MarshalJSON, exactly.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v moneyJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMoney, err)
	}
	p, err := ParseMoney(v.Amount, v.Currency)
	if err != nil {
		return err
	}
	*m = p
	return nil
}

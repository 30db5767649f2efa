package model

import (
	"fmt"
	"log/slog"
)

// AccountNumber is a full account number (or another identifier that must
// not be shown in full, such as a payment network identifier). Every way of
// printing or encoding it shows only the last four characters; [Reveal] is
// the one deliberate way to get the full value, so a reviewer can grep for
// it.
type AccountNumber string

// Mask returns "****" followed by the last four characters (fewer if the
// number is that short, in which case everything is masked).
func (n AccountNumber) Mask() string { return MaskNumber(string(n)) }

// MaskNumber masks all but the last four characters of s. Numbers of four
// characters or fewer are masked entirely: showing them would show them all.
func MaskNumber(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) <= 4 {
		return "****"
	}
	return "****" + string(r[len(r)-4:])
}

// Reveal returns the full number. Use it only to hand the number to a
// payment system; never log it.
func (n AccountNumber) Reveal() string { return string(n) }

// String returns the masked form.
func (n AccountNumber) String() string { return n.Mask() }

// GoString returns the masked form, so %#v cannot leak the number.
func (n AccountNumber) GoString() string { return fmt.Sprintf("model.AccountNumber(%q)", n.Mask()) }

// Format prints the masked form for every verb (%s, %v, %q, %x, ...).
func (n AccountNumber) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", n.Mask())
	default:
		fmt.Fprint(f, n.Mask())
	}
}

// LogValue makes slog print the masked form.
func (n AccountNumber) LogValue() slog.Value { return slog.StringValue(n.Mask()) }

// MarshalText writes the masked form: encoding a model value for logs,
// caches or analytics must not leak a full number. Store Reveal() explicitly
// in the rare place that needs it.
func (n AccountNumber) MarshalText() ([]byte, error) { return []byte(n.Mask()), nil }

package bankdesc

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Answer is an FDX error answer as the bank sends it.
type Answer struct {
	Status       int
	Code         int
	Message      string
	DebugMessage string
	// RetryAfter: the answer carries a Retry-After header.
	RetryAfter bool
	// Quirk is the rule that shaped the answer, nil for the catalogue's.
	Quirk *Quirk
}

// Answer is what the bank sends when it means means: the first quirk for
// that meaning, else the catalogue's standard entry. The second result is
// false when FDX has no code for means and no quirk gives one. The
// debug text is the caller's default, kept unless the quirk words it.
func (d *Description) Answer(means obcerr.Code, debug string) (Answer, bool) {
	for i := range d.Errors.Quirks {
		q := &d.Errors.Quirks[i]
		if c, _ := ParseCode(q.Means); c != means {
			continue
		}
		a := Answer{Status: q.Status, Code: q.Code, DebugMessage: debug, RetryAfter: q.RetryAfter, Quirk: q}
		if a.Code == 0 {
			std, _ := fdxerr.Standard(means)
			a.Code = std.Code
		}
		if e, ok := fdxerr.Lookup(a.Code); ok {
			a.Message = e.Message
		} else {
			a.Message = http.StatusText(a.Status)
		}
		if q.DebugMessage != "" {
			a.DebugMessage = q.DebugMessage
		}
		a.RetryAfter = a.RetryAfter || means == obcerr.RateLimited
		return a, true
	}
	std, ok := fdxerr.Standard(means)
	if !ok {
		return Answer{}, false
	}
	return Answer{Status: std.HTTPStatus, Code: std.Code, Message: std.Message, DebugMessage: debug,
		RetryAfter: means == obcerr.RateLimited}, true
}

// CodeJSON is how the bank writes an FDX code in an error body: a JSON
// string of digits, or a bare number when errors.codeForm is "integer".
func (d *Description) CodeJSON(code int) string {
	if d.Errors.CodeForm == CodeInteger {
		return strconv.Itoa(code)
	}
	return `"` + strconv.Itoa(code) + `"`
}

// RetryAfterValue is the Retry-After header the bank sends for a wait at
// now: delta-seconds, or the HTTP-date that far ahead. Both round up to a
// whole second so that a client never waits less than asked.
func (d *Description) RetryAfterValue(wait time.Duration, now time.Time) string {
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 0 {
		secs = 0
	}
	if d.Errors.RetryAfter == HTTPDate {
		at := now.Add(time.Duration(secs) * time.Second)
		if at.Truncate(time.Second).Before(at) {
			at = at.Truncate(time.Second).Add(time.Second)
		}
		return at.UTC().Format(http.TimeFormat)
	}
	return strconv.FormatInt(secs, 10)
}

// Received is what a client read of an error answer.
type Received struct {
	Status int
	// Code is the FDX code, 0 when the body had none.
	Code         int
	Message      string
	DebugMessage string
	// RetryAfter: a usable Retry-After came (a date already past counts:
	// the bank did ask, and the wait is over).
	RetryAfter bool
	// BearerChallenge: the answer carried an RFC 6750 Bearer error
	// challenge, so it is about the access token.
	BearerChallenge bool
}

// Matches reports whether an answer fits the rule.
func (q *Quirk) Matches(r Received) bool {
	if q.Status != r.Status {
		return false
	}
	if q.Code != 0 && q.Code != r.Code {
		return false
	}
	if q.RetryAfter && !r.RetryAfter {
		return false
	}
	if q.Unchallenged && r.BearerChallenge {
		return false
	}
	if q.DebugMessage != "" {
		needle := strings.ToLower(q.DebugMessage)
		if !strings.Contains(strings.ToLower(r.DebugMessage), needle) && !strings.Contains(strings.ToLower(r.Message), needle) {
			return false
		}
	}
	return true
}

// Classify gives the meaning of an answer: the first quirk it matches,
// else the catalogue's meaning of its code, else of its status. The rule
// that decided is returned too (nil for the catalogue), so a caller can
// say why.
func (d *Description) Classify(r Received) (obcerr.Code, *Quirk) {
	for i := range d.Errors.Quirks {
		q := &d.Errors.Quirks[i]
		if q.Matches(r) {
			c, _ := ParseCode(q.Means)
			return c, q
		}
	}
	return fdxerr.Classify(r.Status, r.Code), nil
}

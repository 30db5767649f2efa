package scenario

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is the d unit of durations: 24 hours of simulated time.
const Day = 24 * time.Hour

// ParseDuration reads a duration in mockbank's one syntax, used by scenario
// files, the admin API and mockbankctl's flags alike: Go's (300ms, 90s,
// 15m, 36h, 1h30m) with days in front when wanted (90d, 1d12h). A
// negative or empty duration is an error.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%q is not a duration such as 250ms, 90s, 15m, 36h or 90d", orig)
	}
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return bad()
	}
	var d time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil || n < 0 || n > 100*366 {
			return bad()
		}
		d = time.Duration(n) * Day
		s = s[i+1:]
		if s == "" {
			return d, nil
		}
	}
	rest, err := time.ParseDuration(s)
	if err != nil || rest < 0 {
		return bad()
	}
	return d + rest, nil
}

// ParseDays reads a duration that must be whole days (consent durations,
// lookbacks): 90d, or 2160h.
func ParseDays(s string) (int, error) {
	d, err := ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d%Day != 0 {
		return 0, errors.New(strconv.Quote(s) + " is not a whole number of days, such as 90d")
	}
	return int(d / Day), nil
}

// FormatDuration writes d in the syntax ParseDuration reads, with days
// when d has whole days: 90d, 1d12h0m0s, 36m0s.
func FormatDuration(d time.Duration) string {
	if d >= Day {
		days, rest := d/Day, d%Day
		if rest == 0 {
			return strconv.FormatInt(int64(days), 10) + "d"
		}
		return strconv.FormatInt(int64(days), 10) + "d" + rest.String()
	}
	return d.String()
}

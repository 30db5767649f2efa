package notify

// Deliveries a receiver's tests can reason about: each attempt keeps the
// receiver's status, how long it took and the start of its answer; a
// delivery can be repeated on demand; and deliveries can misbehave on
// purpose (duplicated, out of order, delayed, badly signed), per
// subscription or per fired notification.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Delivery modes: deliberate misbehaviour for testing receivers.
const (
	// ModeNormal forces normal delivery where a subscription says
	// otherwise.
	ModeNormal = "normal"
	// ModeDuplicate sends the notification a second time (same body, same
	// notificationId) once the receiver accepted it.
	ModeDuplicate = "duplicate"
	// ModeDelay waits Delay (wall clock; DefaultDelay when 0) before the
	// first attempt.
	ModeDelay = "delay"
	// ModeOutOfOrder holds the delivery until the next delivery to the
	// same subscription has been sent, so the receiver sees the later
	// notification first; at most Delay (DefaultHold when 0).
	ModeOutOfOrder = "out_of_order"
	// ModeBadSignature sends the first attempt with a corrupted
	// x-jws-signature; retries are signed correctly, so a receiver that
	// refuses the forgery still gets the genuine notification.
	ModeBadSignature = "bad_signature"
)

// Kinds of attempts.
const (
	KindDuplicate    = "duplicate"
	KindBadSignature = "bad_signature"
)

// Waits of the modes, and how much of a receiver's answer is kept.
const (
	DefaultDelay = 2 * time.Second
	DefaultHold  = 10 * time.Second
	MaxModeDelay = 5 * time.Minute
	MaxResponse  = 256
)

// Modes lists the delivery modes.
func Modes() []string {
	return []string{ModeNormal, ModeDuplicate, ModeDelay, ModeOutOfOrder, ModeBadSignature}
}

// ValidMode reports whether m is a delivery mode ("" is normal).
func ValidMode(m string) bool { return m == "" || slices.Contains(Modes(), m) }

// CheckMode validates a mode with its delay.
func CheckMode(mode string, delay time.Duration) error {
	if !ValidMode(mode) {
		return fmt.Errorf("%w: %s", ErrInvalid, unknownMode(mode))
	}
	if delay < 0 || delay > MaxModeDelay {
		return fmt.Errorf("%w: delivery delay outside 0..%s", ErrInvalid, MaxModeDelay)
	}
	return nil
}

// holdFirst waits before a delivery's first attempt as its mode says.
func (d *Dispatcher) holdFirst(sub, mode string, delay time.Duration) {
	var wait <-chan struct{}
	switch mode {
	case ModeDelay:
		if delay <= 0 {
			delay = DefaultDelay
		}
	case ModeOutOfOrder:
		if delay <= 0 {
			delay = DefaultHold
		}
		ch := make(chan struct{})
		d.mu.Lock()
		d.held[sub] = append(d.held[sub], ch)
		d.mu.Unlock()
		wait = ch
	default:
		return
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-wait:
		return
	case <-t.C:
	case <-d.ctx.Done():
	}
	if wait != nil {
		// Not released: take this delivery's channel out, so that a
		// subscription that gets nothing more keeps nothing.
		d.mu.Lock()
		d.held[sub] = slices.DeleteFunc(d.held[sub], func(c chan struct{}) bool { return c == wait })
		if len(d.held[sub]) == 0 {
			delete(d.held, sub)
		}
		d.mu.Unlock()
	}
}

// release lets go the out-of-order deliveries held for a subscription.
func (d *Dispatcher) release(sub string) {
	d.mu.Lock()
	held := d.held[sub]
	delete(d.held, sub)
	d.mu.Unlock()
	for _, ch := range held {
		close(ch)
	}
}

// attempt posts once and describes the outcome.
func (d *Dispatcher) attempt(bank, url string, body []byte, brokenSignature bool) Attempt {
	start := time.Now()
	code, answer, err := d.post(d.ctx, bank, url, body, brokenSignature)
	a := Attempt{At: d.opts.WallClock().UTC(), HTTPStatus: code, Duration: time.Since(start), Response: answer}
	if brokenSignature {
		a.Kind = KindBadSignature
	}
	switch {
	case err != nil:
		a.Error = err.Error()
	case code < 200 || code > 299:
		a.Error = fmt.Sprintf("receiver answered HTTP %d", code)
		if answer != "" {
			a.Error += ": " + answer
		}
	}
	return a
}

// breakSignature corrupts a detached JWS's signature part, keeping its
// form, so that only the signature check fails.
func breakSignature(sig string) string {
	i := strings.LastIndexByte(sig, '.')
	if i < 0 || i+1 >= len(sig) {
		return sig + "A"
	}
	b := []byte(sig)
	j := i + 1 + (len(b)-i-1)/2
	if b[j] == 'A' {
		b[j] = 'B'
	} else {
		b[j] = 'A'
	}
	return string(b)
}

// printable keeps what a person can read of a receiver's answer: valid
// UTF-8, control characters as spaces, trimmed.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	for len(s) > MaxResponse {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// Filter selects deliveries; zero fields match all.
type Filter struct {
	Bank, Status, Type, SubscriptionID, NotificationID, ClientID string
	// Limit caps the answer (0: no cap).
	Limit int
}

// Query lists the matching deliveries, newest first, and how many matched.
func (d *Dispatcher) Query(ctx context.Context, f Filter) ([]Delivery, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Delivery
	n := 0
	for i := len(d.deliveries) - 1; i >= 0; i-- {
		x := d.deliveries[i]
		if (f.Bank != "" && x.Bank != f.Bank) || (f.Status != "" && x.Status != f.Status) || (f.Type != "" && x.Type != f.Type) ||
			(f.SubscriptionID != "" && x.SubscriptionID != f.SubscriptionID) || (f.NotificationID != "" && x.NotificationID != f.NotificationID) ||
			(f.ClientID != "" && x.ClientID != f.ClientID) {
			continue
		}
		n++
		if f.Limit <= 0 || len(out) < f.Limit {
			out = append(out, x.clone())
		}
	}
	return out, n
}

// Redeliver sends a delivery's notification again to the same callback, as
// a new delivery (same notificationId, sentOn now, signed afresh) that
// names the one it repeats. Modes are not repeated.
func (d *Dispatcher) Redeliver(ctx context.Context, id string) (Delivery, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return Delivery{}, ErrClosed
	}
	x := d.byID[id]
	if x == nil {
		d.mu.Unlock()
		return Delivery{}, fmt.Errorf("%w: delivery %q", ErrNotFound, id)
	}
	body := x.Body
	d.mu.Unlock()
	body = d.restamp(body)
	d.mu.Lock()
	nx := &Delivery{ID: d.newIDLocked("dlv"), NotificationID: x.NotificationID, SubscriptionID: x.SubscriptionID, ClientID: x.ClientID,
		Bank: x.Bank, Type: x.Type, CallbackURL: x.CallbackURL, Status: StatusPending, Body: body, RedeliveryOf: x.ID}
	d.deliveries = append(d.deliveries, nx)
	d.byID[nx.ID] = nx
	d.inflight++
	out := nx.clone()
	d.trimLocked()
	d.mu.Unlock()
	d.start(nx)
	return out, nil
}

func unknownMode(m string) string {
	return fmt.Sprintf("unknown delivery mode %q (one of %s)", m, strings.Join(Modes(), ", "))
}

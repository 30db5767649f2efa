package webhook

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by [Verifier.Verify] matches exactly
// one of them with errors.Is, so a receiver can decide how to answer the bank
// (and what to alert on) without parsing messages. Messages never contain key
// material, HMAC secrets or notification bodies.
var (
	// ErrMissingSignature: the request carries no x-jws-signature header.
	ErrMissingSignature = errors.New("webhook: missing x-jws-signature")
	// ErrMalformedSignature: the header is not a detached compact JWS
	// (wrong number of parts, bad base64, unparsable protected header,
	// attached payload, missing kid, several header values).
	ErrMalformedSignature = errors.New("webhook: malformed signature")
	// ErrAlgorithmNotAllowed: the protected header names an algorithm
	// outside the verifier's allow-list ("none" and HMAC by default), or
	// one that does not fit the key the kid designates.
	ErrAlgorithmNotAllowed = errors.New("webhook: signature algorithm not allowed")
	// ErrUnknownKey: no key with the header's kid is published by the bank,
	// even after a (rate-limited) refresh of its JWKS.
	ErrUnknownKey = errors.New("webhook: unknown signing key")
	// ErrKeysUnavailable: the bank's JWKS could not be fetched and no
	// cached copy holds the key. This is a fault on the receiving side or
	// the network, not evidence of forgery: ask the bank to retry.
	ErrKeysUnavailable = errors.New("webhook: signing keys unavailable")
	// ErrInvalidSignature: the signature does not verify over the body
	// bytes with the designated key (tampered body, wrong key, forgery).
	ErrInvalidSignature = errors.New("webhook: invalid signature")
	// ErrPayloadTooLarge: the body exceeds Options.MaxBodyBytes.
	ErrPayloadTooLarge = errors.New("webhook: payload too large")
	// ErrMalformedPayload: the signature is valid but the body is not an
	// FDX Notification (bad JSON, a required field missing, or a field of a
	// known event type that cannot be read exactly).
	ErrMalformedPayload = errors.New("webhook: malformed notification payload")
	// ErrUnexpectedParty: the signed body names a publisher or subscriber
	// other than the one Options.Publisher / Options.Subscriber expect
	// (a notification for another app of the same bank, forwarded to us).
	ErrUnexpectedParty = errors.New("webhook: notification is for another publisher or subscriber")
	// ErrStale: sentOn is further from the verifier's clock than the
	// tolerance, in the past or in the future.
	ErrStale = errors.New("webhook: notification outside the time tolerance")
	// ErrReplayed: this notificationId from this publisher has already been
	// accepted within the tolerance window.
	ErrReplayed = errors.New("webhook: notification replayed")
	// ErrReplayStore: the replay store failed; the notification could be
	// neither accepted nor rejected safely.
	ErrReplayStore = errors.New("webhook: replay store failure")
	// ErrWrongType is returned by the typed accessors of [Event] when the
	// event is of another type.
	ErrWrongType = errors.New("webhook: event is of another type")
)

// Error is the concrete type behind every verification failure. It matches
// its sentinel with errors.Is and exposes the non-secret facts that help an
// operator (which key id, which notification) through errors.As.
type Error struct {
	// Kind is one of the package's sentinel errors.
	Kind error
	// KeyID is the kid of the protected header when it could be read.
	KeyID string
	// NotificationID is set once the signed body has been decoded.
	NotificationID string
	// Detail is a short, secret-free explanation.
	Detail string
	// Cause is the underlying error (a go-jose parse error, an HTTP
	// failure fetching the JWKS, a replay store error), if any.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.KeyID != "" {
		b.WriteString(" (kid ")
		b.WriteString(quoteShort(e.KeyID))
		b.WriteString(")")
	}
	if e.NotificationID != "" {
		b.WriteString(" (notification ")
		b.WriteString(quoteShort(e.NotificationID))
		b.WriteString(")")
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is find both the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

func newError(kind error, detail string, cause error) *Error {
	return &Error{Kind: kind, Detail: detail, Cause: cause}
}

// quoteShort quotes attacker-controlled text for error messages, bounded so
// that a hostile header cannot blow up logs.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

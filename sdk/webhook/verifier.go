package webhook

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// SignatureHeader is the request header carrying the detached JWS.
const SignatureHeader = "x-jws-signature"

// DefaultTolerance is how far sentOn may be from the verifier's clock.
const DefaultTolerance = 5 * time.Minute

// DefaultMaxBodyBytes bounds a notification body. FDX notifications are a
// few hundred bytes; 64 KiB leaves room for long customFields lists.
const DefaultMaxBodyBytes = 64 << 10

// maxHeaderBytes bounds the signature header: a protected header plus an
// RSA-4096 signature fit in well under 2 KiB.
const maxHeaderBytes = 8 << 10

// DefaultAlgorithms returns the asymmetric algorithms accepted unless
// Options.Algorithms says otherwise, in a new slice on every call. "none"
// can never be enabled; HMAC only by listing it explicitly.
func DefaultAlgorithms() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{
		jose.ES256, jose.ES384, jose.ES512,
		jose.RS256, jose.RS384, jose.RS512,
		jose.PS256, jose.PS384, jose.PS512,
		jose.EdDSA,
	}
}

// Options configures a [Verifier]. Nil or zero fields take the defaults
// documented on each.
type Options struct {
	// Tolerance is the largest accepted distance between sentOn and Now,
	// in either direction. Default [DefaultTolerance]. It also bounds how
	// long the replay store must remember a notification.
	Tolerance time.Duration
	// Now is the verifier's clock. Default time.Now. Receivers tested
	// against mockbank pass its simulated clock, since mockbank stamps
	// sentOn with simulated time.
	Now func() time.Time
	// Replay de-duplicates notificationIds. Default: a fresh
	// [MemoryReplayStore] on the Now clock (one process only; see the
	// package documentation).
	Replay ReplayStore
	// Algorithms is the allow-list of JWS algorithms. Default
	// [DefaultAlgorithms](). HS256/HS384/HS512 are honoured only when listed
	// here and only with []byte keys from the KeySource; "none" is always
	// refused.
	Algorithms []jose.SignatureAlgorithm
	// MaxBodyBytes bounds the body. Default [DefaultMaxBodyBytes].
	MaxBodyBytes int64
	// Publisher, when set, must equal the body's publisher.name: use it
	// when one KeySource serves several banks, so that one bank's key
	// cannot vouch for another bank's events.
	Publisher string
	// Subscriber, when set, must equal the body's subscriber.name (mockbank
	// puts the client id there). It stops another app registered at the
	// same bank from forwarding its own, validly signed notifications to
	// this receiver, as an audience check does for a JWT.
	Subscriber string
	// Logger receives one record per rejected notification from
	// [Handler] (never the body or key material). Nil discards.
	Logger *slog.Logger
	// Observer, if set, is called once per Verify or VerifySignature with
	// its outcome, for metrics and tracing (package telemetry/otelsdk
	// records it with OpenTelemetry). It runs on the verifying goroutine
	// and must not block.
	Observer func(ctx context.Context, v Verification)
}

// Verification is the outcome of one verification, as an [Options.Observer]
// sees it. It holds no body, signature or key material.
type Verification struct {
	// Publisher is the event's publisher.name when the body was read,
	// otherwise Options.Publisher (possibly empty).
	Publisher string
	// Type is the event's type when the notification was accepted.
	Type Type
	// Duration is how long the verification took, key fetches included.
	Duration time.Duration
	// Err is nil when the notification was accepted; otherwise it matches
	// exactly one of the package's sentinels.
	Err error
}

// Verifier checks notifications against a bank's keys. It is safe for
// concurrent use; create one per bank (the replay store may be shared, its
// keys include the publisher).
type Verifier struct {
	keys      KeySource
	tolerance time.Duration
	now       func() time.Time
	replay    ReplayStore
	algs      []jose.SignatureAlgorithm
	maxBody   int64
	logger    *slog.Logger
	publisher string
	subscr    string
	observer  func(context.Context, Verification)
}

// NewVerifier returns a verifier resolving keys through keys.
func NewVerifier(keys KeySource, opts *Options) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("webhook: NewVerifier needs a KeySource")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Tolerance < 0 || o.MaxBodyBytes < 0 {
		return nil, errors.New("webhook: Options.Tolerance and MaxBodyBytes must not be negative")
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Replay == nil {
		o.Replay = NewMemoryReplayStore(&MemoryReplayStoreOptions{Now: o.Now})
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Algorithms == nil {
		o.Algorithms = DefaultAlgorithms()
	}
	algs := make([]jose.SignatureAlgorithm, 0, len(o.Algorithms))
	for _, a := range o.Algorithms {
		if a == "" || strings.EqualFold(string(a), "none") {
			return nil, errors.New(`webhook: algorithm "none" cannot be allowed`)
		}
		if keyFamily(a) == "" {
			return nil, fmt.Errorf("webhook: unsupported signature algorithm %q", a)
		}
		algs = append(algs, a)
	}
	if len(algs) == 0 {
		return nil, errors.New("webhook: Options.Algorithms is empty")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Verifier{
		keys: keys, tolerance: o.Tolerance, now: o.Now, replay: o.Replay,
		algs: algs, maxBody: o.MaxBodyBytes, logger: o.Logger, observer: o.Observer,
		publisher: o.Publisher, subscr: o.Subscriber,
	}, nil
}

// MaxBodyBytes is the body size limit in force.
func (v *Verifier) MaxBodyBytes() int64 { return v.maxBody }

// Verify checks a notification delivered with header h (which must carry
// x-jws-signature) and exact body bytes rawBody, and returns the event. On
// failure the error matches one of the package's sentinels; the event is
// nil.
func (v *Verifier) Verify(ctx context.Context, h http.Header, rawBody []byte) (*Event, error) {
	start := time.Now()
	ev, err := v.verify(ctx, h, rawBody)
	v.observe(ctx, start, ev, err)
	return ev, err
}

// observe reports one outcome to the Observer, if any.
func (v *Verifier) observe(ctx context.Context, start time.Time, ev *Event, err error) {
	if v.observer == nil {
		return
	}
	o := Verification{Publisher: v.publisher, Duration: time.Since(start), Err: err}
	if ev != nil {
		o.Publisher, o.Type = ev.Publisher, ev.Type
	}
	v.observer(ctx, o)
}

func (v *Verifier) verify(ctx context.Context, h http.Header, rawBody []byte) (*Event, error) {
	vals := h.Values(SignatureHeader)
	switch len(vals) {
	case 0:
		return nil, newError(ErrMissingSignature, "", nil)
	case 1:
		return v.verifySignature(ctx, vals[0], rawBody)
	default:
		// Two signatures are ambiguous; choosing one would let a proxy
		// or attacker pick the one checked.
		return nil, newError(ErrMalformedSignature, "several x-jws-signature headers", nil)
	}
}

// VerifySignature is Verify with the x-jws-signature value given directly,
// for receivers that do not hold an http.Header (a queue consumer).
//
// The checks run in this order, and the first failure is returned: the
// signature's shape and algorithm, the key, the signature over the exact
// bytes, the body's shape, the expected parties, its freshness, and last
// the replay store (so that forged or stale traffic never fills it).
func (v *Verifier) VerifySignature(ctx context.Context, signature string, rawBody []byte) (*Event, error) {
	start := time.Now()
	ev, err := v.verifySignature(ctx, signature, rawBody)
	v.observe(ctx, start, ev, err)
	return ev, err
}

func (v *Verifier) verifySignature(ctx context.Context, signature string, rawBody []byte) (*Event, error) {
	if strings.TrimSpace(signature) == "" {
		return nil, newError(ErrMissingSignature, "", nil)
	}
	if int64(len(rawBody)) > v.maxBody {
		return nil, newError(ErrPayloadTooLarge, "body of "+strconv.Itoa(len(rawBody))+" bytes", nil)
	}
	if len(rawBody) == 0 {
		return nil, newError(ErrMalformedPayload, "empty body", nil)
	}
	hdr, err := v.parseHeader(signature)
	if err != nil {
		return nil, err
	}
	alg := jose.SignatureAlgorithm(hdr.Alg)

	key, err := v.keys.Key(ctx, hdr.Kid)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Kind == ErrUnknownKey || e.Kind == ErrKeysUnavailable) {
			if e.KeyID == "" {
				e.KeyID = hdr.Kid
			}
			return nil, e
		}
		if errors.Is(err, ErrUnknownKey) {
			return nil, &Error{Kind: ErrUnknownKey, KeyID: hdr.Kid, Cause: err}
		}
		return nil, &Error{Kind: ErrKeysUnavailable, KeyID: hdr.Kid, Cause: err}
	}
	if err := keyFits(key, alg); err != nil {
		return nil, &Error{Kind: ErrAlgorithmNotAllowed, KeyID: hdr.Kid, Detail: err.Error()}
	}

	jws, err := jose.ParseDetached(signature, rawBody, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return nil, &Error{Kind: ErrMalformedSignature, KeyID: hdr.Kid, Cause: err}
	}
	// Pass the bare key, never the JSONWebKey or a key set: go-jose would
	// otherwise consult header parameters to pick a key.
	if err := jws.DetachedVerify(rawBody, key.Key); err != nil {
		return nil, &Error{Kind: ErrInvalidSignature, KeyID: hdr.Kid}
	}

	ev, err := decodeEvent(rawBody)
	if err != nil {
		return nil, &Error{Kind: ErrMalformedPayload, KeyID: hdr.Kid, NotificationID: idOf(ev), Cause: err}
	}
	ev.KeyID = hdr.Kid

	if v.publisher != "" && ev.Publisher != v.publisher {
		return nil, &Error{Kind: ErrUnexpectedParty, KeyID: hdr.Kid, NotificationID: ev.ID, Detail: "publisher " + quoteShort(ev.Publisher)}
	}
	if v.subscr != "" {
		if sub := ev.Notification.Subscriber; sub == nil || sub.Name != v.subscr {
			return nil, &Error{Kind: ErrUnexpectedParty, KeyID: hdr.Kid, NotificationID: ev.ID, Detail: "subscriber is not this receiver"}
		}
	}

	now := v.now()
	if d := now.Sub(ev.SentOn); d > v.tolerance {
		return nil, &Error{Kind: ErrStale, KeyID: hdr.Kid, NotificationID: ev.ID, Detail: "sent " + d.Round(time.Second).String() + " ago"}
	} else if -d > v.tolerance {
		return nil, &Error{Kind: ErrStale, KeyID: hdr.Kid, NotificationID: ev.ID, Detail: "sentOn " + (-d).Round(time.Second).String() + " in the future"}
	}

	// Remember the id until the tolerance has certainly expired for it;
	// past that the staleness check refuses it anyway.
	ttl := ev.SentOn.Add(v.tolerance).Sub(now) + time.Second
	ev.replayKey = replayKey(ev.Publisher, ev.ID)
	fresh, err := v.replay.Claim(ctx, ev.replayKey, ttl)
	if err != nil {
		return nil, &Error{Kind: ErrReplayStore, KeyID: hdr.Kid, NotificationID: ev.ID, Cause: err}
	}
	if !fresh {
		return nil, &Error{Kind: ErrReplayed, KeyID: hdr.Kid, NotificationID: ev.ID}
	}
	return ev, nil
}

// Release forgets that ev was accepted, so a redelivery of the same
// notification is verified and handed out again. Call it when processing
// failed after Verify succeeded and the bank is told to retry; [Handler]
// does this itself.
func (v *Verifier) Release(ctx context.Context, ev *Event) error {
	if ev == nil || ev.replayKey == "" {
		return nil
	}
	if err := v.replay.Release(ctx, ev.replayKey); err != nil {
		return &Error{Kind: ErrReplayStore, NotificationID: ev.ID, Cause: err}
	}
	return nil
}

type protectedHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
	// Present only to refuse them: a key or key URL chosen by the sender
	// would let anyone sign.
	JWK json.RawMessage `json:"jwk"`
	JKU string          `json:"jku"`
	X5U string          `json:"x5u"`
}

// parseHeader reads the protected header before go-jose does, so that each
// way a header can be wrong maps to its own sentinel and the algorithm
// allow-list is applied before any key lookup (an unknown kid in a header
// with alg "none" must not cost a JWKS fetch).
func (v *Verifier) parseHeader(sig string) (*protectedHeader, error) {
	if len(sig) > maxHeaderBytes {
		return nil, newError(ErrMalformedSignature, "header too long", nil)
	}
	parts := strings.Split(sig, ".")
	if len(parts) != 3 {
		return nil, newError(ErrMalformedSignature, "want BASE64URL(header)..BASE64URL(signature)", nil)
	}
	if parts[1] != "" {
		return nil, newError(ErrMalformedSignature, "payload is not detached", nil)
	}
	if parts[0] == "" || parts[2] == "" {
		return nil, newError(ErrMalformedSignature, "empty header or signature part", nil)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, newError(ErrMalformedSignature, "protected header is not base64url", nil)
	}
	var h protectedHeader
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&h); err != nil || dec.More() {
		return nil, newError(ErrMalformedSignature, "protected header is not a JSON object", nil)
	}
	if h.Alg == "" {
		return nil, newError(ErrMalformedSignature, "protected header has no alg", nil)
	}
	if !v.allowed(jose.SignatureAlgorithm(h.Alg)) {
		return nil, &Error{Kind: ErrAlgorithmNotAllowed, KeyID: h.Kid, Detail: "alg " + quoteShort(h.Alg)}
	}
	if h.Kid == "" {
		return nil, newError(ErrMalformedSignature, "protected header has no kid", nil)
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JOSE") && !strings.EqualFold(h.Typ, "application/jose") {
		return nil, &Error{Kind: ErrMalformedSignature, KeyID: h.Kid, Detail: "typ " + quoteShort(h.Typ) + " is not JOSE"}
	}
	if len(h.JWK) > 0 || h.JKU != "" || h.X5U != "" {
		return nil, &Error{Kind: ErrMalformedSignature, KeyID: h.Kid, Detail: "embedded or remote keys (jwk, jku, x5u) are not accepted"}
	}
	return &h, nil
}

func (v *Verifier) allowed(a jose.SignatureAlgorithm) bool {
	for _, x := range v.algs {
		if x == a {
			return true
		}
	}
	return false
}

// keyFamily maps an algorithm to the key type it needs.
func keyFamily(a jose.SignatureAlgorithm) string {
	switch a {
	case jose.ES256, jose.ES384, jose.ES512:
		return "EC"
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		return "RSA"
	case jose.EdDSA:
		return "OKP"
	case jose.HS256, jose.HS384, jose.HS512:
		return "oct"
	}
	return ""
}

// keyFits refuses algorithm/key mismatches before go-jose sees them: the
// classic confusion is HS256 "signed" with an RSA public key as the secret.
// When the JWK pins an alg, the header must use exactly that one.
func keyFits(k jose.JSONWebKey, a jose.SignatureAlgorithm) error {
	if k.Algorithm != "" && k.Algorithm != string(a) {
		return fmt.Errorf("key is for %s, header says %s", quoteShort(k.Algorithm), quoteShort(string(a)))
	}
	var fam string
	switch k.Key.(type) {
	case *ecdsa.PublicKey:
		fam = "EC"
	case *rsa.PublicKey:
		fam = "RSA"
	case ed25519.PublicKey:
		fam = "OKP"
	case []byte:
		fam = "oct"
	default:
		return errors.New("key source returned a key that is not a public key")
	}
	if fam != keyFamily(a) {
		return fmt.Errorf("%s key cannot verify %s", fam, a)
	}
	return nil
}

func decodeEvent(body []byte) (*Event, error) {
	var n fdxclient.Notification
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&n); err != nil {
		return nil, fmt.Errorf("not a Notification: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	ev := &Event{
		ID:           n.NotificationId,
		Type:         Type(n.Type),
		SentOn:       n.SentOn,
		Category:     string(n.Category),
		Publisher:    n.Publisher.Name,
		Subject:      Subject{ID: n.NotificationPayload.Id, Kind: string(n.NotificationPayload.IdType)},
		Notification: n,
		Raw:          bytes.Clone(body),
	}
	if n.Severity != nil {
		ev.Severity = string(*n.Severity)
	}
	if n.Priority != nil {
		ev.Priority = string(*n.Priority)
	}
	if n.NotificationPayload.CustomFields != nil {
		for _, f := range *n.NotificationPayload.CustomFields {
			ev.Fields = append(ev.Fields, Field{Name: f.Name, Value: f.Value})
		}
	}
	switch {
	case ev.ID == "":
		return ev, errors.New("notificationId missing")
	case ev.Type == "":
		return ev, errors.New("type missing")
	case ev.SentOn.IsZero():
		return ev, errors.New("sentOn missing")
	case ev.Publisher == "":
		return ev, errors.New("publisher.name missing")
	case ev.Subject.ID == "" || ev.Subject.Kind == "":
		return ev, errors.New("notificationPayload id or idType missing")
	}
	if err := ev.decodeData(); err != nil {
		return ev, fmt.Errorf("%s: %w", ev.Type, err)
	}
	return ev, nil
}

func idOf(ev *Event) string {
	if ev == nil {
		return ""
	}
	return ev.ID
}

// replayKey namespaces ids by publisher (two banks may both send "n-1").
// Length-prefixing keeps ("a:b", "c") and ("a", "b:c") apart.
func replayKey(publisher, id string) string {
	return "obconnect-webhook:" + strconv.Itoa(len(publisher)) + ":" + publisher + ":" + id
}

package otelsdk

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// ScopeName is the instrumentation scope of every span and metric.
const ScopeName = "github.com/obconnect/obconnect/telemetry/otelsdk"

// Attribute keys this package sets besides OpenTelemetry's HTTP ones.
const (
	AttrBank      = attribute.Key("obconnect.bank")
	AttrOperation = attribute.Key("obconnect.operation")
	AttrKind      = attribute.Key("obconnect.operation.kind")
	AttrCluster   = attribute.Key("obconnect.cluster")
	AttrErrorCode = attribute.Key("obconnect.error.code")
	AttrResult    = attribute.Key("obconnect.webhook.result")
	AttrEventType = attribute.Key("obconnect.webhook.event_type")
	AttrPublisher = attribute.Key("obconnect.webhook.publisher")
	// AttrInteractionID is the FDX x-fapi-interaction-id of an exchange
	// (a random id the bank logs too), on spans only: it is unbounded.
	AttrInteractionID = attribute.Key("obconnect.interaction_id")
)

// Options configures [New]; nil fields mean OpenTelemetry's global
// providers.
type Options struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// Telemetry holds the tracer and instruments. It is safe for concurrent
// use; one serves any number of clients and verifiers.
type Telemetry struct {
	tracer       trace.Tracer
	callDur      metric.Float64Histogram
	refreshDur   metric.Float64Histogram
	httpDur      metric.Float64Histogram
	verifyCount  metric.Int64Counter
	verifyDurHis metric.Float64Histogram
}

// New makes the tracer and instruments from the providers in opts (nil
// means the global ones).
func New(opts *Options) (*Telemetry, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	m := o.MeterProvider.Meter(ScopeName)
	t := &Telemetry{tracer: o.TracerProvider.Tracer(ScopeName)}
	var errs [5]error
	t.callDur, errs[0] = m.Float64Histogram("obconnect.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of sdk client calls to a bank, retries and forced refresh included."))
	t.refreshDur, errs[1] = m.Float64Histogram("obconnect.token.refresh.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of token refreshes at a bank's token endpoint."))
	t.httpDur, errs[2] = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP exchanges with a bank, one per attempt."))
	t.verifyCount, errs[3] = m.Int64Counter("obconnect.webhook.verifications", metric.WithUnit("{notification}"),
		metric.WithDescription("Webhook notifications verified, by result."))
	t.verifyDurHis, errs[4] = m.Float64Histogram("obconnect.webhook.verification.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of webhook verifications, key fetches included."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return t, nil
}

// Instrument sets o's Trace and chains onto its Observer and WrapTransport
// (the ones already set still run: the integrator's Observer first, and
// its WrapTransport outside ours). Call it before sdk.Open, once per
// Options value.
func (t *Telemetry) Instrument(o *sdk.Options) {
	prevTrace := o.Trace
	o.Trace = func(ctx context.Context, op sdk.Operation) (context.Context, func(error)) {
		var prevEnd func(error)
		if prevTrace != nil {
			if pctx, end := prevTrace(ctx, op); pctx != nil {
				ctx, prevEnd = pctx, end
			}
		}
		ctx, end := t.startOp(ctx, op)
		return ctx, func(err error) {
			end(err)
			if prevEnd != nil {
				prevEnd(err)
			}
		}
	}
	prevObs := o.Observer
	o.Observer = func(ex sdk.Exchange) {
		if prevObs != nil {
			prevObs(ex)
		}
		t.exchange(ex)
	}
	prevWrap := o.WrapTransport
	o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		rt = &transport{t: t, next: rt}
		if prevWrap != nil {
			rt = prevWrap(rt)
		}
		return rt
	}
}

// InstrumentWebhook chains onto o's Observer so each verification is
// recorded. Call it before webhook.NewVerifier.
func (t *Telemetry) InstrumentWebhook(o *webhook.Options) {
	prev := o.Observer
	o.Observer = func(ctx context.Context, v webhook.Verification) {
		if prev != nil {
			prev(ctx, v)
		}
		t.verification(ctx, v)
	}
}

func (t *Telemetry) startOp(ctx context.Context, op sdk.Operation) (context.Context, func(error)) {
	attrs := []attribute.KeyValue{AttrBank.String(op.Bank), AttrOperation.String(op.Name), AttrKind.String(string(op.Kind))}
	if op.Cluster != "" {
		attrs = append(attrs, AttrCluster.String(string(op.Cluster)))
	}
	ctx, span := t.tracer.Start(ctx, op.Name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	start := time.Now()
	return ctx, func(err error) {
		code := "OK"
		if err != nil {
			code = sdk.ErrorCode(err).String()
			span.SetStatus(codes.Error, code)
		}
		span.SetAttributes(AttrErrorCode.String(code))
		span.End()
		h := t.callDur
		if op.Kind == sdk.OperationRefresh {
			h = t.refreshDur
		}
		// The span's attributes minus nothing unbounded: all of them are.
		h.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(append(attrs, AttrErrorCode.String(code))...))
	}
}

func (t *Telemetry) exchange(ex sdk.Exchange) {
	attrs := []attribute.KeyValue{AttrBank.String(ex.Bank), attribute.String("http.request.method", ex.Method),
		attribute.String("url.template", Template(ex.Path))}
	if ex.Status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", ex.Status))
	}
	if ex.Err != nil {
		attrs = append(attrs, attribute.String("error.type", "transport"))
	} else if ex.Status >= 400 {
		// OpenTelemetry's HTTP conventions: the status code as text.
		attrs = append(attrs, attribute.String("error.type", strconv.Itoa(ex.Status)))
	}
	// Exchange carries no context; the measurement is not linked to a span.
	t.httpDur.Record(context.Background(), ex.Duration.Seconds(), metric.WithAttributes(attrs...))
}

func (t *Telemetry) verification(ctx context.Context, v webhook.Verification) {
	result := Reason(v.Err)
	attrs := []attribute.KeyValue{AttrResult.String(result)}
	if v.Publisher != "" {
		attrs = append(attrs, AttrPublisher.String(v.Publisher))
	}
	if v.Type != "" {
		attrs = append(attrs, AttrEventType.String(string(v.Type)))
	}
	// The span is recorded after the fact, with its real start.
	_, span := t.tracer.Start(ctx, "webhook.verify", trace.WithTimestamp(time.Now().Add(-v.Duration)),
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	if v.Err != nil {
		span.SetStatus(codes.Error, result)
	}
	span.End()
	t.verifyCount.Add(ctx, 1, metric.WithAttributes(attrs...))
	t.verifyDurHis.Record(ctx, v.Duration.Seconds(), metric.WithAttributes(attrs...))
}

// reasons names each webhook sentinel for the result attribute.
var reasons = []struct {
	err  error
	name string
}{
	{webhook.ErrMissingSignature, "missing_signature"},
	{webhook.ErrMalformedSignature, "malformed_signature"},
	{webhook.ErrAlgorithmNotAllowed, "algorithm_not_allowed"},
	{webhook.ErrUnknownKey, "unknown_key"},
	{webhook.ErrKeysUnavailable, "keys_unavailable"},
	{webhook.ErrInvalidSignature, "invalid_signature"},
	{webhook.ErrPayloadTooLarge, "payload_too_large"},
	{webhook.ErrMalformedPayload, "malformed_payload"},
	{webhook.ErrUnexpectedParty, "unexpected_party"},
	{webhook.ErrStale, "stale"},
	{webhook.ErrReplayed, "replayed"},
	{webhook.ErrReplayStore, "replay_store"},
}

// Reason is the obconnect.webhook.result value for a verification
// outcome: "ok", a sentinel's name ("invalid_signature", "stale", ...),
// or "other".
func Reason(err error) string {
	if err == nil {
		return "ok"
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "other"
}

// transport makes a client span for each attempt, under the span of the
// call it belongs to. It reads the request line only: never a header
// (the Authorization header is on the request it sees), query or body.
type transport struct {
	t    *Telemetry
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := tr.t.tracer.Start(req.Context(), "HTTP "+req.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", req.Method),
			attribute.String("url.template", Template(req.URL.Path)),
			attribute.String("server.address", req.URL.Hostname())))
	defer span.End()
	if id := req.Header.Get("x-fapi-interaction-id"); id != "" {
		span.SetAttributes(AttrInteractionID.String(id))
	}
	resp, err := tr.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "transport error")
		span.SetAttributes(attribute.String("error.type", "transport"))
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, err
}

// staticSegments are the path words of FDX and OAuth endpoints; any other
// segment may be an identifier (an account, statement, consent) and is
// replaced by "{id}".
var staticSegments = map[string]bool{
	"accounts": true, "transactions": true, "statements": true, "contact": true, "payment-networks": true,
	"consents": true, "revocation": true, "notification-subscriptions": true, "customers": true, "current": true,
	"fdx": true, "token": true, "par": true, "authorize": true, "revoke": true, "introspect": true, "oauth": true,
	"oauth2": true, "jwks": true, "userinfo": true, ".well-known": true, "openid-configuration": true,
	"tax-forms": true, "capability": true, "recipients": true, "payments": true, "transfers": true,
}

// Template returns path with every segment that is not a known FDX or
// OAuth path word or a version ("v5") replaced by "{id}", so that spans
// and metrics never carry account identifiers and metric cardinality stays
// bounded: "/fdx/v5/accounts/chk-1/transactions" becomes
// "/fdx/v5/accounts/{id}/transactions".
func Template(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "" || staticSegments[s] || isVersion(s) {
			continue
		}
		segs[i] = "{id}"
	}
	return strings.Join(segs, "/")
}

func isVersion(s string) bool {
	if len(s) < 2 || len(s) > 4 || s[0] != 'v' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

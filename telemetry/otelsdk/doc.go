// Package otelsdk records the sdk's work with OpenTelemetry: a span and a
// duration for every client call and token refresh, a client span and the
// standard HTTP client duration for every exchange with a bank, and a span
// and a counter for every webhook verification.
//
// It plugs into the sdk's hooks ([sdk.Options] Trace, Observer and
// WrapTransport; [webhook.Options] Observer), so the sdk, its connectors
// and the fleet import no OpenTelemetry package: an integrator who does not
// import otelsdk compiles none of it.
//
//	tel, err := otelsdk.New(&otelsdk.Options{TracerProvider: tp, MeterProvider: mp})
//	opts := &sdk.Options{RedirectURL: cb}
//	tel.Instrument(opts)               // before sdk.Open
//	client, err := sdk.Open(ctx, "chase", creds, opts)
//
//	wopts := &webhook.Options{Publisher: "chase"}
//	tel.InstrumentWebhook(wopts)       // before webhook.NewVerifier
//
// A fleet is instrumented through the sdk options of each of its banks
// (fleet.Bank.Options): its jobs' calls and refreshes are then recorded.
//
// # Names
//
// docs/observability.md lists every span, metric and attribute. Spans
// carry the bank, the operation, the HTTP method, a path template in
// which identifiers are replaced by "{id}", the status and the error code;
// never a header, a token, a secret, a body, an account or grant
// identifier or an account number.
//
// # Stability
//
// Experimental: span, metric and attribute names may change before the
// module's v1, following OpenTelemetry's semantic conventions as they
// settle. The hooks in the sdk it builds on are stable.
package otelsdk

// Package otelfleet records the sync fleet's jobs with OpenTelemetry: a
// span for every job River inserts and works (sync, delete, schedule) and
// River's job metrics, through River's own OpenTelemetry middleware
// (github.com/riverqueue/rivercontrib/otelriver), so the names follow
// River's documentation rather than a second set of ours.
//
// It is a package apart from telemetry/otelsdk because it imports River:
// an integrator who instruments only the sdk compiles none of it.
//
//	tel, _ := otelsdk.New(&otelsdk.Options{TracerProvider: tp, MeterProvider: mp})
//	opts := &fleet.Options{Banks: banks}
//	for i := range opts.Banks { tel.Instrument(opts.Banks[i].Options) } // the jobs' sdk calls
//	otelfleet.Instrument(opts, &otelfleet.Options{TracerProvider: tp, MeterProvider: mp})
//	f, err := fleet.Open(ctx, dsn, opts)
//
// A job's span is the parent of the sdk call spans it makes, because the
// sdk hooks start their spans from the job's context.
//
// # Stability
//
// Experimental, as telemetry/otelsdk: names follow River's middleware and
// may change with it.
package otelfleet

import (
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/obconnect/obconnect/fleet"
)

// Options names the providers; nil fields mean OpenTelemetry's global
// ones.
type Options struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// Instrument adds River's OpenTelemetry middleware to o, keeping any
// middleware already there. Call it before fleet.Open.
func Instrument(o *fleet.Options, opts *Options) {
	var p Options
	if opts != nil {
		p = *opts
	}
	o.Middleware = append(o.Middleware, otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
		TracerProvider: p.TracerProvider,
		MeterProvider:  p.MeterProvider,
		// One span name per job kind, so a trace says which work it was.
		EnableWorkSpanJobKindSuffix: true,
	}))
}

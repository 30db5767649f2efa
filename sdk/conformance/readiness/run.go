package readiness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

// SchemaVersion is the version of the report's JSON schema
// (docs/readiness.md). It changes when a field changes meaning or goes;
// new fields may be added within a version.
const SchemaVersion = "1"

// Config says what to run and how to judge it.
type Config struct {
	// Bank is the bank's description: its FDX version, declared errors
	// and quirks are what the answers are judged against. Required.
	Bank *bankdesc.Description
	// Target names where the bank runs, for the report ("mockbank", or
	// the sandbox's address); never a credential.
	Target string
	// Harness makes the harness of each kit subtest:
	// mockbankharness.Maker, or RemoteHarness.Maker for a sandbox.
	Harness conformance.HarnessMaker
	// Thresholds judge the figures (Profile("cfpb-1033"), or a partner's).
	Thresholds Thresholds
	// Parallel bounds the kit subtests run at once; 0 means 2. Each
	// subtest keeps to the bank's declared rate limit on its own, so a
	// sandbox sees up to Parallel times that rate; an in-process mockbank
	// is unthrottled and takes every subtest at once
	// (conformance.Subtests()), which is what keeps a report to seconds:
	// the kit's time is mostly its clients keeping to the declared rate.
	Parallel int
	// Load, if set, runs the load phase after the kit. Off by default.
	Load *LoadOptions
}

// Run runs the kit through the harness, measuring every exchange, then
// the OAuth checks and, if asked, the load phase, and returns the report.
// An error means the run could not be made; a failing bank gives a
// report with Pass false.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Bank == nil || cfg.Harness == nil {
		return nil, errors.New("readiness: Config.Bank and Config.Harness are required")
	}
	router, err := fdxRouter()
	if err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 2
	}
	m := &meter{desc: cfg.Bank, version: cfg.Bank.FDXVersion, threshold: cfg.Thresholds.ProperLatency, router: router}
	start := time.Now()
	r := &Report{
		SchemaVersion: SchemaVersion,
		Bank:          cfg.Bank.Name,
		FDXVersion:    cfg.Bank.FDXVersion,
		Target:        cfg.Target,
		Profile:       cfg.Thresholds,
		StartedAt:     start.UTC().Truncate(time.Second),
	}

	rec := newRoot(cfg.Parallel)
	conformance.RunT(rec, measured(cfg.Harness, m))
	r.Checks = rec.checks()
	ss := m.take()
	r.Overall = figures(ss)
	r.Endpoints = byEndpoint(ss)

	r.OAuth = oauthSection(ctx, cfg, m)
	if cfg.Load != nil {
		r.Load = runLoad(ctx, cfg, m, *cfg.Load)
	}
	r.DurationMs = float64(time.Since(start).Milliseconds())
	r.judge()
	return r, nil
}

// measured wraps every harness the maker makes so that each client it
// opens is measured: the kit's own options first, the meter's transport
// last (the Harness contract lets the harness call mutate last; this
// wrapper calls the kit's mutate inside its own).
func measured(mk conformance.HarnessMaker, m *meter) conformance.HarnessMaker {
	return func(ctx context.Context, t conformance.T) (conformance.Harness, error) {
		h, err := mk(ctx, t)
		if err != nil {
			return nil, err
		}
		return &meteredHarness{Harness: h, m: m, a: &armed{}}, nil
	}
}

type meteredHarness struct {
	conformance.Harness
	m *meter
	a *armed
}

func (h *meteredHarness) NewClient(ctx context.Context, mutate func(*sdk.Options)) (*sdk.Client, error) {
	return h.Harness.NewClient(ctx, func(o *sdk.Options) {
		if mutate != nil {
			mutate(o)
		}
		prev := o.WrapTransport
		wrap := h.m.wrap(h.a)
		o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			if prev != nil {
				rt = prev(rt)
			}
			return wrap(rt)
		}
	})
}

func (h *meteredHarness) InjectFault(ctx context.Context, g *sdk.Grant, f conformance.Fault) error {
	err := h.Harness.InjectFault(ctx, g, f)
	if err == nil {
		h.a.arm(f.Code, f.Count)
	}
	return err
}

func (h *meteredHarness) ExpireAccessTokens(ctx context.Context, g *sdk.Grant) error {
	err := h.Harness.ExpireAccessTokens(ctx, g)
	if err == nil {
		h.a.arm(sdk.Unauthenticated, 1)
	}
	return err
}

func (h *meteredHarness) ExpireAtBank(ctx context.Context, g *sdk.Grant) error {
	err := h.Harness.ExpireAtBank(ctx, g)
	if err == nil {
		h.a.arm(sdk.ConsentExpired, 1)
	}
	return err
}

// hostOf is the host:port of a URL, "" if it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

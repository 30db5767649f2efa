package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
	"github.com/obconnect/obconnect/sdk/conformance/readiness"
)

func init() { register(newConformanceCmd) }

// errNotReady is the failure of a report that did not pass: the command
// ran, the bank is not ready.
var errNotReady = errors.New("the bank is not ready")

func newConformanceCmd(a *App) *cobra.Command {
	var (
		sandbox             bool
		profile, thresholds string
		out                 string
		loadRate            float64
		loadRequests        int
		loadSeconds         int
		parallel            int
	)
	cmd := &cobra.Command{
		Use:   "conformance BANK",
		Short: "Run the conformance kit and write a readiness report",
		Long: `conformance runs the conformance kit against BANK and writes a readiness
report: every check with pass, fail or skip and why, latency percentiles,
the proper-response rate (12 CFR 1033.311), error-code correctness against
the bank's declared quirks, required-field fill rate and validity for the
bank's FDX version, per endpoint and overall, and an OAuth section.

By default the bank runs in an in-process mockbank serving its description
(the built-in one, or --description FILE). With --sandbox the kit runs at
the bank's configured sandbox (base URL and credentials from the
environment or the config file, as for every command; never from flags).

The report goes to stdout as Markdown, and with --out DIR to
DIR/BANK.json and DIR/BANK.md. A load phase runs only when --load-rate is
set, bounded by --load-requests and --load-seconds, and only against the
configured address. The exit code is 0 when the report passes, 1 when it
does not. See docs/readiness.md.`,
		Example: `  obconnect conformance chase
  obconnect conformance acmebank --description acmebank.json --profile core-exchange --out reports
  obconnect conformance chase --sandbox --load-rate 5 --load-requests 200 --load-seconds 60`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			bank := args[0]
			th, err := readiness.Profile(profile)
			if err != nil {
				return usageError{err}
			}
			if thresholds != "" {
				b, err := os.ReadFile(thresholds)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(b, &th); err != nil {
					return withHint(fmt.Errorf("%s: %w", thresholds, err), "docs/readiness.md describes a profile file")
				}
			}
			desc, err := a.conformanceDescription(bank)
			if err != nil {
				return err
			}
			cfg := readiness.Config{Bank: desc, Thresholds: th, Parallel: parallel}
			if loadRate > 0 {
				cfg.Load = &readiness.LoadOptions{Rate: loadRate, MaxRequests: loadRequests, MaxDuration: time.Duration(loadSeconds) * time.Second}
			}
			if sandbox {
				s, err := a.setup(ctx, bank)
				if err != nil {
					return err
				}
				if s.BaseURL == "" {
					return &hinted{err: fmt.Errorf("no sandbox address for %s", bank), code: exitUsage,
						hint: "set " + envName(bank, "BASE_URL") + " or the bank's base_url in the config file"}
				}
				if s.Opener != nil && !slices.Contains(sdk.Banks(), bank) {
					sdk.Register(bank, s.Opener)
				}
				h := &conformance.RemoteHarness{Bank: bank, Credentials: s.Creds, Options: sdk.Options{BaseURL: s.BaseURL, RedirectURL: s.RedirectURL}}
				cfg.Harness, cfg.Target = h.Maker(), s.BaseURL
			} else {
				banks := connectors.Builtin()
				if i := slices.IndexFunc(banks, func(d *bankdesc.Description) bool { return d.Name == bank }); i >= 0 {
					banks[i] = desc
				} else {
					banks = append(banks, desc)
				}
				if a.Description != "" && !slices.Contains(sdk.Banks(), bank) {
					b, err := os.ReadFile(a.Description)
					if err != nil {
						return err
					}
					op, err := fdx.Opener(b)
					if err != nil {
						return withHint(err, "fix the description file; docs/bank-description.md describes it")
					}
					sdk.Register(bank, op)
				}
				if parallel == 0 {
					// mockbank is unthrottled: every subtest at once.
					cfg.Parallel = conformance.Subtests()
				}
				cfg.Harness, cfg.Target = mockbankharness.Maker(mockbankharness.Options{Bank: bank, Banks: banks}), "mockbank (in-process)"
			}
			a.started = true
			fmt.Fprintf(a.Stderr, "running the conformance kit against %s (%s), profile %s…\n", bank, cfg.Target, th.Name)
			r, err := readiness.Run(ctx, cfg)
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				for ext, write := range map[string]func(*os.File) error{
					"json": func(f *os.File) error { return r.WriteJSON(f) },
					"md":   func(f *os.File) error { return r.WriteMarkdown(f) },
				} {
					f, err := os.Create(filepath.Join(out, bank+"."+ext))
					if err != nil {
						return err
					}
					err = write(f)
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						return err
					}
				}
			}
			if err := r.WriteMarkdown(a.Stdout); err != nil {
				return err
			}
			if !r.Pass {
				return withHint(fmt.Errorf("%w: %d problems", errNotReady, len(r.Problems)), "the report's Problems section names each one")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&sandbox, "sandbox", false, "run at the bank's configured sandbox instead of an in-process mockbank")
	f.StringVar(&profile, "profile", "cfpb-1033", "thresholds profile: "+strings.Join(readiness.Profiles(), ", "))
	f.StringVar(&thresholds, "thresholds", "", "JSON file of the partner's own thresholds, read over --profile's")
	f.StringVar(&out, "out", "", "directory to write BANK.json and BANK.md to")
	f.Float64Var(&loadRate, "load-rate", 0, "requests per second of the load phase; 0 (the default) skips it")
	f.IntVar(&loadRequests, "load-requests", 200, "most requests the load phase sends")
	f.IntVar(&loadSeconds, "load-seconds", 30, "most seconds the load phase runs")
	f.IntVar(&parallel, "parallel", 0, "kit subtests run at once, each at the bank's declared rate (default: all at mockbank, 2 at a sandbox)")
	return cmd
}

// conformanceDescription is BANK's description: the --description file
// when it names BANK, else the built-in one.
func (a *App) conformanceDescription(bank string) (*bankdesc.Description, error) {
	if a.Description != "" {
		d, err := bankdesc.Load(a.Description)
		if err != nil {
			return nil, withHint(err, "fix the description file; docs/bank-description.md describes it")
		}
		if d.Name == bank {
			return d, nil
		}
	}
	d, err := connectors.Lookup(bank)
	if err != nil {
		return nil, &hinted{err: err, code: exitUsage, hint: "for another bank give its description with --description FILE"}
	}
	return d, nil
}

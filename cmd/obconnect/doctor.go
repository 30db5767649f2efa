package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk"
)

func init() { register(newDoctorCmd) }

// maxSkew is the clock difference doctor accepts: ID tokens and client
// assertions are checked with about a minute of leeway, notifications
// with five.
const maxSkew = 30 * time.Second

// check is one line of doctor's report.
type check struct {
	Name, Status, Detail string
}

const (
	statusOK   = "ok"
	statusWarn = "warn"
	statusFail = "FAIL"
)

func newDoctorCmd(a *App) *cobra.Command {
	var f format
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, key files, reachability and clock skew",
		Long: `doctor checks what obconnect needs and says what to fix: the config file
(parses, readable only by you), the keyring (opens; file readable only by
you), the state file (opens with the keyring; readable only by you), each
bank's credentials (where they come from, never their value) and private
key file, whether each bank answers its OpenID discovery, and the clock
skew between this machine and the bank. It checks the linked banks, the
config file's, and --bank; with none of those, every built-in bank.

It exits 1 when a check fails; warnings do not fail it.`,
		Example: `  obconnect doctor
  obconnect doctor --bank chase`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			checks := a.doctor(ctx)
			t := table{Header: []string{"CHECK", "STATUS", "DETAIL"}, JSON: checks}
			failed := 0
			for _, c := range checks {
				t.Rows = append(t.Rows, []string{c.Name, c.Status, c.Detail})
				if c.Status == statusFail {
					failed++
				}
			}
			if err := f.print(a.Stdout, t); err != nil {
				return err
			}
			if failed > 0 {
				return &hinted{err: fmt.Errorf("%d check(s) failed", failed), hint: "fix what the DETAIL column says, then run doctor again", code: exitFailure}
			}
			return nil
		},
	}
	addFormatFlags(cmd, &f)
	return cmd
}

func (a *App) doctor(ctx context.Context) []check {
	var out []check
	add := func(name, status, format string, args ...any) {
		out = append(out, check{name, status, fmt.Sprintf(format, args...)})
	}

	// Config file.
	if p, err := a.configPath(); err != nil {
		add("config", statusFail, "%v", err)
	} else if _, err := a.Config(); err != nil {
		add("config", statusFail, "%v", err)
	} else if fi, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		add("config", statusOK, "no file at %s (none needed against mockbank)", p)
	} else if err != nil {
		add("config", statusFail, "%v", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		add("config", statusWarn, "%s is readable by others (mode %04o); it may hold secrets: chmod 600 it", p, fi.Mode().Perm())
	} else {
		add("config", statusOK, "%s", p)
	}

	// Keyring.
	if a.getenv("OBCONNECT_KEYS") != "" {
		if _, err := a.Keyring(false); err != nil {
			add("keyring", statusFail, "OBCONNECT_KEYS: %v", err)
		} else {
			add("keyring", statusOK, "from OBCONNECT_KEYS")
		}
	} else if p, err := a.keyringPath(); err != nil {
		add("keyring", statusFail, "%v", err)
	} else if fi, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		add("keyring", statusWarn, "no keyring at %s yet; 'obconnect link BANK' creates one", p)
	} else if err != nil {
		add("keyring", statusFail, "%v", err)
	} else if _, err := a.Keyring(false); err != nil {
		add("keyring", statusFail, "%s: %v", p, err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		add("keyring", statusFail, "%s is readable by others (mode %04o): chmod 600 it, and rotate the key if others could read it", p, fi.Mode().Perm())
	} else {
		add("keyring", statusOK, "%s", p)
	}

	// State file.
	var linked []string
	if p, err := a.statePath(); err != nil {
		add("state", statusFail, "%v", err)
	} else if fi, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		add("state", statusWarn, "no state file at %s yet; 'obconnect link BANK' creates it", p)
	} else if err != nil {
		add("state", statusFail, "%v", err)
	} else if st, err := a.Store(ctx, false); err != nil {
		add("state", statusFail, "%v", err)
	} else {
		v, _ := st.SchemaVersion(ctx)
		gs, err := a.Grants(ctx)
		switch {
		case err != nil:
			add("state", statusFail, "%s: %v", p, err)
		case fi.Mode().Perm()&0o077 != 0:
			add("state", statusWarn, "%s is readable by others (mode %04o): chmod 600 it", p, fi.Mode().Perm())
		default:
			add("state", statusOK, "%s (schema %d, %d grant(s))", p, v, len(gs))
		}
		for _, g := range gs {
			linked = append(linked, g.Bank)
			switch left := g.ExpiresAt.Sub(a.Now()); {
			case !g.RevokedAt.IsZero():
				add("consent "+g.Bank+"/"+g.ConsentID, statusWarn, "revoked; run 'obconnect revoke' to clean up")
			case left <= 0:
				add("consent "+g.Bank+"/"+g.ConsentID, statusWarn, "expired on %s; link again", date(g.ExpiresAt))
			case left < 7*24*time.Hour:
				add("consent "+g.Bank+"/"+g.ConsentID, statusWarn, "expires on %s; link again soon", date(g.ExpiresAt))
			default:
				add("consent "+g.Bank+"/"+g.ConsentID, statusOK, "active until %s", date(g.ExpiresAt))
			}
		}
	}

	// Banks.
	banks := linked
	if cfg, err := a.Config(); err == nil {
		for n := range cfg.Banks {
			banks = append(banks, n)
		}
	}
	if a.Bank != "" {
		banks = []string{a.Bank}
	}
	if len(banks) == 0 {
		banks = sdk.Banks()
	}
	slices.Sort(banks)
	for _, b := range slices.Compact(banks) {
		out = append(out, a.doctorBank(ctx, b)...)
	}
	return out
}

// doctorBank checks one bank's credentials, key file, reachability and
// clock. It opens a client with no state store: doctor only reads.
func (a *App) doctorBank(ctx context.Context, bank string) []check {
	var out []check
	add := func(name, status, format string, args ...any) {
		out = append(out, check{bank + " " + name, status, fmt.Sprintf(format, args...)})
	}
	s, err := a.setup(ctx, bank)
	if err != nil {
		add("credentials", statusFail, "%s", errText(err))
		return out
	}
	add("credentials", statusOK, "client %s from the %s", s.Creds.ClientID, s.CredsFrom)
	if s.KeyFile != "" {
		if fi, err := os.Stat(s.KeyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			add("key file", statusFail, "%s is readable by others (mode %04o): chmod 600 it, and register a new key if others could read it", s.KeyFile, fi.Mode().Perm())
		} else if err == nil {
			add("key file", statusOK, "%s", s.KeyFile)
		}
	}
	opts := &sdk.Options{RedirectURL: s.RedirectURL, BaseURL: s.BaseURL, HTTPClient: a.HTTPClient(), Now: a.env.Now}
	var c *sdk.Client
	if s.Opener != nil {
		c, err = sdk.OpenWith(ctx, s.Opener, s.Creds, opts)
	} else {
		c, err = sdk.Open(ctx, bank, s.Creds, opts)
	}
	if err != nil {
		add("credentials", statusFail, "%v", err)
		return out
	}
	disc := strings.TrimSuffix(c.Profile().Auth.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, disc, nil)
	if err != nil {
		add("reachable", statusFail, "%v", err)
		return out
	}
	resp, err := a.HTTPClient().Do(req)
	if err != nil {
		add("reachable", statusFail, "%s: %v", disc, errText(err))
		return out
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		add("reachable", statusFail, "%s answered %s", disc, resp.Status)
		return out
	}
	add("reachable", statusOK, "%s", disc)
	// The Date header is the bank's wall clock to the second; the check is
	// against this machine's wall clock (never a simulated one), since
	// what matters is that tokens and assertions this machine dates are
	// accepted there.
	bankTime, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		add("clock", statusWarn, "the bank sent no Date header; skew unknown")
		return out
	}
	skew := time.Since(bankTime).Round(time.Second)
	if skew < 0 {
		skew = -skew
	}
	if skew > maxSkew {
		add("clock", statusFail, "this machine's clock is %s off the bank's: set it right (NTP)", skew)
	} else {
		add("clock", statusOK, "within %s of the bank's", maxSkew)
	}
	return out
}

// errText is an error's message without the hint's indentation.
func errText(err error) string {
	if h := hint(err); h != "" {
		return err.Error() + "; " + h
	}
	return err.Error()
}

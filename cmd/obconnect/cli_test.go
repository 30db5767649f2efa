package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// Paths are absolute because the harness changes the working directory.
var (
	testdata, _ = filepath.Abs("testdata")
	acmeDesc, _ = filepath.Abs(filepath.Join("..", "..", "examples", "acmebank", "bank.json"))
)

// harness runs the CLI in-process against one mockbank with a fixed seed
// and a stopped clock, in a config directory of its own.
type harness struct {
	t       *testing.T
	srv     *mockbanktest.Server
	dir     string
	env     env
	answers mockbanktest.Answers
}

func newHarness(t *testing.T) *harness { t.Helper(); return newHarnessWith(t, nil) }

// newHarnessWith lets a test change mockbank's options (the banks served).
func newHarnessWith(t *testing.T, change func(*mockbanktest.Options)) *harness {
	t.Helper()
	port := freePort(t)
	redirect := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	// mockbank's default clock is stopped (2026-06-01 12:00 UTC): with a
	// fixed seed every run sees the same data at the same time.
	opts := &mockbanktest.Options{Seed: 7, RedirectURIs: []string{redirect}}
	if change != nil {
		change(opts)
	}
	srv := mockbanktest.NewServer(t, opts)
	// The config directory is relative to a temporary working directory,
	// so the paths commands print are the same on every run and tables
	// keep their widths.
	t.Chdir(t.TempDir())
	h := &harness{t: t, srv: srv, dir: "home", answers: mockbanktest.Answers{Username: "user_good"}}
	vars := map[string]string{
		"MOCKBANK_ADMIN_TOKEN": srv.AdminToken(),
		"OBCONNECT_MOCKBANK":   srv.URL,
	}
	cfg := "redirect_url: " + redirect + "\n"
	require.NoError(t, os.MkdirAll(filepath.Join(h.dir, "obconnect"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "obconnect", "config.yaml"), []byte(cfg), 0o600))
	h.env = env{
		Getenv:     func(k string) string { return vars[k] },
		ConfigDir:  func() (string, error) { return h.dir, nil },
		Now:        srv.Now,
		HTTPClient: srv.Client(),
		// The browser is the test user at mockbank's consent page, and the
		// redirect goes to link's own listener, as a browser's would.
		OpenBrowser: func(ctx context.Context, authURL string) error {
			cb, err := srv.Approve(ctx, authURL, h.answers)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, cb.String(), nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		},
	}
	return h
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// run runs the CLI and returns its exit code, stdout and stderr.
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := execute(h.t.Context(), h.env, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join(testdata, name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./cmd/obconnect -update to create it")
	assert.Equal(t, string(want), got)
}

// normalise replaces what varies between runs: the loopback ports, by a
// placeholder of the same width (ephemeral ports have five digits), so
// that tables keep their alignment.
func (h *harness) normalise(s string) string {
	return regexp.MustCompile(`127\.0\.0\.1:\d{5}`).ReplaceAllString(s, "127.0.0.1:XXXXX")
}

func TestLinkAccounts(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("link", "wellsfargo")
	require.Equal(t, 0, code, errOut)
	golden(t, "link", h.normalise(out))
	code, out, errOut = h.run("accounts")
	require.Equal(t, 0, code, errOut)
	golden(t, "accounts", h.normalise(out))
}

// TestJourney links wellsfargo's user_good and runs every read command,
// sync and revoke, comparing stdout with the golden files.
func TestJourney(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("link", "wellsfargo", "--days", "30")
	require.Equal(t, 0, code, errOut)

	steps := []struct {
		name string
		args []string
	}{
		{"balances", []string{"balances"}},
		{"transactions", []string{"transactions", "--account", "chk-ac2605e1ad", "--since", "2026-05-20"}},
		{"transactions_pending_csv", []string{"transactions", "--status", "pending", "--since", "7d", "--csv"}},
		{"transactions_json", []string{"transactions", "--account", "cc-5e1b04dfec", "--since", "2026-05-30", "--json"}},
		{"statements", []string{"statements", "--account", "chk-ac2605e1ad"}},
		{"contact", []string{"contact", "--account", "chk-ac2605e1ad"}},
		{"payment_networks", []string{"payment-networks"}},
		{"consents", []string{"consents"}},
		{"consents_remote", []string{"consents", "--remote"}},
		{"sync_first", []string{"sync", "--since", "2026-05-15"}},
		{"sync_again", []string{"sync"}},
		{"revoke", []string{"revoke"}},
	}
	for _, s := range steps {
		code, out, errOut := h.run(s.args...)
		require.Equal(t, 0, code, "%s: %s", s.name, errOut)
		golden(t, s.name, h.normalise(out))
	}
	// After the revocation nothing is linked.
	code, _, errOut = h.run("accounts")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "obconnect link BANK")
}

func TestStatementDownload(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("link", "wellsfargo")
	require.Equal(t, 0, code, errOut)
	code, out, errOut := h.run("statements", "--account", "chk-ac2605e1ad", "--json")
	require.Equal(t, 0, code, errOut)
	id := regexp.MustCompile(`"ID": "([^"]+)"`).FindStringSubmatch(out)
	require.NotNil(t, id, out)
	pdf := filepath.Join(t.TempDir(), "s.pdf")
	code, out, errOut = h.run("statements", "--account", "chk-ac2605e1ad", "--download", id[1], "-o", pdf)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Saved statement")
	b, err := os.ReadFile(pdf)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("%PDF")))
	fi, err := os.Stat(pdf)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestExitCodes(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"accounts", "--nope"}, exitUsage, "unknown flag"},
		{[]string{"link"}, exitUsage, "accepts 1 arg"},
		{[]string{"link", "nobank"}, exitUsage, "built-in banks: chase, citi, usbank, wellsfargo"},
		{[]string{"transactions", "--since", "yesterday"}, exitUsage, "YYYY-MM-DD"},
		{[]string{"accounts"}, exitFailure, "link a bank first"},
	} {
		code, _, errOut := h.run(c.args...)
		assert.Equal(t, c.code, code, "%v: %s", c.args, errOut)
		assert.Contains(t, errOut, c.say, "%v", c.args)
	}
}

// TestWatch fires a notification through mockbank's admin API once watch
// has subscribed, and checks that it arrives verified.
func TestWatch(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("link", "wellsfargo")
	require.Equal(t, 0, code, errOut)
	acct := "chk-ac2605e1ad"
	h.env.onWatching = func(bank string) {
		resp, err := h.srv.Admin().FireNotificationWithResponse(t.Context(), adminapi.NotificationFire{Bank: bank, Type: "FRAUD_SUSPECTED", AccountId: &acct})
		if assert.NoError(t, err) {
			assert.Equal(t, http.StatusAccepted, resp.StatusCode(), string(resp.Body))
		}
	}
	code, out, errOut := h.run("watch", "--count", "1")
	require.Equal(t, 0, code, errOut)
	golden(t, "watch", h.normalise(out))
}

func TestDoctor(t *testing.T) {
	h := newHarness(t)
	// Before any link: nothing is wrong, the files are simply not there.
	code, out, errOut := h.run("doctor", "--bank", "chase")
	require.Equal(t, 0, code, errOut)
	golden(t, "doctor_fresh", h.normalise(out))

	code, _, errOut = h.run("link", "chase")
	require.Equal(t, 0, code, errOut)
	code, out, errOut = h.run("doctor")
	require.Equal(t, 0, code, errOut)
	golden(t, "doctor_linked", h.normalise(out))

	// A keyring others can read fails the check.
	require.NoError(t, os.Chmod(filepath.Join(h.dir, "obconnect", "keyring"), 0o644))
	code, out, _ = h.run("doctor")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "readable by others")
}

// TestSecretsNotPrinted checks that no command prints the client secret,
// the keyring or a token, whatever it says.
func TestSecretsNotPrinted(t *testing.T) {
	h := newHarness(t)
	var all strings.Builder
	for _, args := range [][]string{{"link", "wellsfargo"}, {"doctor"}, {"consents", "--json"}, {"accounts"}, {"--help"}} {
		_, out, errOut := h.run(args...)
		all.WriteString(out + errOut)
	}
	secret := h.srv.Bank("wellsfargo").Client.Secret
	require.NotEmpty(t, secret)
	assert.NotContains(t, all.String(), secret)
	assert.NotContains(t, all.String(), h.srv.AdminToken())
	kr, err := os.ReadFile(filepath.Join(h.dir, "obconnect", "keyring"))
	require.NoError(t, err)
	_, key, _ := strings.Cut(strings.TrimSpace(string(kr)), ":")
	assert.NotContains(t, all.String(), key)
	for _, name := range []string{"keyring", "state.db"} {
		fi, err := os.Stat(filepath.Join(h.dir, "obconnect", name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), name)
	}
}

// TestDescription links a bank that has no built-in connector, from its
// description file alone.
func TestDescription(t *testing.T) {
	acme, err := bankdesc.Load(acmeDesc)
	require.NoError(t, err)
	h := newHarnessWith(t, func(o *mockbanktest.Options) { o.Banks = append(connectors.Builtin(), acme) })
	code, out, errOut := h.run("--description", acmeDesc, "link", "acmebank")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Linked acmebank")
	code, out, errOut = h.run("--description", acmeDesc, "accounts", "--csv")
	require.Equal(t, 0, code, errOut)
	golden(t, "description_accounts", h.normalise(out))
}

// TestHelp checks that every command has examples in its --help, and
// that shell completion is there.
func TestHelp(t *testing.T) {
	h := newHarness(t)
	root := (&App{env: h.env}).newRoot()
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		code, out, errOut := h.run(c.Name(), "--help")
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "Examples:", c.Name())
	}
	// Not a golden file: a new subcommand would change it.
	code, out, _ := h.run("--help")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Exit codes: 0 ok, 1 failure, 2 usage")
	assert.Contains(t, out, "Examples:")
	code, out, errOut := h.run("completion", "bash")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "bash completion")
	// Bank names complete from the built-in connectors.
	code, out, _ = h.run("__complete", "link", "")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "wellsfargo")
}

// TestConsentExitCodes: a consent revoked at the bank exits 3, an expired
// one 4, each with what to do.
func TestConsentExitCodes(t *testing.T) {
	t.Run("revoked", func(t *testing.T) {
		h := newHarness(t)
		code, out, errOut := h.run("link", "wellsfargo", "--days", "1")
		require.Equal(t, 0, code, errOut)
		consent := regexp.MustCompile(`consent (cns-\w+)`).FindStringSubmatch(out)
		require.NotNil(t, consent, out)
		resp, err := h.srv.Admin().RevokeConsentWithResponse(t.Context(), consent[1], adminapi.RevokeConsentJSONRequestBody{})
		require.NoError(t, err)
		require.Less(t, resp.StatusCode(), 300, string(resp.Body))
		code, _, errOut = h.run("balances")
		assert.Equal(t, exitRevoked, code, errOut)
		assert.Contains(t, errOut, "link again")
	})
	t.Run("expired", func(t *testing.T) {
		h := newHarness(t)
		code, _, errOut := h.run("link", "wellsfargo", "--days", "1")
		require.Equal(t, 0, code, errOut)
		by := "48h"
		resp, err := h.srv.Admin().AdvanceClockWithResponse(t.Context(), adminapi.AdvanceClockJSONRequestBody{By: &by})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
		code, _, errOut = h.run("accounts")
		assert.Equal(t, exitExpired, code, errOut)
		assert.Contains(t, errOut, "link again")
		code, out, errOut := h.run("consents")
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "EXPIRED")
	})
}

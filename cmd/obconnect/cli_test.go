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

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// harness runs the CLI in-process against one mockbank with a fixed seed
// and a stopped clock, in a config directory of its own.
type harness struct {
	t       *testing.T
	srv     *mockbanktest.Server
	dir     string
	env     env
	answers mockbanktest.Answers
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	port := freePort(t)
	redirect := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	// mockbank's default clock is stopped (2026-06-01 12:00 UTC): with a
	// fixed seed every run sees the same data at the same time.
	srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: 7, RedirectURIs: []string{redirect}})
	h := &harness{t: t, srv: srv, dir: t.TempDir(), answers: mockbanktest.Answers{Username: "user_good"}}
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
	p := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./cmd/obconnect -update to create it")
	assert.Equal(t, string(want), got)
}

// normalise replaces what varies between runs (ports, temp dirs).
func (h *harness) normalise(s string) string {
	s = strings.ReplaceAll(s, h.srv.URL, "http://MOCKBANK")
	s = strings.ReplaceAll(s, h.dir, "$CONFIG_DIR")
	return regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(s, "127.0.0.1:PORT")
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

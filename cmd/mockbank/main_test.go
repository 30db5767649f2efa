package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi"
)

func TestFlags(t *testing.T) {
	ctx := context.Background()
	// A valid description mockbank cannot serve: its token endpoint is on
	// another host.
	d, err := bankdesc.Load(filepath.Join("..", "..", "connectors", "chase", "bank.json"))
	require.NoError(t, err)
	d.Auth.Token = "https://auth.chase.example/token"
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	remote := filepath.Join(t.TempDir(), "remote.json")
	require.NoError(t, os.WriteFile(remote, raw, 0o600))
	badScenario := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(badScenario, []byte("users:\n  - user: {bank: chase, username: x, password: y}\n    accounts:\n      - account: {type: CHEKING}\n"), 0o600))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-addr", "127.0.0.1:0", "-scenario", badScenario}, 2, `-scenario ` + badScenario + `: line 4: users[0].accounts[0].account.type: "CHEKING" is not one of`},
		{[]string{"-scenario-mode", "twice"}, 2, "want once or always"},
		{[]string{"-h"}, 0, "-tls-cert"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-addr", "nope"}, 2, "missing port"},
		{[]string{"-seed", "x"}, 2, "invalid value"},
		{[]string{"-tls-cert", "a.pem"}, 2, "go together"},
		{[]string{"-log-level", "loud"}, 2, "want debug"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"-profile", "/nonexistent.json"}, 2, "no such file"},
		{[]string{"-profile", "main.go"}, 2, "invalid bank description"},
		{[]string{"-profile", "../../connectors/citi/bank.json", "-profile", "../../connectors/citi/bank.json"}, 2, "already described"},
		{[]string{"-addr", "127.0.0.1:0", "-profile", remote}, 2, "auth.token"},
		{[]string{"-start", "yesterday"}, 2, "want today, now or an RFC 3339 instant"},
		{[]string{"-clock", "stopped"}, 2, "want running or frozen"},
		{[]string{"-addr", "127.0.0.1:99999"}, 2, "from 0 to 65535"},
		{[]string{"-addr", "127.0.0.1:http"}, 2, "from 0 to 65535"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, c.args, &out, &errb)
		assert.Equal(t, c.code, code, "%v: %s", c.args, errb.String())
		assert.Contains(t, errb.String(), c.want, "%v", c.args)
		assert.NotContains(t, errb.String(), "mockbank: mockbank:", "%v", c.args)
	}
}

func TestParseStart(t *testing.T) {
	now := time.Date(2026, 11, 23, 17, 4, 5, 600, time.FixedZone("x", 3600))
	for in, want := range map[string]time.Time{
		"today":                     time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		"now":                       time.Date(2026, 11, 23, 16, 4, 5, 600, time.UTC),
		"2026-06-01T12:00:00Z":      time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
		"2026-06-01T14:00:00+02:00": time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
	} {
		got, err := parseStart(in, now)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: got %s", in, got)
		assert.Equal(t, time.UTC, got.Location(), in)
	}
	_, err := parseStart("", now)
	assert.Error(t, err)
}

func TestPublicHost(t *testing.T) {
	bound := &net.TCPAddr{IP: net.IPv4zero, Port: 41234}
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "127.0.0.1:41234",
		"localhost:8080": "localhost:41234",
		"0.0.0.0:8080":   "127.0.0.1:41234",
		"[::]:8080":      "127.0.0.1:41234",
		":8080":          "127.0.0.1:41234",
		"10.1.2.3:0":     "10.1.2.3:41234",
		"[::1]:9000":     "[::1]:41234",
	} {
		assert.Equal(t, want, publicHost(addr, bound), addr)
	}
}

// -profile serves any bank description file unchanged: each built-in
// bank's own file, loaded as the flag loads it, replaces that bank and is
// served as it says.
func TestProfileServesDescriptionFiles(t *testing.T) {
	for _, name := range []string{"chase", "wellsfargo", "citi", "usbank"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "connectors", name, "bank.json")
			banks, err := loadBanks([]string{path})
			require.NoError(t, err)
			require.Len(t, banks, 4, "the file replaces the built-in bank of its name")
			want, err := bankdesc.Load(path)
			require.NoError(t, err)
			srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: 1, Banks: banks, LargeTransactions: 10})
			got := srv.Bank(name)
			assert.Equal(t, want, got.Description)
			assert.Equal(t, srv.URL+"/"+name+want.DataPath, got.DataURL)
			res, err := srv.Client().Get(got.DiscoveryURL)
			require.NoError(t, err)
			var disc struct {
				Token string `json:"token_endpoint"`
				PAR   bool   `json:"require_pushed_authorization_requests"`
			}
			require.NoError(t, json.NewDecoder(res.Body).Decode(&disc))
			res.Body.Close()
			assert.Equal(t, got.Issuer+want.Auth.Token, disc.Token)
			assert.Equal(t, want.Auth.PARRequired, disc.PAR)
			res, err = srv.Client().Get(got.DataURL + "/accounts")
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the data API is at the description's path")
		})
	}

	// A description of a new bank joins the built-in ones.
	d, err := bankdesc.Load(filepath.Join("..", "..", "connectors", "citi", "bank.json"))
	require.NoError(t, err)
	d.Name = "mybank"
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "mybank.json")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	banks, err := loadBanks([]string{path})
	require.NoError(t, err)
	assert.Len(t, banks, 5)
	assert.Equal(t, "mybank", banks[4].Name)
}

// Two instances on two ports write their ready clients' keys to two
// paths, and the banner names them.
func TestKeyFilesPerPort(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: 1, LargeTransactions: 10})
	var a, b bytes.Buffer
	banner(&a, srv.Mock(), "http://127.0.0.1:18001", "18001", 0)
	banner(&b, srv.Mock(), "http://127.0.0.1:18002", "18002", 0)
	for port, out := range map[string]string{"18001": a.String(), "18002": b.String()} {
		for _, bank := range []string{"chase", "usbank"} {
			path := filepath.Join(os.TempDir(), "mockbank-"+port+"-"+bank+"-client.pem")
			assert.Contains(t, out, "key: "+path, port)
			st, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		}
	}

	// A symlink planted at the predictable path is replaced, not followed.
	target := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(target, []byte("keep"), 0o644))
	path := keyPath("18003", "chase")
	require.NoError(t, os.Symlink(target, path))
	require.NoError(t, writeKey(path, []byte("key")))
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(got))
}

// serve runs newHTTPServer with short timeouts on a loopback listener.
func serve(t *testing.T, tm timeouts) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	})
	hs := newHTTPServer(h, slog.New(slog.DiscardHandler), tm)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// closedWithin reports whether the server closes conn within d.
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestSlowBodyIsCutOff is the attack run's finding: a POST to /token sending
// one byte every 2 s stayed open for 40 s, because only ReadHeaderTimeout
// was set. The read timeout covers the body too.
func TestSlowBodyIsCutOff(t *testing.T) {
	tm := defaultTimeouts
	tm.read = 300 * time.Millisecond
	addr := serve(t, tm)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /chase/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := io.WriteString(conn, "a"); err != nil {
					return
				}
			}
		}
	}()
	assert.True(t, closedWithin(conn, 3*time.Second), "a trickled body must not hold the connection")
}

// TestIdleKeepAliveIsClosed: an idle keep-alive connection stayed open past
// 45 s; the idle timeout closes it.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	tm := defaultTimeouts
	tm.idle = 300 * time.Millisecond
	addr := serve(t, tm)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, closedWithin(conn, 3*time.Second), "an idle keep-alive connection must be closed")
}

// TestTimeoutsFitEveryEndpoint: the write timeout outlasts the longest
// latency fault the admin spec allows, with room to write a large answer;
// the defaults are the ones docs/mockbank.md states.
func TestTimeoutsFitEveryEndpoint(t *testing.T) {
	doc, err := openapi.LoadAdmin(t.Context())
	require.NoError(t, err)
	lat := doc.Components.Schemas["FaultCreate"].Value.Properties["latencyMs"].Value
	require.NotNil(t, lat.Max)
	assert.Equal(t, maxFaultLatency, time.Duration(*lat.Max)*time.Millisecond, "keep maxFaultLatency in step with the spec")
	assert.GreaterOrEqual(t, defaultTimeouts.write, maxFaultLatency+time.Minute)
	assert.Equal(t, timeouts{readHeader: 10 * time.Second, read: 15 * time.Second, write: 3 * time.Minute, idle: 30 * time.Second}, defaultTimeouts)
	hs := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), defaultTimeouts)
	assert.Equal(t, []time.Duration{10 * time.Second, 15 * time.Second, 3 * time.Minute, 30 * time.Second},
		[]time.Duration{hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout})
}

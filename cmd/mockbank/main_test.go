package main

import (
	"bytes"
	"context"
	"encoding/json"
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

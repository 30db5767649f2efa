package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinary builds cmd/mockbank as CI runs it: a binary, started
// directly, so that signals reach the server (go run does not pass
// SIGTERM on to the program it built).
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "mockbank")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

var readyLine = regexp.MustCompile(`mockbank ready at (http://127\.0\.0\.1:(\d+))`)

// start runs the binary and waits for its banner; it returns the base URL.
func start(t *testing.T, bin string, logs io.Writer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MOCKBANK_ADMIN_TOKEN=binary-test-token-0123456789", "TMPDIR="+t.TempDir())
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base := <-found:
		return cmd, base
	case <-time.After(30 * time.Second):
		t.Fatal("mockbank did not start")
		return nil, ""
	}
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "SIGTERM is a clean exit (status 0)")
	case <-time.After(20 * time.Second):
		t.Fatal("mockbank did not stop on SIGTERM")
	}
}

// The built binary stops cleanly on SIGTERM, saving its state and freeing
// its port, so a restart with -data and -scenario on the same port works
// and skips the scenario it already holds.
func TestBinaryStopsOnSIGTERMAndRestarts(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data, sc := filepath.Join(dir, "state.json"), filepath.Join(dir, "qa.yaml")
	require.NoError(t, os.WriteFile(sc, []byte("users:\n  - user: {bank: citi, username: qa_fraud, password: pw}\n"), 0o600))

	var logs1 strings.Builder // read only after Wait, which ends the copying
	cmd, base := start(t, bin, &logs1, "-addr", "127.0.0.1:0", "-data", data, "-scenario", sc)
	req, _ := http.NewRequest("GET", base+"/admin/clock", nil)
	req.Header.Set("Authorization", "Bearer binary-test-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"running":true`, "the clock runs by default")
	stop(t, cmd)
	_, err = os.Stat(data)
	require.NoError(t, err, "the state was saved")
	assert.Contains(t, logs1.String(), "scenario applied")

	port := strings.TrimPrefix(base, "http://127.0.0.1:")
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	require.NoError(t, err, "the port is free again")
	ln.Close()

	var logs2 strings.Builder
	cmd, base2 := start(t, bin, &logs2, "-addr", "127.0.0.1:"+port, "-data", data, "-scenario", sc)
	assert.Equal(t, base, base2)
	stop(t, cmd) // at once after the banner: signals are caught by then
	assert.Contains(t, logs2.String(), "scenario already applied")
	assert.Contains(t, logs2.String(), "shutting down")
}

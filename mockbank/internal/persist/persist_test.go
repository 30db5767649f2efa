package persist_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/persist"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	f, err := persist.Open(path)
	require.NoError(t, err)
	_, err = f.Load(t.Context())
	require.ErrorIs(t, err, persist.ErrNotExist)

	require.NoError(t, f.Save(t.Context(), json.RawMessage(`{"a":1}`)))
	require.NoError(t, f.Save(t.Context(), json.RawMessage(" {\"a\": 2}\n")))
	got, err := f.Load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, `{"a": 2}`, string(got), "the state comes back byte for byte (trimmed)")

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")

	assert.Error(t, f.Save(t.Context(), json.RawMessage(`{"a":`)), "invalid JSON is refused")
}

func TestDamagedFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	f, err := persist.Open(path)
	require.NoError(t, err)
	require.NoError(t, f.Save(t.Context(), json.RawMessage(`{"users":["alice","bob"]}`)))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	damaged := map[string][]byte{
		"truncated": good[:len(good)/2],
		"empty":     {},
		"flipped":   []byte(strings.Replace(string(good), "alice", "alicf", 1)),
		"trailing":  append(append([]byte(nil), good...), []byte(`{}`)...),
		"other":     []byte(`{"format":"other","version":1,"sha256":"","state":{}}`),
	}
	for name, b := range damaged {
		require.NoError(t, os.WriteFile(path, b, 0o600))
		_, err := f.Load(t.Context())
		assert.ErrorIs(t, err, persist.ErrCorrupt, name)
	}
}

func TestOpenRemovesStrayTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	stray := filepath.Join(dir, ".state.json.tmp-123")
	require.NoError(t, os.WriteFile(stray, []byte("half"), 0o600))
	_, err := persist.Open(path)
	require.NoError(t, err)
	_, err = os.Stat(stray)
	assert.True(t, os.IsNotExist(err))
}

func TestSaverWritesOnlyChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	f, err := persist.Open(path)
	require.NoError(t, err)
	var n atomic.Int64
	snaps := 0
	s := persist.NewSaver(f, func(ctx context.Context) (json.RawMessage, error) {
		snaps++
		return json.RawMessage(fmt.Sprintf(`{"n":%d}`, n.Load())), nil
	}, time.Millisecond, nil)
	require.NoError(t, s.Flush(t.Context()))
	info1, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, s.Flush(t.Context()))
	info2, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, info1.ModTime(), info2.ModTime(), "unchanged state is not rewritten")

	n.Store(7)
	require.NoError(t, s.Flush(t.Context()))
	got, err := f.Load(t.Context())
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":7}`, string(got))

	// TouchOnWrite touches after a POST, not after a GET.
	h := persist.TouchOnWrite(s)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	n.Store(8)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/chase/token", nil))
	require.Eventually(t, func() bool {
		got, err := f.Load(t.Context())
		return err == nil && string(got) == `{"n":8}`
	}, 5*time.Second, time.Millisecond)
	cancel()
	<-done
}

const childEnv = "PERSIST_KILL_CHILD_PATH"

// TestKillDuringWritesNeverCorrupts re-executes the test binary as a child
// that saves state in a tight loop, kills it with SIGKILL at random moments
// and checks that the file always loads.
func TestKillDuringWritesNeverCorrupts(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	rng := rand.New(rand.NewPCG(1, 2))
	loads := 0
	for round := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		ready, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// Wait until the child has started writing, then kill it at a
		// random moment within the next few milliseconds.
		buf := make([]byte, 6)
		_, _ = ready.Read(buf)
		time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()

		f, err := persist.Open(path)
		require.NoError(t, err)
		state, err := f.Load(t.Context())
		require.NoError(t, err, "round %d", round)
		var v struct {
			Round  int      `json:"round"`
			Filler []string `json:"filler"`
		}
		require.NoError(t, json.Unmarshal(state, &v))
		assert.Len(t, v.Filler, 2000)
		loads++
	}
	assert.Positive(t, loads)
}

// TestKillChild is the child process of TestKillDuringWritesNeverCorrupts.
func TestKillChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("child process only")
	}
	f, err := persist.Open(path)
	require.NoError(t, err)
	filler := make([]string, 2000)
	for i := range filler {
		filler[i] = strings.Repeat("x", 40)
	}
	for i := 0; ; i++ {
		b, err := json.Marshal(map[string]any{"round": i, "filler": filler})
		require.NoError(t, err)
		require.NoError(t, f.Save(context.Background(), b))
		if i == 0 {
			// The parent kills only after one complete save, so every
			// round must find a loadable file.
			fmt.Fprint(os.Stdout, "ready\n")
		}
	}
}

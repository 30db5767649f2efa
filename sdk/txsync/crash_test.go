package txsync_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/txsync"
)

const crashChildEnv = "TXSYNC_CRASH_CHILD_DB"

// TestBoltSurvivesKill kills (SIGKILL) a process in the middle of a stream
// of syncs committed to a bbolt file, then reopens the file in a new
// Syncer: the state must decode (checksums hold) and a sync from the last
// cursor the child reported must succeed with nothing reported twice.
func TestBoltSurvivesKill(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltSurvivesKill$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// The child prints each cursor after its commit. Kill it after a few
	// dozen, while it is still committing, then read what it printed up to
	// its death: the last cursor printed is committed, and at most one
	// commit more (never printed) follows it.
	sc := bufio.NewScanner(out)
	var cursor string
	var told int
	for n := 0; sc.Scan(); n++ {
		if n == 40 {
			require.NoError(t, cmd.Process.Kill())
		}
		var c string
		var k int
		if _, err := fmt.Sscan(sc.Text(), &c, &k); err == nil && len(c) > 20 {
			cursor, told = c, k
		}
	}
	_ = cmd.Wait()
	require.NotEmpty(t, cursor, "the child committed")

	store, err := txsync.OpenBolt(path, nil)
	require.NoError(t, err)
	defer store.Close()
	b, c, g := newFakeBank(t)
	for i := range told {
		b.addPosted(0, int64(i+1)) // the same history the child saw, same ids
	}
	s := newSyncer(t, b, store)
	r, err := s.Sync(context.Background(), c, g, acct, cursor)
	require.NoError(t, err, "the state survived the kill")
	require.Empty(t, r.Added, "nothing reported twice")
}

// crashChild commits a sync per new transaction until it is killed.
func crashChild(t *testing.T, path string) {
	store, err := txsync.OpenBolt(path, nil)
	require.NoError(t, err)
	b, c, g := newFakeBank(t)
	s := newSyncer(t, b, store)
	cur := ""
	for i := 0; ; i++ {
		b.addPosted(0, int64(i+1))
		r, err := s.Sync(context.Background(), c, g, acct, cur)
		require.NoError(t, err)
		cur = r.Next
		fmt.Println(cur + " " + strconv.Itoa(i+1))
	}
}

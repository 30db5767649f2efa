package txsync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/obconnect/obconnect/sdk/txsync"
)

// BenchmarkSync measures one incremental sync of an account with a busy
// lookback window (two reads of the window, the diff, the commit), with
// nothing changed and with a few changes, over the memory and bbolt
// stores. Page size 100.
func BenchmarkSync(b *testing.B) {
	for _, window := range []int{100, 1000} {
		for _, storeName := range []string{"memory", "bolt"} {
			b.Run(fmt.Sprintf("window=%d/store=%s", window, storeName), func(b *testing.B) {
				var store txsync.StateStore = txsync.NewMemoryStore()
				if storeName == "bolt" {
					bs, err := txsync.OpenBolt(filepath.Join(b.TempDir(), "s.db"), nil)
					if err != nil {
						b.Fatal(err)
					}
					defer bs.Close()
					store = bs
				}
				bank, c, g, err := openFake(100)
				if err != nil {
					b.Fatal(err)
				}
				for i := range window {
					bank.addPosted(time.Duration(i)*10*time.Minute, int64(i+1))
				}
				s, err := txsync.New(store, &txsync.Options{Now: bank.clock})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				r, err := s.Sync(ctx, c, g, acct, "")
				if err != nil {
					b.Fatal(err)
				}
				cur := r.Next
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if i%10 == 0 {
						bank.addPending(0, int64(i+1)) // some syncs see a change
					}
					r, err := s.Sync(ctx, c, g, acct, cur)
					if err != nil {
						b.Fatal(err)
					}
					cur = r.Next
				}
			})
		}
	}
}

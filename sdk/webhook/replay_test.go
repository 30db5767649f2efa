package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/webhook"
)

func TestMemoryReplayStore(t *testing.T) {
	clk := newClock()
	m := webhook.NewMemoryReplayStore(&webhook.MemoryReplayStoreOptions{Now: clk.Now})
	ctx := context.Background()

	ok, err := m.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = m.Claim(ctx, "a", time.Minute)
	assert.False(t, ok, "claimed twice")
	ok, _ = m.Claim(ctx, "b", time.Minute)
	assert.True(t, ok, "keys are independent")

	require.NoError(t, m.Release(ctx, "a"))
	ok, _ = m.Claim(ctx, "a", time.Minute)
	assert.True(t, ok, "released keys can be claimed again")

	clk.Advance(time.Minute)
	ok, _ = m.Claim(ctx, "b", time.Minute)
	assert.True(t, ok, "expired claims lapse")
	assert.Equal(t, 1, m.Len(), "the sweep dropped the expired a")
	ok, _ = m.Claim(ctx, "c", time.Minute)
	assert.True(t, ok)
	assert.Equal(t, 2, m.Len())

	clk.Advance(2 * time.Minute)
	ok, _ = m.Claim(ctx, "d", time.Minute)
	assert.True(t, ok)
	assert.Equal(t, 1, m.Len(), "the sweep dropped expired entries")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.Claim(cctx, "d", time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMemoryReplayStoreConcurrentClaimsOneWinner(t *testing.T) {
	m := webhook.NewMemoryReplayStore(nil)
	for i := range 20 {
		key := fmt.Sprint("n-", i)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, _ := m.Claim(context.Background(), key, time.Minute); ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.EqualValues(t, 1, wins.Load(), key)
	}
}

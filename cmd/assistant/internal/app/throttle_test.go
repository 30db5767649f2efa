package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	th := newThrottle()
	th.now = func() time.Time { return now }
	for range 5 {
		assert.True(t, th.allowed("alice"))
		th.record("alice", false)
	}
	assert.False(t, th.allowed("alice"), "five wrong passwords lock the name")
	assert.True(t, th.allowed("bob"), "only that name")
	now = now.Add(14 * time.Minute)
	assert.False(t, th.allowed("alice"))
	now = now.Add(2 * time.Minute)
	assert.True(t, th.allowed("alice"), "the window passed")
	th.record("alice", false)
	th.record("alice", true)
	assert.Empty(t, th.fails, "a right password clears the count")
}

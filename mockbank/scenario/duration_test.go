package scenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"250ms": 250 * time.Millisecond, "90s": 90 * time.Second, "36h": 36 * time.Hour,
		"90d": 90 * Day, "1d12h": 36 * time.Hour, "0s": 0, "2d30m": 2*Day + 30*time.Minute,
	} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		back, err := ParseDuration(FormatDuration(got))
		require.NoError(t, err)
		assert.Equal(t, got, back, "round trip of %s", in)
	}
	for _, in := range []string{"", "2", "-1h", "1x", "d", "1.5d", "h1d", "+1h"} {
		_, err := ParseDuration(in)
		assert.Error(t, err, in)
	}
	n, err := ParseDays("30d")
	require.NoError(t, err)
	assert.Equal(t, 30, n)
	_, err = ParseDays("36h")
	assert.ErrorContains(t, err, "whole number of days")
}

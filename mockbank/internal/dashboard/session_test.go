package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionCookieIsSignedBoundAndExpires(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := newSessions("admin-token-0123456789", clock)

	v := s.issue()
	assert.NotContains(t, v, "admin-token", "the cookie never carries the token")
	se, ok := s.verify(v)
	require.True(t, ok)
	assert.True(t, now.Equal(se.issued))

	t.Run("a second session has its own CSRF token", func(t *testing.T) {
		other, ok := s.verify(s.issue())
		require.True(t, ok)
		assert.NotEqual(t, s.csrf(se), s.csrf(other))
		assert.True(t, s.checkCSRF(se, s.csrf(se)))
		assert.False(t, s.checkCSRF(se, s.csrf(other)))
		assert.False(t, s.checkCSRF(se, ""))
	})
	t.Run("tampering is refused", func(t *testing.T) {
		payload, mac, _ := strings.Cut(v, ".")
		flipped := []byte(payload)
		flipped[3] ^= 1
		for _, bad := range []string{"", "x", v + "x", string(flipped) + "." + mac, payload + ".", "." + mac, payload + "." + mac[:10]} {
			_, ok := s.verify(bad)
			assert.False(t, ok, bad)
		}
	})
	t.Run("another token's sessions are not ours", func(t *testing.T) {
		_, ok := newSessions("another-token-0123456789", clock).verify(v)
		assert.False(t, ok)
	})
	t.Run("expiry follows the wall clock", func(t *testing.T) {
		now = now.Add(SessionLifetime)
		_, ok := s.verify(v)
		assert.True(t, ok, "valid for its whole lifetime")
		now = now.Add(time.Second)
		_, ok = s.verify(v)
		assert.False(t, ok, "expired")
	})
	t.Run("an issue time far in the future is refused", func(t *testing.T) {
		now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		future := newSessions("admin-token-0123456789", func() time.Time { return now.Add(time.Hour) }).issue()
		_, ok := s.verify(future)
		assert.False(t, ok)
	})
}

package txsync

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseCursor: no input panics, and whatever parses re-encodes to
// itself (one encoding per cursor, so a cursor cannot be varied to slip
// past the checksum).
func FuzzParseCursor(f *testing.F) {
	good := cursor{bind: binding("chase", "acc-1"), stream: newID(), snap: newID()}.encode()
	f.Add(good)
	f.Add("")
	f.Add("AQ")
	f.Add(good[:len(good)-1] + "A")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidCursor)
			return
		}
		require.Equal(t, s, c.encode())
	})
}

func TestCursorRoundTrip(t *testing.T) {
	c := cursor{bind: binding("chase", "acc-1"), stream: newID(), snap: newID()}
	got, err := parseCursor(c.encode())
	require.NoError(t, err)
	require.Equal(t, c, got)
	require.NotEqual(t, binding("chase", "acc-1"), binding("citi", "acc-1"))
}

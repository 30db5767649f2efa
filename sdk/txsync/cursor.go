package txsync

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/obconnect/obconnect/sdk/obcerr"
)

// cursorVersion is the first byte of every cursor; a new layout gets a new
// version and old cursors keep decoding (or fail with ErrInvalidCursor,
// never with a misread).
const cursorVersion = 1

const (
	idLen      = 16
	bindLen    = 8
	sumLen     = 8
	cursorBody = 1 + bindLen + idLen + idLen
	cursorLen  = cursorBody + sumLen
)

// cursor names one committed snapshot of one stream. It holds no tokens and
// no transaction data: only random ids, a hash binding it to its bank and
// account, and a checksum.
//
//	version(1) | hash(bank, account)(8) | stream id(16) | snapshot id(16) | sha256(...)[:8]
type cursor struct {
	bind   [bindLen]byte
	stream [idLen]byte
	snap   [idLen]byte
}

func binding(bank, accountID string) [bindLen]byte {
	h := sha256.Sum256([]byte("txsync-binding\x00" + bank + "\x00" + accountID))
	var b [bindLen]byte
	copy(b[:], h[:])
	return b
}

func (c cursor) encode() string {
	buf := make([]byte, 0, cursorLen)
	buf = append(buf, cursorVersion)
	buf = append(buf, c.bind[:]...)
	buf = append(buf, c.stream[:]...)
	buf = append(buf, c.snap[:]...)
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:sumLen]...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if len(s) > 2*cursorLen {
		return c, fail(obcerr.InvalidArgument, ErrInvalidCursor, "cursor too long")
	}
	// A cursor has exactly one encoding: Strict refuses stray trailing
	// bits, and the exact length refuses the line breaks a base64 decoder
	// skips ("\r" or "\n" inside a cursor would otherwise parse).
	if len(s) != base64.RawURLEncoding.EncodedLen(cursorLen) {
		return c, fail(obcerr.InvalidArgument, ErrInvalidCursor, "cursor is malformed")
	}
	buf, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(buf) != cursorLen {
		return c, fail(obcerr.InvalidArgument, ErrInvalidCursor, "cursor is malformed")
	}
	if buf[0] != cursorVersion {
		return c, fail(obcerr.InvalidArgument, ErrInvalidCursor, "unsupported cursor version")
	}
	sum := sha256.Sum256(buf[:cursorBody])
	if !bytes.Equal(sum[:sumLen], buf[cursorBody:]) {
		return c, fail(obcerr.InvalidArgument, ErrInvalidCursor, "cursor checksum mismatch")
	}
	copy(c.bind[:], buf[1:])
	copy(c.stream[:], buf[1+bindLen:])
	copy(c.snap[:], buf[1+bindLen+idLen:])
	return c, nil
}

func newID() [idLen]byte {
	var id [idLen]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	return id
}

func hexID(id [idLen]byte) string { return hex.EncodeToString(id[:]) }

package dashboard

// Sessions without server state: the cookie is a nonce and issue time
// signed with a key derived from the admin token. Nothing to store, to
// bound or to lose on restart, the raw token never reaches the browser,
// and a new token invalidates every session at once.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// SessionLifetime is how long a dashboard sign-in lasts (wall-clock time:
// it protects a real browser, not a simulated bank).
const SessionLifetime = 12 * time.Hour

// clockSkew tolerates an issue time slightly in the future (the wall
// clock stepped back).
const clockSkew = time.Minute

type sessions struct {
	key []byte
	now func() time.Time
}

func newSessions(token string, now func() time.Time) *sessions {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("mockbank dashboard sessions v1"))
	return &sessions{key: m.Sum(nil), now: now}
}

// session is a verified cookie's payload: issue time and nonce.
type session struct {
	payload []byte
	issued  time.Time
}

func (s *sessions) mac(purpose string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// issue returns a new session's cookie value.
func (s *sessions) issue() string {
	var p [24]byte
	binary.BigEndian.PutUint64(p[:8], uint64(s.now().Unix()))
	_, _ = rand.Read(p[8:])
	return b64.EncodeToString(p[:]) + "." + b64.EncodeToString(s.mac("session", p[:]))
}

// verify checks a cookie value's signature and age.
func (s *sessions) verify(v string) (session, bool) {
	ps, ms, ok := strings.Cut(v, ".")
	if !ok {
		return session{}, false
	}
	p, err1 := b64.DecodeString(ps)
	m, err2 := b64.DecodeString(ms)
	if err1 != nil || err2 != nil || len(p) != 24 || !hmac.Equal(m, s.mac("session", p)) {
		return session{}, false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(p[:8])), 0)
	now := s.now()
	if issued.After(now.Add(clockSkew)) || now.Sub(issued) > SessionLifetime {
		return session{}, false
	}
	return session{payload: p, issued: issued}, true
}

// csrf is the form token of a session: bound to it, so a token read from
// one session's page is worthless in another.
func (s *sessions) csrf(se session) string {
	return b64.EncodeToString(s.mac("csrf", se.payload))
}

func (s *sessions) checkCSRF(se session, got string) bool {
	want := s.csrf(se)
	return len(got) == len(want) && hmac.Equal([]byte(got), []byte(want))
}

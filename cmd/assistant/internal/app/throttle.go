package app

import (
	"sync"
	"time"
)

// throttle slows password guessing: after maxFails wrong passwords for a
// username within window, sign-ins for it are refused until the window
// has passed since the last failure, right password or not. It is kept in
// memory: one process's view, enough for the reference app.
type throttle struct {
	mu       sync.Mutex
	maxFails int
	window   time.Duration
	now      func() time.Time
	fails    map[string]failures
}

type failures struct {
	n    int
	last time.Time
}

func newThrottle() *throttle {
	return &throttle{maxFails: 5, window: 15 * time.Minute, now: time.Now, fails: map[string]failures{}}
}

// allowed says whether a sign-in for username may be tried now.
func (t *throttle) allowed(username string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fails[username]
	if !ok {
		return true
	}
	if t.now().Sub(f.last) > t.window {
		delete(t.fails, username)
		return true
	}
	return f.n < t.maxFails
}

// record notes the outcome of a sign-in.
func (t *throttle) record(username string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ok {
		delete(t.fails, username)
		return
	}
	now := t.now()
	for u, f := range t.fails { // the map stays as small as the attack
		if now.Sub(f.last) > t.window {
			delete(t.fails, u)
		}
	}
	f := t.fails[username]
	f.n++
	f.last = now
	t.fails[username] = f
}

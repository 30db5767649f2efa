package authz

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The sign-in failure budget (RFC 6819 section 4.4.3.6, NIST SP 800-63B
// section 5.2.2). The consent page's own limit (five tries, then
// access_denied) is per page, and a guesser simply opens another page; these
// limits follow the username and the client across pages.
const (
	// freeLoginFailures consecutive failures (wrong passwords and wrong
	// one-time codes alike) cost nothing: two consent pages' worth, so a
	// person who mistypes is never slowed down.
	freeLoginFailures = 10
	// From the freeLoginFailures-th consecutive failure on, the username
	// may not try again for firstLoginDelay, doubling with every further
	// failure up to maxLoginDelay.
	firstLoginDelay = time.Minute
	maxLoginDelay   = 30 * time.Minute
	// maxLoginFailures consecutive failures lock the username until an
	// administrator clears it: NIST SP 800-63B allows no more than 100.
	maxLoginFailures = 100
	// maxTrackedUsernames bounds the table (about 100 bytes an entry);
	// past it the username that failed least recently is forgotten.
	maxTrackedUsernames = 10_000
	// clientFailureBurst failures through one client, refilled one per
	// clientFailureRefill (ten a minute), before that client's sign-ins
	// are refused for a while: a bound on guessing many usernames (password
	// spraying) through one client.
	clientFailureBurst  = 100
	clientFailureRefill = 6 * time.Second
)

// loginBudget counts consecutive sign-in failures per username, and
// failures per client in a token bucket. Usernames are kept only as
// SHA-256 hashes, and unknown usernames are counted like known ones, so
// the budget reveals nothing about who exists.
type loginBudget struct {
	mu      sync.Mutex
	users   map[[32]byte]*list.Element
	order   list.List // of *userFailures, least recently used first
	clients map[string]*rate.Limiter
	seeded  []string // usernames locked out at start and after every reset
}

type userFailures struct {
	key [32]byte
	n   int
	// until: no attempt is checked before this wall-clock time.
	until time.Time
	// busy: an attempt for this username is being checked. A concurrent
	// one is refused rather than checked, so parallel guesses cannot slip
	// in between a check of the budget and the failure it then records.
	busy bool
}

func usernameKey(username string) [32]byte { return sha256.Sum256([]byte(username)) }

func newLoginBudget(seeded []string) *loginBudget {
	b := &loginBudget{users: map[[32]byte]*list.Element{}, clients: map[string]*rate.Limiter{}, seeded: seeded}
	b.reset()
	return b
}

// reset forgets every count and locks the seeded usernames out again.
func (b *loginBudget) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.users)
	b.order.Init()
	clear(b.clients)
	for _, u := range b.seeded {
		b.entryLocked(usernameKey(u)).n = maxLoginFailures
	}
}

func (b *loginBudget) entryLocked(key [32]byte) *userFailures {
	if el, ok := b.users[key]; ok {
		b.order.MoveToBack(el)
		return el.Value.(*userFailures)
	}
	f := &userFailures{key: key}
	b.users[key] = b.order.PushBack(f)
	for len(b.users) > maxTrackedUsernames {
		oldest := b.order.Front()
		delete(b.users, oldest.Value.(*userFailures).key)
		b.order.Remove(oldest)
	}
	return f
}

// verdict is what begin decides about an attempt.
type verdict int

const (
	// checkAttempt: check the credentials, then report with end.
	checkAttempt verdict = iota
	// userMustWait: refuse without checking, exactly as a wrong
	// credential is refused (the username is locked out, waiting out its
	// delay, or being checked by a concurrent attempt).
	userMustWait
	// clientSpent: the client's failure budget is spent; refuse whoever
	// signs in through it for now.
	clientSpent
)

// loginAttempt is an attempt begin allowed; end reports its outcome.
type loginAttempt struct {
	key         [32]byte
	reservation *rate.Reservation
}

// begin decides whether one attempt to sign in as username through
// clientID may be checked. A concurrent attempt for the same username is
// refused rather than checked, so parallel guesses cannot slip in between
// the budget check and the failure recorded after it; each attempt also
// reserves a failure from the client's bucket, refunded unless it fails.
func (b *loginBudget) begin(username, clientID string, wall time.Time) (loginAttempt, verdict) {
	a := loginAttempt{key: usernameKey(username)}
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.clients[clientID]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(clientFailureRefill), clientFailureBurst)
		b.clients[clientID] = lim
	}
	a.reservation = lim.ReserveN(wall, 1)
	if a.reservation.DelayFrom(wall) > 0 {
		a.reservation.CancelAt(wall)
		return a, clientSpent
	}
	if el, ok := b.users[a.key]; ok {
		f := el.Value.(*userFailures)
		if f.busy || f.n >= maxLoginFailures || wall.Before(f.until) {
			a.reservation.CancelAt(wall)
			return a, userMustWait
		}
	}
	b.entryLocked(a.key).busy = true
	return a, checkAttempt
}

type attemptOutcome int

const (
	// attemptFailed: a wrong password or one-time code.
	attemptFailed attemptOutcome = iota
	// attemptSignedIn: the person is fully signed in (the one-time code
	// too, when one is needed); the count starts over.
	attemptSignedIn
	// attemptNeutral: nothing was learnt (a right password before its
	// one-time code, a locked profile, an outage); the count stays.
	attemptNeutral
)

// end records the outcome of an attempt begin allowed.
func (b *loginBudget) end(a loginAttempt, out attemptOutcome, wall time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if out != attemptFailed {
		a.reservation.CancelAt(wall)
	}
	key := a.key
	f := b.entryLocked(key)
	f.busy = false
	switch out {
	case attemptSignedIn:
		f.n = 0
	case attemptFailed:
		f.n++
		if f.n >= freeLoginFailures {
			d := maxLoginDelay
			if shift := f.n - freeLoginFailures; shift < 16 {
				d = min(firstLoginDelay<<shift, maxLoginDelay)
			}
			f.until = wall.Add(d)
		}
	}
	if f.n == 0 {
		// Nothing to remember: a signed-in user leaves the table.
		b.removeLocked(key)
	}
}

func (b *loginBudget) removeLocked(key [32]byte) {
	if el, ok := b.users[key]; ok {
		delete(b.users, key)
		b.order.Remove(el)
	}
}

// clear forgets username's count, or every count (each client's too) when
// username is empty; it returns how many usernames had one.
func (b *loginBudget) clear(username string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if username == "" {
		clear(b.clients)
		n := 0
		for _, el := range b.users {
			if el.Value.(*userFailures).n > 0 {
				n++
			}
		}
		clear(b.users)
		b.order.Init()
		return n
	}
	el, ok := b.users[usernameKey(username)]
	if !ok {
		return 0
	}
	f := el.Value.(*userFailures)
	had := f.n > 0
	f.n, f.until = 0, time.Time{}
	if !f.busy {
		b.removeLocked(f.key)
	}
	if had {
		return 1
	}
	return 0
}

// ClearLoginFailures forgets the failed sign-ins counted for username, so
// a locked-out user can sign in again at once; with an empty username it
// forgets every username's count and every client's. It returns how many
// usernames had failures counted. An administrator's tool (mockbank's
// admin API): the lockout at 100 consecutive failures lasts until then.
func (p *Provider) ClearLoginFailures(ctx context.Context, username string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := p.logins.clear(username)
	p.log.Info("sign-in failures cleared", "count", n)
	return n, nil
}

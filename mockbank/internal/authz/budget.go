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
	// stripes serialise the attempts for one username (and the few that
	// share its stripe) from the budget check to the recorded outcome, so
	// parallel guesses cannot all pass the check before the first failure
	// is counted. Parallel sign-ins of one user wait their turn, a few
	// microseconds each, instead of being refused.
	stripes [64]sync.Mutex

	mu      sync.Mutex // guards what follows
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

func (b *loginBudget) removeLocked(key [32]byte) {
	if el, ok := b.users[key]; ok {
		delete(b.users, key)
		b.order.Remove(el)
	}
}

// verdict is what the budget decides about an attempt.
type verdict int

const (
	// checked: the credentials were checked and the outcome recorded.
	checked verdict = iota
	// userMustWait: refused without checking, to be answered exactly as a
	// wrong credential (the username is locked out or waiting out its
	// delay).
	userMustWait
	// clientSpent: the client's failure budget is spent; refuse whoever
	// signs in through it for now.
	clientSpent
)

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

// try runs check, the credential check of one attempt to sign in as
// username through clientID, if the budget allows it, and records its
// outcome. Each attempt reserves a failure from the client's bucket, given
// back unless the attempt fails.
func (b *loginBudget) try(username, clientID string, wall func() time.Time, check func() attemptOutcome) verdict {
	key := usernameKey(username)
	stripe := &b.stripes[int(key[0])%len(b.stripes)]
	stripe.Lock()
	defer stripe.Unlock()

	now := wall()
	b.mu.Lock()
	lim := b.clients[clientID]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(clientFailureRefill), clientFailureBurst)
		b.clients[clientID] = lim
	}
	res := lim.ReserveN(now, 1)
	if res.DelayFrom(now) > 0 {
		res.CancelAt(now)
		b.mu.Unlock()
		return clientSpent
	}
	if el, ok := b.users[key]; ok {
		if f := el.Value.(*userFailures); f.n >= maxLoginFailures || now.Before(f.until) {
			res.CancelAt(now)
			b.mu.Unlock()
			return userMustWait
		}
	}
	b.mu.Unlock()

	out := check()

	now = wall()
	b.mu.Lock()
	defer b.mu.Unlock()
	if out != attemptFailed {
		res.CancelAt(now)
	}
	switch out {
	case attemptSignedIn:
		// Nothing to remember: a signed-in user leaves the table.
		b.removeLocked(key)
	case attemptFailed:
		f := b.entryLocked(key)
		f.n++
		if f.n >= freeLoginFailures {
			d := maxLoginDelay
			if shift := f.n - freeLoginFailures; shift < 16 {
				d = min(firstLoginDelay<<shift, maxLoginDelay)
			}
			f.until = now.Add(d)
		}
	}
	return checked
}

// clear forgets username's count, or every count (each client's too) when
// username is empty; it returns how many usernames had one.
func (b *loginBudget) clear(username string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if username == "" {
		clear(b.clients)
		n := len(b.users)
		clear(b.users)
		b.order.Init()
		return n
	}
	key := usernameKey(username)
	_, had := b.users[key]
	b.removeLocked(key)
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

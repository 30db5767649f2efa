package authz

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const (
	wrongPassword = "The username or password is incorrect."
	wrongOTP      = "The one-time code is incorrect."
)

// guessEnv is a provider with a movable wall clock, a client, and helpers
// to open consent pages and sign in on them.
type guessEnv struct {
	*testEnv
	wall    *fakeClock
	authURL string
}

func newGuessEnv(t *testing.T, mutate func(*Config)) *guessEnv {
	wall := &fakeClock{t: time.Now().Truncate(time.Second)}
	env := newEnv(t, func(c *Config) {
		c.WallClock = wall.Now
		if mutate != nil {
			mutate(c)
		}
	})
	id, secret := env.basicClient("")
	authURL := env.oauthConfig(id, secret).AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	return &guessEnv{testEnv: env, wall: wall, authURL: authURL}
}

// open starts a consent page.
func (g *guessEnv) open() (*browser, page) {
	b := newBrowser(g.t)
	pg := b.get(g.authURL)
	require.Equal(g.t, http.StatusOK, pg.status, pg.body)
	return b, pg
}

func (g *guessEnv) login(b *browser, pg page, username, password string) page {
	return g.submit(b, pg, url.Values{"action": {"login"}, "username": {username}, "password": {password}})
}

// signIn opens a page and signs in; it returns the page after the password.
func (g *guessEnv) signIn(username, password string) page {
	b, pg := g.open()
	return g.login(b, pg, username, password)
}

// guessPasswords makes pages × perPage wrong-password attempts, each page
// staying under the page's own limit of five.
func (g *guessEnv) guessPasswords(username string, pages, perPage int) {
	for i := range pages {
		b, pg := g.open()
		for j := range perPage {
			pg = g.login(b, pg, username, fmt.Sprintf("guess-%d-%d", i, j))
			require.Equal(g.t, http.StatusBadRequest, pg.status)
			require.Contains(g.t, pg.body, wrongPassword)
		}
	}
}

func signedIn(pg page) bool {
	return pg.status == http.StatusOK && !strings.Contains(pg.body, "incorrect")
}

// TestPasswordGuessingIsLimitedPerUser is the attack run's finding: 120
// wrong passwords over 30 consent pages (4 each, under the page's limit of
// five), then the right one, signed in. The budget follows the username
// across pages: after ten failures it must wait, growing with each
// further failure.
func TestPasswordGuessingIsLimitedPerUser(t *testing.T) {
	g := newGuessEnv(t, nil)
	g.guessPasswords("user_good", 30, 4)
	pg := g.signIn("user_good", "pass_good")
	assert.Equal(t, http.StatusBadRequest, pg.status)
	assert.Contains(t, pg.body, wrongPassword, "the right password gets the wrong-password answer")

	// Only the first ten guesses were checked; the user waits a minute.
	g.wall.Advance(firstLoginDelay - time.Second)
	assert.False(t, signedIn(g.signIn("user_good", "pass_good")))
	g.wall.Advance(time.Second)
	pg = g.signIn("user_good", "wrong")
	assert.Contains(t, pg.body, wrongPassword)
	// The eleventh failure doubles the wait.
	g.wall.Advance(2*firstLoginDelay - time.Second)
	assert.False(t, signedIn(g.signIn("user_good", "pass_good")))
	g.wall.Advance(time.Second)
	pg = g.signIn("user_good", "pass_good")
	assert.Contains(t, pg.body, "Choose the accounts to share")

	// Signing in starts the count over: ten more mistakes are free.
	g.guessPasswords("user_good", 2, 4)
	g.guessPasswords("user_good", 1, 1)
	assert.True(t, signedIn(g.signIn("user_good", "pass_good")), "nine failures cost nothing")
}

// TestOTPGuessingIsLimitedPerUser: the same attack on the one-time code,
// with the right password each time.
func TestOTPGuessingIsLimitedPerUser(t *testing.T) {
	g := newGuessEnv(t, nil)
	for i := range 30 {
		b, pg := g.open()
		pg = g.login(b, pg, "user_mfa", "pass_good")
		if i >= 3 {
			// From the eleventh wrong code on the password step refuses too.
			require.Contains(t, pg.body, wrongPassword, "page %d", i)
			continue
		}
		require.Contains(t, pg.body, "one-time code", "page %d", i)
		for j := range 4 {
			pg = g.submit(b, pg, url.Values{"action": {"otp"}, "otp": {fmt.Sprintf("%06d", i*4+j)}})
			require.Equal(t, http.StatusBadRequest, pg.status)
			require.Contains(t, pg.body, wrongOTP)
		}
	}
	b, pg := g.open()
	pg = g.login(b, pg, "user_mfa", "pass_good")
	assert.Contains(t, pg.body, wrongPassword)
	assert.NotContains(t, pg.body, "one-time code")

	// A code page opened before the lockout refuses the right code too.
	g.wall.Advance(maxLoginDelay)
	b, pg = g.open()
	pg = g.login(b, pg, "user_mfa", "pass_good")
	require.Contains(t, pg.body, "one-time code")
	pg = g.submit(b, pg, url.Values{"action": {"otp"}, "otp": {"000000"}})
	require.Contains(t, pg.body, wrongOTP)
	pg = g.submit(b, pg, url.Values{"action": {"otp"}, "otp": {"123456"}})
	assert.Contains(t, pg.body, wrongOTP, "the right code gets the wrong-code answer while the user waits")
}

// TestHundredFailuresLockUntilCleared: NIST SP 800-63B allows at most 100
// consecutive failures; then only an administrator unlocks the user.
func TestHundredFailuresLockUntilCleared(t *testing.T) {
	g := newGuessEnv(t, nil)
	for i := range maxLoginFailures {
		pg := g.signIn("user_good", fmt.Sprint("guess-", i))
		require.Contains(t, pg.body, wrongPassword)
		g.wall.Advance(maxLoginDelay)
	}
	g.wall.Advance(7 * 24 * time.Hour)
	assert.False(t, signedIn(g.signIn("user_good", "pass_good")), "a week later, still locked")
	n, err := g.p.ClearLoginFailures(t.Context(), "user_good")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.True(t, signedIn(g.signIn("user_good", "pass_good")))
	n, err = g.p.ClearLoginFailures(t.Context(), "user_good")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to clear")
}

// TestLockedOutUserAndTheSameAnswer: a username from Config.LockedOutUsers
// starts locked out; its answer, an unknown user's and a wrong password's
// are the same page, so the page tells a guesser nothing. Clearing unlocks
// it; ImportState (a reset) locks it out again.
func TestLockedOutUserAndTheSameAnswer(t *testing.T) {
	g := newGuessEnv(t, func(c *Config) { c.LockedOutUsers = []string{"user_good"} })
	hidden := regexp.MustCompile(`name="(session|csrf_token)" value="[^"]*"`)
	answer := func(username, password string) string {
		pg := g.signIn(username, password)
		assert.Equal(t, http.StatusBadRequest, pg.status)
		return hidden.ReplaceAllString(pg.body, "")
	}
	locked := answer("user_good", "pass_good")
	assert.Contains(t, locked, wrongPassword)
	assert.Equal(t, locked, answer("nobody-at-all", "pass_good"), "unknown user")
	assert.Equal(t, locked, answer("user_mfa", "wrong"), "wrong password")

	state, err := g.p.ExportState(t.Context())
	require.NoError(t, err)
	n, err := g.p.ClearLoginFailures(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, 3, n, "user_good, the unknown name and user_mfa had failures")
	assert.True(t, signedIn(g.signIn("user_good", "pass_good")))
	require.NoError(t, g.p.ImportState(t.Context(), state))
	assert.False(t, signedIn(g.signIn("user_good", "pass_good")), "locked out again after a reset")
}

// TestClientFailureBudget: guessing many usernames through one client
// (password spraying) spends the client's budget; then sign-ins through
// it go back to the client with temporarily_unavailable, whoever signs in,
// while other clients are unaffected.
func TestClientFailureBudget(t *testing.T) {
	g := newGuessEnv(t, nil)
	for i := range clientFailureBurst {
		pg := g.signIn(fmt.Sprint("user_", i), "pass_good")
		require.Contains(t, pg.body, wrongPassword)
	}
	pg := g.signIn("user_good", "pass_good")
	require.Equal(t, http.StatusSeeOther, pg.status, pg.body)
	q := g.redirectQuery(pg.location)
	assert.Equal(t, "temporarily_unavailable", q.Get("error"))
	assert.Equal(t, "st", q.Get("state"))

	other, secret := g.basicClient("")
	otherURL := g.oauthConfig(other, secret).AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	b := newBrowser(t)
	pg = b.get(otherURL)
	pg = g.login(b, pg, "user_good", "pass_good")
	assert.Contains(t, pg.body, "Choose the accounts to share", "another client is unaffected")

	g.wall.Advance(clientFailureRefill)
	assert.True(t, signedIn(g.signIn("user_good", "pass_good")), "one failure's worth is back")
}

// TestLoginBudgetSerialisesAttempts: parallel guesses for one username
// must not all pass the budget check before the first failure is counted.
// Attempts for a username are checked one at a time, so exactly the free
// failures are checked and the rest wait, however many arrive at once.
func TestLoginBudgetSerialisesAttempts(t *testing.T) {
	now := time.Now()
	wall := func() time.Time { return now }
	b := newLoginBudget(nil)
	var inFlight, most, checks atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			b.try("user_good", "c", wall, func() attemptOutcome {
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				checks.Add(1)
				time.Sleep(time.Millisecond) // a slow credential check widens any gap
				inFlight.Add(-1)
				return attemptFailed
			})
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load(), "one check at a time for a username")
	assert.EqualValues(t, freeLoginFailures, checks.Load())
}

func TestLoginBudgetStaysBounded(t *testing.T) {
	now := time.Now()
	wall := func() time.Time { return now }
	b := newLoginBudget(nil)
	assert.Equal(t, checked, b.try("user_good", "c", wall, func() attemptOutcome { return attemptFailed }))
	assert.Equal(t, checked, b.try("user_good", "c", wall, func() attemptOutcome { return attemptSignedIn }))
	assert.Empty(t, b.users, "a signed-in user leaves the table")
	for i := range maxTrackedUsernames + 10 {
		b.try(fmt.Sprint("u", i), fmt.Sprint("c", i), wall, func() attemptOutcome { return attemptFailed })
	}
	assert.Len(t, b.users, maxTrackedUsernames)
	assert.Equal(t, maxTrackedUsernames, b.order.Len())
}

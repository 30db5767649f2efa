package authz

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// newWallEnv is a provider whose wall clock the test moves, while its
// simulated clock stands still unless the test moves that too.
func newWallEnv(t testing.TB) (*testEnv, *fakeClock) {
	wall := &fakeClock{t: time.Now().Truncate(time.Second)}
	return newEnv(t, func(c *Config) { c.WallClock = wall.Now }), wall
}

func pendingLens(p *Provider) (sessions, pars, codes int) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.sessions.len(), p.pars.len(), p.codes.len()
}

// TestPendingStateExpiresByWallClock is the attack run's finding: sign-in
// sessions, pushed requests and codes expired only by simulated time, so
// while it stood still nothing freed them. Now each also expires by
// wall-clock age, is refused after it, and leaves memory on the next sweep.
func TestPendingStateExpiresByWallClock(t *testing.T) {
	env, wall := newWallEnv(t)
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	v := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v))

	b := newBrowser(t)
	login := b.get(authURL)
	require.Equal(t, http.StatusOK, login.status)
	for range 20 {
		require.Equal(t, http.StatusOK, newBrowser(t).get(authURL).status)
	}
	u, _ := url.Parse(authURL)
	st, out := env.postForm("/par", u.Query(), id, secret)
	require.Equal(t, http.StatusCreated, st, out)
	reqURI := out["request_uri"].(string)
	q := env.consent(authURL, "user_good", "", "acc-chk")
	sessions, pars, codes := pendingLens(env.p)
	assert.Equal(t, []int{21, 1, 1}, []int{sessions, pars, codes}, "the finished sign-in left; the others wait")

	wall.Advance(DefaultSessionTTL)
	pg := env.submit(b, login, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"pass_good"}})
	assert.Equal(t, http.StatusBadRequest, pg.status)
	assert.Contains(t, pg.body, "expired or is unknown")
	pg = newBrowser(t).get(env.issuer + "/authorize?" + url.Values{"client_id": {id}, "request_uri": {reqURI}}.Encode())
	assert.Equal(t, http.StatusBadRequest, pg.status)
	assert.Contains(t, pg.body, "expired or was already used")
	_, err := conf.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(v))
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))

	// The next request that adds state sweeps the rest away.
	require.Equal(t, http.StatusOK, newBrowser(t).get(authURL).status)
	sessions, pars, codes = pendingLens(env.p)
	assert.Equal(t, []int{1, 0, 0}, []int{sessions, pars, codes})
}

// TestPendingSessionsAreCapped: a flood of GET /authorize within one
// lifetime evicts the oldest sessions instead of growing without bound.
func TestPendingSessionsAreCapped(t *testing.T) {
	env, _ := newWallEnv(t)
	env.p.mu.Lock()
	env.p.sessions.limit = 3
	env.p.mu.Unlock()
	id, secret := env.basicClient("")
	authURL := env.oauthConfig(id, secret).AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	type open struct {
		b  *browser
		pg page
	}
	var opened []open
	for range 5 {
		b := newBrowser(t)
		pg := b.get(authURL)
		require.Equal(t, http.StatusOK, pg.status)
		opened = append(opened, open{b, pg})
	}
	sessions, _, _ := pendingLens(env.p)
	assert.Equal(t, 3, sessions)
	for i, o := range opened {
		pg := env.submit(o.b, o.pg, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"pass_good"}})
		if i < 2 {
			assert.Contains(t, pg.body, "expired or is unknown", "session %d was the oldest", i)
		} else {
			assert.Contains(t, pg.body, "Choose the accounts to share", "session %d", i)
		}
	}
}

// TestSweepLeavesLongLivedTablesAloneWhileSimulatedTimeStandsStill: the
// sweep guard was false when now equalled the last sweep, so with
// simulated time standing still every call scanned every table under the
// lock. The long-lived tables are now scanned only once simulated time has
// moved on: an entry planted already expired survives calls at the same
// simulated instant and goes once time moves sweepInterval on.
func TestSweepLeavesLongLivedTablesAloneWhileSimulatedTimeStandsStill(t *testing.T) {
	env := newEnv(t, nil)
	st, out := env.register(map[string]any{"redirect_uris": []string{testRedirect}, "grant_types": []string{"client_credentials"}})
	require.Equal(t, http.StatusCreated, st)
	id, secret := out["client_id"].(string), out["client_secret"].(string)
	token := func() {
		st, out := env.postForm("/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		require.Equal(t, http.StatusOK, st, out)
	}
	token() // sweeps once, at this simulated instant
	env.p.mu.Lock()
	env.p.grants["planted"] = &grant{id: "planted", clientID: id, expiresAt: env.clock.Now().Add(-time.Hour)}
	env.p.mu.Unlock()
	planted := func() bool {
		env.p.mu.RLock()
		defer env.p.mu.RUnlock()
		return env.p.grants["planted"] != nil
	}
	for range 3 {
		token()
	}
	assert.True(t, planted(), "no scan while simulated time stands still")
	env.clock.Advance(sweepInterval)
	token()
	assert.False(t, planted(), "scanned once simulated time moved on")
}

func TestPendingMapSweepsFromTheFront(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	m := newPending[int](time.Minute, 0)
	for i := range 10 {
		m.add(fmt.Sprint(i), i, t0.Add(time.Hour), t0.Add(time.Duration(i)*time.Second))
	}
	m.sweep(t0, t0.Add(time.Minute+4*time.Second))
	assert.Equal(t, 5, m.len(), "entries 0 to 4 reached their wall-clock age")
	_, ok := m.take("4", t0, t0)
	assert.False(t, ok)
	v, ok := m.take("7", t0, t0)
	assert.True(t, ok)
	assert.Equal(t, 7, v)
	_, ok = m.take("7", t0, t0)
	assert.False(t, ok, "taken once")
	m.sweep(t0.Add(time.Hour), t0)
	assert.Equal(t, 0, m.len(), "simulated expiry sweeps too")
}

// BenchmarkAuthorizeWithFullTables is the attack run's latency finding:
// GET /authorize with the session table at its cap and 50 000 live grants.
// Each call adds a session, evicts the oldest and sweeps; it does not scan.
func BenchmarkAuthorizeWithFullTables(b *testing.B) {
	env := newEnv(b, nil)
	id, secret := env.basicClient("")
	authURL := env.oauthConfig(id, secret).AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	u, _ := url.Parse(authURL)
	target := u.RequestURI()
	env.p.mu.Lock()
	exp := env.clock.Now().Add(24 * time.Hour)
	for i := range 50_000 {
		k := fmt.Sprint("g", i)
		env.p.grants[k] = &grant{id: k, clientID: id, expiresAt: exp}
	}
	env.p.mu.Unlock()
	h := env.p.Handler()
	for range maxPendingSessions {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

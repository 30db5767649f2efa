package authz

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

var errStoreDown = errors.New("store down")

type flakyConsents struct {
	*fakeConsents
	failCreate, failStatus atomic.Bool
}

func (f *flakyConsents) CreateConsent(ctx context.Context, r ConsentRequest) (string, error) {
	if f.failCreate.Load() {
		return "", errStoreDown
	}
	return f.fakeConsents.CreateConsent(ctx, r)
}

func (f *flakyConsents) ConsentStatus(ctx context.Context, id string) (ConsentState, error) {
	if f.failStatus.Load() {
		return ConsentState{}, errStoreDown
	}
	return f.fakeConsents.ConsentStatus(ctx, id)
}

type flakyUsers struct{ fakeUsers }

func (flakyUsers) Authenticate(ctx context.Context, u, p string) (User, error) {
	if u == "user_down" {
		return User{}, errStoreDown
	}
	return fakeUsers{}.Authenticate(ctx, u, p)
}

// A failing store is the server's problem, never reported as the client's,
// and never leaks its error text.
func TestDependencyFailures(t *testing.T) {
	env := newEnv(t, nil)
	fc := &flakyConsents{fakeConsents: env.consents}
	p, err := New(env.p.cfg, Deps{Users: flakyUsers{}, Consents: fc})
	require.NoError(t, err)
	env.p = p
	env.mux = http.NewServeMux()
	env.srv.Config.Handler = env.mux
	env.mux.Handle("/testbank/", p.Handler())

	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	tok := env.linked(conf)

	fc.failStatus.Store(true)
	st, out := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, id, secret)
	assert.Equal(t, http.StatusServiceUnavailable, st)
	assert.Equal(t, "temporarily_unavailable", out["error"])
	_, out = env.postForm("/introspect", url.Values{"token": {tok.AccessToken}}, id, secret)
	assert.Equal(t, false, out["active"], "introspection does not vouch for what it cannot check")
	fc.failStatus.Store(false)
	_, err = conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	require.NoError(t, err, "the failed attempt did not consume the refresh token")

	b := newBrowser(t)
	pg := b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	pg = env.submit(b, pg, url.Values{"action": {"login"}, "username": {"user_down"}, "password": {"x"}})
	assert.Equal(t, http.StatusServiceUnavailable, pg.status)
	assert.NotContains(t, pg.body, "store down")

	fc.failCreate.Store(true)
	b = newBrowser(t)
	pg = b.get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	pg = env.submit(b, pg, url.Values{"action": {"login"}, "username": {"user_good"}, "password": {"pass_good"}})
	pg = env.submit(b, pg, url.Values{"action": {"consent"}, "decision": {"approve"}, "account": {"acc-chk"}})
	require.Equal(t, http.StatusSeeOther, pg.status)
	q := env.redirectQuery(pg.location)
	assert.Equal(t, "server_error", q.Get("error"))
	assert.Equal(t, "st", q.Get("state"))
	assert.Empty(t, q.Get("code"))
}

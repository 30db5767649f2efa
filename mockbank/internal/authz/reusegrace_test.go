package authz

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// With RefreshReuseGrace, the refresh token last rotated may be presented
// again while its successor is unused (the client lost the answer); the
// unused successor is retired. Anything else is still reuse.
func TestRefreshReuseGrace(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, func(c *Config) { c.RefreshReuseGrace = 10 * time.Second })
	id, secret := env.basicClient("openid ACCOUNT_BASIC")
	conf := env.oauthConfig(id, secret, "ACCOUNT_BASIC")
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	}
	rt0 := env.linked(conf).RefreshToken

	lost, err := refresh(rt0) // rotated, but the client never saw the answer
	require.NoError(t, err)
	env.clock.Advance(5 * time.Second)
	again, err := refresh(rt0)
	require.NoError(t, err, "within the grace, the successor unused: rotated again")
	_, err = refresh(lost.RefreshToken)
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "the lost successor was retired")
	next, err := refresh(again.RefreshToken)
	require.NoError(t, err, "the family lives: retiring a successor is not reuse")

	// Once the successor has been used, presenting the old token is reuse.
	last, err := refresh(next.RefreshToken)
	require.NoError(t, err)
	_, err = refresh(again.RefreshToken)
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	_, err = refresh(last.RefreshToken)
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "the family was revoked")

	// Past the grace, too.
	rt1 := env.linked(conf).RefreshToken
	_, err = refresh(rt1)
	require.NoError(t, err)
	env.clock.Advance(11 * time.Second)
	_, err = refresh(rt1)
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "past the grace: reuse")
}

func TestRefreshReuseStrictByDefault(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t, nil)
	id, secret := env.basicClient("openid ACCOUNT_BASIC")
	conf := env.oauthConfig(id, secret, "ACCOUNT_BASIC")
	rt := env.linked(conf).RefreshToken
	next, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	require.NoError(t, err)
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err))
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: next.RefreshToken}).Token()
	assert.Equal(t, "invalid_grant", oauthErrorCode(t, err), "at once, with the successor unused: the family is revoked")

	_, err = New(Config{Bank: "b", Issuer: "http://127.0.0.1/b", AuthMethods: []string{AuthClientSecretBasic}, RefreshReuseGrace: -time.Second}, Deps{Users: fakeUsers{}, Consents: newFakeConsents()})
	assert.Error(t, err)
}

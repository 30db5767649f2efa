package authz

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// TestConcurrentUse runs links, refreshes, authentications, revocations and
// state exports at once; run it with -race.
func TestConcurrentUse(t *testing.T) {
	env := newEnv(t, nil)
	ctx := context.Background()
	id, secret := env.basicClient("")
	conf := env.oauthConfig(id, secret)
	seed := env.linked(conf)

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 4 {
		wg.Go(func() {
			tok := env.linked(conf)
			for range 5 {
				next, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
				if err != nil {
					errs <- err
					return
				}
				tok = next
				if _, err := env.p.AuthenticateToken(ctx, tok.AccessToken); err != nil {
					errs <- err
					return
				}
			}
			if i%2 == 0 {
				st, _ := env.postForm("/revoke", url.Values{"token": {tok.RefreshToken}}, id, secret)
				assert.Equal(t, http.StatusOK, st)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				_, _ = env.p.AuthenticateToken(ctx, seed.AccessToken)
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if _, err := env.p.ExportState(ctx); err != nil {
				errs <- err
			}
			env.basicClient("")
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, err := env.p.AuthenticateToken(ctx, seed.AccessToken)
	require.NoError(t, err)
}

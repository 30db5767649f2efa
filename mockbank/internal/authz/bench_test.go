package authz

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// benchToken links once and returns a provider and a live access token.
func benchToken(b *testing.B) (*Provider, string) {
	env := newEnv(b, nil)
	id, secret := env.basicClient("")
	v := oauth2.GenerateVerifier()
	conf := env.oauthConfig(id, secret)
	q := env.consent(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "user_good", "", "acc-chk", "acc-sav")
	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(v))
	require.NoError(b, err)
	return env.p, tok.AccessToken
}

// BenchmarkAuthenticate is the data API's per-request cost: a map lookup
// under a read lock, no signature check.
func BenchmarkAuthenticate(b *testing.B) {
	p, tok := benchToken(b)
	r, _ := http.NewRequest(http.MethodGet, "/accounts", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Authenticate(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthenticateColdJWT is the cost for a token this process did not
// mint (after a restart): ES256 verification plus the grant lookup.
func BenchmarkAuthenticateColdJWT(b *testing.B) {
	p, tok := benchToken(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.verifyAccessJWT(tok); err != nil {
			b.Fatal(err)
		}
	}
}

package readiness

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

// OAuth is the report's section on the authorization server.
type OAuth struct {
	Checks []Check `json:"checks"`
}

// discovery is the part of the OpenID Provider metadata checked here.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	PAREndpoint           string   `json:"pushed_authorization_request_endpoint"`
	RequirePAR            bool     `json:"require_pushed_authorization_requests"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	IDTokenAlgs           []string `json:"id_token_signing_alg_values_supported"`
}

// oauthSection checks the authorization server through the sdk and its
// discovery document (go-oidc): discovery, PKCE, PAR where required, ID
// token, refresh rotation and reuse detection, revocation. It uses only
// what a partner's sandbox offers (no fault injection): refreshes are
// forced by handing a fresh client a token record without its access
// token.
func oauthSection(ctx context.Context, cfg Config, m *meter) OAuth {
	rec := newRoot(1)
	rec.Run("oauth", func(t conformance.T) {
		h, err := measured(cfg.Harness, m)(ctx, t)
		require.NoError(t, err, "HarnessMaker")
		t.Cleanup(func() { _ = h.Close() })
		var base http.RoundTripper
		store := sdk.NewMemoryTokenStore()
		c, err := h.NewClient(ctx, func(o *sdk.Options) {
			o.TokenStore = store
			prev := o.WrapTransport
			o.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
				if prev != nil {
					rt = prev(rt)
				}
				base = rt
				return rt
			}
		})
		require.NoError(t, err, "NewClient")
		prof := c.Profile().Auth
		var md discovery
		t.Run("Discovery", func(t conformance.T) {
			hc := &http.Client{Transport: base, Timeout: 30 * time.Second}
			p, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), prof.Issuer)
			require.NoError(t, err, "OpenID discovery at %s", prof.Issuer)
			require.NoError(t, p.Claims(&md))
			assert.Equal(t, prof.AuthorizationURL, md.AuthorizationEndpoint, "authorization_endpoint is the description's")
			assert.Equal(t, prof.TokenURL, md.TokenEndpoint, "token_endpoint is the description's")
		})
		req := sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour}
		t.Run("PKCE", func(t conformance.T) {
			assert.Contains(t, md.CodeChallengeMethods, "S256", "code_challenge_methods_supported")
			p, err := c.StartLink(ctx, req)
			require.NoError(t, err, "StartLink")
			q := query(p.AuthURL)
			if q.Get("request_uri") != "" {
				return // pushed: the challenge went in the PAR body, as the sdk sends it
			}
			assert.Equal(t, "S256", q.Get("code_challenge_method"), "the authorization request carries an S256 challenge")
		})
		t.Run("PAR", func(t conformance.T) {
			if !prof.PARRequired && !cfg.Thresholds.RequirePAR {
				t.Skipf("neither the description nor the profile requires PAR")
			}
			assert.NotEmpty(t, md.PAREndpoint, "pushed_authorization_request_endpoint")
			assert.True(t, prof.PARRequired, "the description requires PAR")
			p, err := c.StartLink(ctx, req)
			require.NoError(t, err, "StartLink")
			assert.NotEmpty(t, query(p.AuthURL).Get("request_uri"), "the authorization request is pushed")
		})
		g, err := h.Link(ctx, c, req)
		require.NoError(t, err, "Link")
		t.Run("IDToken", func(t conformance.T) {
			if prof.JWKSURL == "" {
				if md.JWKSURI != "" {
					t.Errorf("discovery publishes jwks_uri %s but the description has no JWKS URL, so ID tokens go unchecked", md.JWKSURI)
				}
				t.Skipf("the bank issues no ID token to check")
			}
			assert.Equal(t, prof.JWKSURL, md.JWKSURI, "jwks_uri is the description's")
			assert.NotEmpty(t, md.IDTokenAlgs, "id_token_signing_alg_values_supported")
			assert.NotContains(t, md.IDTokenAlgs, "none", "unsigned ID tokens")
			t.Logf("the ID token was verified by the sdk at CompleteLink (issuer, audience, nonce, signature by jwks_uri)")
		})
		read := func(rec *sdk.TokenRecord) error {
			s := sdk.NewMemoryTokenStore()
			r := *rec
			r.AccessToken, r.Expiry = "", time.Unix(1, 0) // forces a refresh
			if err := s.Put(ctx, g.TokenKey(), &r); err != nil {
				return err
			}
			c2, err := h.NewClient(ctx, func(o *sdk.Options) { o.TokenStore = s; o.Retry = sdk.RetryPolicy{MaxAttempts: 1} })
			if err != nil {
				return err
			}
			gg := *g
			for _, err := range c2.Accounts(ctx, &gg) {
				return err
			}
			return nil
		}
		first, err := store.Get(ctx, g.TokenKey())
		require.NoError(t, err, "the linked grant's tokens")
		var rotated *sdk.TokenRecord
		t.Run("RefreshRotation", func(t conformance.T) {
			s := sdk.NewMemoryTokenStore()
			r := *first
			r.AccessToken, r.Expiry = "", time.Unix(1, 0)
			require.NoError(t, s.Put(ctx, g.TokenKey(), &r))
			c2, err := h.NewClient(ctx, func(o *sdk.Options) { o.TokenStore = s })
			require.NoError(t, err)
			for _, err := range c2.Accounts(ctx, g) {
				require.NoError(t, err, "a read after a forced refresh")
				break
			}
			rotated, err = s.Get(ctx, g.TokenKey())
			require.NoError(t, err)
			assert.NotEqual(t, first.RefreshToken, rotated.RefreshToken, "the bank rotates the refresh token on refresh")
		})
		t.Run("RefreshReuseDetection", func(t conformance.T) {
			if rotated == nil || rotated.RefreshToken == first.RefreshToken {
				t.Skipf("no rotation to reuse")
			}
			err := read(first)
			if err == nil {
				msg := "a rotated refresh token presented again was accepted"
				if cfg.Thresholds.RequireRefreshReuseDetection {
					t.Errorf("%s", msg)
					return
				}
				t.Skipf("%s (the bank may allow a grace period; the profile does not require detection)", msg)
			}
			assert.Contains(t, []sdk.Code{sdk.Unauthenticated, sdk.ConsentRevoked, sdk.PermissionDenied}, sdk.ErrorCode(err), "reuse refused: %v", err)
			err = read(rotated)
			assert.Error(t, err, "after a reuse the bank revokes the whole family, the newest refresh token too (RFC 9700 §4.14.2)")
		})
		t.Run("Revocation", func(t conformance.T) {
			g2, err := h.Link(ctx, c, req)
			require.NoError(t, err, "Link")
			if prof.RevocationURL != "" {
				assert.Equal(t, prof.RevocationURL, md.RevocationEndpoint, "revocation_endpoint is the description's")
			}
			rec, err := store.Get(ctx, g2.TokenKey())
			require.NoError(t, err)
			require.NoError(t, c.Revoke(ctx, g2), "Revoke")
			s := sdk.NewMemoryTokenStore()
			require.NoError(t, s.Put(ctx, g2.TokenKey(), rec))
			c2, err := h.NewClient(ctx, func(o *sdk.Options) { o.TokenStore = s; o.Retry = sdk.RetryPolicy{MaxAttempts: 1} })
			require.NoError(t, err)
			gg := *g2
			gg.RevokedAt = time.Time{}
			var last error
			for _, err := range c2.Accounts(ctx, &gg) {
				last = err
				break
			}
			assert.Contains(t, []sdk.Code{sdk.ConsentRevoked, sdk.Unauthenticated}, sdk.ErrorCode(last), "the revoked grant's access token is refused: %v", last)
		})
	})
	var out OAuth
	for _, ch := range rec.checks() {
		if ch.Name == "oauth" {
			if ch.Status == Fail && len(ch.Why) > 0 {
				out.Checks = append(out.Checks, Check{Name: "Setup", Status: Fail, Why: ch.Why})
			}
			continue
		}
		ch.Name = ch.Name[len("oauth/"):]
		out.Checks = append(out.Checks, ch)
	}
	slices.SortStableFunc(out.Checks, func(a, b Check) int { return order(a.Name) - order(b.Name) })
	return out
}

var oauthOrder = []string{"Setup", "Discovery", "PKCE", "PAR", "IDToken", "RefreshRotation", "RefreshReuseDetection", "Revocation"}

func order(name string) int { return slices.Index(oauthOrder, name) }

func query(raw string) url.Values {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return u.Query()
}

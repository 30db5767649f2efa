package authz

import (
	"fmt"
	"strings"
)

// Endpoints are the paths, under the issuer, of the endpoints a bank's
// description names. An empty field is the default: /authorize, /token,
// /par, /revoke, /jwks.json. Registration, introspection, userinfo and
// discovery stay at their fixed paths.
type Endpoints struct {
	Authorization string
	Token         string
	PAR           string
	Revocation    string
	JWKS          string
}

// fixedPaths are the endpoints a description cannot move.
var fixedPaths = []string{"/register", "/introspect", "/userinfo",
	"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}

// WithDefaults fills the empty fields and checks that every path is a
// plain path and that no two endpoints share one.
func (e Endpoints) WithDefaults() (Endpoints, error) {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	e.Authorization = def(e.Authorization, "/authorize")
	e.Token = def(e.Token, "/token")
	e.PAR = def(e.PAR, "/par")
	e.Revocation = def(e.Revocation, "/revoke")
	e.JWKS = def(e.JWKS, "/jwks.json")
	seen := map[string]string{}
	for _, p := range fixedPaths {
		seen[p] = p
	}
	for _, ep := range []struct{ name, path string }{
		{"authorization", e.Authorization}, {"token", e.Token}, {"par", e.PAR},
		{"revocation", e.Revocation}, {"jwks", e.JWKS},
	} {
		// ServeMux patterns give {, } and a trailing slash meanings of their
		// own, so an endpoint path is kept to the plain form.
		if !strings.HasPrefix(ep.path, "/") || strings.HasSuffix(ep.path, "/") || strings.ContainsAny(ep.path, "?#{} \t") {
			return e, fmt.Errorf("%w: endpoint %s %q must be a plain path such as /token", ErrInvalidConfig, ep.name, ep.path)
		}
		if other, dup := seen[ep.path]; dup {
			return e, fmt.Errorf("%w: endpoint %s %q is already the path of %s", ErrInvalidConfig, ep.name, ep.path, other)
		}
		seen[ep.path] = ep.name
	}
	return e, nil
}

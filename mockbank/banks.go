package mockbank

import (
	"errors"
	"fmt"
	"strings"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
)

// mockLabel is the name mockbank shows for a bank wherever a person reads
// it (consent page, statements, the banner): the bank's own name from its
// description, marked as a mock so nobody mistakes the page for the bank.
func mockLabel(d *bankdesc.Description) string { return d.DisplayName + " (mock)" }

// endpoints are the description's endpoint paths for the authorization
// server.
func endpoints(d *bankdesc.Description) authz.Endpoints {
	a := d.Auth
	return authz.Endpoints{Authorization: a.Authorization, Token: a.Token, PAR: a.PAR, Revocation: a.Revocation, JWKS: a.JWKS}
}

// dataTop is the first segment of the data API's path ("/fdx" for
// "/fdx/v6").
func dataTop(d *bankdesc.Description) string {
	if i := strings.IndexByte(d.DataPath[1:], '/'); i >= 0 {
		return d.DataPath[:i+1]
	}
	return d.DataPath
}

// checkBanks reports every reason mockbank cannot serve the descriptions:
// an invalid one, two with one name, and what a valid description may say
// but mockbank cannot do, such as an endpoint on another host.
func checkBanks(descs []*bankdesc.Description) error {
	if len(descs) == 0 {
		return fmt.Errorf("%w: no banks to serve", ErrConfig)
	}
	var errs []error
	seen := map[string]bool{}
	for i, d := range descs {
		if d == nil {
			errs = append(errs, fmt.Errorf("%w: bank %d is nil", ErrConfig, i))
			continue
		}
		if err := d.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[d.Name] {
			errs = append(errs, fmt.Errorf("%w: two banks named %q", ErrConfig, d.Name))
		}
		seen[d.Name] = true
		errs = append(errs, checkServable(d)...)
	}
	return errors.Join(errs...)
}

// checkServable holds what mockbank adds to bankdesc's rules: it serves
// every endpoint itself, under the bank's prefix, beside the data API.
func checkServable(d *bankdesc.Description) []error {
	var errs []error
	bad := func(member, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: bank %q: %s: %s", ErrConfig, d.Name, member, fmt.Sprintf(format, args...)))
	}
	top := dataTop(d)
	a := d.Auth
	for _, ep := range []struct{ member, v string }{
		{"auth.authorization", a.Authorization}, {"auth.token", a.Token}, {"auth.par", a.PAR},
		{"auth.revocation", a.Revocation}, {"auth.jwks", a.JWKS},
	} {
		switch {
		case ep.v == "":
		case !strings.HasPrefix(ep.v, "/"):
			bad(ep.member, "%q is an absolute URL; mockbank serves every endpoint itself, so give a path under the bank such as /token", ep.v)
		case ep.v == top || strings.HasPrefix(ep.v, top+"/"):
			bad(ep.member, "%q is under the data API's %s", ep.v, top)
		}
	}
	if len(errs) == 0 {
		if _, err := endpoints(d).WithDefaults(); err != nil {
			bad("auth", "%v", err)
		}
	}
	return errs
}

package fdx

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Opener returns the driver.Opener of the bank a description file
// describes: the whole connector, when the shared FDX behaviour and the
// description's rules are all the bank needs. The connector it opens
// implements driver.AccountRevoker when the description says
// accountRevocation and driver.NotificationSubscriber when it says
// notificationSubscriptions, and nothing it does not offer, because the
// sdk detects capabilities by type assertion.
//
// A broken description is an error here, at the bank package's
// initialisation, not at the integrator's first Open.
func Opener(description []byte) (driver.Opener, error) {
	d, err := bankdesc.Parse(description)
	if err != nil {
		return nil, err
	}
	return func(_ context.Context, cfg driver.OpenConfig) (driver.Connector, error) {
		c, err := New(cfg, d)
		if err != nil {
			return nil, err
		}
		return c.Dress(), nil
	}, nil
}

// MustOpener is Opener for a description embedded in the bank's package,
// where an invalid file is a programming error caught by the package's
// first test: it panics with the description's validation errors.
func MustOpener(description []byte) driver.Opener {
	o, err := Opener(description)
	if err != nil {
		panic(fmt.Sprintf("fdx: embedded bank description: %v", err))
	}
	return o
}

// Dress returns c as the driver.Connector its description calls for: with
// driver.AccountRevoker and driver.NotificationSubscriber exactly when the
// bank offers them. A bank package that adds behaviour of its own embeds
// *Connector in its type instead and declares its capabilities itself.
func (c *Connector) Dress() driver.Connector {
	revoke, subs := c.desc.AccountRevocation, c.desc.NotificationSubscriptions
	switch {
	case revoke && subs:
		return &revokerSubscriber{c, AccountRevocation{c}, Subscriptions{c}}
	case revoke:
		return &revoker{c, AccountRevocation{c}}
	case subs:
		return &subscriber{c, Subscriptions{c}}
	}
	return &plain{c}
}

type (
	plain   struct{ *Connector }
	revoker struct {
		*Connector
		AccountRevocation
	}
	subscriber struct {
		*Connector
		Subscriptions
	}
	revokerSubscriber struct {
		*Connector
		AccountRevocation
		Subscriptions
	}
)

var (
	_ driver.Connector              = (*plain)(nil)
	_ driver.AccountRevoker         = (*revoker)(nil)
	_ driver.NotificationSubscriber = (*subscriber)(nil)
	_ driver.AccountRevoker         = (*revokerSubscriber)(nil)
	_ driver.NotificationSubscriber = (*revokerSubscriber)(nil)
)

// Resolve returns the driver profile of a described bank with every
// endpoint made absolute against base ("" means the sandbox URL), and the
// data API's root URL. A bad base URL is an error classified
// InvalidArgument.
func Resolve(d *bankdesc.Description, base string) (driver.Profile, string, error) {
	if base == "" {
		base = d.SandboxURL
	}
	u, err := bankdesc.ParseBase(base)
	if err != nil {
		return driver.Profile{}, "", obcerr.Newf(obcerr.InvalidArgument, "%s: base URL: %v", d.Name, err)
	}
	root := u.String()
	abs := func(ref string) string {
		if ref == "" || strings.Contains(ref, "://") {
			return ref
		}
		return root + ref
	}
	pg := driver.PaginationOffset
	if d.Paging.Style == bankdesc.PageKey {
		pg = driver.PaginationPageKey
	}
	ca := driver.ClientSecretBasic
	if d.Auth.ClientAuth == bankdesc.PrivateKeyJWT {
		ca = driver.PrivateKeyJWT
	}
	var clusters []model.Cluster
	for _, c := range model.Clusters() {
		if slices.Contains(d.Clusters, string(c)) {
			clusters = append(clusters, c)
		}
	}
	prof := driver.Profile{
		Name:            d.Name,
		DisplayName:     d.DisplayName,
		FDXVersion:      d.FDXVersion,
		Pagination:      pg,
		MaxPageSize:     d.Paging.Max,
		DefaultPageSize: d.Paging.Default,
		RateLimit:       driver.RateLimit{RequestsPerSecond: float64(d.RateLimit.RequestsPerSecond), Burst: d.RateLimit.Burst},
		HistoryWindow:   d.HistoryWindow(),
		Clusters:        clusters,
		Auth: driver.AuthProfile{
			Issuer:           root,
			AuthorizationURL: abs(d.Auth.Authorization),
			TokenURL:         abs(d.Auth.Token),
			PARURL:           abs(d.Auth.PAR),
			PARRequired:      d.Auth.PARRequired,
			RevocationURL:    abs(d.Auth.Revocation),
			JWKSURL:          abs(d.Auth.JWKS),
			ClientAuth:       ca,
		},
	}
	return prof, root + d.DataPath, nil
}

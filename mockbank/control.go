package mockbank

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/admin"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ControlOptions configure mockbank's control side (issue 4): the admin API
// under /admin, fault injection, signed notifications, persistence and
// scenarios. The zero value keeps state in memory and serves the admin API
// to loopback clients only.
type ControlOptions struct {
	// DataFile keeps state across restarts: loaded at start when it exists,
	// written atomically after changes and on Close.
	DataFile string
	// ScenarioFile is a YAML or JSON scenario applied at start (after the
	// data file).
	ScenarioFile string
	// AllowRemoteAdmin serves the admin API to non-loopback clients too.
	AllowRemoteAdmin bool
	// NotificationRetryBase (default 1 s) and NotificationMaxAttempts
	// (default 6) shape delivery retries; ConsentExpiringDays (default 7)
	// is when CONSENT_EXPIRING is sent.
	NotificationRetryBase   time.Duration
	NotificationMaxAttempts int
	ConsentExpiringDays     int
}

// NewWithControl is New with the control side attached. opts.BaseURL must
// be set (the authorization servers, whose keys sign notifications and
// whose clients are persisted, are built from it); with httptest, listen
// first (httptest.NewUnstartedServer) to learn the URL. Close stops
// deliveries and writes the data file.
func NewWithControl(ctx context.Context, opts Options, c ControlOptions) (*Server, error) {
	if opts.BaseURL == "" {
		return nil, fmt.Errorf("%w: the control side needs Options.BaseURL", ErrConfig)
	}
	if opts.Banks == nil {
		opts.Banks = connectors.Builtin()
	}
	if err := checkBanks(opts.Banks); err != nil {
		return nil, err
	}
	var srv *Server
	ctl := admin.NewControl(admin.ControlOptions{
		Banks: opts.Banks, Seed: opts.Seed, AllowRemote: c.AllowRemoteAdmin, DataFile: c.DataFile, ScenarioFile: c.ScenarioFile,
		BankList: func(context.Context, string) ([]adminapi.Bank, error) { return adminBanks(srv), nil },
		Notify:   notify.Options{BaseDelay: c.NotificationRetryBase, MaxAttempts: c.NotificationMaxAttempts, ExpiringDays: c.ConsentExpiringDays},
		Logger:   opts.Logger,
	})
	inner := opts.Middleware
	opts.Middleware = func(bank string) func(http.Handler) http.Handler {
		outer := ctl.Middleware(bank)
		if inner == nil {
			return outer
		}
		if mw := inner(bank); mw != nil {
			return func(h http.Handler) http.Handler { return outer(mw(h)) }
		}
		return outer
	}
	s, err := New(ctx, opts)
	if err != nil {
		return nil, err
	}
	srv = s
	if err := ctl.Attach(ctx, s); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func adminBanks(s *Server) []adminapi.Bank {
	var out []adminapi.Bank
	for _, b := range s.Banks() {
		d := b.Description
		ab := adminapi.Bank{Name: b.Name, DisplayName: mockLabel(d), Issuer: b.Issuer, DataBaseUrl: b.DataURL,
			DiscoveryUrl: b.DiscoveryURL, FdxVersion: d.FDXVersion}
		pg := adminapi.BankPagination(d.Paging.Style)
		am := adminapi.BankClientAuthMethod(d.Auth.ClientAuth)
		par := d.Auth.PARRequired
		ab.Pagination, ab.ClientAuthMethod, ab.ParRequired = &pg, &am, &par
		if b.Client.ID != "" {
			rc := &adminapi.ReadyClient{ClientId: b.Client.ID}
			if b.Client.Secret != "" {
				rc.ClientSecret = &b.Client.Secret
			}
			if b.Client.PrivateKeyPEM != "" {
				rc.PrivateKeyPem, rc.KeyId = &b.Client.PrivateKeyPEM, &b.Client.KeyID
			}
			if len(b.Client.RedirectURIs) > 0 {
				uris := append([]string(nil), b.Client.RedirectURIs...)
				rc.RedirectUris = &uris
			}
			ab.ReadyClient = rc
		}
		out = append(out, ab)
	}
	return out
}

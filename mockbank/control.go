package mockbank

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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
		Party:    func(bank string, r *http.Request) (string, string) { return srv.party(bank, r) },
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

// maxPeek bounds how much of a form body party reads to find client_id;
// OAuth forms are far smaller.
const maxPeek = 64 << 10

// party tells the fault injector whose call r is: the client and consent
// of its access token, else the client it names (HTTP Basic, client_id).
// It only runs while a fault limited to a party exists.
func (s *Server) party(bank string, r *http.Request) (clientID, consentID string) {
	s.mu.RLock()
	e := s.banks[bank]
	s.mu.RUnlock()
	if e == nil {
		return "", ""
	}
	if info, err := e.provider.Authenticate(r.Context(), r); err == nil {
		return info.ClientID, info.ConsentID
	}
	if id, _, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: the id is form-encoded inside Basic.
		if u, err := url.QueryUnescape(id); err == nil {
			return u, ""
		}
		return id, ""
	}
	if id := r.URL.Query().Get("client_id"); id != "" {
		return id, ""
	}
	if r.Method == http.MethodPost && r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		// Read a copy and put it back in front of the rest, so the
		// authorization server still reads the whole form.
		head, _ := io.ReadAll(io.LimitReader(r.Body, maxPeek))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		if form, err := url.ParseQuery(string(head)); err == nil {
			return form.Get("client_id"), ""
		}
	}
	return "", ""
}

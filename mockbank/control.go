package mockbank

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/obconnect/obconnect/mockbank/internal/admin"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/dashboard"
	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// host is what the control side sees of the server (admin.Host): the
// store, the authorization servers and where to mount and stop things.
type host struct{ s *Server }

var _ admin.Host = host{}

func (h host) Store() *store.Store                  { return h.s.st }
func (h host) Provider(bank string) *authz.Provider { return h.s.provider(bank) }
func (h host) AdminToken() string                   { return h.s.opts.AdminToken }

// MountAdmin mounts the admin API under /admin and the dashboard, which
// calls that API in-process, under /admin/ui.
func (h host) MountAdmin(a http.Handler) {
	o := h.s.opts
	mounted := a
	dash, err := dashboard.New(dashboard.Options{API: a, APIPath: "/admin", BasePath: dashboardPath, Token: o.AdminToken,
		AllowRemote: o.AllowRemoteAdmin, Logger: h.s.log})
	if err != nil {
		// Only a broken build (templates, the embedded spec) gets here;
		// the API still serves, and the log says why the pages do not.
		h.s.log.Error("the admin dashboard is unavailable", "err", err)
	} else {
		mounted = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == dashboardPath || strings.HasPrefix(r.URL.Path, dashboardPath+"/") {
				dash.ServeHTTP(w, r)
				return
			}
			a.ServeHTTP(w, r)
		})
	}
	h.s.mu.Lock()
	h.s.admin = mounted
	h.s.mu.Unlock()
}

// dashboardPath is where the admin dashboard is served.
const dashboardPath = "/admin/ui"

func (h host) OnClose(f func()) {
	h.s.mu.Lock()
	h.s.onClose = append(h.s.onClose, f)
	h.s.mu.Unlock()
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
	p := s.who(bank, r)
	return p.ClientID, p.ConsentID
}

// who tells the request journal (and the fault injector) whose request r
// is: the client and consent of its access token, else the client it
// names (HTTP Basic, client_id), and an OAuth form's grant_type. Secrets
// are read only to be matched, never returned.
func (s *Server) who(bank string, r *http.Request) journal.Party {
	s.mu.RLock()
	e := s.banks[bank]
	s.mu.RUnlock()
	if e == nil {
		return journal.Party{}
	}
	if client, consent, ok := e.provider.TokenParty(r); ok {
		return journal.Party{ClientID: client, ConsentID: consent}
	}
	var p journal.Party
	if id, _, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: the id is form-encoded inside Basic.
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		p.ClientID = id
	} else if id := r.URL.Query().Get("client_id"); id != "" {
		p.ClientID = id
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
			if p.ClientID == "" {
				p.ClientID = form.Get("client_id")
			}
			p.GrantType = form.Get("grant_type")
		}
	}
	return p
}

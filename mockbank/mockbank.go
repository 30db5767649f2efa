package mockbank

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/datagen"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi"
)

// ErrConfig is wrapped by every error New returns for bad options.
var ErrConfig = errors.New("mockbank: invalid configuration")

// DefaultRedirectURIs are registered for every bank's ready client.
var DefaultRedirectURIs = []string{"http://127.0.0.1:8081/callback", "http://localhost:8081/callback"}

// Options configure a Server. The zero value serves the four built-in
// banks with seed 0.
type Options struct {
	// Seed drives every generated value: same seed, same data, same bytes.
	Seed uint64
	// Profiles are the banks to serve; nil means Profiles().
	Profiles []*Profile
	// Clock is the base of simulated time (store.DefaultNow, stopped, by
	// default); the store's AdvanceClock moves it forward.
	Clock func() time.Time
	// BaseURL is the external scheme://host[:port] clients use, e.g.
	// http://127.0.0.1:8080. When empty it is taken from the first
	// request's Host (or set later with SetBaseURL, e.g. after
	// httptest.NewServer picked a port).
	BaseURL string
	// AdminToken guards /admin; random when empty.
	AdminToken string
	// RedirectURIs of the ready clients; DefaultRedirectURIs when nil.
	// Each must be https, or http to a loopback host, as at registration.
	RedirectURIs []string
	// Middleware, when set, wraps each bank's handler (OAuth and data
	// API): the seam where faults are injected.
	Middleware func(bank string) func(http.Handler) http.Handler
	// LargeTransactions sizes user_large's history (50 000 by default).
	LargeTransactions int
	Logger            *slog.Logger
}

// ReadyClient is a client registered at start for a bank, so a human can
// try the flow at once. For private_key_jwt banks PrivateKeyPEM holds the
// client's signing key (a test key, printed on purpose).
type ReadyClient struct {
	ID            string
	Secret        string
	AuthMethod    string
	PrivateKeyPEM string
	KeyID         string
	RedirectURIs  []string
}

// BankInfo describes a served bank relative to the external base URL.
type BankInfo struct {
	Name         string
	DisplayName  string
	Issuer       string
	DiscoveryURL string
	DataURL      string
	Profile      *Profile
	Client       ReadyClient
}

// Server is mockbank: an http.Handler serving every bank under /{bank}/
// (authorization server) and /{bank}/fdx/v{N}/ (data API), with /admin
// reserved for the control API.
type Server struct {
	opts     Options
	log      *slog.Logger
	st       *store.Store
	profiles []*Profile
	doc      func(context.Context) (*openapi3.T, error)

	// buildMu serialises building the banks from the first request's Host.
	buildMu sync.Mutex
	mu      sync.RWMutex
	base    string
	banks   map[string]*bankEntry
	admin   http.Handler
	onClose []func()
	closed  bool
}

type bankEntry struct {
	p        *Profile
	provider *authz.Provider
	api      *bankAPI
	handler  http.Handler
	ready    ReadyClient
}

// New builds the store, generates every bank's test users and, when the
// base URL is known, the authorization servers.
func New(ctx context.Context, opts Options) (*Server, error) {
	profiles := opts.Profiles
	if profiles == nil {
		profiles = Profiles()
	}
	seen := map[string]bool{}
	var errs []error
	for _, p := range profiles {
		if p == nil {
			errs = append(errs, fmt.Errorf("%w: nil profile", ErrConfig))
			continue
		}
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%w: two profiles named %q", ErrConfig, p.Name))
		}
		seen[p.Name] = true
	}
	if len(profiles) == 0 {
		errs = append(errs, fmt.Errorf("%w: no profiles", ErrConfig))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.AdminToken == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		opts.AdminToken = hex.EncodeToString(b[:])
	}
	if opts.RedirectURIs == nil {
		opts.RedirectURIs = DefaultRedirectURIs
	}
	s := &Server{
		opts: opts, log: log, profiles: profiles,
		st:  store.New(store.Options{Clock: opts.Clock, Seed: opts.Seed}),
		doc: openapi.LoadFDX,
	}
	if err := s.populate(ctx); err != nil {
		return nil, err
	}
	if opts.BaseURL != "" {
		if err := s.SetBaseURL(ctx, opts.BaseURL); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Server) genConfig(p *Profile) datagen.Config {
	return datagen.Config{
		Seed: s.opts.Seed, Bank: p.Name, DisplayName: strings.TrimSuffix(p.DisplayName, " (mock)"),
		Now: s.st.Now(), HistoryMonths: 24, LargeTransactions: s.opts.LargeTransactions,
	}
}

func (s *Server) populate(ctx context.Context) error {
	for _, p := range s.profiles {
		if err := datagen.Populate(ctx, s.st, s.genConfig(p)); err != nil {
			return err
		}
	}
	return nil
}

// SetBaseURL sets the external base URL (scheme://host[:port]) and
// (re)builds the authorization servers, whose issuer depends on it. Call it
// before the first client registers: rebuilding forgets registered clients
// and tokens.
func (s *Server) SetBaseURL(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%w: base URL must be scheme://host[:port]", ErrConfig)
	}
	base = u.Scheme + "://" + u.Host
	banks := map[string]*bankEntry{}
	for _, p := range s.profiles {
		e, err := s.buildBank(ctx, p, base)
		if err != nil {
			return err
		}
		banks[p.Name] = e
	}
	s.mu.Lock()
	s.base, s.banks = base, banks
	s.mu.Unlock()
	return nil
}

func (s *Server) buildBank(ctx context.Context, p *Profile, base string) (*bankEntry, error) {
	provider, err := authz.New(authz.Config{
		Bank: p.Name, DisplayName: p.DisplayName,
		Issuer:      base + "/" + p.Name,
		AuthMethods: []string{p.ClientAuth},
		RequirePAR:  p.RequirePAR,
		KeySeed:     fmt.Sprintf("%d", s.opts.Seed),
		Clock:       s.st.Now,
		Clusters:    p.SupportedClusters(),
		// user_lockout shows the sign-in failure budget's lockout.
		LockedOutUsers: []string{datagen.LockedOutUser},
	}, authz.Deps{
		Users:    &authUsers{st: s.st, gen: s.genConfig(p)},
		Consents: &authConsents{st: s.st, bank: p.Name},
		Logger:   s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("mockbank: %s authorization server: %w", p.Name, err)
	}
	api, err := newBankAPI(ctx, p, s.st, provider, s.log.With("bank", p.Name), s.doc)
	if err != nil {
		return nil, err
	}
	ready, err := s.registerReady(ctx, p, provider)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(api.prefix+"/", api)
	mux.HandleFunc("/"+p.Name+"/fdx/", api.unknownPath)
	mux.Handle("/"+p.Name+"/", provider.Handler())
	var h http.Handler = mux
	if s.opts.Middleware != nil {
		if mw := s.opts.Middleware(p.Name); mw != nil {
			h = mw(h)
		}
	}
	return &bankEntry{p: p, provider: provider, api: api, handler: h, ready: ready}, nil
}

// derive is a deterministic secret from the seed, for ready clients only.
func (s *Server) derive(parts ...string) []byte {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.opts.Seed)
	h.Write([]byte("mockbank ready client"))
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func (s *Server) registerReady(ctx context.Context, p *Profile, provider *authz.Provider) (ReadyClient, error) {
	rc := ReadyClient{ID: p.Name + "-ready", AuthMethod: p.ClientAuth, RedirectURIs: s.opts.RedirectURIs}
	scope := "openid offline_access " + strings.Join(p.SupportedClusters(), " ")
	md := authz.ClientMetadata{
		ClientName: "mockbank ready client", RedirectURIs: rc.RedirectURIs, TokenEndpointAuthMethod: p.ClientAuth,
		GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"}, Scope: scope, ClientID: rc.ID,
	}
	if p.ClientAuth == "private_key_jwt" {
		var key *ecdsa.PrivateKey
		for i := 0; key == nil; i++ {
			k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), s.derive(p.Name, "key", fmt.Sprint(i)))
			if err == nil {
				key = k
			}
		}
		rc.KeyID = p.Name + "-ready-key"
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: rc.KeyID, Algorithm: "ES256", Use: "sig"}}}
		raw, err := json.Marshal(set)
		if err != nil {
			return rc, err
		}
		md.JWKS = raw
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return rc, err
		}
		rc.PrivateKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	} else {
		rc.Secret = hex.EncodeToString(s.derive(p.Name, "secret")[:16])
		md.ClientSecret = rc.Secret
	}
	c, err := provider.RegisterClient(ctx, md)
	if err != nil {
		return rc, fmt.Errorf("mockbank: %s ready client: %w", p.Name, err)
	}
	rc.ID = c.ID
	if c.Secret != "" {
		rc.Secret = c.Secret
	}
	return rc, nil
}

// ServeHTTP routes /{bank}/... to the bank and /admin/... to the control
// API when one is mounted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	banks, admin := s.banks, s.admin
	s.mu.RUnlock()
	if banks == nil {
		var err error
		if banks, err = s.banksFromHost(r); err != nil {
			http.Error(w, "mockbank: cannot derive the base URL from the Host header", http.StatusBadRequest)
			return
		}
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch first {
	case "admin":
		if admin != nil {
			admin.ServeHTTP(w, r)
			return
		}
	case "healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	default:
		if e := banks[first]; e != nil {
			e.handler.ServeHTTP(w, r)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"code":401,"message":"Invalid input","debugMessage":"no such bank or endpoint"}` + "\n"))
}

// banksFromHost builds the banks for the first request's Host, once, even
// when several first requests race.
func (s *Server) banksFromHost(r *http.Request) (map[string]*bankEntry, error) {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	s.mu.RLock()
	banks := s.banks
	s.mu.RUnlock()
	if banks != nil {
		return banks, nil
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if err := s.SetBaseURL(r.Context(), scheme+"://"+r.Host); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.banks, nil
}

// MountAdmin installs the control API's handler under /admin (issue 4).
func (s *Server) MountAdmin(h http.Handler) {
	s.mu.Lock()
	s.admin = h
	s.mu.Unlock()
}

// OnClose registers work to stop when the server closes.
func (s *Server) OnClose(f func()) {
	s.mu.Lock()
	s.onClose = append(s.onClose, f)
	s.mu.Unlock()
}

// Close stops background work. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	fs := s.onClose
	s.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
	return nil
}

// Store is the single state store, for the control side.
func (s *Server) Store() *store.Store { return s.st }

// AdminToken is the bearer token the control API requires.
func (s *Server) AdminToken() string { return s.opts.AdminToken }

// BaseURL is the external base URL, empty until known.
func (s *Server) BaseURL() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.base
}

// Provider is a bank's authorization server (nil before the base URL is
// known or for an unknown bank).
func (s *Server) Provider(bank string) *authz.Provider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.banks[bank]; e != nil {
		return e.provider
	}
	return nil
}

// Profiles lists the served profiles in order.
func (s *Server) Profiles() []*Profile { return s.profiles }

// Banks describes every bank with its URLs under the base URL (which must
// be known: set Options.BaseURL, call SetBaseURL, or serve a request).
func (s *Server) Banks() []BankInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []BankInfo
	for _, p := range s.profiles {
		bi := BankInfo{Name: p.Name, DisplayName: p.DisplayName, Profile: p}
		if s.base != "" {
			bi.Issuer = s.base + "/" + p.Name
			bi.DiscoveryURL = bi.Issuer + "/.well-known/openid-configuration"
			bi.DataURL = bi.Issuer + "/fdx/" + p.VersionPath()
		}
		if e := s.banks[p.Name]; e != nil {
			bi.Client = e.ready
		}
		out = append(out, bi)
	}
	return out
}

// TestUser is a documented scenario user.
type TestUser struct {
	Username, Password, OTP, Description string
}

// TestUsers lists the scenario users every bank has.
func TestUsers() []TestUser {
	return []TestUser{
		{"user_good", datagen.Password, "", "checking, savings, credit card and loan; 24 months of history"},
		{"user_mfa", datagen.Password, datagen.OTP, "needs the one-time code after the password"},
		{"user_locked", datagen.Password, "", "its checking account is RESTRICTED: data calls on it answer 706"},
		{"user_closed", datagen.Password, "", "its savings account is CLOSED: transactions answer 705"},
		{"user_error_<code>", datagen.Password, "", "every data call fails with that FDX code, e.g. user_error_501"},
		{"user_large", datagen.Password, "", "about 50 000 transactions, generated on first read"},
		{"user_live", datagen.Password, "", "pending transactions post and new ones arrive as simulated time advances"},
		{datagen.LockedOutUser, datagen.Password, "", "locked out as after 100 wrong passwords: sign-in answers as a wrong password until DELETE /admin/login-failures"},
	}
}

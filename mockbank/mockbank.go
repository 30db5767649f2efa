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

	jose "github.com/go-jose/go-jose/v4"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/admin"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/datagen"
	"github.com/obconnect/obconnect/mockbank/internal/fdxapi"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ErrConfig is wrapped by every error New returns for bad options.
var ErrConfig = errors.New("mockbank: invalid configuration")

// DefaultRedirectURIs are registered for every bank's ready client.
var DefaultRedirectURIs = []string{"http://127.0.0.1:8081/callback", "http://localhost:8081/callback"}

// Options configure a Server. A nil *Options, like the zero value, serves
// the built-in banks with seed 0, simulated time stopped at its default
// start, state in memory, and the admin API to loopback clients with a
// random token.
type Options struct {
	// Seed drives every generated value: same seed, same data, same bytes.
	Seed uint64
	// Banks are the descriptions of the banks to serve, each under
	// /{name}; nil means connectors.Builtin(). mockbank reads them and
	// never changes them.
	Banks []*bankdesc.Description
	// Clock is the base of simulated time (2026-06-01 12:00 UTC, stopped,
	// by default); the admin API's clock steps move it forward.
	Clock func() time.Time
	// RunClock makes simulated time run with the wall clock, from the
	// instant Clock gives when New is called (the wall clock's now when
	// Clock is nil), instead of standing still. What comes due as it runs
	// (pending transactions posting, live activity, consents nearing
	// their end) is notified within a second. cmd/mockbank runs its clock
	// by default; tests usually keep it stopped for byte-identical output.
	RunClock bool
	// BaseURL is the external scheme://host[:port] clients use, e.g.
	// http://127.0.0.1:8080; issuers and URLs are built from it. When
	// empty it is taken from the first request's Host, once. DataFile and
	// ScenarioFile need it, since they are applied at start.
	BaseURL string
	// AdminToken guards /admin (at least 16 characters); random when
	// empty.
	AdminToken string
	// AllowRemoteAdmin serves the admin API and its dashboard to
	// non-loopback clients too.
	AllowRemoteAdmin bool
	// RedirectURIs of the ready clients; DefaultRedirectURIs when nil.
	// Each must be https, or http to a loopback host, as at registration.
	RedirectURIs []string
	// RefreshReuseGrace, when positive, lets a client present its last
	// rotated refresh token once more within this long, while the token
	// that replaced it is unused (the answer was lost); 0 is strict: any
	// reuse revokes the token family. See docs/mockbank.md.
	RefreshReuseGrace time.Duration
	// LargeTransactions sizes user_large's history (50 000 by default).
	LargeTransactions int
	// DataFile keeps state across restarts: loaded at start when it
	// exists, written atomically after changes and on Close.
	DataFile string
	// ScenarioFile is a YAML or JSON scenario applied at start (after the
	// data file). ScenarioMode says whether a scenario the state already
	// holds (a restart with DataFile) is applied again: "once" (the
	// default) skips it, "always" applies it again.
	ScenarioFile string
	ScenarioMode string
	// NotificationRetryBase (default 1 s) and NotificationMaxAttempts
	// (default 6) shape delivery retries; ConsentExpiringDays (default 7)
	// is when CONSENT_EXPIRING is sent.
	NotificationRetryBase   time.Duration
	NotificationMaxAttempts int
	ConsentExpiringDays     int
	// JournalSize is how many requests the request journal keeps (5 000
	// when 0; negative: no journal). See docs/mockbank.md.
	JournalSize int
	// Logger receives operational events; never tokens or secrets.
	Logger *slog.Logger
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
	// Name is the description's name, the bank's path prefix.
	Name         string
	Issuer       string
	DiscoveryURL string
	DataURL      string
	// Description is the bank as served; treat it as read-only.
	Description *bankdesc.Description
	Client      ReadyClient
}

// Server is mockbank: an http.Handler serving every bank under /{bank}/
// (authorization server) and /{bank}{dataPath}/ (data API), and the
// admin API under /admin.
type Server struct {
	opts Options
	log  *slog.Logger
	st   *store.Store
	// anchor is the simulated instant the seeded histories end at: the
	// start, fixed once even when the clock runs.
	anchor time.Time
	descs  []*bankdesc.Description
	spec   *fdxapi.Spec
	ctl    *admin.Control

	// buildMu serialises starting from the first request's Host.
	buildMu sync.Mutex
	mu      sync.RWMutex
	base    string
	banks   map[string]*bankEntry
	admin   http.Handler
	onClose []func()
	closed  bool
}

type bankEntry struct {
	d        *bankdesc.Description
	provider *authz.Provider
	api      *fdxapi.API
	handler  http.Handler
	ready    ReadyClient
}

// New builds the store, generates every bank's test users and, when the
// base URL is known, the authorization servers and the control side
// (admin API, fault injection, notifications, the data file and the
// scenario). nil opts means defaults. Close stops deliveries and writes
// the data file.
func New(ctx context.Context, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	descs := o.Banks
	if descs == nil {
		descs = connectors.Builtin()
	}
	if err := checkBanks(descs); err != nil {
		return nil, err
	}
	switch o.ScenarioMode {
	case "", admin.ScenarioOnce, admin.ScenarioAlways:
	default:
		return nil, fmt.Errorf("%w: ScenarioMode %q: want once or always", ErrConfig, o.ScenarioMode)
	}
	if o.BaseURL == "" && (o.DataFile != "" || o.ScenarioFile != "") {
		return nil, fmt.Errorf("%w: DataFile and ScenarioFile need BaseURL (they are applied at start)", ErrConfig)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.AdminToken == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		o.AdminToken = hex.EncodeToString(b[:])
	}
	if o.RedirectURIs == nil {
		o.RedirectURIs = DefaultRedirectURIs
	}
	spec, err := fdxapi.LoadSpec(ctx)
	if err != nil {
		return nil, err
	}
	clock := o.Clock
	if o.RunClock {
		start := time.Now()
		if o.Clock != nil {
			start = o.Clock()
		}
		t0 := time.Now()
		// time.Since reads the monotonic clock: a wall-clock jump (NTP)
		// does not move simulated time.
		clock = func() time.Time { return start.Add(time.Since(t0)) }
	}
	s := &Server{
		opts: o, log: log, descs: descs, spec: spec,
		st: store.New(store.Options{Clock: clock, Seed: o.Seed, Running: o.RunClock}),
	}
	s.anchor = s.st.Now()
	s.ctl = admin.NewControl(admin.ControlOptions{
		Banks: descs, Seed: o.Seed, AllowRemote: o.AllowRemoteAdmin, DataFile: o.DataFile, ScenarioFile: o.ScenarioFile, ScenarioMode: o.ScenarioMode,
		BankList: func(context.Context, string) ([]adminapi.Bank, error) { return adminBanks(s), nil },
		Party:    s.party,
		ReadyClient: func(bank string) string {
			s.mu.RLock()
			defer s.mu.RUnlock()
			if e := s.banks[bank]; e != nil {
				return e.ready.ID
			}
			return ""
		},
		Who:    s.who,
		SimNow: s.st.Now, JournalSize: o.JournalSize,
		Notify: notify.Options{BaseDelay: o.NotificationRetryBase, MaxAttempts: o.NotificationMaxAttempts, ExpiringDays: o.ConsentExpiringDays},
		Logger: log,
	})
	if err := s.populate(ctx); err != nil {
		return nil, err
	}
	if o.BaseURL != "" {
		if err := s.start(ctx, o.BaseURL); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	if o.RunClock {
		s.runSweeper()
	}
	return s, nil
}

// start builds the banks for the base URL and attaches the control side,
// whose notification keys and saved state are the authorization servers'.
func (s *Server) start(ctx context.Context, base string) error {
	if err := s.setBaseURL(ctx, base); err != nil {
		return err
	}
	return s.ctl.Attach(ctx, host{s})
}

// generatedMonths is how much history test users get: at least two years,
// whatever the bank serves, so that a client asking beyond the bank's
// window meets the bank's refusal rather than an empty past.
const generatedMonths = 24

func (s *Server) genConfig(d *bankdesc.Description) datagen.Config {
	return datagen.Config{
		Seed: s.opts.Seed, Bank: d.Name, DisplayName: d.DisplayName,
		Now: s.anchor, HistoryMonths: max(generatedMonths, d.HistoryMonths), LargeTransactions: s.opts.LargeTransactions,
	}
}

func (s *Server) populate(ctx context.Context) error {
	for _, d := range s.descs {
		if err := datagen.Populate(ctx, s.st, s.genConfig(d)); err != nil {
			return err
		}
	}
	return nil
}

// setBaseURL sets the external base URL (scheme://host[:port]) and builds
// the authorization servers, whose issuer depends on it.
func (s *Server) setBaseURL(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%w: base URL must be scheme://host[:port]", ErrConfig)
	}
	base = u.Scheme + "://" + u.Host
	banks := map[string]*bankEntry{}
	for _, d := range s.descs {
		e, err := s.buildBank(ctx, d, base)
		if err != nil {
			return err
		}
		banks[d.Name] = e
	}
	s.mu.Lock()
	s.base, s.banks = base, banks
	s.mu.Unlock()
	return nil
}

func (s *Server) buildBank(ctx context.Context, d *bankdesc.Description, base string) (*bankEntry, error) {
	a := d.Auth
	provider, err := authz.New(authz.Config{
		Bank: d.Name, DisplayName: mockLabel(d),
		Issuer:      base + "/" + d.Name,
		AuthMethods: []string{string(a.ClientAuth)},
		RequirePAR:  a.PARRequired,
		KeySeed:     fmt.Sprintf("%d", s.opts.Seed),
		Clock:       s.st.Now,
		Clusters:    d.Clusters,
		Endpoints:   endpoints(d),

		RefreshReuseGrace: s.opts.RefreshReuseGrace,
		// user_lockout shows the sign-in failure budget's lockout.
		LockedOutUsers: []string{datagen.LockedOutUser},
	}, authz.Deps{
		Users:    &authUsers{st: s.st, gen: s.genConfig(d)},
		Consents: &authConsents{st: s.st, bank: d.Name},
		Logger:   s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("mockbank: %s authorization server: %w", d.Name, err)
	}
	api, err := fdxapi.New(fdxapi.Config{Bank: d, Label: mockLabel(d), Store: s.st, Auth: provider, Spec: s.spec, Logger: s.log.With("bank", d.Name)})
	if err != nil {
		return nil, err
	}
	ready, err := s.registerReady(ctx, d, provider)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(api.Prefix()+"/", api)
	if top := dataTop(d); top != d.DataPath {
		// Another version or a typo under the data API's first segment
		// (/fdx/v5 at a bank on /fdx/v6) gets an FDX error, not the
		// authorization server's OAuth one.
		mux.HandleFunc("/"+d.Name+top+"/", api.ServeUnknown)
	}
	mux.Handle("/"+d.Name+"/", provider.Handler())
	h := s.ctl.Middleware(d.Name)(mux)
	return &bankEntry{d: d, provider: provider, api: api, handler: h, ready: ready}, nil
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

func (s *Server) registerReady(ctx context.Context, d *bankdesc.Description, provider *authz.Provider) (ReadyClient, error) {
	rc := ReadyClient{ID: d.Name + "-ready", AuthMethod: string(d.Auth.ClientAuth), RedirectURIs: s.opts.RedirectURIs}
	scope := "openid offline_access " + strings.Join(d.Clusters, " ")
	md := authz.ClientMetadata{
		ClientName: "mockbank ready client", RedirectURIs: rc.RedirectURIs, TokenEndpointAuthMethod: rc.AuthMethod,
		GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"}, Scope: scope, ClientID: rc.ID,
	}
	if d.Auth.ClientAuth == bankdesc.PrivateKeyJWT {
		var key *ecdsa.PrivateKey
		for i := 0; key == nil; i++ {
			k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), s.derive(d.Name, "key", fmt.Sprint(i)))
			if err == nil {
				key = k
			}
		}
		rc.KeyID = d.Name + "-ready-key"
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
		rc.Secret = hex.EncodeToString(s.derive(d.Name, "secret")[:16])
		md.ClientSecret = rc.Secret
	}
	c, err := provider.RegisterClient(ctx, md)
	if err != nil {
		return rc, fmt.Errorf("mockbank: %s ready client: %w", d.Name, err)
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
			s.log.ErrorContext(r.Context(), "starting from the first request's Host", "err", err)
			http.Error(w, "mockbank: cannot start from the Host header: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.RLock()
		admin = s.admin
		s.mu.RUnlock()
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

// banksFromHost starts the server for the first request's Host, once,
// even when several first requests race.
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
	if err := s.start(r.Context(), scheme+"://"+r.Host); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.banks, nil
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

// sweepEvery is how often a running clock's store is swept for what came
// due (and so how late such a notification can be).
const sweepEvery = time.Second

// runSweeper sweeps a running clock's store every second until Close.
func (s *Server) runSweeper() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.st.Sweep(context.Background())
			}
		}
	}()
	s.mu.Lock()
	s.onClose = append(s.onClose, func() { close(stop); <-done })
	s.mu.Unlock()
}

// AdminToken is the bearer token the control API requires.
func (s *Server) AdminToken() string { return s.opts.AdminToken }

// BaseURL is the external base URL, empty until known.
func (s *Server) BaseURL() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.base
}

// provider is a bank's authorization server (nil before the base URL is
// known or for an unknown bank).
func (s *Server) provider(bank string) *authz.Provider {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.banks[bank]; e != nil {
		return e.provider
	}
	return nil
}

// Now is mockbank's simulated time, which consents and histories follow:
// give it to a client as its clock (sdk.Config.Now) so that the client's
// expiry checks agree with the bank's.
func (s *Server) Now() time.Time { return s.st.Now() }

// Banks describes every bank with its URLs under the base URL (empty until
// the base URL is known: Options.BaseURL, or the first request).
func (s *Server) Banks() []BankInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []BankInfo
	for _, d := range s.descs {
		bi := BankInfo{Name: d.Name, Description: d}
		if s.base != "" {
			bi.Issuer = s.base + "/" + d.Name
			bi.DiscoveryURL = bi.Issuer + "/.well-known/openid-configuration"
			bi.DataURL = bi.Issuer + d.DataPath
		}
		if e := s.banks[d.Name]; e != nil {
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

package authz

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Provider is one bank's authorization server. It is safe for concurrent use.
type Provider struct {
	cfg        Config
	deps       Deps
	log        *slog.Logger
	issuerPath string
	csrfKey    []byte
	key        atomic.Pointer[signingKey]
	handler    http.Handler

	// mu guards the long-lived and flow state below.
	mu        sync.RWMutex
	clients   map[string]*client
	grants    map[string]*grant
	refresh   map[string]*refreshEntry // key: refreshKey(token)
	codes     *pending[*codeEntry]     // key: tokenKey(code)
	pars      *pending[*parEntry]      // key: request_uri
	sessions  *pending[*session]       // key: session id
	revokedAT map[string]time.Time     // access-token jti -> exp, for tokens revoked one by one
	lastSweep time.Time                // simulated time of the last scan of the long-lived tables

	// access caches the access tokens this process minted or verified
	// (token string -> *accessEntry). A sync.Map because the data API reads
	// it on every request from every core and writes are rare: reads take
	// no lock at all. atMu serialises inserts and sweeps.
	access    sync.Map
	atMu      sync.Mutex
	accessN   int
	sweepSize int

	jtiMu sync.Mutex
	jtis  map[string]time.Time

	// logins is the sign-in failure budget, across consent pages.
	logins *loginBudget
}

// New validates cfg and returns a ready provider.
func New(cfg Config, deps Deps) (*Provider, error) {
	if err := normalise(&cfg); err != nil {
		return nil, err
	}
	if deps.Users == nil || deps.Consents == nil {
		return nil, fmt.Errorf("%w: Deps.Users and Deps.Consents are required", ErrInvalidConfig)
	}
	p := &Provider{
		cfg: cfg, deps: deps, log: deps.Logger,
		clients: map[string]*client{}, grants: map[string]*grant{},
		refresh: map[string]*refreshEntry{}, codes: newPending[*codeEntry](cfg.CodeTTL, 0),
		pars: newPending[*parEntry](DefaultPARTTL, maxPendingPARs), sessions: newPending[*session](DefaultSessionTTL, maxPendingSessions),
		revokedAT: map[string]time.Time{},
		jtis:      map[string]time.Time{}, sweepSize: 1024,
		logins: newLoginBudget(slices.Clone(cfg.LockedOutUsers)),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("bank", cfg.Bank)
	u, _ := url.Parse(cfg.Issuer) // validated by normalise
	p.issuerPath = strings.TrimSuffix(u.Path, "/")
	p.csrfKey = make([]byte, 32)
	_, _ = rand.Read(p.csrfKey)

	priv := cfg.SigningKey
	var err error
	if priv == nil && cfg.KeySeed != "" {
		priv, err = deriveP256(cfg.KeySeed, cfg.Bank)
	} else if priv == nil {
		priv, err = generateP256()
	}
	if err != nil {
		return nil, err
	}
	sk, err := newSigningKey(priv)
	if err != nil {
		return nil, err
	}
	p.key.Store(sk)
	p.handler = p.routes()
	return p, nil
}

func normalise(cfg *Config) error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrInvalidConfig}, a...)...) }
	if cfg.Bank == "" || strings.ContainsAny(cfg.Bank, "/ ") {
		return bad("Bank must be a non-empty name without slashes or spaces")
	}
	if cfg.DisplayName == "" {
		cfg.DisplayName = cfg.Bank
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return bad("Issuer must be an absolute http(s) URL without query or fragment")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if len(cfg.AuthMethods) == 0 {
		return bad("AuthMethods must name at least one method")
	}
	for _, m := range cfg.AuthMethods {
		if m != AuthClientSecretBasic && m != AuthPrivateKeyJWT {
			return bad("unsupported client auth method %q", m)
		}
	}
	if cfg.AccessTokenTTL <= 0 || cfg.AccessTokenTTL > MaxAccessTokenTTL {
		cfg.AccessTokenTTL = MaxAccessTokenTTL
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = DefaultRefreshTTL
	}
	if cfg.RefreshReuseGrace < 0 {
		return bad("RefreshReuseGrace must not be negative")
	}
	if cfg.CodeTTL <= 0 || cfg.CodeTTL > 10*time.Minute {
		cfg.CodeTTL = DefaultCodeTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.WallClock == nil {
		cfg.WallClock = time.Now
	}
	if len(cfg.Clusters) == 0 {
		cfg.Clusters = slices.Clone(Clusters)
	}
	for _, c := range cfg.Clusters {
		if !slices.Contains(Clusters, c) {
			return bad("unknown cluster %q", c)
		}
	}
	if cfg.Endpoints, err = cfg.Endpoints.WithDefaults(); err != nil {
		return err
	}
	if cfg.MaxConsentDays <= 0 || cfg.MaxConsentDays > MaxDurationDays {
		cfg.MaxConsentDays = MaxDurationDays
	}
	return nil
}

func (p *Provider) now() time.Time { return p.cfg.Clock() }

func (p *Provider) wall() time.Time { return p.cfg.WallClock() }

// url returns the absolute URL of an endpoint.
func (p *Provider) url(path string) string { return p.cfg.Issuer + path }

// Issuer returns the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

func (p *Provider) knownScope(s string) bool {
	return s == ScopeOpenID || s == ScopeOfflineAccess || slices.Contains(p.cfg.Clusters, s)
}

// Handler serves every endpoint. Paths are relative to the bank prefix
// (/authorize, /token, ...); a request that still carries the issuer's path
// (/chase/authorize) is served too, so the wiring may mount the handler with
// or without http.StripPrefix.
func (p *Provider) Handler() http.Handler { return p.handler }

func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.serveDiscovery)
	ep := p.cfg.Endpoints
	mux.HandleFunc("GET "+ep.JWKS, p.serveJWKS)
	mux.HandleFunc("GET "+ep.Authorization, p.serveAuthorize)
	mux.HandleFunc("POST "+ep.Authorization, p.serveAuthorizePost)
	mux.HandleFunc("POST "+ep.PAR, p.servePAR)
	mux.HandleFunc("POST "+ep.Token, p.serveToken)
	mux.HandleFunc("POST "+ep.Revocation, p.serveRevoke)
	mux.HandleFunc("POST /introspect", p.serveIntrospect)
	mux.HandleFunc("POST /register", p.serveRegister)
	mux.HandleFunc("GET /userinfo", p.serveUserinfo)
	mux.HandleFunc("POST /userinfo", p.serveUserinfo)
	for path, allow := range map[string]string{
		"/.well-known/openid-configuration": "GET, HEAD", "/.well-known/oauth-authorization-server": "GET, HEAD",
		ep.JWKS: "GET, HEAD", ep.Authorization: "GET, HEAD, POST", ep.PAR: "POST", ep.Token: "POST",
		ep.Revocation: "POST", "/introspect": "POST", "/register": "POST", "/userinfo": "GET, HEAD, POST",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeOAuthError(w, &OAuthError{Code: codeInvalidRequest, Description: "method not allowed; use " + allow, status: http.StatusMethodNotAllowed})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOAuthError(w, &OAuthError{Code: "not_found", Description: "no such endpoint", status: http.StatusNotFound})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			// A bug must not take the process down with it; the client gets
			// an OAuth server_error instead of a reset connection.
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.log.Error("panic in authz handler", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeOAuthError(w, oauthErr(codeServerError, "internal error"))
			}
		}()
		if p.issuerPath != "" {
			if rest, ok := strings.CutPrefix(r.URL.Path, p.issuerPath); ok && strings.HasPrefix(rest, "/") {
				r2 := r.Clone(r.Context())
				r2.URL.Path = rest
				r2.URL.RawPath = ""
				r = r2
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// Discovery is the OpenID Provider / RFC 8414 metadata document.
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	PAREndpoint                       string   `json:"pushed_authorization_request_endpoint"`
	RequirePAR                        bool     `json:"require_pushed_authorization_requests"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethods          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethods  []string `json:"introspection_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgs                []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
	FDXPurposesSupported              []string `json:"fdx_purposes_supported"`
	FDXMaxConsentDays                 int      `json:"fdx_max_consent_duration_days"`
}

// Discovery returns the metadata document served at
// /.well-known/openid-configuration.
func (p *Provider) Discovery() Discovery {
	d := Discovery{
		Issuer:                        p.cfg.Issuer,
		AuthorizationEndpoint:         p.url(p.cfg.Endpoints.Authorization),
		TokenEndpoint:                 p.url(p.cfg.Endpoints.Token),
		JWKSURI:                       p.url(p.cfg.Endpoints.JWKS),
		RegistrationEndpoint:          p.url("/register"),
		PAREndpoint:                   p.url(p.cfg.Endpoints.PAR),
		RequirePAR:                    p.cfg.RequirePAR,
		RevocationEndpoint:            p.url(p.cfg.Endpoints.Revocation),
		IntrospectionEndpoint:         p.url("/introspect"),
		UserinfoEndpoint:              p.url("/userinfo"),
		ScopesSupported:               append([]string{ScopeOpenID, ScopeOfflineAccess}, p.cfg.Clusters...),
		ResponseTypesSupported:        []string{"code"},
		ResponseModesSupported:        []string{"query"},
		GrantTypesSupported:           []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials},
		CodeChallengeMethodsSupported: []string{"S256"},
		TokenEndpointAuthMethods:      slices.Clone(p.cfg.AuthMethods),
		SubjectTypesSupported:         []string{"public"},
		IDTokenSigningAlgs:            []string{string(p.key.Load().alg)},
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
			"name", "consent_id"},
		AuthorizationResponseISSSupported: true,
		FDXPurposesSupported:              slices.Clone(Purposes),
		FDXMaxConsentDays:                 p.cfg.MaxConsentDays,
	}
	d.RevocationEndpointAuthMethods = d.TokenEndpointAuthMethods
	d.IntrospectionEndpointAuthMethods = d.TokenEndpointAuthMethods
	if slices.Contains(p.cfg.AuthMethods, AuthPrivateKeyJWT) {
		for _, a := range assertionAlgs {
			d.TokenEndpointAuthSigningAlgs = append(d.TokenEndpointAuthSigningAlgs, string(a))
		}
	}
	return d
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, p.Discovery())
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Type", "application/jwk-set+json")
	k := p.key.Load()
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{k.public}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeOAuthError(w http.ResponseWriter, e *OAuthError) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if e.Code == codeInvalidClient {
		h.Set("WWW-Authenticate", `Basic realm="mockbank"`)
	}
	writeJSON(w, e.Status(), e)
}

// maxFormBytes bounds every form and JSON body the provider reads.
const maxFormBytes = 64 << 10

// readForm parses an application/x-www-form-urlencoded body and refuses
// repeated parameters, which RFC 6749 section 3.1 forbids.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *OAuthError) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return nil, oauthErr(codeInvalidRequest, "body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return nil, oauthErr(codeInvalidRequest, "body too large or unreadable")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oauthErr(codeInvalidRequest, "body is not valid form encoding")
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, oauthErr(codeInvalidRequest, fmt.Sprintf("parameter %q repeated", truncate(k, 40)))
		}
	}
	return form, nil
}

package sdk

import (
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Credentials are the integrator's credentials at one bank, as issued when
// the app was registered there. They are fields, never a string to parse.
// ClientID is always required; the bank's client authentication method
// (Profile.Auth.ClientAuth) decides which of the others are: ClientSecret
// for client_secret_basic, PrivateKey and KeyID for private_key_jwt. Open
// says which is missing. String, GoString and LogValue show the client id
// only.
type Credentials struct {
	// ClientID is the integrator's OAuth client id at the bank.
	ClientID string
	// ClientSecret is the client secret, for client_secret_basic banks.
	ClientSecret string
	// PrivateKey signs client assertions at private_key_jwt banks (RSA
	// keys sign PS256, P-256 ECDSA keys ES256, Ed25519 keys EdDSA), and
	// KeyID is its `kid` in the JWKS registered with the bank.
	PrivateKey crypto.Signer
	KeyID      string
}

// String shows the client id and hides the secrets.
func (c Credentials) String() string { return "sdk.Credentials{ClientID: " + c.ClientID + "}" }

// GoString is String, so that %#v hides the secrets too.
func (c Credentials) GoString() string { return c.String() }

// LogValue logs the client id only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ClientID))
}

// Options configures a Client. A nil *Options, like the zero value of
// each field, means the documented default.
type Options struct {
	// RedirectURL is the default OAuth redirect URI (a LinkRequest may
	// override it). It must be registered with the bank.
	RedirectURL string
	// BaseURL selects the environment: "" is the connector's default
	// (its sandbox); production URLs come from the bank's developer
	// programme.
	BaseURL string
	// HTTPClient is the base client (proxy, TLS, timeouts). Its Transport
	// is wrapped, never modified. Nil means http.DefaultTransport with a
	// 60 s timeout.
	HTTPClient *http.Client
	// Logger receives debug logs of each exchange (method, path, status,
	// duration, interaction id; never headers, tokens or bodies) and warnings
	// on retries. Nil means silent.
	Logger *slog.Logger
	// TokenStore persists tokens per grant and serialises their refresh.
	// Nil means an in-memory store private to this Client (tokens are
	// lost on restart). Processes that serve the same grants must share
	// one store (package store/sqlstore): see # Concurrency in the package
	// doc.
	TokenStore TokenStore
	// GrantStore, if set, receives every grant this Client links, and
	// again each grant the bank narrows (before OnGrantChange runs); Revoke
	// and Forget delete it. Nil means the integrator keeps grants itself.
	GrantStore GrantStore
	// Retry configures retries of idempotent reads. Zero means defaults.
	Retry RetryPolicy
	// PageSize is the page size asked of the bank; 0 means the profile's
	// default. It is clamped to the profile's maximum.
	PageSize int
	// RateLimit overrides the profile's client-side limit; zero keeps the
	// profile's. RequestsPerSecond < 0 disables client-side limiting.
	RateLimit RateLimit
	// Limiter, if set, is used instead of a limiter of the Client's own.
	// Banks count requests per client id, so Clients that share credentials
	// (several processes' worth in one, or differently configured Clients
	// for one bank) should share one limiter.
	Limiter *rate.Limiter
	// WrapTransport, if set, wraps the innermost transport (the one that
	// sends each attempt), e.g. with otelhttp.NewTransport for tracing.
	// It sees every request as sent, one call per attempt.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// Observer, if set, is called after every HTTP exchange (data and OAuth)
	// with facts safe to record as metrics.
	Observer func(Exchange)
	// Trace, if set, is called when the client starts an operation at the
	// bank (a call, with its retries and its one forced refresh; or a
	// token refresh) and returns the context the operation runs under and
	// a function the client calls exactly once with the outcome (nil or a
	// classified *Error). Returning a derived context lets a tracer's span
	// parent the exchanges WrapTransport sees. Package telemetry/otelsdk
	// implements it with OpenTelemetry; the sdk imports no tracing library.
	// It runs on the calling goroutine and must not block.
	Trace func(ctx context.Context, op Operation) (context.Context, func(error))
	// OnGrantChange, if set, is called when a token refresh narrows a
	// grant: the bank's token response lists fewer clusters or accounts
	// than the grant held (a user withdrawing one account at the bank).
	// The client enforces the narrower grant from then on whatever it is
	// called with; persist ch.Grant in place of the stored grant so a
	// restarted process enforces it too, and delete the removed accounts'
	// data. It is called synchronously on the goroutine whose call
	// triggered the refresh, outside the client's locks (it may use the
	// client), and may be called again for the same change, by another
	// process sharing the TokenStore: make it idempotent. A refresh never
	// widens a grant.
	OnGrantChange func(ctx context.Context, ch GrantChange)
	// Now is the clock used for consent expiry checks and ID token
	// validation; nil means time.Now. Tests against a bank on simulated
	// time (mockbank) set it to the bank's clock.
	Now func() time.Time
}

// Operation describes one operation for [Options.Trace]. It holds no
// tokens, grant or account identifiers.
type Operation struct {
	// Bank is the bank's registry name.
	Bank string
	// Kind is OperationCall or OperationRefresh.
	Kind OperationKind
	// Name is the client's name for the operation, e.g. "sdk.Account",
	// "sdk.Transactions" or "sdk.token.refresh"; it is low-cardinality.
	Name string
	// Cluster is the data cluster a call needs, empty when none.
	Cluster Cluster
}

// OperationKind tells calls from token refreshes.
type OperationKind string

// The kinds of [Operation].
const (
	OperationCall    OperationKind = "call"
	OperationRefresh OperationKind = "refresh"
)

// startOp reports the start of an operation to Options.Trace, returning
// the context to run it under and the function that reports its end.
func (c *Client) startOp(ctx context.Context, op Operation) (context.Context, func(error)) {
	if c.opts.Trace == nil {
		return ctx, func(error) {}
	}
	op.Bank = c.bank
	tctx, end := c.opts.Trace(ctx, op)
	if tctx == nil {
		tctx = ctx
	}
	if end == nil {
		end = func(error) {}
	}
	return tctx, end
}

// Exchange describes one HTTP exchange for an Observer. It holds no
// headers, bodies or tokens.
type Exchange struct {
	Bank          string
	Method        string
	Path          string
	Status        int // 0 when no response arrived
	Duration      time.Duration
	InteractionID string
	Err           error // transport error, nil when a response arrived
}

// RetryPolicy configures retries. Idempotent reads are retried for
// RateLimited, Unavailable and Internal failures (HTTP 429, 5xx, connection
// resets); calls that change state (revocation, subscriptions) only for
// RateLimited, because a bank that refuses for rate reasons has not acted.
// Waits use full-jitter exponential backoff; a bank's Retry-After (seconds
// or an HTTP-date, read by obcerr.ParseRetryAfter) wins over the backoff
// when present. A date already past asks for no wait, so the backoff
// applies, as it does to an unreadable value.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 0 means 4, 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff ceiling; 0 means 200 ms.
	BaseDelay time.Duration
	// MaxDelay caps one backoff; 0 means 10 s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a bank asking for
	// more fails the call with RateLimited at once. 0 means 60 s.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 10 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 60 * time.Second
	}
	return p
}

// Client is the portable client for one bank and one set of integrator
// credentials. It is safe for concurrent use by many goroutines and serves
// any number of grants (users); create one per bank at start-up and share it.
type Client struct {
	bank    string
	creds   Credentials
	opts    Options
	conn    driver.Connector
	profile driver.Profile
	log     *slog.Logger
	retry   RetryPolicy
	now     func() time.Time
	store   TokenStore
	// grantStore is nil unless Options.GrantStore is set.
	grantStore GrantStore
	limiter    *rate.Limiter // nil: unlimited
	// dataHTTP is what the connector got; authHTTP is for OAuth endpoints
	// (no bearer token, client assertion added where needed).
	dataHTTP *http.Client
	authHTTP *http.Client
	oauth    *oauth2.Config
	pageSize int

	own       *clientTokens // the client's client-credentials token
	mu        sync.Mutex
	grants    map[string]*grantTokens // by Grant.TokenKey()
	lastSweep time.Time
}

// Open returns a Client for the bank registered under name (see
// [Register]), with the integrator's credentials there; opts may be nil. It
// does no network I/O. Errors: InvalidArgument for an unknown bank (the
// message lists the registered ones) or missing credentials; Internal for
// a connector with an invalid profile, or whose profile names another bank.
func Open(ctx context.Context, bank string, creds Credentials, opts *Options) (*Client, error) {
	opener, err := lookup(bank)
	if err != nil {
		return nil, err
	}
	c, err := open(ctx, "sdk.Open", opener, creds, opts)
	if err != nil {
		return nil, err
	}
	if c.bank != bank {
		return nil, &Error{Code: Internal, Op: "sdk.Open", Msg: fmt.Sprintf("the connector registered as %q names itself %q in its profile", bank, c.bank)}
	}
	return c, nil
}

// OpenWith returns a Client for the connector that opener makes, without
// the registry, as sql.OpenDB opens a driver.Connector: for tests, for a
// connector built in the integrator's own code, or for several
// configurations of one bank. The client's bank name (Bank, Grant.Bank)
// is the connector's Profile.Name. Otherwise it is Open: opts may be nil,
// no network I/O, the same errors.
func OpenWith(ctx context.Context, opener driver.Opener, creds Credentials, opts *Options) (*Client, error) {
	if opener == nil {
		return nil, &Error{Code: InvalidArgument, Op: "sdk.OpenWith", Msg: "nil opener"}
	}
	return open(ctx, "sdk.OpenWith", opener, creds, opts)
}

func open(ctx context.Context, op string, opener driver.Opener, creds Credentials, opts *Options) (*Client, error) {
	if ctx == nil {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "nil context"}
	}
	var cfg Options
	if opts != nil {
		cfg = *opts
	}
	if creds.ClientID == "" {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "Credentials.ClientID is required"}
	}
	c := &Client{
		creds:      creds,
		opts:       cfg,
		log:        cfg.Logger,
		retry:      cfg.Retry.withDefaults(),
		now:        cfg.Now,
		store:      cfg.TokenStore,
		grantStore: cfg.GrantStore,
		grants:     map[string]*grantTokens{},
	}
	c.own = &clientTokens{c: c}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.store == nil {
		c.store = NewMemoryTokenStore()
	}
	base := http.DefaultTransport
	timeout := 60 * time.Second
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
		timeout = cfg.HTTPClient.Timeout
	}
	if cfg.WrapTransport != nil {
		base = cfg.WrapTransport(base)
	}
	observed := &observeTransport{c: c, next: base}
	c.dataHTTP = &http.Client{Timeout: timeout, Transport: &limitTransport{c: c, next: &interactionTransport{next: &bearerTransport{next: observed}}}}

	conn, err := opener(ctx, driver.OpenConfig{HTTPClient: c.dataHTTP, BaseURL: cfg.BaseURL, ClientID: creds.ClientID})
	if err != nil {
		return nil, obcerr.Wrap(err, InvalidArgument, op)
	}
	if conn == nil {
		return nil, &Error{Code: Internal, Op: op, Msg: "the opener returned no connector and no error"}
	}
	c.conn = conn
	// The client's own copy: a connector that reuses the slice it
	// returned cannot change what the client enforces.
	c.profile = conn.Profile()
	c.profile.Clusters = slices.Clone(c.profile.Clusters)
	c.bank = c.profile.Name
	if err := c.checkProfile(op); err != nil {
		return nil, err
	}
	c.authHTTP = &http.Client{Timeout: timeout, Transport: &interactionTransport{next: &assertionTransport{c: c, next: observed}}}
	rl := RateLimit{RequestsPerSecond: c.profile.RateLimit.RequestsPerSecond, Burst: c.profile.RateLimit.Burst}
	if cfg.RateLimit.RequestsPerSecond != 0 {
		rl = cfg.RateLimit
	}
	switch {
	case cfg.Limiter != nil:
		c.limiter = cfg.Limiter
	case rl.RequestsPerSecond > 0:
		c.limiter = rate.NewLimiter(rate.Limit(rl.RequestsPerSecond), max(rl.Burst, 1))
	}
	c.pageSize = c.profile.DefaultPageSize
	if cfg.PageSize > 0 {
		c.pageSize = cfg.PageSize
	}
	c.pageSize = min(max(c.pageSize, 1), c.profile.MaxPageSize)
	style := oauth2.AuthStyleInHeader
	if c.profile.Auth.ClientAuth == driver.PrivateKeyJWT {
		style = oauth2.AuthStyleInParams
	}
	c.oauth = &oauth2.Config{
		ClientID:     creds.ClientID,
		ClientSecret: creds.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.profile.Auth.AuthorizationURL,
			TokenURL:  c.profile.Auth.TokenURL,
			AuthStyle: style,
		},
		RedirectURL: cfg.RedirectURL,
	}
	if c.profile.Auth.ClientAuth == driver.PrivateKeyJWT {
		c.oauth.ClientSecret = "" // never sent alongside an assertion
	}
	return c, nil
}

func (c *Client) checkProfile(op string) error {
	p := c.profile
	var bad []string
	if p.Name == "" {
		bad = append(bad, "Name")
	}
	if p.MaxPageSize <= 0 {
		bad = append(bad, "MaxPageSize")
	}
	if p.Pagination != driver.PaginationOffset && p.Pagination != driver.PaginationPageKey {
		bad = append(bad, "Pagination")
	}
	if p.Auth.AuthorizationURL == "" || p.Auth.TokenURL == "" {
		bad = append(bad, "Auth endpoints")
	}
	if p.Auth.PARRequired && p.Auth.PARURL == "" {
		bad = append(bad, "Auth.PARURL (PAR required)")
	}
	switch p.Auth.ClientAuth {
	case driver.ClientSecretBasic:
		if c.creds.ClientSecret == "" {
			return &Error{Code: InvalidArgument, Op: op, Msg: c.bank + " uses client_secret_basic: Credentials.ClientSecret is required"}
		}
	case driver.PrivateKeyJWT:
		if c.creds.PrivateKey == nil || c.creds.KeyID == "" {
			return &Error{Code: InvalidArgument, Op: op, Msg: c.bank + " uses private_key_jwt: Credentials.PrivateKey and Credentials.KeyID are required"}
		}
		if _, err := signingAlg(c.creds.PrivateKey); err != nil {
			return &Error{Code: InvalidArgument, Op: op, Msg: err.Error()}
		}
	default:
		bad = append(bad, "Auth.ClientAuth")
	}
	if len(bad) > 0 {
		return &Error{Code: Internal, Op: op, Msg: fmt.Sprintf("connector %q has an invalid profile: %s", c.bank, strings.Join(bad, ", "))}
	}
	return nil
}

// Bank returns the name of the client's bank, its Profile.Name (the name
// it is registered under).
func (c *Client) Bank() string { return c.bank }

// Profile returns the bank's profile as its connector declares it, with
// the optional capabilities the connector implements. Each call returns a
// new copy, slices included, so a caller may change it without changing
// what the client enforces.
func (c *Client) Profile() Profile {
	p := publicProfile(c.profile)
	_, p.AccountRevocation = c.conn.(driver.AccountRevoker)
	_, p.Subscriptions = c.conn.(driver.NotificationSubscriber)
	return p
}

// As is the escape hatch to bank-specific types, for a need the portable
// API does not cover. target must be a non-nil pointer to one of the types
// the bank's connector package documents under "# As"; As sets it and
// reports true. It reports false, leaving target alone, for any other
// target and for connectors that expose nothing.
//
// What As exposes works outside the client: the consent checks, retries,
// rate limiting and error classification of the Client's own methods do
// not apply to it, and code that uses it is tied to one bank. Prefer the
// portable API wherever it suffices. The design is gocloud.dev's "As".
func (c *Client) As(target any) bool {
	if target == nil {
		return false
	}
	a, ok := c.conn.(driver.Aser)
	return ok && a.As(target)
}

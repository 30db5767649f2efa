package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeySource resolves the kid of a notification's protected header to the
// bank's public verification key.
//
// Key must be safe for concurrent use. It must return an error matching
// [ErrUnknownKey] when the source does not know kid, and one matching
// [ErrKeysUnavailable] when it cannot tell (the JWKS could not be fetched).
// The returned key must be a public key (or, for a deliberately configured
// HMAC scheme, a []byte secret); the verifier never trusts a key carried in
// the notification itself.
type KeySource interface {
	Key(ctx context.Context, kid string) (jose.JSONWebKey, error)
}

// StaticKeys is a fixed [KeySource], for tests and for banks that hand
// their notification keys over out of band. It is immutable and safe for
// concurrent use.
type StaticKeys struct {
	keys map[string]jose.JSONWebKey
}

// NewStaticKeys returns a source holding keys. Every key needs a distinct,
// non-empty KeyID. Private keys are reduced to their public half so that a
// test's signing key can be passed as is; symmetric keys ([]byte) are kept
// and only ever used when the verifier allows an HMAC algorithm.
func NewStaticKeys(keys ...jose.JSONWebKey) (*StaticKeys, error) {
	m := make(map[string]jose.JSONWebKey, len(keys))
	for i, k := range keys {
		if k.KeyID == "" {
			return nil, fmt.Errorf("webhook: static key %d has no kid", i)
		}
		if _, dup := m[k.KeyID]; dup {
			return nil, fmt.Errorf("webhook: static key id %s appears twice", quoteShort(k.KeyID))
		}
		if _, sym := k.Key.([]byte); !sym {
			if !k.IsPublic() {
				k = k.Public()
			}
			if !k.Valid() {
				return nil, fmt.Errorf("webhook: static key %s is not a usable key", quoteShort(k.KeyID))
			}
		}
		m[k.KeyID] = k
	}
	return &StaticKeys{keys: m}, nil
}

// StaticKeysFromJWKS parses a JWK Set document (as a bank publishes it) into
// a StaticKeys. Keys that cannot be used for signature verification are
// skipped, as [JWKSKeySource] does.
func StaticKeysFromJWKS(doc []byte) (*StaticKeys, error) {
	keys, err := parseJWKS(doc)
	if err != nil {
		return nil, err
	}
	return &StaticKeys{keys: keys}, nil
}

// Key implements [KeySource].
func (s *StaticKeys) Key(_ context.Context, kid string) (jose.JSONWebKey, error) {
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return jose.JSONWebKey{}, &Error{Kind: ErrUnknownKey, KeyID: kid}
}

// JWKSOptions configures a [JWKSKeySource]. The zero value (or nil) gives
// the defaults documented on each field.
type JWKSOptions struct {
	// HTTPClient fetches the discovery document and the JWKS. Nil means a
	// client with a 10 s timeout that follows at most 5 redirects, and only
	// to URLs the https policy below accepts. A client of your own should
	// be as strict.
	HTTPClient *http.Client
	// MaxAge is how long a fetched key set is used before it is fetched
	// again on the next lookup. Default 1 hour. When the refetch fails, the
	// cached keys keep working so that a brief JWKS outage at the bank does
	// not reject genuine notifications.
	MaxAge time.Duration
	// MinRefreshInterval is the least time between two fetches, whatever
	// triggers them. A notification naming a kid that is not in the cache
	// triggers a fetch (this is how rotation is picked up), so without this
	// floor a flood of forged kids would turn the receiver into a
	// amplifier against the bank's JWKS endpoint. Default 30 s.
	MinRefreshInterval time.Duration
	// MaxResponseBytes bounds the JWKS and discovery documents. Default
	// 1 MiB.
	MaxResponseBytes int64
	// AllowInsecureHTTP permits plain-http JWKS and discovery URLs on hosts
	// other than loopback. The JWKS is the root of trust for every
	// notification; fetching it without TLS lets anyone on the path forge
	// them. Loopback http (mockbank) is always allowed.
	AllowInsecureHTTP bool
	// Now is the clock for cache ageing and rate limiting. Nil means
	// time.Now. This is wall-clock bookkeeping: it need not (and usually
	// should not) follow a simulated clock given to the Verifier.
	Now func() time.Time
}

// JWKSKeySource is a [KeySource] backed by a bank's published JWK Set,
// fetched over HTTP and cached. Unknown kids trigger a refresh (to pick up
// a rotated key) at most once per MinRefreshInterval; a refresh replaces the
// whole set, so keys the bank withdrew stop verifying. Safe for concurrent
// use; concurrent misses share one fetch.
type JWKSKeySource struct {
	url     string
	client  *http.Client
	maxAge  time.Duration
	minGap  time.Duration
	maxBody int64
	now     func() time.Time

	// fetching serialises fetches: a waiter re-checks the cache after
	// acquiring it, so a burst of misses costs one request.
	fetching chan struct{}

	mu          sync.RWMutex
	keys        map[string]jose.JSONWebKey
	fetchedAt   time.Time // last successful fetch
	attemptedAt time.Time // last attempt, successful or not
	generation  uint64    // bumped when an attempt ends
	lastErr     error     // outcome of the last attempt
}

// NewJWKSKeySource returns a source reading the JWK Set at jwksURL. Nothing
// is fetched until the first lookup.
func NewJWKSKeySource(jwksURL string, opts *JWKSOptions) (*JWKSKeySource, error) {
	var o JWKSOptions
	if opts != nil {
		o = *opts
	}
	if err := checkFetchURL(jwksURL, o.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	if o.MaxAge < 0 || o.MinRefreshInterval < 0 || o.MaxResponseBytes < 0 {
		return nil, errors.New("webhook: JWKSOptions durations and sizes must not be negative")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultClient(o.AllowInsecureHTTP)
	}
	if o.MaxAge == 0 {
		o.MaxAge = time.Hour
	}
	if o.MinRefreshInterval == 0 {
		o.MinRefreshInterval = 30 * time.Second
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &JWKSKeySource{
		url:      jwksURL,
		client:   o.HTTPClient,
		maxAge:   o.MaxAge,
		minGap:   o.MinRefreshInterval,
		maxBody:  o.MaxResponseBytes,
		now:      o.Now,
		fetching: make(chan struct{}, 1),
	}, nil
}

// DiscoverJWKS reads the bank's OpenID Provider configuration at
// discoveryURL (for mockbank, e.g.
// http://127.0.0.1:8080/chase/.well-known/openid-configuration) and returns
// a source for the jwks_uri it names.
func DiscoverJWKS(ctx context.Context, discoveryURL string, opts *JWKSOptions) (*JWKSKeySource, error) {
	var o JWKSOptions
	if opts != nil {
		o = *opts
	}
	if err := checkFetchURL(discoveryURL, o.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	client := o.HTTPClient
	if client == nil {
		client = defaultClient(o.AllowInsecureHTTP)
	}
	limit := o.MaxResponseBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	body, err := fetch(ctx, client, discoveryURL, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook: discovery: %w", err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("webhook: discovery document: %w", err)
	}
	if doc.JWKSURI == "" {
		return nil, errors.New("webhook: discovery document has no jwks_uri")
	}
	return NewJWKSKeySource(doc.JWKSURI, opts)
}

// Key implements [KeySource].
func (s *JWKSKeySource) Key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	waited := false
	for {
		s.mu.RLock()
		k, found := s.keys[kid]
		fresh := !s.fetchedAt.IsZero() && s.now().Sub(s.fetchedAt) < s.maxAge
		mayFetch := s.attemptedAt.IsZero() || s.now().Sub(s.attemptedAt) >= s.minGap
		gen, lastErr := s.generation, s.lastErr
		s.mu.RUnlock()

		if found && fresh {
			return k, nil
		}
		if !mayFetch {
			if found {
				return k, nil // stale but the best we have
			}
			if !waited {
				// A fetch may be in flight (it set attemptedAt when it
				// began): wait for it once and look again rather than
				// report a key that is about to arrive as unknown.
				if err := s.acquire(ctx); err != nil {
					return jose.JSONWebKey{}, &Error{Kind: ErrKeysUnavailable, KeyID: kid, Cause: err}
				}
				<-s.fetching
				waited = true
				continue
			}
			if lastErr != nil {
				// The last fetch failed: we cannot tell whether the
				// bank published this key, so do not call it forged.
				return jose.JSONWebKey{}, &Error{Kind: ErrKeysUnavailable, KeyID: kid, Detail: "last JWKS fetch failed; refresh rate-limited", Cause: lastErr}
			}
			return jose.JSONWebKey{}, &Error{Kind: ErrUnknownKey, KeyID: kid, Detail: "not in the cached JWKS; refresh rate-limited"}
		}

		if err := s.acquire(ctx); err != nil {
			return jose.JSONWebKey{}, &Error{Kind: ErrKeysUnavailable, KeyID: kid, Cause: err}
		}
		s.mu.RLock()
		raced := s.generation != gen
		s.mu.RUnlock()
		if raced {
			// A fetch completed while we waited; look again.
			<-s.fetching
			waited = true
			continue
		}
		err := s.refresh(ctx)
		<-s.fetching

		s.mu.RLock()
		k, found = s.keys[kid]
		s.mu.RUnlock()
		switch {
		case found:
			return k, nil
		case err != nil:
			return jose.JSONWebKey{}, &Error{Kind: ErrKeysUnavailable, KeyID: kid, Cause: err}
		default:
			return jose.JSONWebKey{}, &Error{Kind: ErrUnknownKey, KeyID: kid, Detail: "not in the bank's JWKS"}
		}
	}
}

// acquire takes the fetching token; the caller releases it with
// <-s.fetching.
func (s *JWKSKeySource) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.fetching <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Refresh fetches the JWK Set now, ignoring the cache age but not the
// MinRefreshInterval floor (inside it, it returns the outcome of the last
// fetch without fetching).
// Calling it at start-up surfaces a misconfigured URL before the first
// notification arrives.
func (s *JWKSKeySource) Refresh(ctx context.Context) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer func() { <-s.fetching }()
	s.mu.RLock()
	wait := !s.attemptedAt.IsZero() && s.now().Sub(s.attemptedAt) < s.minGap
	lastErr := s.lastErr
	s.mu.RUnlock()
	if wait {
		return lastErr
	}
	return s.refresh(ctx)
}

// refresh must be called holding the fetching token.
func (s *JWKSKeySource) refresh(ctx context.Context) (err error) {
	s.mu.Lock()
	prev := s.attemptedAt
	s.attemptedAt = s.now()
	s.mu.Unlock()
	// Bumped when the attempt ends, so that anyone who looked at the
	// cache before it knows to look again.
	defer func() {
		s.mu.Lock()
		s.generation++
		if ctx.Err() == nil {
			s.lastErr = err
		}
		s.mu.Unlock()
	}()

	body, err := fetch(ctx, s.client, s.url, s.maxBody)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up; that says nothing about the bank, so
			// it must not use up the refresh allowance of the next one.
			s.mu.Lock()
			s.attemptedAt = prev
			s.mu.Unlock()
		}
		return err
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.keys = keys
	s.fetchedAt = s.now()
	s.mu.Unlock()
	return nil
}

// defaultClient applies the URL policy to redirects too: a JWKS URL on
// https that redirects to plain http would otherwise hand the root of trust
// to anyone on the path.
func defaultClient(allowHTTP bool) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return checkFetchURL(req.URL.String(), allowHTTP)
		},
	}
}

func fetch(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", u, limit)
	}
	return body, nil
}

// parseJWKS decodes keys one at a time so that one key of a type go-jose
// does not know (a post-quantum key a bank adds next year) does not make the
// whole set unusable. Keys without kid, keys not meant for signatures,
// symmetric keys (a published secret is no secret) and duplicated kids
// (ambiguous: which one did the bank mean?) are dropped.
func parseJWKS(doc []byte) (map[string]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New(`JWKS: no "keys" member`)
	}
	keys := make(map[string]jose.JSONWebKey, len(set.Keys))
	dup := map[string]bool{}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue
		}
		if k.KeyID == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if _, sym := k.Key.([]byte); sym {
			continue
		}
		if !k.IsPublic() {
			k = k.Public()
		}
		if !k.Valid() {
			continue
		}
		if _, seen := keys[k.KeyID]; seen {
			dup[k.KeyID] = true
		}
		keys[k.KeyID] = k
	}
	for kid := range dup {
		delete(keys, kid)
	}
	return keys, nil
}

func checkFetchURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook: key URL: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP && !isLoopback(u.Hostname()) {
			return fmt.Errorf("webhook: key URL %s must use https (http is allowed for loopback hosts only)", u.Redacted())
		}
	default:
		return fmt.Errorf("webhook: key URL must be absolute http(s), got scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("webhook: key URL has no host")
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

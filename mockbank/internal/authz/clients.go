package authz

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Grant types a client may register.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the JWS algorithms accepted for private_key_jwt.
var assertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.PS256, jose.RS256, jose.EdDSA}

// ClientMetadata is an RFC 7591 registration request. ClientID and
// ClientSecret are not part of the wire format: the wiring sets them to
// create the per-bank ready client with known credentials.
type ClientMetadata struct {
	ClientName              string          `json:"client_name,omitempty"`
	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string        `json:"grant_types,omitempty"`
	ResponseTypes           []string        `json:"response_types,omitempty"`
	Scope                   string          `json:"scope,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`

	ClientID     string `json:"-"`
	ClientSecret string `json:"-"`
}

// Client is a registered client. Secret is set only in the value returned by
// RegisterClient (the provider keeps a hash); String never shows it.
type Client struct {
	ID       string
	Secret   string
	Metadata ClientMetadata
	IssuedAt time.Time
}

// String identifies the client without its secret.
func (c Client) String() string {
	return fmt.Sprintf("Client{ID:%s Name:%q AuthMethod:%s}", c.ID, c.Metadata.ClientName, c.Metadata.TokenEndpointAuthMethod)
}

// GoString keeps %#v from printing the secret.
func (c Client) GoString() string { return c.String() }

// LogValue keeps slog from printing the secret.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ID), slog.String("client_name", c.Metadata.ClientName),
		slog.String("auth_method", c.Metadata.TokenEndpointAuthMethod))
}

// Client returns a registered client's metadata (never its secret).
func (p *Provider) Client(ctx context.Context, id string) (Client, bool) {
	if ctx.Err() != nil {
		return Client{}, false
	}
	c := p.clientByID(id)
	if c == nil {
		return Client{}, false
	}
	return Client{ID: c.id, Metadata: c.metadata(), IssuedAt: c.issuedAt}, true
}

type client struct {
	id           string
	name         string
	redirectURIs []string
	authMethod   string
	grantTypes   []string
	scopes       []string
	rawJWKS      json.RawMessage
	jwks         *jose.JSONWebKeySet
	secretHash   []byte
	issuedAt     time.Time
}

func (c *client) allowsGrant(g string) bool { return slices.Contains(c.grantTypes, g) }

func (c *client) metadata() ClientMetadata {
	return ClientMetadata{
		ClientName: c.name, RedirectURIs: slices.Clone(c.redirectURIs),
		TokenEndpointAuthMethod: c.authMethod, GrantTypes: slices.Clone(c.grantTypes),
		ResponseTypes: []string{"code"}, Scope: strings.Join(c.scopes, " "), JWKS: c.rawJWKS,
	}
}

// RegisterClient validates md as RFC 7591 asks and registers the client.
// Errors wrap ErrInvalidClientMetadata (and carry an *OAuthError).
func (p *Provider) RegisterClient(ctx context.Context, md ClientMetadata) (Client, error) {
	if err := ctx.Err(); err != nil {
		return Client{}, err
	}
	c, secret, oerr := p.buildClient(md)
	if oerr != nil {
		return Client{}, fmt.Errorf("%w: %w", ErrInvalidClientMetadata, oerr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.clients[c.id]; dup {
		return Client{}, fmt.Errorf("%w: %w", ErrInvalidClientMetadata, oauthErr(codeInvalidClientMeta, "client_id already registered"))
	}
	p.clients[c.id] = c
	p.log.Info("client registered", "client_id", c.id, "auth_method", c.authMethod)
	return Client{ID: c.id, Secret: secret, Metadata: c.metadata(), IssuedAt: c.issuedAt}, nil
}

func (p *Provider) buildClient(md ClientMetadata) (*client, string, *OAuthError) {
	bad := func(code, f string, a ...any) (*client, string, *OAuthError) {
		return nil, "", oauthErr(code, fmt.Sprintf(f, a...))
	}
	c := &client{issuedAt: p.now(), name: strings.TrimSpace(md.ClientName)}
	if c.name == "" {
		c.name = "Unnamed application"
	}
	if utf8.RuneCountInString(c.name) > 100 || !utf8.ValidString(c.name) {
		return bad(codeInvalidClientMeta, "client_name must be valid UTF-8 of at most 100 characters")
	}
	c.authMethod = md.TokenEndpointAuthMethod
	if c.authMethod == "" {
		c.authMethod = p.cfg.AuthMethods[0]
	}
	if !slices.Contains(p.cfg.AuthMethods, c.authMethod) {
		return bad(codeInvalidClientMeta, "token_endpoint_auth_method must be one of %s", strings.Join(p.cfg.AuthMethods, ", "))
	}
	c.grantTypes = md.GrantTypes
	if len(c.grantTypes) == 0 {
		c.grantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	for _, g := range c.grantTypes {
		if g != GrantAuthorizationCode && g != GrantRefreshToken && g != GrantClientCredentials {
			return bad(codeInvalidClientMeta, "unsupported grant type %q", g)
		}
	}
	c.grantTypes = slices.Compact(slices.Sorted(slices.Values(c.grantTypes)))
	for _, rt := range md.ResponseTypes {
		if rt != "code" {
			return bad(codeInvalidClientMeta, "only response type code is supported")
		}
	}
	if len(md.RedirectURIs) > 20 {
		return bad(codeInvalidRedirectURI, "at most 20 redirect_uris")
	}
	for i, u := range md.RedirectURIs {
		// The URI is not echoed: it may carry a password.
		if err := ValidateClientURL(u); err != nil {
			return bad(codeInvalidRedirectURI, "redirect_uris[%d] %v", i, err)
		}
	}
	if c.allowsGrant(GrantAuthorizationCode) && len(md.RedirectURIs) == 0 {
		return bad(codeInvalidRedirectURI, "redirect_uris is required for the authorization_code grant")
	}
	c.redirectURIs = slices.Clone(md.RedirectURIs)
	if md.Scope != "" {
		for s := range strings.FieldsSeq(md.Scope) {
			if !p.knownScope(s) {
				return bad(codeInvalidClientMeta, "scope %q is not supported by this bank", truncate(s, 40))
			}
		}
		c.scopes = strings.Fields(md.Scope)
	}
	if md.JWKSURI != "" {
		return bad(codeInvalidClientMeta, "jwks_uri is not supported; send the keys inline in jwks")
	}
	switch c.authMethod {
	case AuthPrivateKeyJWT:
		set, msg := parseClientJWKS(md.JWKS)
		if msg != "" {
			return bad(codeInvalidClientMeta, "%s", msg)
		}
		c.jwks, c.rawJWKS = set, slices.Clone(md.JWKS)
	case AuthClientSecretBasic:
		if len(md.JWKS) > 0 {
			return bad(codeInvalidClientMeta, "jwks is only used with private_key_jwt")
		}
	}
	c.id = md.ClientID
	if c.id == "" {
		c.id = p.cfg.Bank + "-" + randomToken(12)
	} else if len(c.id) > 128 || strings.ContainsAny(c.id, " :\t\r\n") {
		return bad(codeInvalidClientMeta, "client_id must be at most 128 characters without spaces or colons")
	}
	var secret string
	if c.authMethod == AuthClientSecretBasic {
		secret = md.ClientSecret
		if secret == "" {
			secret = randomToken(32)
		}
		h := sha256.Sum256([]byte(secret))
		c.secretHash = h[:]
	}
	return c, secret, nil
}

func parseClientJWKS(raw json.RawMessage) (*jose.JSONWebKeySet, string) {
	if len(raw) == 0 {
		return nil, "jwks is required for private_key_jwt"
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, "jwks is not a valid JWK Set"
	}
	if len(set.Keys) == 0 || len(set.Keys) > 10 {
		return nil, "jwks must hold between 1 and 10 keys"
	}
	for _, k := range set.Keys {
		if !k.Valid() {
			return nil, "jwks holds an invalid key"
		}
		if !k.IsPublic() {
			return nil, "jwks must hold public keys only"
		}
		if k.Use != "" && k.Use != "sig" {
			return nil, "jwks keys must be signing keys"
		}
	}
	return &set, ""
}

// PublicJWKS renders a public key as an inline JWK Set for ClientMetadata.JWKS,
// a convenience for the wiring's ready private_key_jwt client.
func PublicJWKS(pub crypto.PublicKey, kid string) (json.RawMessage, error) {
	k := jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"}
	if !k.Valid() || !k.IsPublic() {
		return nil, fmt.Errorf("%w: not a public key", ErrInvalidClientMetadata)
	}
	return json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
}

// authenticateClient applies the client's registered method. endpoint is the
// absolute URL of the endpoint being called, an acceptable assertion audience.
func (p *Provider) authenticateClient(r *http.Request, form url.Values, endpoint string) (*client, *OAuthError) {
	hasAssertion := form.Get("client_assertion_type") != "" || form.Get("client_assertion") != ""
	if id, secret, ok := r.BasicAuth(); ok && !(hasAssertion && secret == "") {
		c, oerr := p.authBasic(id, secret)
		if oerr == nil && form.Get("client_id") != "" && form.Get("client_id") != c.id {
			return nil, oauthErr(codeInvalidClient, "client_id does not match the authenticated client")
		}
		return c, oerr
	}
	// Basic with an empty password next to an assertion is what an oauth2
	// client configured without a secret sends; it is not a second method.
	if hasAssertion {
		return p.authAssertion(form, endpoint)
	}
	if form.Get("client_secret") != "" {
		return nil, oauthErr(codeInvalidClient, "client_secret_post is not supported; use HTTP Basic authentication")
	}
	return nil, oauthErr(codeInvalidClient, "client authentication required")
}

func (p *Provider) authBasic(rawID, rawSecret string) (*client, *OAuthError) {
	fail := &OAuthError{Code: codeInvalidClient, Description: "client authentication failed"}
	// RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic.
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil {
		return nil, fail
	}
	c := p.clientByID(id)
	if c == nil || c.authMethod != AuthClientSecretBasic || len(c.secretHash) == 0 {
		return nil, fail
	}
	h := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(h[:], c.secretHash) != 1 {
		return nil, fail
	}
	return c, nil
}

func (p *Provider) authAssertion(form url.Values, endpoint string) (*client, *OAuthError) {
	fail := func(desc string) (*client, *OAuthError) { return nil, oauthErr(codeInvalidClient, desc) }
	if form.Get("client_assertion_type") != clientAssertionType {
		return fail("client_assertion_type must be " + clientAssertionType)
	}
	raw := form.Get("client_assertion")
	if raw == "" || len(raw) > 8192 {
		return fail("client_assertion missing or too large")
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return fail("client_assertion is not a signed JWT with a supported algorithm")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return fail("client_assertion claims unreadable")
	}
	id := unverified.Issuer
	if cid := form.Get("client_id"); cid != "" && cid != id {
		return fail("client_id does not match the assertion issuer")
	}
	c := p.clientByID(id)
	if c == nil || c.authMethod != AuthPrivateKeyJWT || c.jwks == nil {
		return fail("client authentication failed")
	}
	var claims jwt.Claims
	verified := false
	kid := tok.Headers[0].KeyID
	for i := range c.jwks.Keys {
		k := &c.jwks.Keys[i]
		if kid != "" && k.KeyID != "" && k.KeyID != kid {
			continue
		}
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return fail("client_assertion signature does not verify with the registered keys")
	}
	// Clients sign assertions with their own wall clock, so assertions are
	// judged by the wall clock even when the provider runs on simulated time.
	wall := p.wall()
	if claims.Subject != c.id || claims.Issuer != c.id {
		return fail("client_assertion iss and sub must be the client_id")
	}
	if !claims.Audience.Contains(p.cfg.Issuer) && !claims.Audience.Contains(p.url(p.cfg.Endpoints.Token)) && !claims.Audience.Contains(endpoint) {
		return fail("client_assertion aud must be the issuer or the endpoint URL")
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Time: wall}, time.Minute); err != nil || claims.Expiry == nil {
		return fail("client_assertion expired, not yet valid or without exp")
	}
	if exp := claims.Expiry.Time(); exp.Sub(wall) > maxAssertionLifetime {
		return fail("client_assertion exp is too far in the future")
	}
	if claims.ID == "" || len(claims.ID) > 256 {
		return fail("client_assertion jti is required")
	}
	if !p.rememberJTI(c.id+"\x00"+claims.ID, claims.Expiry.Time().Add(time.Minute), wall) {
		return fail("client_assertion jti was already used")
	}
	return c, nil
}

// rememberJTI records a jti until exp; false when it was seen before.
func (p *Provider) rememberJTI(key string, exp, now time.Time) bool {
	p.jtiMu.Lock()
	defer p.jtiMu.Unlock()
	if e, ok := p.jtis[key]; ok && now.Before(e) {
		return false
	}
	if len(p.jtis) > 1024 {
		for k, e := range p.jtis {
			if !now.Before(e) {
				delete(p.jtis, k)
			}
		}
	}
	p.jtis[key] = exp
	return true
}

func (p *Provider) clientByID(id string) *client {
	if id == "" {
		return nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.clients[id]
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return base64.RawURLEncoding.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

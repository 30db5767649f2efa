package sdk

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// MaxConsentDuration is the longest consent a link may ask for.
const MaxConsentDuration = 365 * 24 * time.Hour

// LinkRequest is what the integrator asks the user to consent to.
type LinkRequest struct {
	// Clusters are the FDX data clusters wanted; at least one, each offered
	// by the bank.
	Clusters []Cluster
	// Purpose is required, from the closed list.
	Purpose Purpose
	// Duration is how long the consent lasts: > 0 and <= 365 days,
	// rounded up to whole days (sent as duration_days).
	Duration time.Duration
	// LookbackDays optionally limits the history shared (lookback_days).
	LookbackDays int
	// RedirectURL overrides Options.RedirectURL for this link.
	RedirectURL string
	// UserRef is the integrator's own reference for the user, kept in the
	// pending link and the grant; it is not sent to the bank.
	UserRef string
}

// PendingLink is the state between StartLink and CompleteLink. Store it
// server-side (session, database) keyed by State; it is JSON-serialisable.
// It contains the PKCE verifier, which must not leave your server: String
// and LogValue do not print it.
type PendingLink struct {
	// AuthURL is where to send the user's browser.
	AuthURL string `json:"auth_url"`
	// State is the OAuth state; look the pending link up by it on callback.
	State        string    `json:"state"`
	Nonce        string    `json:"nonce"`
	Verifier     string    `json:"verifier"`
	Bank         string    `json:"bank"`
	RedirectURL  string    `json:"redirect_url"`
	Clusters     []Cluster `json:"clusters"`
	Purpose      Purpose   `json:"purpose"`
	DurationDays int       `json:"duration_days"`
	UserRef      string    `json:"user_ref,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// String omits the verifier and nonce.
func (p PendingLink) String() string {
	return fmt.Sprintf("PendingLink{%s state:%s clusters:%v purpose:%s days:%d}", p.Bank, p.State, p.Clusters, p.Purpose, p.DurationDays)
}

// LogValue omits the verifier and nonce.
func (p PendingLink) LogValue() slog.Value {
	return slog.GroupValue(slog.String("bank", p.Bank), slog.String("state", p.State), slog.Any("clusters", p.Clusters))
}

// StartLink validates the request and returns the authorization URL with
// PKCE (S256), state and nonce, the clusters as scopes (plus openid and
// offline_access), and the purpose and duration as the `purpose` and
// `duration_days` parameters. When the bank requires PAR (RFC 9126) the
// parameters are pushed first and the URL carries only client_id and
// request_uri; that push is the only network call. Errors: InvalidArgument
// for a bad request, Unimplemented for a cluster the bank does not offer.
func (c *Client) StartLink(ctx context.Context, req LinkRequest) (*PendingLink, error) {
	const op = "sdk.StartLink"
	if err := checkContext(ctx, op); err != nil {
		return nil, err
	}
	if len(req.Clusters) == 0 {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "at least one cluster is required"}
	}
	for _, cl := range req.Clusters {
		if !cl.Valid() {
			return nil, &Error{Code: InvalidArgument, Op: op, Msg: fmt.Sprintf("unknown cluster %q", cl)}
		}
		if !slices.Contains(c.profile.Clusters, cl) {
			return nil, &Error{Code: Unimplemented, Op: op, Msg: c.bank + " does not offer " + string(cl)}
		}
	}
	if !req.Purpose.Valid() {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "a purpose is required"}
	}
	if req.Duration <= 0 || req.Duration > MaxConsentDuration {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "duration must be more than 0 and at most 365 days"}
	}
	if req.LookbackDays < 0 {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "lookback days must not be negative"}
	}
	redirect := req.RedirectURL
	if redirect == "" {
		redirect = c.opts.RedirectURL
	}
	if u, err := url.Parse(redirect); err != nil || !u.IsAbs() || u.Fragment != "" {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "an absolute redirect URL without fragment is required"}
	}
	days := int((req.Duration + 24*time.Hour - 1) / (24 * time.Hour))
	clusters := model.ParseClusters(joinClusters(req.Clusters))
	p := &PendingLink{
		State:        randomToken(),
		Nonce:        randomToken(),
		Verifier:     oauth2.GenerateVerifier(),
		Bank:         c.bank,
		RedirectURL:  redirect,
		Clusters:     clusters,
		Purpose:      req.Purpose,
		DurationDays: days,
		UserRef:      req.UserRef,
		CreatedAt:    c.now().UTC(),
	}
	params := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.creds.ClientID},
		"redirect_uri":          {redirect},
		"scope":                 {"openid offline_access " + joinClusters(clusters)},
		"state":                 {p.State},
		"nonce":                 {p.Nonce},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(p.Verifier)},
		"code_challenge_method": {"S256"},
		"purpose":               {req.Purpose.String()},
		"duration_days":         {strconv.Itoa(days)},
	}
	if req.LookbackDays > 0 {
		params.Set("lookback_days", strconv.Itoa(req.LookbackDays))
	}
	auth, err := url.Parse(c.profile.Auth.AuthorizationURL)
	if err != nil {
		return nil, &Error{Code: Internal, Op: op, Msg: "connector's authorization URL is invalid"}
	}
	if c.profile.Auth.PARRequired {
		requestURI, err := c.pushAuthorizationRequest(ctx, params)
		if err != nil {
			return nil, err
		}
		params = url.Values{"client_id": {c.creds.ClientID}, "request_uri": {requestURI}}
	}
	q := auth.Query()
	for k, v := range params {
		q[k] = v
	}
	auth.RawQuery = q.Encode()
	p.AuthURL = auth.String()
	return p, nil
}

func joinClusters(cs []Cluster) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, " ")
}

func randomToken() string {
	// 128 bits from crypto/rand via uuid's generator, URL-safe.
	u := uuid.New()
	return base64.RawURLEncoding.EncodeToString(u[:])
}

// pushAuthorizationRequest posts the parameters to the PAR endpoint (with
// client authentication added by assertionTransport) and returns the
// request_uri.
func (c *Client) pushAuthorizationRequest(ctx context.Context, params url.Values) (string, error) {
	const op = "sdk.StartLink.par"
	var out struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	err := c.retryAuth(ctx, op, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.profile.Auth.PARURL, strings.NewReader(params.Encode()))
		if err != nil {
			return &Error{Code: Internal, Op: op, Msg: "connector's PAR URL is invalid"}
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return c.doAuthJSON(req, op, http.StatusCreated, &out)
	})
	if err != nil {
		return "", err
	}
	if out.RequestURI == "" {
		return "", &Error{Code: Internal, Op: op, Msg: "PAR response without request_uri"}
	}
	return out.RequestURI, nil
}

// retryAuth retries an OAuth-side request that is safe to repeat (PAR
// creates a fresh request_uri each time; nothing else depends on it).
func (c *Client) retryAuth(ctx context.Context, op string, f func(context.Context) error) error {
	_, err := retry(ctx, c, op, true, func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) })
	return err
}

// doAuthJSON sends an OAuth-side request and decodes a JSON answer; OAuth
// errors are classified from their `error` field and HTTP status.
func (c *Client) doAuthJSON(req *http.Request, op string, okStatus int, out any) error {
	resp, err := c.authHTTP.Do(req)
	if err != nil {
		return &Error{Code: Unavailable, Op: op, Msg: "authorization server unreachable", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &Error{Code: Unavailable, Op: op, Msg: "reading authorization server response", Err: err}
	}
	if resp.StatusCode != okStatus && resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &e)
		code := InvalidArgument
		switch {
		case resp.StatusCode == http.StatusUnauthorized || e.Error == "invalid_client":
			code = Unauthenticated
		case resp.StatusCode == http.StatusTooManyRequests:
			code = RateLimited
		case resp.StatusCode >= 500:
			code = Unavailable
		}
		return &Error{Code: code, Op: op, RetryAfter: obcerr.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Msg: "authorization server answered HTTP " + itoa(resp.StatusCode) + " " + e.Error + describe(e.Description)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Code: Internal, Op: op, Msg: "undecodable authorization server response", Err: err}
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// CompleteLink finishes a link from the redirect's query parameters: it
// checks the state (and the RFC 9207 `iss` when present), exchanges the
// code with the PKCE verifier and the bank's client authentication,
// verifies the ID token and its nonce when the bank publishes a JWKS, stores
// the tokens in the TokenStore, and returns the Grant.
//
// Errors: PermissionDenied when the user declined (error=access_denied),
// InvalidArgument for a state mismatch or a malformed callback,
// Unauthenticated when the bank refuses the code.
func (c *Client) CompleteLink(ctx context.Context, pending *PendingLink, callback url.Values) (*Grant, error) {
	const op = "sdk.CompleteLink"
	if err := checkContext(ctx, op); err != nil {
		return nil, err
	}
	if pending == nil || pending.State == "" || pending.Verifier == "" {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "missing pending link"}
	}
	if pending.Bank != c.bank {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: fmt.Sprintf("pending link is for bank %q, client for %q", pending.Bank, c.bank)}
	}
	if subtle.ConstantTimeCompare([]byte(callback.Get("state")), []byte(pending.State)) != 1 {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "state does not match the pending link"}
	}
	if e := callback.Get("error"); e != "" {
		code := Unauthenticated
		switch e {
		case "access_denied":
			code = PermissionDenied
		case "invalid_request", "invalid_scope", "unsupported_response_type":
			code = InvalidArgument
		case "temporarily_unavailable", "server_error":
			code = Unavailable
		}
		return nil, &Error{Code: code, Op: op, Msg: "bank answered " + e + describe(callback.Get("error_description"))}
	}
	if iss := callback.Get("iss"); iss != "" && c.profile.Auth.Issuer != "" && iss != c.profile.Auth.Issuer {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "callback issuer does not match the bank (mix-up attack?)"}
	}
	code := callback.Get("code")
	if code == "" {
		return nil, &Error{Code: InvalidArgument, Op: op, Msg: "callback without code"}
	}
	cfg := *c.oauth
	cfg.RedirectURL = pending.RedirectURL
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, c.authHTTP), code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return nil, c.classifyOAuth(err, op, "authorization_code")
	}
	g := &Grant{
		Bank:         c.bank,
		Purpose:      pending.Purpose,
		DurationDays: pending.DurationDays,
		UserRef:      pending.UserRef,
		CreatedAt:    c.now().UTC(),
		ID:           uuid.NewString(),
	}
	var idClaims map[string]any
	if raw, _ := tok.Extra("id_token").(string); raw != "" && c.profile.Auth.JWKSURL != "" {
		idClaims, err = c.verifyIDToken(ctx, raw, pending.Nonce)
		if err != nil {
			return nil, err
		}
	}
	g.ConsentID = firstString(tok.Extra("consent_id"), idClaims["consent_id"], unverifiedClaim(tok.AccessToken, "consent_id"))
	if scope, _ := tok.Extra("scope").(string); scope != "" {
		g.Clusters = model.ParseClusters(scope)
	} else {
		g.Clusters = slices.Clone(pending.Clusters) // RFC 6749 5.1: same as requested
	}
	if ids, ok := tok.Extra("account_ids").([]any); ok {
		g.AccountIDs = make([]string, 0, len(ids))
		for _, v := range ids {
			if s, ok := v.(string); ok && s != "" {
				g.AccountIDs = append(g.AccountIDs, s)
			}
		}
	}
	if exp, _ := tok.Extra("consent_expires_at").(string); exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			return nil, &Error{Code: Internal, Op: op, Msg: "token response has an invalid consent_expires_at"}
		}
		g.ExpiresAt = t.UTC()
	} else {
		g.ExpiresAt = g.CreatedAt.Add(time.Duration(pending.DurationDays) * 24 * time.Hour)
	}
	if err := c.store.Put(ctx, g.TokenKey(), recordOf(tok)); err != nil {
		return nil, &Error{Code: Unavailable, Op: op, Msg: "could not store tokens", Err: err}
	}
	if c.grantStore != nil {
		if err := c.grantStore.Put(ctx, g); err != nil {
			// Tokens without a grant record would be found by nobody.
			_ = c.store.Delete(ctx, g.TokenKey())
			return nil, &Error{Code: Unavailable, Op: op, Msg: "could not store the grant", Err: err}
		}
	}
	c.forgetTokens(g)
	c.log.DebugContext(ctx, "obconnect link completed", "grant", g)
	return g, nil
}

func (c *Client) verifyIDToken(ctx context.Context, raw, nonce string) (map[string]any, error) {
	const op = "sdk.CompleteLink.id_token"
	octx := oidc.ClientContext(ctx, c.authHTTP)
	keys := oidc.NewRemoteKeySet(octx, c.profile.Auth.JWKSURL)
	v := oidc.NewVerifier(c.profile.Auth.Issuer, keys, &oidc.Config{
		ClientID: c.creds.ClientID, SkipIssuerCheck: c.profile.Auth.Issuer == "", Now: c.now,
		// Asymmetric algorithms only; go-oidc defaults to RS256 alone, but
		// FAPI banks sign with PS256 or ES256.
		SupportedSigningAlgs: []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.EdDSA},
	})
	idt, err := v.Verify(octx, raw)
	if err != nil {
		return nil, &Error{Code: Unauthenticated, Op: op, Msg: "ID token did not verify: " + err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, &Error{Code: Unauthenticated, Op: op, Msg: "ID token nonce does not match the pending link"}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, &Error{Code: Internal, Op: op, Msg: "undecodable ID token claims"}
	}
	return claims, nil
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// unverifiedClaim reads a claim from a JWT access token without checking
// its signature. It is used only to learn the consent id when the bank
// sends it nowhere else; the token is the bank's to verify, not ours.
func unverifiedClaim(token, name string) any {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m[name]
}

// signingAlg picks the JWS algorithm for the integrator's key: PS256 for
// RSA and ES256 for P-256 (both FAPI-approved), EdDSA for Ed25519.
func signingAlg(k crypto.Signer) (jose.SignatureAlgorithm, error) {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		return jose.PS256, nil
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P256() {
			return jose.ES256, nil
		}
		return "", fmt.Errorf("unsupported ECDSA curve %s (use P-256)", pub.Curve.Params().Name)
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("unsupported private key type %T", k)
}

// clientAssertion builds a fresh RFC 7523 client assertion, audience the
// token endpoint, valid for one minute, with a unique jti.
func (c *Client) clientAssertion() (string, error) {
	alg, err := signingAlg(c.creds.PrivateKey)
	if err != nil {
		return "", &Error{Code: InvalidArgument, Op: "sdk.clientAssertion", Msg: err.Error()}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: c.creds.PrivateKey},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", c.creds.KeyID))
	if err != nil {
		return "", &Error{Code: InvalidArgument, Op: "sdk.clientAssertion", Msg: "cannot sign with Credentials.PrivateKey: " + err.Error()}
	}
	now := time.Now()
	claims := jwt.Claims{
		Issuer:    c.creds.ClientID,
		Subject:   c.creds.ClientID,
		Audience:  jwt.Audience{c.profile.Auth.TokenURL},
		ID:        uuid.NewString(),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
		Expiry:    jwt.NewNumericDate(now.Add(time.Minute)),
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", &Error{Code: Internal, Op: "sdk.clientAssertion", Msg: "signing failed: " + err.Error()}
	}
	return s, nil
}

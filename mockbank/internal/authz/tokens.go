package authz

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	grantKindCode              = "authorization_code"
	grantKindClientCredentials = "client_credentials"
	sweepInterval              = 30 * time.Second
)

// grant is one authorization: the family of every token minted from one
// authorization code (or one client_credentials request). Revoking it
// revokes every access and refresh token of the family.
type grant struct {
	id        string
	kind      string
	clientID  string
	userID    string
	userName  string
	consentID string
	scopes    []string
	clusters  []string
	// accountIDs shrinks when accounts are revoked one by one (read
	// without locks by mint and Authenticate, hence atomic).
	accountIDs       atomic.Pointer[[]string]
	consentExpiresAt time.Time
	authTime         time.Time // wall clock, for the ID token's auth_time
	createdAt        time.Time
	// expiresAt is when the last token of the family expires (guarded by
	// p.mu); the sweep forgets the grant after that.
	expiresAt time.Time
	revoked   atomic.Bool
	// consentRevoked says the grant died with its consent (set before
	// revoked, so a reader that sees revoked also sees why).
	consentRevoked atomic.Bool
}

func (g *grant) accounts() []string {
	if a := g.accountIDs.Load(); a != nil {
		return *a
	}
	return nil
}

func (g *grant) setAccounts(ids []string) { g.accountIDs.Store(&ids) }

// extendGrantLocked records that a token of g lives until exp.
func (p *Provider) extendGrantLocked(g *grant, exp time.Time) {
	if exp.After(g.expiresAt) {
		g.expiresAt = exp
	}
}

type codeEntry struct {
	req              authRequest
	userID           string
	userName         string
	consentID        string
	accountIDs       []string
	consentExpiresAt time.Time
	authTime         time.Time
	used             bool
	grantID          string
}

type refreshEntry struct {
	grantID   string
	used      bool
	issuedAt  time.Time
	expiresAt time.Time
	// usedAt and next (the successor's key) are set at rotation, for
	// Config.RefreshReuseGrace.
	usedAt time.Time
	next   string
}

// graced reports whether a rotated refresh token may be presented again:
// within the grace of its rotation, while its successor is unused.
// Callers hold p.mu.
func (p *Provider) graced(e *refreshEntry, now time.Time) bool {
	if p.cfg.RefreshReuseGrace <= 0 || !now.Before(e.usedAt.Add(p.cfg.RefreshReuseGrace)) {
		return false
	}
	succ := p.refresh[e.next]
	return succ != nil && !succ.used
}

type accessEntry struct {
	info    AccessInfo
	grant   *grant
	revoked atomic.Bool
}

// AccessInfo is what a valid access token grants. Slices are shared with
// the provider and must not be modified.
type AccessInfo struct {
	TokenID   string
	ClientID  string
	Subject   string // user id; the client id for client_credentials tokens
	ConsentID string // empty for client_credentials tokens
	Scopes    []string
	// Clusters are the FDX data clusters among Scopes.
	Clusters         []string
	AccountIDs       []string
	IssuedAt         time.Time
	ExpiresAt        time.Time
	ConsentExpiresAt time.Time
	// ClientCredentials marks a token obtained with the client_credentials
	// grant: it acts for the client (notification subscriptions), never
	// for a user.
	ClientCredentials bool
}

// HasCluster reports whether the token grants the data cluster.
func (a *AccessInfo) HasCluster(c string) bool { return slices.Contains(a.Clusters, c) }

// HasAccount reports whether the token grants the account.
func (a *AccessInfo) HasAccount(id string) bool { return slices.Contains(a.AccountIDs, id) }

// accessClaims are the access token's claims (RFC 9068 plus ours).
type accessClaims struct {
	jwt.Claims
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	ConsentID string `json:"consent_id,omitempty"`
	GrantID   string `json:"gid"`
}

type idClaims struct {
	jwt.Claims
	AuthTime  int64  `json:"auth_time,omitempty"`
	Nonce     string `json:"nonce,omitempty"`
	AtHash    string `json:"at_hash,omitempty"`
	ConsentID string `json:"consent_id,omitempty"`
	Name      string `json:"name,omitempty"`
}

type tokenResponse struct {
	AccessToken      string   `json:"access_token"`
	TokenType        string   `json:"token_type"`
	ExpiresIn        int64    `json:"expires_in"`
	RefreshToken     string   `json:"refresh_token,omitempty"`
	IDToken          string   `json:"id_token,omitempty"`
	Scope            string   `json:"scope"`
	ConsentID        string   `json:"consent_id,omitempty"`
	AccountIDs       []string `json:"account_ids,omitempty"`
	ConsentExpiresAt string   `json:"consent_expires_at,omitempty"`
}

// tokenKey is how codes and refresh tokens are indexed: by hash, so the
// exported state never holds a usable credential.
func tokenKey(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	c, oerr := p.authenticateClient(r, form, p.url(p.cfg.Endpoints.Token))
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	gt := form.Get("grant_type")
	var resp *tokenResponse
	switch gt {
	case GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials:
		if !c.allowsGrant(gt) {
			writeOAuthError(w, oauthErr(codeUnauthorizedClient, "client is not registered for grant type "+gt))
			return
		}
	case "":
		writeOAuthError(w, oauthErr(codeInvalidRequest, "grant_type is required"))
		return
	default:
		writeOAuthError(w, oauthErr(codeUnsupportedGrantType, "supported grant types: authorization_code, refresh_token, client_credentials"))
		return
	}
	switch gt {
	case GrantAuthorizationCode:
		resp, oerr = p.exchangeCode(c, form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier"))
	case GrantRefreshToken:
		resp, oerr = p.exchangeRefresh(r.Context(), c, form.Get("refresh_token"), form.Get("scope"), form.Has("scope"))
	case GrantClientCredentials:
		resp, oerr = p.clientCredentials(c, form.Get("scope"))
	}
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) exchangeCode(c *client, code, redirectURI, verifier string) (*tokenResponse, *OAuthError) {
	if code == "" {
		return nil, oauthErr(codeInvalidRequest, "code is required")
	}
	if verifier == "" {
		return nil, oauthErr(codeInvalidRequest, "code_verifier is required (PKCE)")
	}
	if !validPKCEValue(verifier) {
		return nil, oauthErr(codeInvalidRequest, "code_verifier must be 43 to 128 characters of the PKCE alphabet")
	}
	now := p.now()
	p.mu.Lock()
	e, expired, ok := p.codes.lookup(tokenKey(code), now, p.wall())
	switch {
	case !ok:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "authorization code is invalid")
	case e.used:
		// RFC 6749 section 4.1.2: a replayed code revokes what it minted.
		if g := p.grants[e.grantID]; g != nil {
			p.revokeGrantLocked(g, "authorization code replay")
		}
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "authorization code was already used; tokens issued with it are revoked")
	case expired:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "authorization code expired")
	case e.req.ClientID != c.id:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "authorization code was issued to another client")
	case redirectURI != e.req.RedirectURI:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "redirect_uri does not match the authorization request")
	}
	sum := sha256.Sum256([]byte(verifier))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != e.req.CodeChallenge {
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "code_verifier does not match the code_challenge")
	}
	g := &grant{
		id: randomToken(16), kind: grantKindCode, clientID: c.id, userID: e.userID, userName: e.userName,
		consentID: e.consentID, scopes: e.req.Scopes, clusters: e.req.Clusters,
		consentExpiresAt: e.consentExpiresAt, authTime: e.authTime, createdAt: now,
	}
	g.setAccounts(e.accountIDs)
	e.used, e.grantID = true, g.id
	p.grants[g.id] = g
	rt := randomToken(32)
	p.refresh[tokenKey(rt)] = &refreshEntry{grantID: g.id, issuedAt: now, expiresAt: p.refreshExpiry(g, now)}
	p.extendGrantLocked(g, p.refreshExpiry(g, now))
	p.extendGrantLocked(g, now.Add(p.cfg.AccessTokenTTL))
	p.mu.Unlock()
	return p.mint(g, g.scopes, e.req.Nonce, rt, now)
}

func (p *Provider) refreshExpiry(g *grant, now time.Time) time.Time {
	exp := now.Add(p.cfg.RefreshTokenTTL)
	if !g.consentExpiresAt.IsZero() && g.consentExpiresAt.Before(exp) {
		exp = g.consentExpiresAt
	}
	return exp
}

func (p *Provider) exchangeRefresh(ctx context.Context, c *client, rt, scope string, hasScope bool) (*tokenResponse, *OAuthError) {
	if rt == "" {
		return nil, oauthErr(codeInvalidRequest, "refresh_token is required")
	}
	key := tokenKey(rt)
	now := p.now()
	p.mu.Lock()
	e := p.refresh[key]
	var g *grant
	if e != nil {
		g = p.grants[e.grantID]
	}
	switch {
	case e == nil || g == nil:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token is invalid")
	case g.clientID != c.id:
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token was issued to another client")
	case g.revoked.Load() && g.consentRevoked.Load():
		// Revoked with its consent (at the bank, or by the data API): say
		// why, so the client deletes rather than links again.
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "the consent is no longer active")
	case g.revoked.Load():
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token was revoked")
	case e.used && !p.graced(e, now):
		// Reuse of a rotated refresh token means it leaked (or the client
		// raced itself): revoke the whole family, as the OAuth 2.0
		// Security BCP asks.
		p.revokeGrantLocked(g, "refresh token reuse")
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token was already used; every token of this grant is now revoked")
	case !now.Before(e.expiresAt):
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token expired")
	case !g.consentExpiresAt.IsZero() && !now.Before(g.consentExpiresAt):
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "the consent has expired")
	}
	p.mu.Unlock()

	scopes := g.scopes
	if hasScope {
		scopes = nil
		for s := range strings.FieldsSeq(scope) {
			if !slices.Contains(g.scopes, s) {
				return nil, oauthErr(codeInvalidScope, "a refresh may only narrow the granted scope")
			}
			scopes = append(scopes, s)
		}
		if len(scopes) == 0 {
			return nil, oauthErr(codeInvalidScope, "scope must not be empty")
		}
	}
	if g.consentID != "" {
		st, err := p.deps.Consents.ConsentStatus(ctx, g.consentID)
		if err != nil {
			p.log.Error("consent status lookup failed", "consent_id", g.consentID, "error", err)
			return nil, &OAuthError{Code: "temporarily_unavailable", Description: "consent status unavailable; retry later", status: http.StatusServiceUnavailable}
		}
		narrowed := g.accounts()
		if st.AccountIDs != nil {
			narrowed = slices.DeleteFunc(slices.Clone(narrowed), func(id string) bool { return !slices.Contains(st.AccountIDs, id) })
		}
		if !st.Active || len(narrowed) == 0 {
			p.mu.Lock()
			if st.Status == "REVOKED" || len(narrowed) == 0 {
				g.consentRevoked.Store(true)
			}
			p.revokeGrantLocked(g, "consent "+strings.ToLower(st.Status))
			p.mu.Unlock()
			return nil, oauthErr(codeInvalidGrant, "the consent is no longer active")
		}
		if len(narrowed) != len(g.accounts()) {
			// Accounts revoked one by one leave the grant; the new tokens
			// and the response's account_ids say so.
			g.setAccounts(narrowed)
		}
	}
	next := randomToken(32)
	p.mu.Lock()
	// Re-check under the lock: a concurrent refresh with the same token is
	// reuse too.
	if g.revoked.Load() {
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token was revoked")
	}
	if e.used && !p.graced(e, now) {
		p.revokeGrantLocked(g, "refresh token reuse")
		p.mu.Unlock()
		return nil, oauthErr(codeInvalidGrant, "refresh token was already used; every token of this grant is now revoked")
	}
	if e.used {
		// A graced reuse: the successor was never used; retire it.
		delete(p.refresh, e.next)
	} else {
		e.used, e.usedAt = true, now
	}
	e.next = tokenKey(next)
	p.sweepLocked(now, p.wall())
	p.refresh[tokenKey(next)] = &refreshEntry{grantID: g.id, issuedAt: now, expiresAt: p.refreshExpiry(g, now)}
	p.extendGrantLocked(g, p.refreshExpiry(g, now))
	p.extendGrantLocked(g, now.Add(p.cfg.AccessTokenTTL))
	p.mu.Unlock()
	return p.mint(g, scopes, "", next, now)
}

func (p *Provider) clientCredentials(c *client, scope string) (*tokenResponse, *OAuthError) {
	if strings.TrimSpace(scope) != "" {
		return nil, oauthErr(codeInvalidScope, "client_credentials tokens carry no scope; they only manage notification subscriptions")
	}
	now := p.now()
	// One grant per client: client_credentials tokens are requested often
	// (by load tests too) and must not grow the grant table.
	id := "cc-" + c.id
	p.mu.Lock()
	p.sweepLocked(now, p.wall())
	g := p.grants[id]
	if g == nil || g.revoked.Load() {
		g = &grant{id: id, kind: grantKindClientCredentials, clientID: c.id, createdAt: now}
		p.grants[id] = g
	}
	p.extendGrantLocked(g, now.Add(p.cfg.AccessTokenTTL))
	p.mu.Unlock()
	return p.mint(g, nil, "", "", now)
}

// mint signs an access token (and an ID token when openid was granted).
func (p *Provider) mint(g *grant, scopes []string, nonce, refreshToken string, now time.Time) (*tokenResponse, *OAuthError) {
	sk := p.key.Load()
	exp := now.Add(p.cfg.AccessTokenTTL)
	if !g.consentExpiresAt.IsZero() && g.consentExpiresAt.Before(exp) {
		exp = g.consentExpiresAt
	}
	sub := g.userID
	if g.kind == grantKindClientCredentials {
		sub = g.clientID
	}
	jti := randomToken(16)
	ac := accessClaims{
		Claims: jwt.Claims{Issuer: p.cfg.Issuer, Subject: sub, Audience: jwt.Audience{p.cfg.Issuer},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(exp), ID: jti},
		ClientID: g.clientID, Scope: strings.Join(scopes, " "), ConsentID: g.consentID, GrantID: g.id,
	}
	at, err := jwt.Signed(sk.atSign).Claims(ac).Serialize()
	if err != nil {
		p.log.Error("signing access token failed", "error", err)
		return nil, oauthErr(codeServerError, "token signing failed")
	}
	resp := &tokenResponse{
		AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(now) / time.Second),
		RefreshToken: refreshToken, Scope: strings.Join(scopes, " "), ConsentID: g.consentID, AccountIDs: g.accounts(),
	}
	if !g.consentExpiresAt.IsZero() {
		resp.ConsentExpiresAt = g.consentExpiresAt.UTC().Format(time.RFC3339)
	}
	if slices.Contains(scopes, ScopeOpenID) {
		h := sha256.Sum256([]byte(at))
		// Relying parties check ID-token times against their own clock, so
		// these follow the wall clock even when the provider runs on
		// simulated time (a simulated date in the past would otherwise make
		// every ID token look expired).
		wall := p.wall()
		ic := idClaims{
			Claims: jwt.Claims{Issuer: p.cfg.Issuer, Subject: sub, Audience: jwt.Audience{g.clientID},
				IssuedAt: jwt.NewNumericDate(wall), Expiry: jwt.NewNumericDate(wall.Add(p.cfg.AccessTokenTTL))},
			AuthTime: g.authTime.Unix(), Nonce: nonce, AtHash: base64.RawURLEncoding.EncodeToString(h[:16]),
			ConsentID: g.consentID, Name: g.userName,
		}
		resp.IDToken, err = jwt.Signed(sk.signer).Claims(ic).Serialize()
		if err != nil {
			p.log.Error("signing ID token failed", "error", err)
			return nil, oauthErr(codeServerError, "token signing failed")
		}
	}
	p.cacheAccess(at, &accessEntry{info: p.infoFor(g, scopes, jti, now, exp), grant: g}, now)
	return resp, nil
}

func (p *Provider) infoFor(g *grant, scopes []string, jti string, iat, exp time.Time) AccessInfo {
	info := AccessInfo{
		TokenID: jti, ClientID: g.clientID, Subject: g.userID, ConsentID: g.consentID, Scopes: scopes,
		AccountIDs: g.accounts(), IssuedAt: iat, ExpiresAt: exp, ConsentExpiresAt: g.consentExpiresAt,
		ClientCredentials: g.kind == grantKindClientCredentials,
	}
	if info.ClientCredentials {
		info.Subject = g.clientID
	}
	if slices.Equal(scopes, g.scopes) {
		info.Clusters = g.clusters
	} else {
		for _, s := range scopes {
			if slices.Contains(Clusters, s) {
				info.Clusters = append(info.Clusters, s)
			}
		}
	}
	return info
}

func (p *Provider) cacheAccess(token string, e *accessEntry, now time.Time) {
	p.atMu.Lock()
	defer p.atMu.Unlock()
	if p.accessN >= p.sweepSize {
		n := 0
		p.access.Range(func(k, v any) bool {
			if ae := v.(*accessEntry); !now.Before(ae.info.ExpiresAt) || ae.revoked.Load() || ae.grant.revoked.Load() {
				p.access.Delete(k)
			} else {
				n++
			}
			return true
		})
		p.accessN, p.sweepSize = n, max(1024, 2*n)
	}
	if _, loaded := p.access.LoadOrStore(token, e); !loaded {
		p.accessN++
	}
}

func (p *Provider) cachedAccess(token string) *accessEntry {
	if v, ok := p.access.Load(token); ok {
		return v.(*accessEntry)
	}
	return nil
}

// revokeGrantLocked revokes a token family; callers hold p.mu.
func (p *Provider) revokeGrantLocked(g *grant, reason string) {
	if g.revoked.Swap(true) {
		return
	}
	p.log.Info("grant revoked", "client_id", g.clientID, "consent_id", g.consentID, "reason", reason)
}

// RevokeConsent revokes every token minted under the consent. The data API
// calls it when a consent is revoked (or, at account level, when the grant
// must be re-issued). It returns the number of grants revoked.
func (p *Provider) RevokeConsent(ctx context.Context, consentID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if consentID == "" {
		return 0, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, g := range p.grants {
		if g.consentID == consentID && !g.revoked.Load() {
			g.consentRevoked.Store(true)
			p.revokeGrantLocked(g, "consent revoked")
			n++
		}
	}
	return n, nil
}

// Authenticate reads the Bearer token of a data API request and returns what
// it grants. Errors: ErrMissingToken, ErrInvalidToken, ErrTokenExpired,
// ErrTokenRevoked (ErrConsentRevoked when the consent was revoked). It does not consult the consent store: the data API checks
// the consent's current state itself.
func (p *Provider) Authenticate(ctx context.Context, r *http.Request) (*AccessInfo, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, ErrMissingToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, ErrInvalidToken
	}
	return p.AuthenticateToken(ctx, strings.TrimSpace(tok))
}

// AuthenticateToken is Authenticate for a bare token. A token minted by this
// process is found in a map (no signature check on the hot path); any other
// is verified as a JWT against the signing key and its grant looked up, which
// keeps tokens valid across a restart with imported state.
func (p *Provider) AuthenticateToken(ctx context.Context, token string) (*AccessInfo, error) {
	e, err := p.lookupAccess(token)
	if err != nil {
		return nil, err
	}
	info := e.info
	return &info, nil
}

func (p *Provider) lookupAccess(token string) (*accessEntry, error) {
	if token == "" {
		return nil, ErrMissingToken
	}
	e := p.cachedAccess(token)
	if e == nil {
		var err error
		if e, err = p.verifyAccessJWT(token); err != nil {
			return nil, err
		}
	}
	if e.grant.revoked.Load() && e.grant.consentRevoked.Load() {
		return nil, ErrConsentRevoked
	}
	if e.revoked.Load() || e.grant.revoked.Load() {
		return nil, ErrTokenRevoked
	}
	if !p.now().Before(e.info.ExpiresAt) {
		return nil, ErrTokenExpired
	}
	return e, nil
}

func (p *Provider) verifyAccessJWT(token string) (*accessEntry, error) {
	if len(token) > 8192 || strings.Count(token, ".") != 2 {
		return nil, ErrInvalidToken
	}
	sk := p.key.Load()
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{sk.alg})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].ExtraHeaders[jose.HeaderType] != "at+jwt" {
		return nil, ErrInvalidToken
	}
	var c accessClaims
	if err := tok.Claims(sk.priv.Public(), &c); err != nil {
		return nil, ErrInvalidToken
	}
	if c.Issuer != p.cfg.Issuer || c.Expiry == nil || c.IssuedAt == nil || c.GrantID == "" {
		return nil, ErrInvalidToken
	}
	p.mu.RLock()
	g := p.grants[c.GrantID]
	_, revoked := p.revokedAT[c.ID]
	p.mu.RUnlock()
	if g == nil || g.clientID != c.ClientID {
		return nil, ErrInvalidToken
	}
	e := &accessEntry{info: p.infoFor(g, strings.Fields(c.Scope), c.ID, c.IssuedAt.Time(), c.Expiry.Time()), grant: g}
	if revoked {
		e.revoked.Store(true)
	}
	if now := p.now(); now.Before(e.info.ExpiresAt) {
		p.cacheAccess(token, e, now)
	}
	return e, nil
}

// clientTokenRequest reads the form of a revocation or introspection
// request (RFC 7009, RFC 7662), authenticates the client at endpoint and
// returns the token it names; on failure it has answered already.
func (p *Provider) clientTokenRequest(w http.ResponseWriter, r *http.Request, endpoint string) (*client, string, bool) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return nil, "", false
	}
	c, oerr := p.authenticateClient(r, form, p.url(endpoint))
	if oerr != nil {
		writeOAuthError(w, oerr)
		return nil, "", false
	}
	tok := form.Get("token")
	if tok == "" {
		writeOAuthError(w, oauthErr(codeInvalidRequest, "token is required"))
		return nil, "", false
	}
	return c, tok, true
}

func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	c, tok, ok := p.clientTokenRequest(w, r, p.cfg.Endpoints.Revocation)
	if !ok {
		return
	}
	p.mu.Lock()
	if e := p.refresh[tokenKey(tok)]; e != nil {
		if g := p.grants[e.grantID]; g != nil && g.clientID == c.id {
			// RFC 7009 section 2.1: revoking a refresh token revokes the
			// access tokens of the same grant too.
			p.revokeGrantLocked(g, "refresh token revoked by client")
		}
		p.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	p.mu.Unlock()
	// RFC 7009: an unknown or foreign token is answered 200 all the same.
	if info, err := p.AuthenticateToken(r.Context(), tok); err == nil && info.ClientID == c.id {
		if e := p.cachedAccess(tok); e != nil {
			e.revoked.Store(true)
		}
		p.mu.Lock()
		p.revokedAT[info.TokenID] = info.ExpiresAt
		p.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	c, tok, valid := p.clientTokenRequest(w, r, "/introspect")
	if !valid {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	inactive := map[string]any{"active": false}
	ctx := r.Context()
	if info, err := p.AuthenticateToken(ctx, tok); err == nil {
		if info.ClientID != c.id || !p.consentActive(ctx, info.ConsentID) {
			writeJSON(w, http.StatusOK, inactive)
			return
		}
		out := map[string]any{
			"active": true, "token_type": "Bearer", "scope": strings.Join(info.Scopes, " "), "client_id": info.ClientID,
			"sub": info.Subject, "iss": p.cfg.Issuer, "aud": p.cfg.Issuer, "jti": info.TokenID,
			"iat": info.IssuedAt.Unix(), "exp": info.ExpiresAt.Unix(),
		}
		if info.ConsentID != "" {
			out["consent_id"] = info.ConsentID
			out["account_ids"] = info.AccountIDs
			out["consent_expires_at"] = info.ConsentExpiresAt.UTC().Format(time.RFC3339)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	now := p.now()
	p.mu.RLock()
	e := p.refresh[tokenKey(tok)]
	var g *grant
	if e != nil {
		g = p.grants[e.grantID]
	}
	ok := e != nil && g != nil && !e.used && now.Before(e.expiresAt) && !g.revoked.Load() && g.clientID == c.id
	p.mu.RUnlock()
	if !ok || !p.consentActive(ctx, g.consentID) {
		writeJSON(w, http.StatusOK, inactive)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "token_type": "refresh_token", "scope": strings.Join(g.scopes, " "), "client_id": g.clientID,
		"sub": g.userID, "iss": p.cfg.Issuer, "iat": e.issuedAt.Unix(), "exp": e.expiresAt.Unix(),
		"consent_id": g.consentID, "account_ids": g.accounts(),
		"consent_expires_at": g.consentExpiresAt.UTC().Format(time.RFC3339),
	})
}

// consentActive treats a lookup failure as inactive: introspection must not
// vouch for a token it cannot check.
func (p *Provider) consentActive(ctx context.Context, consentID string) bool {
	if consentID == "" {
		return true
	}
	st, err := p.deps.Consents.ConsentStatus(ctx, consentID)
	if err != nil {
		p.log.Error("consent status lookup failed", "consent_id", consentID, "error", err)
		return false
	}
	return st.Active
}

func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		tok = ""
	}
	e, err := p.lookupAccess(strings.TrimSpace(tok))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, oauthErr(codeInvalidTokenBearer, "access token missing, invalid, expired or revoked"))
		return
	}
	info := &e.info
	if info.ClientCredentials || !slices.Contains(info.Scopes, ScopeOpenID) {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="openid"`)
		writeJSON(w, http.StatusForbidden, oauthErr("insufficient_scope", "the openid scope is required"))
		return
	}
	out := map[string]any{"sub": info.Subject}
	if e.grant.userName != "" {
		out["name"] = e.grant.userName
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

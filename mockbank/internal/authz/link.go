package authz

// Sandbox shortcuts for the admin API, in the manner of Plaid's sandbox
// endpoints: link a user in one call (the consent page skipped), and force
// a grant back to the consent page (reset_login). They live in a file of
// their own so that the flows above stay as the RFCs describe them.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// ErrLink wraps every reason Link refuses a request; nothing was created.
var ErrLink = errors.New("authz: link refused")

// LinkRequest is a consent made without the consent page: what a user
// would approve there, for a client.
type LinkRequest struct {
	ClientID string
	UserID   string
	// UserName is the name ID tokens and userinfo carry.
	UserName string
	// Clusters asked for; every cluster the bank offers when nil.
	Clusters []string
	// AccountIDs shared; every account offered to the user when nil.
	AccountIDs []string
	// Purpose (DefaultPurpose when empty), DurationDays (1 to 365,
	// DefaultDurationDays when 0) and LookbackDays (0: none).
	Purpose                    string
	DurationDays, LookbackDays int
	// RedirectURI the code is bound to: one the client registered (its
	// first when empty).
	RedirectURI string
	// CodeChallenge (S256) binds the code to the caller's own PKCE
	// verifier; when empty, Link makes a verifier and returns it. Nonce
	// and State are carried as on the consent page.
	CodeChallenge, Nonce, State string
	// Tokens exchanges the code at once and returns tokens instead.
	Tokens bool
}

// LinkResult is what a test needs to go on: a code to exchange (with its
// verifier when Link made it), or the token response.
type LinkResult struct {
	ConsentID  string
	AccountIDs []string
	Clusters   []string
	Purpose    string
	ExpiresAt  time.Time
	// Code flow.
	Code, CodeVerifier, RedirectURI, State string
	// CallbackURL is the redirect the consent page would have sent:
	// RedirectURI with code, state and iss.
	CallbackURL string
	// Tokens, when asked for.
	Tokens *TokenSet
}

// TokenSet is a token response.
type TokenSet struct {
	AccessToken, TokenType, RefreshToken, IDToken, Scope string
	ExpiresIn                                            int64
}

// Link validates req completely, then records the consent (as Approve on
// the consent page does) and issues a code bound to the client, the
// redirect URI and a PKCE challenge; with req.Tokens the code is exchanged
// at once. A refusal wraps ErrLink and changes nothing.
func (p *Provider) Link(ctx context.Context, req LinkRequest) (*LinkResult, error) {
	c := p.clientByID(req.ClientID)
	if c == nil {
		return nil, fmt.Errorf("%w: unknown client %q at %s", ErrLink, req.ClientID, p.cfg.Bank)
	}
	if !c.allowsGrant(GrantAuthorizationCode) {
		return nil, fmt.Errorf("%w: client %q is not registered for authorization_code", ErrLink, c.id)
	}
	redirect := req.RedirectURI
	if redirect == "" {
		if len(c.redirectURIs) == 0 {
			return nil, fmt.Errorf("%w: client %q has no redirect URI", ErrLink, c.id)
		}
		redirect = c.redirectURIs[0]
	} else if !slices.Contains(c.redirectURIs, redirect) {
		return nil, fmt.Errorf("%w: redirectUri %q is not registered for client %q (registered: %v)", ErrLink, redirect, c.id, c.redirectURIs)
	}
	clusters := req.Clusters
	if clusters == nil {
		clusters = slices.Clone(p.cfg.Clusters)
	}
	if len(clusters) == 0 {
		return nil, fmt.Errorf("%w: at least one cluster", ErrLink)
	}
	for _, cl := range clusters {
		if !slices.Contains(p.cfg.Clusters, cl) {
			return nil, fmt.Errorf("%w: %s does not offer cluster %q (it offers %v)", ErrLink, p.cfg.Bank, cl, p.cfg.Clusters)
		}
	}
	purpose := req.Purpose
	if purpose == "" {
		purpose = DefaultPurpose
	}
	if !slices.Contains(Purposes, purpose) {
		return nil, fmt.Errorf("%w: purpose %q is not one of %v", ErrLink, purpose, Purposes)
	}
	days := req.DurationDays
	if days == 0 {
		days = DefaultDurationDays
	}
	if days < 1 || days > MaxDurationDays {
		return nil, fmt.Errorf("%w: duration must be 1 to %d days", ErrLink, MaxDurationDays)
	}
	if req.LookbackDays < 0 || req.LookbackDays > MaxLookbackDays {
		return nil, fmt.Errorf("%w: lookback must be 0 to %d days", ErrLink, MaxLookbackDays)
	}
	if req.CodeChallenge != "" && !validPKCEValue(req.CodeChallenge) {
		return nil, fmt.Errorf("%w: codeChallenge must be an S256 challenge (43 characters of base64url)", ErrLink)
	}
	offered, err := p.deps.Users.AccountsForConsent(ctx, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("%w: user %q: %v", ErrLink, req.UserID, err)
	}
	ids := req.AccountIDs
	if ids == nil {
		for _, a := range offered {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: the user has no account to share", ErrLink)
	}
	var chosen []string
	for _, id := range ids {
		if !slices.ContainsFunc(offered, func(a AccountChoice) bool { return a.ID == id }) {
			return nil, fmt.Errorf("%w: account %q is not one of the user's", ErrLink, id)
		}
		if !slices.Contains(chosen, id) {
			chosen = append(chosen, id)
		}
	}

	verifier, challenge := "", req.CodeChallenge
	if challenge == "" {
		verifier = randomToken(48)
		sum := sha256.Sum256([]byte(verifier))
		challenge = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	now := p.now()
	cr := ConsentRequest{
		UserID: req.UserID, ClientID: c.id, ClientName: c.name, Purpose: purpose, Clusters: slices.Clone(clusters),
		AccountIDs: chosen, DurationDays: days, LookbackDays: req.LookbackDays,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour),
	}
	consentID, err := p.deps.Consents.CreateConsent(ctx, cr)
	if err != nil {
		return nil, err
	}
	ar := authRequest{
		ClientID: c.id, RedirectURI: redirect, State: req.State, Nonce: req.Nonce,
		Scopes:   append([]string{ScopeOpenID, ScopeOfflineAccess}, clusters...),
		Clusters: slices.Clone(clusters), CodeChallenge: challenge, Purpose: purpose,
		DurationDays: days, LookbackDays: req.LookbackDays,
	}
	code := randomToken(32)
	p.mu.Lock()
	p.codes[tokenKey(code)] = &codeEntry{
		req: ar, userID: req.UserID, userName: req.UserName, consentID: consentID,
		accountIDs: chosen, consentExpiresAt: cr.ExpiresAt, authTime: time.Now(), expiresAt: now.Add(p.cfg.CodeTTL),
	}
	p.mu.Unlock()
	p.log.Info("consent linked through the admin API", "client_id", c.id, "consent_id", consentID)
	res := &LinkResult{ConsentID: consentID, AccountIDs: chosen, Clusters: clusters, Purpose: purpose, ExpiresAt: cr.ExpiresAt,
		RedirectURI: redirect, State: req.State}
	if !req.Tokens {
		v := url.Values{"code": {code}, "iss": {p.cfg.Issuer}}
		if req.State != "" {
			v.Set("state", req.State)
		}
		res.Code, res.CodeVerifier, res.CallbackURL = code, verifier, appendQuery(redirect, v)
		return res, nil
	}
	if verifier == "" {
		return nil, fmt.Errorf("%w: tokens cannot be returned for a caller's own codeChallenge (exchange the code instead)", ErrLink)
	}
	tr, oerr := p.exchangeCode(c, code, redirect, verifier)
	if oerr != nil {
		return nil, oerr
	}
	res.Tokens = &TokenSet{AccessToken: tr.AccessToken, TokenType: tr.TokenType, RefreshToken: tr.RefreshToken,
		IDToken: tr.IDToken, Scope: tr.Scope, ExpiresIn: tr.ExpiresIn}
	return res, nil
}

// ResetLogin revokes every token of the consent's grants, as a bank does
// when the user must sign in again (Plaid's ITEM_LOGIN_REQUIRED): access
// tokens are refused as revoked (401) and a refresh answers invalid_grant,
// so the client has to send the user through the consent page again. The
// consent itself is left as it is. It returns how many grants were
// revoked.
func (p *Provider) ResetLogin(ctx context.Context, consentID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, g := range p.grants {
		if g.consentID == consentID && consentID != "" && !g.revoked.Load() {
			p.revokeGrantLocked(g, "login required (reset through the admin API)")
			n++
		}
	}
	return n, nil
}

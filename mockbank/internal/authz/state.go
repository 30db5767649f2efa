package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// StateVersion is the version of the State layout ExportState writes.
const StateVersion = 1

// State is everything a provider must keep across a restart, ready for
// encoding/json. Codes, pushed requests and login sessions are ephemeral
// and not included. Credentials appear only as SHA-256 hashes, except the
// signing key itself: a state file is as sensitive as a key file.
type State struct {
	Version    int    `json:"version"`
	Bank       string `json:"bank"`
	Issuer     string `json:"issuer"`
	SigningKey []byte `json:"signing_key_pkcs8"`

	Clients             []ClientState        `json:"clients"`
	Grants              []GrantState         `json:"grants"`
	RefreshTokens       []RefreshTokenState  `json:"refresh_tokens"`
	RevokedAccessTokens map[string]time.Time `json:"revoked_access_tokens,omitempty"`
}

// ClientState is a registered client.
type ClientState struct {
	ID           string          `json:"client_id"`
	Name         string          `json:"client_name"`
	RedirectURIs []string        `json:"redirect_uris,omitempty"`
	AuthMethod   string          `json:"token_endpoint_auth_method"`
	GrantTypes   []string        `json:"grant_types"`
	Scopes       []string        `json:"scopes,omitempty"`
	JWKS         json.RawMessage `json:"jwks,omitempty"`
	SecretHash   []byte          `json:"secret_sha256,omitempty"`
	IssuedAt     time.Time       `json:"issued_at"`
}

// GrantState is a token family.
type GrantState struct {
	ID               string    `json:"id"`
	Kind             string    `json:"kind"`
	ClientID         string    `json:"client_id"`
	UserID           string    `json:"user_id,omitempty"`
	UserName         string    `json:"user_name,omitempty"`
	ConsentID        string    `json:"consent_id,omitempty"`
	Scopes           []string  `json:"scopes,omitempty"`
	Clusters         []string  `json:"clusters,omitempty"`
	AccountIDs       []string  `json:"account_ids,omitempty"`
	ConsentExpiresAt time.Time `json:"consent_expires_at"`
	AuthTime         time.Time `json:"auth_time"`
	CreatedAt        time.Time `json:"created_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	Revoked          bool      `json:"revoked,omitempty"`
	ConsentRevoked   bool      `json:"consent_revoked,omitempty"`
}

// RefreshTokenState is one refresh token, by hash. Used tokens are kept until
// they expire so that their reuse is still detected after a restart.
type RefreshTokenState struct {
	Hash      string    `json:"sha256"`
	GrantID   string    `json:"grant_id"`
	Used      bool      `json:"used,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ExportState snapshots the provider. Slices are sorted so that the same
// state always encodes to the same bytes.
func (p *Provider) ExportState(ctx context.Context) (*State, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	der, err := marshalKey(p.key.Load().priv)
	if err != nil {
		return nil, fmt.Errorf("authz: export signing key: %w", err)
	}
	s := &State{Version: StateVersion, Bank: p.cfg.Bank, Issuer: p.cfg.Issuer, SigningKey: der,
		RevokedAccessTokens: map[string]time.Time{}}
	p.mu.RLock()
	for _, c := range p.clients {
		s.Clients = append(s.Clients, ClientState{
			ID: c.id, Name: c.name, RedirectURIs: c.redirectURIs, AuthMethod: c.authMethod,
			GrantTypes: c.grantTypes, Scopes: c.scopes, JWKS: c.rawJWKS, SecretHash: c.secretHash, IssuedAt: c.issuedAt,
		})
	}
	for _, g := range p.grants {
		s.Grants = append(s.Grants, GrantState{
			ID: g.id, Kind: g.kind, ClientID: g.clientID, UserID: g.userID, UserName: g.userName,
			ConsentID: g.consentID, Scopes: g.scopes, Clusters: g.clusters, AccountIDs: g.accounts(),
			ConsentExpiresAt: g.consentExpiresAt, AuthTime: g.authTime, CreatedAt: g.createdAt, ExpiresAt: g.expiresAt,
			Revoked: g.revoked.Load(), ConsentRevoked: g.consentRevoked.Load(),
		})
	}
	for h, e := range p.refresh {
		s.RefreshTokens = append(s.RefreshTokens, RefreshTokenState{Hash: h, GrantID: e.grantID, Used: e.used,
			IssuedAt: e.issuedAt, ExpiresAt: e.expiresAt})
	}
	for k, v := range p.revokedAT {
		s.RevokedAccessTokens[k] = v
	}
	p.mu.RUnlock()
	slices.SortFunc(s.Clients, func(a, b ClientState) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(s.Grants, func(a, b GrantState) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(s.RefreshTokens, func(a, b RefreshTokenState) int { return cmpStr(a.Hash, b.Hash) })
	return s, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ImportState replaces the provider's clients, grants, refresh tokens and
// signing key with s. Pending logins, codes and pushed requests are dropped.
// Errors wrap ErrInvalidState; on error nothing is changed.
func (p *Provider) ImportState(ctx context.Context, s *State) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s == nil || s.Version != StateVersion {
		return fmt.Errorf("%w: unsupported version", ErrInvalidState)
	}
	if s.Bank != p.cfg.Bank {
		return fmt.Errorf("%w: state is for bank %q, not %q", ErrInvalidState, s.Bank, p.cfg.Bank)
	}
	priv, err := parseKey(s.SigningKey)
	if err != nil {
		return err
	}
	sk, err := newSigningKey(priv)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidState, err)
	}
	clients := make(map[string]*client, len(s.Clients))
	for _, cs := range s.Clients {
		if cs.ID == "" || (cs.AuthMethod != AuthClientSecretBasic && cs.AuthMethod != AuthPrivateKeyJWT) {
			return fmt.Errorf("%w: client without id or with unknown auth method", ErrInvalidState)
		}
		c := &client{id: cs.ID, name: cs.Name, redirectURIs: cs.RedirectURIs, authMethod: cs.AuthMethod,
			grantTypes: cs.GrantTypes, scopes: cs.Scopes, rawJWKS: cs.JWKS, secretHash: cs.SecretHash, issuedAt: cs.IssuedAt}
		if c.authMethod == AuthPrivateKeyJWT {
			set, msg := parseClientJWKS(cs.JWKS)
			if msg != "" {
				return fmt.Errorf("%w: client %s: %s", ErrInvalidState, cs.ID, msg)
			}
			c.jwks = set
		} else if len(c.secretHash) != 32 {
			return fmt.Errorf("%w: client %s: bad secret hash", ErrInvalidState, cs.ID)
		}
		clients[c.id] = c
	}
	grants := make(map[string]*grant, len(s.Grants))
	for _, gs := range s.Grants {
		if gs.ID == "" || clients[gs.ClientID] == nil {
			return fmt.Errorf("%w: grant without id or for an unknown client", ErrInvalidState)
		}
		g := &grant{id: gs.ID, kind: gs.Kind, clientID: gs.ClientID, userID: gs.UserID, userName: gs.UserName,
			consentID: gs.ConsentID, scopes: gs.Scopes, clusters: gs.Clusters,
			consentExpiresAt: gs.ConsentExpiresAt, authTime: gs.AuthTime, createdAt: gs.CreatedAt, expiresAt: gs.ExpiresAt}
		g.setAccounts(gs.AccountIDs)
		g.consentRevoked.Store(gs.ConsentRevoked)
		g.revoked.Store(gs.Revoked)
		grants[g.id] = g
	}
	refresh := make(map[string]*refreshEntry, len(s.RefreshTokens))
	for _, rs := range s.RefreshTokens {
		if rs.Hash == "" || grants[rs.GrantID] == nil {
			return fmt.Errorf("%w: refresh token for an unknown grant", ErrInvalidState)
		}
		refresh[rs.Hash] = &refreshEntry{grantID: rs.GrantID, used: rs.Used, issuedAt: rs.IssuedAt, expiresAt: rs.ExpiresAt}
	}
	revoked := make(map[string]time.Time, len(s.RevokedAccessTokens))
	for k, v := range s.RevokedAccessTokens {
		revoked[k] = v
	}
	p.mu.Lock()
	p.clients, p.grants, p.refresh, p.revokedAT = clients, grants, refresh, revoked
	p.codes.clear()
	p.pars.clear()
	p.sessions.clear()
	// Failure counts are not part of the state: a restored or reset
	// provider starts over, with LockedOutUsers locked out again.
	p.logins.reset()
	p.key.Store(sk)
	p.mu.Unlock()
	p.atMu.Lock()
	p.access.Clear()
	p.accessN = 0
	p.atMu.Unlock()
	return nil
}

// SigningKeyPKCS8 exports the signing key alone (PKCS #8 DER), for a caller
// that keeps keys apart from the rest of the state.
func (p *Provider) SigningKeyPKCS8(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return marshalKey(p.key.Load().priv)
}

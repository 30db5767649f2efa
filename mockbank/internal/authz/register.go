package authz

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// serveRegister implements RFC 7591 dynamic registration (FDX POST /register).
// Registration is open: mockbank is a test double, and every test should be
// able to make its own client.
func (p *Provider) serveRegister(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeOAuthError(w, oauthErr(codeInvalidRequest, "body must be application/json"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		writeOAuthError(w, oauthErr(codeInvalidRequest, "body too large or unreadable"))
		return
	}
	var md ClientMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		writeOAuthError(w, oauthErr(codeInvalidClientMeta, "body is not a valid client metadata JSON object"))
		return
	}
	c, err := p.RegisterClient(r.Context(), md)
	if err != nil {
		var oe *OAuthError
		if errors.As(err, &oe) {
			writeOAuthError(w, oe)
			return
		}
		writeOAuthError(w, oauthErr(codeServerError, "registration failed"))
		return
	}
	out := map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        c.IssuedAt.Unix(),
		"client_name":                c.Metadata.ClientName,
		"redirect_uris":              c.Metadata.RedirectURIs,
		"token_endpoint_auth_method": c.Metadata.TokenEndpointAuthMethod,
		"grant_types":                c.Metadata.GrantTypes,
		"response_types":             c.Metadata.ResponseTypes,
	}
	if c.Metadata.Scope != "" {
		out["scope"] = c.Metadata.Scope
	}
	if c.Secret != "" {
		out["client_secret"] = c.Secret
		out["client_secret_expires_at"] = 0
	}
	if len(c.Metadata.JWKS) > 0 {
		out["jwks"] = c.Metadata.JWKS
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

package authz

import (
	"net/http"
	"strings"
)

// TokenParty tells whose the Bearer access token of r is, the client's and
// the consent's, whatever the token's state: expired, revoked, or dead
// with its consent. mockbank's fault injector limits faults to one consent
// by it, and a test that revoked a consent still wants its faults to hit
// that consent's calls. ok is false without a token this provider minted.
func (p *Provider) TokenParty(r *http.Request) (clientID, consentID string, ok bool) {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", "", false
	}
	tok = strings.TrimSpace(tok)
	e := p.cachedAccess(tok)
	if e == nil {
		var err error
		if e, err = p.verifyAccessJWT(tok); err != nil {
			return "", "", false
		}
	}
	return e.info.ClientID, e.info.ConsentID, true
}

package fdx

import (
	"fmt"
	"strings"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// TokenRule is one row of a profile's tokenErrors table: a refusal at the
// bank's token endpoint matching every set field classifies as Code. It is
// data in profile.json, not Go, so that correcting how a bank words its
// refusals is an edit to the bank's profile.
type TokenRule struct {
	// GrantType ("refresh_token", "authorization_code",
	// "client_credentials") selects the request; "" matches any.
	GrantType string `json:"grantType,omitempty"`
	// Error is the OAuth `error` member, e.g. "invalid_grant"; required.
	Error string `json:"error"`
	// DescriptionContains is a case-insensitive substring of
	// `error_description`; "" matches any.
	DescriptionContains string `json:"descriptionContains,omitempty"`
	// Code names the classification: ConsentRevoked, ConsentExpired,
	// Unauthenticated, PermissionDenied or InvalidArgument.
	Code string `json:"code"`
}

// tokenCodes are the classifications a token rule may give: the ones a
// token-endpoint refusal can honestly mean. RateLimited and Unavailable are
// the sdk's to decide from the HTTP status.
var tokenCodes = map[string]obcerr.Code{
	"ConsentRevoked":   obcerr.ConsentRevoked,
	"ConsentExpired":   obcerr.ConsentExpired,
	"Unauthenticated":  obcerr.Unauthenticated,
	"PermissionDenied": obcerr.PermissionDenied,
	"InvalidArgument":  obcerr.InvalidArgument,
}

// DefaultTokenRules apply to a profile without a tokenErrors member. They
// are how the FDX sandbox these profiles target (mockbank) refuses a
// refresh once the consent behind it has ended: invalid_grant with "the
// consent has expired" when its duration ran out, "the consent is no
// longer active" when it was revoked. The wording is specific, so a bank
// that words things otherwise is not misread (its refusals stay
// Unauthenticated, the sdk's default); a bank whose wording differs
// declares its own rows, and "tokenErrors": [] turns the defaults off.
//
// mockbank says "no longer active" for a consent its store found expired
// too, yet the row says ConsentRevoked: the sdk checks the grant's expiry
// on its own clock before any network call, so a consent that is "no
// longer active" while the sdk still thinks it unexpired was ended by
// someone, not by time.
var DefaultTokenRules = []TokenRule{
	{GrantType: "refresh_token", Error: "invalid_grant", DescriptionContains: "consent has expired", Code: "ConsentExpired"},
	{GrantType: "refresh_token", Error: "invalid_grant", DescriptionContains: "consent is no longer active", Code: "ConsentRevoked"},
}

func (r TokenRule) validate() error {
	if r.Error == "" {
		return fmt.Errorf("tokenErrors: error is required")
	}
	switch r.GrantType {
	case "", "refresh_token", "authorization_code", "client_credentials":
	default:
		return fmt.Errorf("tokenErrors: unknown grantType %q", r.GrantType)
	}
	if _, ok := tokenCodes[r.Code]; !ok {
		return fmt.Errorf("tokenErrors: code %q is not one of ConsentRevoked, ConsentExpired, Unauthenticated, PermissionDenied, InvalidArgument", r.Code)
	}
	return nil
}

func (r TokenRule) matches(e driver.TokenError) bool {
	if r.GrantType != "" && r.GrantType != e.GrantType {
		return false
	}
	if r.Error != e.Code {
		return false
	}
	return r.DescriptionContains == "" || strings.Contains(strings.ToLower(e.Description), strings.ToLower(r.DescriptionContains))
}

// tokenRules is the profile's table, or the defaults when it has none.
func (p *ProfileFile) tokenRules() []TokenRule {
	if p.TokenErrors == nil {
		return DefaultTokenRules
	}
	return *p.TokenErrors
}

// TokenErrorCode implements driver.TokenErrorClassifier for every bank
// from its profile's tokenErrors table, first match wins; Unknown (the
// sdk's default classification) when no row matches. It never panics.
func (c *Connector) TokenErrorCode(e driver.TokenError) obcerr.Code {
	for _, r := range c.file.tokenRules() {
		if r.matches(e) {
			return tokenCodes[r.Code]
		}
	}
	return obcerr.Unknown
}

var _ driver.TokenErrorClassifier = (*Connector)(nil)

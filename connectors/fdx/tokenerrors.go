package fdx

import (
	"strings"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// TokenErrorCode implements driver.TokenErrorClassifier for every bank
// from its description's auth.tokenErrors (bankdesc.DefaultTokenErrors
// when it gives none), first match wins; Unknown (the sdk's default
// classification) when no row matches. It never panics.
func (c *Connector) TokenErrorCode(e driver.TokenError) obcerr.Code {
	for _, r := range c.desc.EffectiveTokenErrors() {
		if tokenRuleMatches(r, e) {
			code, _ := bankdesc.ParseCode(r.Means)
			return code
		}
	}
	return obcerr.Unknown
}

func tokenRuleMatches(r bankdesc.TokenError, e driver.TokenError) bool {
	if r.GrantType != "" && r.GrantType != e.GrantType {
		return false
	}
	if r.Error != e.Code {
		return false
	}
	return r.DescriptionContains == "" || strings.Contains(strings.ToLower(e.Description), strings.ToLower(r.DescriptionContains))
}

var _ driver.TokenErrorClassifier = (*Connector)(nil)

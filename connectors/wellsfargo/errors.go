package wellsfargo

import (
	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// table is Wells Fargo's mapping: one deviation from the FDX standard.
// Wells Fargo answers a revoked consent the way FDX answers an unknown
// customer (HTTP 401, code 602) instead of 403 with 1107, so 602 here
// means the consent is gone and the integrator must delete its data.
// A rejected access token is answered 401/602 too, but with an RFC 6750
// challenge (WWW-Authenticate: Bearer error="invalid_token"): that stays
// Unauthenticated, which the sdk cures by refreshing the token.
var table = fdx.ErrorTable{Quirks: []fdx.Rule{{
	HTTPStatus:   401,
	FDXCode:      602,
	Unchallenged: true,
	Code:         obcerr.ConsentRevoked,
	Why:          "revoked consent answered as customer not authorized",
}}}

// ErrorCode implements driver.Connector.
func (c *wf) ErrorCode(err error) obcerr.Code { return table.Classify(err) }

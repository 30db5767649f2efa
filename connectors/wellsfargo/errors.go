package wellsfargo

import (
	"github.com/obconnect/obconnect/connectors/internal/fdxconn"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// table is Wells Fargo's mapping: one deviation from the FDX standard.
// Wells Fargo answers a revoked consent the way FDX answers an unknown
// customer (HTTP 401, code 602) instead of 403 with 1107, so 602 here
// means the consent is gone and the integrator must delete its data; a 401
// without code 602 is still an authentication failure the sdk may cure by
// refreshing the token.
var table = fdxconn.ErrorTable{Quirks: []fdxconn.Rule{{
	HTTPStatus: 401,
	FDXCode:    602,
	Code:       obcerr.ConsentRevoked,
	Why:        "revoked consent answered as customer not authorized",
}}}

// ErrorCode implements driver.Connector.
func (c *wf) ErrorCode(err error) obcerr.Code { return table.Classify(err) }

package chase

import (
	"net/http"

	"github.com/obconnect/obconnect/connectors/internal/fdxconn"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// errorTable is Chase's whole deviation from the FDX error table. Chase's
// other quirk, the code sent as a JSON number (701) where FDX's Error
// schema has a string ("701"), needs no row: the generated client's
// ErrorCode type reads both forms.
var errorTable = fdxconn.ErrorTable{Quirks: []fdxconn.Rule{
	{HTTPStatus: http.StatusTooManyRequests, Code: obcerr.RateLimited,
		Why: "rate limiting is HTTP 429 with Retry-After, with or without code 1207"},
}}

// ErrorCode implements driver.Connector with Chase's table.
func (c *connector) ErrorCode(err error) obcerr.Code { return errorTable.Classify(err) }

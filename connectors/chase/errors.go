package chase

import (
	"net/http"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// errorTable is Chase's whole deviation from the FDX error table. Chase's
// quirk, Retry-After sent as an HTTP-date ("Wed, 21 Oct 2026 07:28:00
// GMT") instead of delta-seconds, needs no row: fdx reads both of
// RFC 9110's forms for every bank (obcerr.ParseRetryAfter), so the wait
// reaches the sdk's retry loop either way.
var errorTable = fdx.ErrorTable{Quirks: []fdx.Rule{
	{HTTPStatus: http.StatusTooManyRequests, Code: obcerr.RateLimited,
		Why: "rate limiting is HTTP 429 with Retry-After (an HTTP-date), with or without code 1207"},
}}

// ErrorCode implements driver.Connector with Chase's table.
func (c *connector) ErrorCode(err error) obcerr.Code { return errorTable.Classify(err) }

package citi

import (
	"net/http"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// citiErrors: Citi signals rate limiting with the code FDX reserves for a
// subsystem outage (HTTP 503, code 501) and tells them apart only by the
// Retry-After header. With the header it is RateLimited (the sdk waits as
// told); without it, a real outage, Unavailable as in the standard table.
var citiErrors = fdx.ErrorTable{
	Quirks: []fdx.Rule{
		{HTTPStatus: http.StatusServiceUnavailable, FDXCode: 501, NeedRetryAfter: true, Code: obcerr.RateLimited,
			Why: "rate limiting answered as subsystem unavailable with Retry-After"},
	},
}

// ErrorCode implements driver.Connector.
func (c *citi) ErrorCode(err error) obcerr.Code { return citiErrors.Classify(err) }

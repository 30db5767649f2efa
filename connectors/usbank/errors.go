package usbank

import (
	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// mapping is U.S. Bank's error table. U.S. Bank reuses 1107 (revoked) for
// an expired consent and says which in debugMessage, so 1107 is read as
// ConsentExpired when the debug message says "consent expired" and as
// ConsentRevoked (the standard row) otherwise. The difference matters: an
// expired consent can be renewed by linking again, a revoked one means the
// data must be deleted.
var mapping = fdx.ErrorTable{Quirks: []fdx.Rule{
	{HTTPStatus: 403, FDXCode: 1107, DebugContains: "consent expired", Code: obcerr.ConsentExpired,
		Why: "expired consent answered as revoked, told apart by debugMessage"},
}}

// ErrorCode implements driver.Connector.
func (c *usb) ErrorCode(err error) obcerr.Code { return mapping.Classify(err) }

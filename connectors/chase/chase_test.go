package chase

import (
	"testing"

	"github.com/obconnect/obconnect/connectors/internal/fdxconn/fdxconntest"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// chaseBank is Chase under the shared suite: its only deviations are the
// integer-form code (covered by every standard row in both forms) and 429
// without code 1207.
var chaseBank = fdxconntest.Bank{
	Open: Open,
	Quirks: []fdxconntest.ErrorCase{
		{Name: "integer code 701", Status: 404, Body: `{"code": 701, "message": "Account not found"}`, Want: obcerr.NotFound},
		{Name: "integer code 1106", Status: 403, Body: `{"code": 1106, "message": "Consent expired"}`, Want: obcerr.ConsentExpired},
		{Name: "429 without a code", Status: 429, Body: `{"message": "Too many requests"}`, RetryAfter: "2", Want: obcerr.RateLimited},
		{Name: "429 html", Status: 429, Body: "<html>slow down</html>", RetryAfter: "2", Want: obcerr.RateLimited},
	},
}

func TestChase(t *testing.T) { fdxconntest.Run(t, chaseBank) }

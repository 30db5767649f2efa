package wellsfargo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func TestWellsFargo(t *testing.T) {
	fdxtest.Run(t, fdxtest.Bank{
		Open: Open,
		// 602 is Wells Fargo's revoked consent, not an unknown customer.
		Standard: map[int]obcerr.Code{602: obcerr.ConsentRevoked},
		Quirks: []fdxtest.ErrorCase{
			{Name: "revoked consent", Status: 401, Body: `{"code": "602", "message": "Customer not authorized"}`, Want: obcerr.ConsentRevoked},
			{Name: "bad token, no code", Status: 401, Want: obcerr.Unauthenticated},
			{Name: "expired access token", Status: 401, Challenge: `Bearer error="invalid_token"`,
				Body: `{"code": "602", "message": "Customer not authorized", "debugMessage": "access token expired"}`, Want: obcerr.Unauthenticated},
		},
	})
}

// A revoked consent is not something a token refresh can fix: the sdk
// refreshes only on Unauthenticated, so the quirk must not classify as that.
func TestRevokedIsNotRefreshable(t *testing.T) {
	h := fdxtest.Open(t, fdxtest.Bank{Open: Open})
	h.Answer(401, `{"code": "602", "message": "Customer not authorized", "debugMessage": "consent revoked by user"}`)
	_, err := h.Conn.ListAccounts(context.Background(), driver.PageRequest{})
	assert.Equal(t, obcerr.ConsentRevoked, h.Conn.ErrorCode(err))
	assert.NotEqual(t, obcerr.Unauthenticated, h.Conn.ErrorCode(err))
	assert.Equal(t, driver.PaginationOffset, h.Conn.Profile().Pagination)
}

package usbank

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors/fdx/fdxtest"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func usbankSuite() fdxtest.Bank {
	expired := fdxtest.ErrorCase{Name: "expired, told by debugMessage", Status: 403, Want: obcerr.ConsentExpired,
		Body: `{"code": "1107", "message": "Consent revoked", "debugMessage": "Consent Expired"}`}
	revoked := expired
	revoked.Name, revoked.Want = "really revoked", obcerr.ConsentRevoked
	revoked.Body = `{"code": "1107", "message": "Consent revoked", "debugMessage": "revoked by the customer"}`
	return fdxtest.Bank{Open: Open, Quirks: []fdxtest.ErrorCase{expired, revoked}}
}

func TestUSBank(t *testing.T) { fdxtest.Run(t, usbankSuite()) }

func TestRevokeAccounts(t *testing.T) {
	h := fdxtest.Open(t, usbankSuite())
	var sent map[string]any
	h.Mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		require.NoError(t, json.NewDecoder(r.Body).Decode(&sent))
		return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
	})
	rev, ok := h.Conn.(driver.AccountRevoker)
	require.True(t, ok)
	require.NoError(t, rev.RevokeAccounts(context.Background(), "cns-1", []string{"acc-2", "acc-3"}, driver.ReasonSuspectedFraud))
	assert.Equal(t, []any{"acc-2", "acc-3"}, sent["accountIds"])
	assert.Equal(t, "BUSINESS_RULE", sent["reason"])

	h.Mock.ZeroCallCounters()
	err := rev.RevokeAccounts(context.Background(), "cns-1", nil, driver.ReasonUserAction)
	assert.Equal(t, obcerr.InvalidArgument, h.Conn.ErrorCode(err))
	assert.Zero(t, h.Mock.GetTotalCallCount(), "an empty list must not turn into a whole-consent revocation")

	h.Answer(404, `{"code": "701", "message": "Account not found"}`)
	err = rev.RevokeAccounts(context.Background(), "cns-1", []string{"nope"}, driver.ReasonUserAction)
	assert.Equal(t, obcerr.NotFound, h.Conn.ErrorCode(err))
}

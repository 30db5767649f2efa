package sdk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
)

// An integrator fakes a bank's refusal with sdk alone and reads it back as
// the SDK's own errors are read.
func TestErrorConstructors(t *testing.T) {
	bank := &sdk.BankError{HTTPStatus: 429, Code: 1207, RetryAfter: 3 * time.Second}
	err := sdk.WrapError(bank, sdk.RateLimited, "app.sync")
	assert.ErrorIs(t, err, sdk.ErrRateLimited)
	assert.Equal(t, sdk.RateLimited, sdk.ErrorCode(err))
	d, ok := sdk.RetryAfter(err)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	var be *sdk.BankError
	require.True(t, errors.As(err, &be))
	assert.Equal(t, 1207, be.Code)
	assert.NoError(t, sdk.WrapError(nil, sdk.Internal, "app.sync"))

	err = sdk.NewErrorf(sdk.AccountClosed, "account %s", "chk-1")
	assert.ErrorIs(t, err, sdk.ErrAccountClosed)
	assert.Contains(t, err.Error(), "chk-1")
	assert.Equal(t, sdk.NotFound, sdk.ErrorCode(sdk.NewError(sdk.NotFound, "x")))
}

// The status a bank reports and the code of a refused call are different
// values of different types, both reachable from package sdk.
func TestStatusesAreNotCodes(t *testing.T) {
	a := sdk.Account{ID: "chk-1", Status: sdk.AccountStatusClosed}
	assert.Equal(t, sdk.AccountStatus("CLOSED"), a.Status)
	assert.Equal(t, "AccountClosed", sdk.AccountClosed.String())
	c := sdk.Consent{Status: sdk.ConsentStatusRevoked}
	assert.Equal(t, sdk.ConsentStatus("REVOKED"), c.Status)
	assert.Equal(t, "ConsentRevoked", sdk.ConsentRevoked.String())
}

func TestSetsAreCopies(t *testing.T) {
	cs := sdk.Clusters()
	require.Contains(t, cs, sdk.Transactions)
	for i := range cs {
		cs[i] = "MUTATED"
	}
	assert.Contains(t, sdk.Clusters(), sdk.Transactions)
	assert.True(t, sdk.Transactions.Valid())

	ps := sdk.Purposes()
	require.Contains(t, ps, sdk.PurposePayments)
	ps[0] = "ADVERTISING"
	assert.NotContains(t, sdk.Purposes(), sdk.Purpose("ADVERTISING"))
	assert.False(t, sdk.Purpose("ADVERTISING").Valid())
}

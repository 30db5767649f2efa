package mockbank_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func ptrTo[T any](v T) *T { return &v }

// TestLiveLockedOutUserClearedThroughAdmin: user_lockout starts with its
// sign-in failure budget spent at every bank, so even its right password
// gets the wrong-password answer; DELETE /admin/login-failures clears it at
// one bank, and a reset locks it out again.
func TestLiveLockedOutUserClearedThroughAdmin(t *testing.T) {
	srv := mockbanktest.NewServer(t, nil)
	admin := srv.Admin()
	ctx := t.Context()
	signIn := func(bank string) error {
		for _, b := range srv.Banks() {
			if b.Name != bank {
				continue
			}
			conf := oauth2.Config{ClientID: b.Client.ID, RedirectURL: b.Client.RedirectURIs[0], Scopes: []string{"ACCOUNT_BASIC"},
				Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + "/authorize"}}
			authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			_, err := srv.Approve(ctx, authURL, mockbanktest.Answers{Username: "user_lockout"})
			return err
		}
		t.Fatalf("no bank %s", bank)
		return nil
	}
	require.ErrorIs(t, signIn("wellsfargo"), mockbanktest.ErrWrongCredentials)
	require.ErrorIs(t, signIn("citi"), mockbanktest.ErrWrongCredentials)

	r, err := admin.ClearLoginFailuresWithResponse(ctx, &adminapi.ClearLoginFailuresParams{Bank: ptrTo("wellsfargo"), Username: ptrTo("user_lockout")})
	require.NoError(t, err)
	require.Equal(t, 200, r.StatusCode(), string(r.Body))
	assert.Equal(t, 1, r.JSON200.Cleared)
	require.NoError(t, signIn("wellsfargo"))
	assert.ErrorIs(t, signIn("citi"), mockbanktest.ErrWrongCredentials, "only wellsfargo was cleared")

	bad, err := admin.ClearLoginFailuresWithResponse(ctx, &adminapi.ClearLoginFailuresParams{Bank: ptrTo("hsbc")})
	require.NoError(t, err)
	assert.Equal(t, 400, bad.StatusCode())

	reset, err := admin.ResetWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, 204, reset.StatusCode(), string(reset.Body))
	assert.ErrorIs(t, signIn("wellsfargo"), mockbanktest.ErrWrongCredentials, "a reset locks it out again")

	all, err := admin.ClearLoginFailuresWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 200, all.StatusCode(), string(all.Body))
	assert.Equal(t, len(srv.Banks()), all.JSON200.Cleared, "user_lockout at every bank")
	require.NoError(t, signIn("citi"))
}

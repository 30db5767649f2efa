package mockbankharness

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

func link(t *testing.T, h *Harness) (*sdk.Client, *sdk.Grant) {
	t.Helper()
	ctx := context.Background()
	c, err := h.NewClient(ctx, func(cfg *sdk.Options) { cfg.Retry = sdk.RetryPolicy{MaxAttempts: 1} })
	require.NoError(t, err)
	g, err := h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	require.NoError(t, err)
	return c, g
}

func TestLinksThroughTheConsentPage(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo", Username: "user_mfa"})
	_, g := link(t, h)
	bank, user := "wellsfargo", "user_mfa"
	r, err := h.Server().Admin().ListUsersWithResponse(ctx, &adminapi.ListUsersParams{Bank: &bank, Username: &user})
	require.NoError(t, err)
	require.Len(t, r.JSON200.Users, 1)
	var held []string
	for _, a := range *r.JSON200.Users[0].Accounts {
		held = append(held, a.AccountId)
	}
	assert.ElementsMatch(t, held, g.AccountIDs, "every account offered is ticked; the one-time code is the test user's")
}

func TestWrongPasswordFailsTheLinkClearly(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo", Username: "user_good", Password: "not-the-password"})
	c, err := h.NewClient(ctx, nil)
	require.NoError(t, err)
	_, err = h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	require.ErrorIs(t, err, mockbanktest.ErrWrongCredentials)
	assert.NotContains(t, err.Error(), "not-the-password")
}

func TestDeniedConsentIsClassifiedByTheClient(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo"})
	c, err := h.NewClient(ctx, nil)
	require.NoError(t, err)
	h.Consent = consent(h.srv, mockbanktest.Answers{Deny: true})
	_, err = h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	assert.Equal(t, sdk.PermissionDenied, sdk.ErrorCode(err), "%v", err)
}

// Faults are the bank's own words (citi's rate limit is a 503 with
// Retry-After, chase's Retry-After an HTTP-date) and hit the grant they
// were injected for, never another.
func TestFaultsAreTheBanksAndTheGrants(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		bank   string
		status int
	}{{"citi", http.StatusServiceUnavailable}, {"chase", http.StatusTooManyRequests}} {
		t.Run(c.bank, func(t *testing.T) {
			h := Start(t, Options{Bank: c.bank})
			var statuses []int
			h.Options.Observer = func(e sdk.Exchange) { statuses = append(statuses, e.Status) }
			mine, g := link(t, h)
			other, og := link(t, h)
			require.NoError(t, h.InjectFault(ctx, g, conformance.Fault{Code: sdk.RateLimited, RetryAfter: 1500 * time.Millisecond, Count: 2}))

			_, err := other.Account(ctx, og, og.AccountIDs[0])
			require.NoError(t, err, "another grant is not faulted")
			for range 2 {
				statuses = nil
				_, err = mine.Account(ctx, g, g.AccountIDs[0])
				require.ErrorIs(t, err, sdk.ErrRateLimited)
				assert.Contains(t, statuses, c.status)
				d, ok := sdk.RetryAfter(err)
				assert.True(t, ok && d > time.Second && d <= 3*time.Second, "about two whole seconds: %v", d)
			}
			_, err = mine.Account(ctx, g, g.AccountIDs[0])
			require.NoError(t, err, "the fault is spent")

			require.NoError(t, h.ExpireAccessTokens(ctx, g))
			_, err = mine.Account(ctx, g, g.AccountIDs[0])
			require.NoError(t, err, "the client refreshes past a rejected access token")

			err = h.InjectFault(ctx, g, conformance.Fault{Code: sdk.PermissionDenied})
			assert.Equal(t, sdk.Unimplemented, sdk.ErrorCode(err))
		})
	}
}

package fdxtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// testTokenErrors checks, through an sdk.Client over httpmock, how a
// refused refresh reaches the integrator: the bank's revoked-consent answer
// at the token endpoint is ConsentRevoked, any other invalid_grant stays
// Unauthenticated, and no data request is sent either way.
func testTokenErrors(t *testing.T, b Bank) {
	h := Open(t, b)
	_, ok := h.Conn.(driver.TokenErrorClassifier)
	require.True(t, ok, "every fdx bank classifies token-endpoint refusals")

	mt := httpmock.NewMockTransport()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	store := sdk.NewMemoryTokenStore()
	c, err := sdk.OpenWith(context.Background(), b.Open,
		sdk.Credentials{ClientID: "client-1", ClientSecret: "s3cret-value", PrivateKey: key, KeyID: "kid-1"},
		&sdk.Options{BaseURL: Base, HTTPClient: &http.Client{Transport: mt}, Retry: sdk.RetryPolicy{MaxAttempts: 1}, TokenStore: store})
	require.NoError(t, err)

	for _, tc := range []struct {
		name, body string
		want       obcerr.Code
	}{
		{"consent ended", `{"error":"invalid_grant","error_description":"the consent is no longer active"}`, obcerr.ConsentRevoked},
		{"consent expired", `{"error":"invalid_grant","error_description":"the consent has expired"}`, obcerr.ConsentExpired},
		{"token reuse", `{"error":"invalid_grant","error_description":"refresh token was already used; every token of this grant is now revoked"}`, obcerr.Unauthenticated},
		{"bare invalid_grant", `{"error":"invalid_grant"}`, obcerr.Unauthenticated},
		{"bad client", `{"error":"invalid_client","error_description":"the consent is no longer active"}`, obcerr.Unauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A grant per case: the client remembers a consent the bank ended.
			g := &sdk.Grant{Bank: c.Bank(), ConsentID: "cns-" + strings.ReplaceAll(tc.name, " ", "-"), Clusters: c.Profile().Clusters,
				ID: "g-1", ExpiresAt: time.Now().Add(24 * time.Hour)}
			require.NoError(t, store.Put(context.Background(), g.TokenKey(),
				&sdk.TokenRecord{AccessToken: "expired", RefreshToken: "rt-1", Expiry: time.Now().Add(-time.Hour)}))
			var data atomic.Int64
			mt.Reset()
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				if r.URL.String() == c.Profile().Auth.TokenURL {
					status := http.StatusBadRequest
					if strings.Contains(tc.body, "invalid_client") {
						status = http.StatusUnauthorized
					}
					resp := httpmock.NewStringResponse(status, tc.body)
					resp.Header.Set("Content-Type", "application/json")
					return resp, nil
				}
				data.Add(1)
				return httpmock.NewStringResponse(http.StatusInternalServerError, ""), nil
			})
			_, err := c.Account(context.Background(), g, "acct-1")
			require.Error(t, err)
			assert.Equal(t, tc.want, sdk.ErrorCode(err), err.Error())
			assert.Zero(t, data.Load(), "no data request after a refused refresh")
			assert.NotContains(t, err.Error(), "rt-1")
		})
	}
}

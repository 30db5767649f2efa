package mockbankharness

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

func TestLinksThroughTheConsentPage(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo", Username: "user_mfa"})
	c, err := h.NewClient(ctx, nil)
	require.NoError(t, err)
	g, err := h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	require.NoError(t, err, "the one-time code is the test user's")
	u, err := h.Server().Store().UserByUsername(ctx, "wellsfargo", "user_mfa")
	require.NoError(t, err)
	assert.ElementsMatch(t, u.Accounts, g.AccountIDs, "every account offered is ticked")
}

func TestWrongPasswordFailsTheLinkClearly(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo", Username: "user_good", Password: "not-the-password"})
	c, err := h.NewClient(ctx, nil)
	require.NoError(t, err)
	_, err = h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	require.ErrorIs(t, err, mockbank.ErrWrongCredentials)
	assert.NotContains(t, err.Error(), "not-the-password")
}

func TestDeniedConsentIsClassifiedByTheClient(t *testing.T) {
	ctx := context.Background()
	h := Start(t, Options{Bank: "wellsfargo"})
	c, err := h.NewClient(ctx, nil)
	require.NoError(t, err)
	h.Consent = consent(h.Config.HTTPClient, mockbank.Answers{Deny: true})
	_, err = h.Link(ctx, c, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	assert.Equal(t, sdk.PermissionDenied, sdk.ErrorCode(err), "%v", err)
}

func TestFaultsFollowTheProfile(t *testing.T) {
	// A partner's profile may send integer codes and delta-seconds.
	partner, err := connectors.Lookup("chase")
	require.NoError(t, err)
	partner.Errors = bankdesc.Errors{CodeForm: bankdesc.CodeInteger, RetryAfter: bankdesc.Seconds}
	ph := &Harness{profile: partner}
	psrv := httptest.NewServer(ph.middleware("chase")(http.NotFoundHandler()))
	defer psrv.Close()
	require.NoError(t, ph.InjectFault(context.Background(), nil, conformance.Fault{Code: sdk.RateLimited, RetryAfter: 1500 * time.Millisecond}))
	resp, err := http.Get(psrv.URL + "/chase/fdx/v6/accounts")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "rounded up to whole seconds")
	assert.Contains(t, string(body), `"code":1207`)

	// chase itself: FDX's string codes, Retry-After as an HTTP-date.
	chase, err := connectors.Lookup("chase")
	require.NoError(t, err)
	h := &Harness{profile: chase}
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(h.middleware("chase")(next))
	defer srv.Close()

	require.NoError(t, h.InjectFault(context.Background(), nil, conformance.Fault{Code: sdk.RateLimited, RetryAfter: 1500 * time.Millisecond, Count: 2}))
	for range 2 {
		resp, err := http.Get(srv.URL + "/chase/fdx/v6/accounts")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, 429, resp.StatusCode)
		assert.Contains(t, string(body), `"code":"1207"`)
		at, err := http.ParseTime(resp.Header.Get("Retry-After"))
		require.NoError(t, err, "an HTTP-date: %q", resp.Header.Get("Retry-After"))
		assert.InDelta(t, 2*time.Second, time.Until(at), float64(time.Second), "two whole seconds ahead")
	}
	resp, err = http.Get(srv.URL + "/chase/fdx/v6/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode, "the fault is spent")

	require.NoError(t, h.ExpireAccessTokens(context.Background(), nil))
	resp, err = http.Get(srv.URL + "/chase/authorize")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode, "OAuth endpoints are never faulted")
	resp, err = http.Get(srv.URL + "/chase/fdx/v6/accounts")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, `Bearer error="invalid_token"`, resp.Header.Get("WWW-Authenticate"))

	err = h.InjectFault(context.Background(), nil, conformance.Fault{Code: sdk.PermissionDenied})
	assert.Equal(t, sdk.Unimplemented, sdk.ErrorCode(err))
}

package mockbanktest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	_ "github.com/obconnect/obconnect/connectors/citi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func TestNewServer(t *testing.T) {
	srv := NewServer(t, &Options{Seed: 2, LargeTransactions: 100})
	require.Len(t, srv.Banks(), 4)
	for _, b := range srv.Banks() {
		assert.True(t, strings.HasPrefix(b.Issuer, srv.URL+"/"), b.Issuer)
		assert.Equal(t, b.Issuer+b.Description.DataPath, b.DataURL)
		require.NotEmpty(t, b.Client.RedirectURIs, b.Name)
		if b.Description.Auth.ClientAuth == bankdesc.PrivateKeyJWT {
			assert.NotNil(t, b.PrivateKey, b.Name)
			assert.NotEmpty(t, b.Client.KeyID, b.Name)
		} else {
			assert.Nil(t, b.PrivateKey, b.Name)
			assert.NotEmpty(t, b.Client.Secret, b.Name)
		}
	}
	res, err := srv.Client().Get(srv.Bank("citi").DiscoveryURL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	banks, err := srv.Admin().ListBanksWithResponse(context.Background())
	require.NoError(t, err)
	require.NotNil(t, banks.JSON200, "the admin client sends the token")
	assert.Len(t, banks.JSON200.Banks, 4)
	assert.True(t, srv.Now().Equal(srv.Mock().Now()))
	assert.Panics(t, func() { srv.Bank("nobank") })

	// A fault for one client: the ready client's token requests fail, as
	// the admin API lists it.
	citi := srv.Bank("citi")
	id, err := srv.InjectFault(context.Background(), Fault{Bank: "citi", Endpoint: "token", Status: 503, ClientID: citi.Client.ID, Times: 1})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, citi.Issuer+citi.Description.Auth.Token, strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(citi.Client.ID, citi.Client.Secret)
	res, err = srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	list, err := srv.Admin().ListFaultsWithResponse(context.Background())
	require.NoError(t, err)
	require.Len(t, list.JSON200.Faults, 1)
	assert.Equal(t, id, list.JSON200.Faults[0].FaultId)
	assert.Equal(t, 1, list.JSON200.Faults[0].Hits)
	_, err = srv.InjectFault(context.Background(), Fault{Bank: "nobank", Means: obcerr.RateLimited})
	assert.ErrorContains(t, err, "HTTP 400", "the admin API's refusal is the error")

	srv.Close()
	srv.Close() // and again at cleanup
	_, err = http.Get(srv.URL + "/healthz")
	assert.Error(t, err, "closed")
}

// fakeTB records what NewServer does with its test.
type fakeTB struct {
	failed   string
	cleanups []func()
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }

func TestNewServerFailsTheTest(t *testing.T) {
	f := &fakeTB{}
	assert.Nil(t, NewServer(f, &Options{BaseURL: "http://127.0.0.1:1"}))
	assert.Contains(t, f.failed, "BaseURL must be empty")
	bad := Unthrottled(nil)
	bad[0].Auth.Token = "https://elsewhere.example/token"
	f = &fakeTB{}
	NewServer(f, &Options{Banks: bad})
	assert.Contains(t, f.failed, "auth.token")
	assert.Empty(t, f.cleanups)
	assert.Panics(t, func() { NewServer(nil, &Options{Banks: bad}) }, "without a test, as httptest does")
}

// Subtests running in parallel on one server each fault their own grant:
// a rate limit armed for one consent is seen by that grant only, in the
// bank's words (citi: 503 with code 501 and Retry-After).
func TestFaultsForOneGrantOnly(t *testing.T) {
	srv := NewServer(t, &Options{Seed: 5, Banks: Unthrottled(nil), LargeTransactions: 100})
	bank := srv.Bank("citi")
	link := func(t *testing.T) (*sdk.Client, *sdk.Grant) {
		ctx := context.Background()
		c, err := sdk.Open(ctx, "citi", sdk.Credentials{ClientID: bank.Client.ID, ClientSecret: bank.Client.Secret},
			&sdk.Options{BaseURL: bank.Issuer, RedirectURL: bank.Client.RedirectURIs[0], HTTPClient: srv.Client(), Now: srv.Now, Retry: sdk.RetryPolicy{MaxAttempts: 1}})
		require.NoError(t, err)
		p, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
		require.NoError(t, err)
		cb, err := srv.Approve(ctx, p.AuthURL, Answers{})
		require.NoError(t, err)
		g, err := c.CompleteLink(ctx, p, cb.Query())
		require.NoError(t, err)
		return c, g
	}
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c, g := link(t)
			_, err := srv.InjectFault(ctx, Fault{Bank: "citi", Means: obcerr.RateLimited, ConsentID: g.ConsentID, Times: 2, RetryAfter: 2 * time.Second})
			require.NoError(t, err)
			for range 2 {
				_, err = c.Account(ctx, g, g.AccountIDs[0])
				require.ErrorIs(t, err, sdk.ErrRateLimited)
				d, ok := sdk.RetryAfter(err)
				assert.True(t, ok && d > time.Second, "Retry-After %v", d)
			}
			_, err = c.Account(ctx, g, g.AccountIDs[0])
			assert.NoError(t, err, "this grant's two faults are spent, and no other grant's hit it")
		})
	}
}

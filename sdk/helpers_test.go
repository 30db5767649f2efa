package sdk_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

var nameSeq atomic.Int64

// testCreds are the credentials the fake bank accepts.
var testCreds = sdk.Credentials{ClientID: "client-1", ClientSecret: "s3cret-value"}

// setup opens a client for a fresh fake connector, under a name of its
// own, against a fresh fake bank.
func setup(t testing.TB, o fakebank.Options, mutate func(*sdk.Options)) (*fakebank.Bank, *sdk.Client) {
	t.Helper()
	return setupCreds(t, o, testCreds, mutate)
}

// setupCreds is setup with other credentials.
func setupCreds(t testing.TB, o fakebank.Options, creds sdk.Credentials, mutate func(*sdk.Options)) (*fakebank.Bank, *sdk.Client) {
	t.Helper()
	bank := fakebank.New()
	t.Cleanup(bank.Close)
	o.Name = fmt.Sprintf("fake%d", nameSeq.Add(1))
	opts := &sdk.Options{RedirectURL: "https://app.example/cb", BaseURL: bank.URL(),
		Retry: sdk.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}
	if mutate != nil {
		mutate(opts)
	}
	c, err := sdk.OpenWith(context.Background(), fakebank.Opener(o), creds, opts)
	require.NoError(t, err)
	return bank, c
}

var allClusters = []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.Statements, sdk.CustomerContact, sdk.PaymentSupport}

// link runs a full link at the fake bank.
func link(t testing.TB, c *sdk.Client, clusters ...sdk.Cluster) *sdk.Grant {
	t.Helper()
	if clusters == nil {
		clusters = allClusters
	}
	ctx := context.Background()
	p, err := c.StartLink(ctx, sdk.LinkRequest{Clusters: clusters, Purpose: sdk.PurposePersonalFinancialManagement, Duration: 30 * 24 * time.Hour})
	require.NoError(t, err)
	cb, err := fakebank.Consent(ctx, p.AuthURL)
	require.NoError(t, err)
	g, err := c.CompleteLink(ctx, p, cb)
	require.NoError(t, err)
	return g
}

func collect[T any](t testing.TB, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

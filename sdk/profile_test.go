package sdk_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// A caller that writes to the Profile it was given, or a connector that
// reuses the slice it declared, must not change what the client enforces.
func TestProfileIsACopy(t *testing.T) {
	offered := []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions}
	_, c := setup(t, fakebank.Options{Clusters: offered}, nil)

	p := c.Profile()
	require.Equal(t, offered, p.Clusters)
	for i := range p.Clusters {
		p.Clusters[i] = "MUTATED"
	}
	for i := range offered {
		offered[i] = "MUTATED"
	}

	assert.Equal(t, []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions}, c.Profile().Clusters)
	g := link(t, c, sdk.AccountBasic, sdk.Transactions)
	txs, err := collect(t, c.Transactions(context.Background(), g, "chk-1", sdk.TxQuery{}))
	require.NoError(t, err, "the client still offers TRANSACTIONS")
	assert.NotEmpty(t, txs)
}

func TestProfileCapabilities(t *testing.T) {
	_, c := setup(t, fakebank.Options{}, nil)
	assert.True(t, c.Profile().AccountRevocation)
	assert.True(t, c.Profile().Subscriptions)
	_, basic := setup(t, fakebank.Options{NoAccountRevocation: true}, nil)
	assert.False(t, basic.Profile().AccountRevocation)
	assert.False(t, basic.Profile().Subscriptions)
}

func TestAs(t *testing.T) {
	bank, c := setup(t, fakebank.Options{}, nil)
	var info fakebank.Info
	require.True(t, c.As(&info), "the connector exposes *fakebank.Info")
	assert.Equal(t, bank.URL(), info.BaseURL)

	var other string
	assert.False(t, c.As(&other), "a type the connector does not document")
	assert.False(t, c.As(nil))
	assert.False(t, c.As((*fakebank.Info)(nil)), "a nil pointer")
	assert.False(t, c.As(info), "not a pointer")

	_, basic := setup(t, fakebank.Options{NoAccountRevocation: true}, nil)
	info = fakebank.Info{}
	assert.False(t, basic.As(&info), "a connector without driver.Aser")
	assert.Empty(t, info.BaseURL, "target left alone")
}

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

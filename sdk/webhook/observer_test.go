package webhook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk/webhook"
)

// The Observer sees each Verify and VerifySignature once, with the
// outcome's sentinel, and the publisher and type once the body was read.
func TestObserver(t *testing.T) {
	var seen []webhook.Verification
	bank, err := webhook.NewTestSigner("citi")
	require.NoError(t, err)
	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Publisher: "citi",
		Observer: func(_ context.Context, o webhook.Verification) { seen = append(seen, o) }})
	require.NoError(t, err)
	ctx := context.Background()
	body, h, err := bank.Payload(webhook.TestNotification{Type: webhook.TypeBalance})
	require.NoError(t, err)

	_, err = v.Verify(ctx, h, body)
	require.NoError(t, err)
	_, err = v.VerifySignature(ctx, h.Get(webhook.SignatureHeader), body)
	require.ErrorIs(t, err, webhook.ErrReplayed)
	_, err = v.Verify(ctx, http.Header{}, body)
	require.ErrorIs(t, err, webhook.ErrMissingSignature)

	require.Len(t, seen, 3)
	assert.NoError(t, seen[0].Err)
	assert.Equal(t, webhook.TypeBalance, seen[0].Type)
	assert.Equal(t, "citi", seen[0].Publisher)
	assert.Positive(t, seen[0].Duration)
	assert.ErrorIs(t, seen[1].Err, webhook.ErrReplayed)
	assert.Empty(t, seen[1].Type, "a rejected notification has no type")
	assert.ErrorIs(t, seen[2].Err, webhook.ErrMissingSignature)
	assert.Equal(t, "citi", seen[2].Publisher, "Options.Publisher when the body was not read")
}

package e2e_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// TestExpiryAndReauthorisation: a consent ends after its granted duration
// (warned by CONSENT_EXPIRING), every call then fails without a request,
// and a new link that keeps the same accounts resumes the sync from the
// cursors held: nothing missing, nothing reported twice.
func TestExpiryAndReauthorisation(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: starts mockbank")
	}
	w := setup(t)
	ctx := t.Context()
	b := w.bank("citi")
	w.linkAndSubscribe(b, 3*24*time.Hour)
	old := b.grant
	w.syncAll(b)
	w.check(b, "first sync")

	// The bank warns ahead of the end (CONSENT_EXPIRING, 7 days ahead by
	// default: at once for a 3-day consent, on the first clock move).
	w.admin.advance("24h")
	w.admin.settle(w.hooks.URL)
	var warned *webhook.ConsentExpiring
	for _, ev := range b.in.snapshot() {
		if d, ok := ev.Data.(*webhook.ConsentExpiring); ok && d.ConsentID == old.ConsentID {
			warned = d
		}
	}
	require.NotNil(t, warned, "a verified CONSENT_EXPIRING notification")
	if !warned.ExpiresAt.IsZero() {
		assert.WithinDuration(t, old.ExpiresAt, warned.ExpiresAt, 24*time.Hour)
	}
	w.syncAll(b)
	w.check(b, "day 1")

	// Past the granted duration: every call fails before the network.
	w.admin.advance("72h")
	w.admin.settle(w.hooks.URL)
	before := b.count.all.Load()
	for _, acct := range b.accounts {
		_, err := w.syncer.Sync(ctx, b.client, b.grant, acct, b.cursors[acct])
		require.ErrorIs(t, err, sdk.ErrConsentExpired)
		for _, err := range b.client.Transactions(ctx, b.grant, acct, sdk.TxQuery{}) {
			require.ErrorIs(t, err, sdk.ErrConsentExpired)
		}
		_, ok, ferr := b.forget.OnError(ctx, b.grant, acct, err)
		require.NoError(t, ferr)
		assert.False(t, ok, "an expiry is not a revocation: nothing to delete, link again")
	}
	assert.Equal(t, before, b.count.all.Load(), "no request after the expiry")

	// Re-authorisation: a new link, the same accounts; the sync resumes
	// from the stored cursors and catches up on the days missed.
	b.grant = w.linkOnly(b, 90*24*time.Hour)
	assert.NotEqual(t, old.ConsentID, b.grant.ConsentID)
	assert.ElementsMatch(t, old.AccountIDs, b.grant.AccountIDs)
	w.syncAll(b)
	w.check(b, "after re-authorisation")
	w.admin.advance("24h")
	w.admin.settle(w.hooks.URL)
	w.syncAll(b)
	w.check(b, "a day later")
}

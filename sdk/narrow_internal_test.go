package sdk

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
)

// tokWith is the record of a token response with these extra members.
func tokWith(extra map[string]any) *TokenRecord {
	return recordOf((&oauth2.Token{AccessToken: "a"}).WithExtra(extra))
}

func TestScopeOf(t *testing.T) {
	assert.Equal(t, tokenScope{}, scopeOf(nil))
	assert.Equal(t, tokenScope{}, scopeOf(&TokenRecord{AccessToken: "a"}), "a store that kept no members says nothing")
	assert.False(t, scopeOf(tokWith(map[string]any{"scope": "openid offline_access"})).hasClusters,
		"a scope without clusters says nothing rather than withdrawing everything")
	s := scopeOf(tokWith(map[string]any{
		"scope":              "openid TRANSACTIONS ACCOUNT_BASIC",
		"account_ids":        []any{"a1", "", 7, "a1", "a2"},
		"consent_expires_at": "2026-12-01T00:00:00Z",
	}))
	assert.Equal(t, []Cluster{AccountBasic, Transactions}, s.clusters)
	assert.Equal(t, []string{"a1", "a2"}, s.accounts)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), s.expiresAt)
	empty := scopeOf(tokWith(map[string]any{"account_ids": []any{}, "consent_expires_at": "soon"}))
	assert.True(t, empty.hasAccounts, "an empty list is a list: every account withdrawn")
	assert.Empty(t, empty.accounts)
	assert.True(t, empty.expiresAt.IsZero(), "an unreadable end says nothing")
}

func TestBankScopeLearn(t *testing.T) {
	g := &Grant{Clusters: []Cluster{AccountBasic, Transactions}, AccountIDs: []string{"a1", "a2", "a3"}}
	var s bankScope
	s = s.learn(tokenScope{accounts: []string{"a1", "a2", "a3"}, hasAccounts: true}, g)
	assert.Nil(t, change(g, bankScope{}, s), "the same lists are no change")
	next := s.learn(tokenScope{accounts: []string{"a1", "a3"}, hasAccounts: true, clusters: []Cluster{AccountBasic}, hasClusters: true}, g)
	ch := change(g, s, next)
	if assert.NotNil(t, ch) {
		assert.Equal(t, []string{"a2"}, ch.RemovedAccounts)
		assert.Equal(t, []Cluster{Transactions}, ch.RemovedClusters)
		assert.Equal(t, []string{"a1", "a3"}, ch.Grant.AccountIDs)
	}
	again := next.learn(tokenScope{accounts: []string{"a1", "a2", "a3"}, hasAccounts: true}, g)
	assert.Nil(t, change(g, next, again), "relisting is not a change")
	assert.Error(t, again.permits("op", "", "a2", time.Time{}), "and does not restore")
	assert.NoError(t, again.permits("op", "", "a9", time.Time{}), "an account never listed is the bank's to refuse")
	assert.Nil(t, change(nil, s, next))

	// A grant that did not list its accounts: the first list is a baseline,
	// not a narrowing.
	open := &Grant{Clusters: []Cluster{AccountBasic}}
	var o bankScope
	o = o.learn(tokenScope{accounts: []string{"a1", "a2"}, hasAccounts: true}, open)
	assert.NoError(t, o.permits("op", "", "a2", time.Time{}))
	assert.Equal(t, []string{"a1", "a2"}, o.apply(open).AccountIDs)
	o2 := o.learn(tokenScope{accounts: []string{"a1"}, hasAccounts: true}, open)
	if ch := change(open, o, o2); assert.NotNil(t, ch) {
		assert.Equal(t, []string{"a2"}, ch.RemovedAccounts)
	}
	assert.Nil(t, open.AccountIDs, "the caller's grant is never written")
}

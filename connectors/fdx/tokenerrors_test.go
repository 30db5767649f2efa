package fdx

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func withTokenErrors(t *testing.T, rules any) *bankdesc.Description {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(goodDescription), &m))
	m["auth"].(map[string]any)["tokenErrors"] = rules
	b, err := json.Marshal(m)
	require.NoError(t, err)
	d, err := bankdesc.Parse(b)
	require.NoError(t, err)
	return d
}

func TestTokenErrorCodeDefaults(t *testing.T) {
	c, err := New(driver.OpenConfig{}, acme(t))
	require.NoError(t, err)
	revoked := driver.TokenError{GrantType: "refresh_token", HTTPStatus: 400, Code: "invalid_grant", Description: "The consent is no longer active"}
	assert.Equal(t, obcerr.ConsentRevoked, c.TokenErrorCode(revoked), "description matched case-insensitively")
	expired := driver.TokenError{GrantType: "refresh_token", HTTPStatus: 400, Code: "invalid_grant", Description: "the consent has expired"}
	assert.Equal(t, obcerr.ConsentExpired, c.TokenErrorCode(expired))
	for name, e := range map[string]driver.TokenError{
		"other description": {GrantType: "refresh_token", Code: "invalid_grant", Description: "refresh token was revoked"},
		"no description":    {GrantType: "refresh_token", Code: "invalid_grant"},
		"code exchange":     {GrantType: "authorization_code", Code: "invalid_grant", Description: "the consent is no longer active"},
		"other error":       {GrantType: "refresh_token", Code: "invalid_client", Description: "the consent is no longer active"},
		"zero":              {},
	} {
		assert.Equal(t, obcerr.Unknown, c.TokenErrorCode(e), name)
	}
}

func TestTokenErrorsFromProfile(t *testing.T) {
	c, err := New(driver.OpenConfig{}, withTokenErrors(t, []map[string]string{
		{"error": "invalid_grant", "descriptionContains": "consent expired", "means": "ConsentExpired"},
		{"error": "invalid_grant", "grantType": "refresh_token", "means": "ConsentRevoked"},
	}))
	require.NoError(t, err)
	assert.Equal(t, obcerr.ConsentExpired, c.TokenErrorCode(driver.TokenError{GrantType: "refresh_token", Code: "invalid_grant", Description: "Consent expired"}))
	assert.Equal(t, obcerr.ConsentRevoked, c.TokenErrorCode(driver.TokenError{GrantType: "refresh_token", Code: "invalid_grant"}))
	assert.Equal(t, obcerr.Unknown, c.TokenErrorCode(driver.TokenError{GrantType: "authorization_code", Code: "invalid_grant"}))

	// An empty table turns the defaults off.
	c, err = New(driver.OpenConfig{}, withTokenErrors(t, []any{}))
	require.NoError(t, err)
	assert.Equal(t, obcerr.Unknown, c.TokenErrorCode(driver.TokenError{GrantType: "refresh_token", Code: "invalid_grant", Description: "the consent is no longer active"}))
}

func TestTokenErrorsRejected(t *testing.T) {
	for name, rule := range map[string]map[string]string{
		"no error":          {"means": "ConsentRevoked"},
		"retry code":        {"error": "invalid_grant", "means": "RateLimited"},
		"unknown code":      {"error": "invalid_grant", "means": "Revoked"},
		"unknown grantType": {"error": "invalid_grant", "grantType": "password", "means": "ConsentRevoked"},
		"unknown key":       {"error": "invalid_grant", "means": "ConsentRevoked", "desc": "x"},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(goodDescription), &m))
		m["auth"].(map[string]any)["tokenErrors"] = []map[string]string{rule}
		b, err := json.Marshal(m)
		require.NoError(t, err)
		_, err = bankdesc.Parse(b)
		assert.ErrorContains(t, err, "tokenErrors", name)
	}
}

package authz

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/mockbank/internal/browsertest"
)

func TestConsentPageInHeadlessChromium(t *testing.T) {
	ctx := browsertest.New(t, nil)
	env := newEnv(t, nil)

	var mu sync.Mutex
	var callback url.Values
	env.mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		callback = r.URL.Query()
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html><body><p id="callback-done">linked</p></body></html>`))
	})
	redirect := env.srv.URL + "/callback"
	st, out := env.register(map[string]any{"client_name": "Browser App", "redirect_uris": []string{redirect}})
	require.Equal(t, http.StatusCreated, st, out)
	conf := env.oauthConfig(out["client_id"].(string), out["client_secret"].(string))
	conf.RedirectURL = redirect
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("browser-state", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("purpose", "ACCOUNT_AGGREGATION"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "user_good"),
		chromedp.SendKeys(chromedp.ID("password"), "pass_good"),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("approve")),
	))
	purpose, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("purpose")))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("acct-acc-chk")),
		chromedp.Click(chromedp.ID("acct-acc-cc")),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("callback-done")),
	))
	location, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.Contains(t, purpose, "Show your accounts together")
	u, err := url.Parse(location)
	require.NoError(t, err)
	assert.Equal(t, "/callback", u.Path)
	mu.Lock()
	q := callback
	mu.Unlock()
	require.NotNil(t, q)
	assert.Equal(t, "browser-state", q.Get("state"))
	require.NotEmpty(t, q.Get("code"))

	tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	assert.Equal(t, []any{"acc-chk", "acc-cc"}, tok.Extra("account_ids"))
}

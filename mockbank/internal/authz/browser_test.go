package authz

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// findChromium returns the browser binary, skipping the test when there is
// none outside CI. In CI (CI=true) a missing browser is a failure: the
// consent page must be exercised by a real browser there.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but Chromium is not installed (apt-get install -y chromium); the consent-page browser test must run in CI")
	}
	t.Skip("Chromium not found (install Debian's chromium package to run the consent-page browser test); skipping outside CI")
	return ""
}

func TestConsentPageInHeadlessChromium(t *testing.T) {
	bin := findChromium(t)
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

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()

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

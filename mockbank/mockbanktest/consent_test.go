package mockbanktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	_ "github.com/obconnect/obconnect/connectors/chase"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
)

// oauthFor is a golang.org/x/oauth2 config for a client_secret_basic
// bank's ready client.
func oauthFor(b Bank, clusters ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: b.Client.ID, ClientSecret: b.Client.Secret, RedirectURL: b.Client.RedirectURIs[0],
		Scopes: append([]string{"openid", "offline_access"}, clusters...),
		Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + b.Description.Auth.Authorization, TokenURL: b.Issuer + b.Description.Auth.Token,
			AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// startLink returns an authorization URL at wellsfargo and a function that
// exchanges the callback's code for the consent id.
func startLink(t *testing.T, srv *Server) (string, func(cb *url.URL) string) {
	t.Helper()
	cfg := oauthFor(srv.Bank("wellsfargo"), "ACCOUNT_BASIC", "TRANSACTIONS")
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("purpose", "ACCOUNT_AGGREGATION"))
	return authURL, func(cb *url.URL) string {
		t.Helper()
		require.Equal(t, "st4te", cb.Query().Get("state"))
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
		require.NoError(t, err)
		cid, _ := tok.Extra("consent_id").(string)
		require.NotEmpty(t, cid)
		return cid
	}
}

// consents lists a bank's consents through the admin API.
func consents(t *testing.T, srv *Server, bank string) []adminapi.Consent {
	t.Helper()
	r, err := srv.Admin().ListConsentsWithResponse(context.Background(), &adminapi.ListConsentsParams{Bank: &bank})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "%s", r.Body)
	return r.JSON200.Consents
}

func consentAccounts(t *testing.T, srv *Server, bank, consentID string) []string {
	t.Helper()
	for _, c := range consents(t, srv, bank) {
		if c.ConsentId == consentID {
			return c.AccountIds
		}
	}
	t.Fatalf("no consent %s at %s", consentID, bank)
	return nil
}

func userAccounts(t *testing.T, srv *Server, bank, username string) []string {
	t.Helper()
	r, err := srv.Admin().ListUsersWithResponse(context.Background(), &adminapi.ListUsersParams{Bank: &bank, Username: &username})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200, "%s", r.Body)
	require.Len(t, r.JSON200.Users, 1)
	var ids []string
	for _, a := range *r.JSON200.Users[0].Accounts {
		ids = append(ids, a.AccountId)
	}
	return ids
}

func TestApprove(t *testing.T) {
	srv := NewServer(t, &Options{Seed: 3, LargeTransactions: 100})
	ctx := context.Background()
	hc := srv.Client()

	t.Run("good user shares every account offered", func(t *testing.T) {
		authURL, exchange := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_good", Password: "pass_good"})
		require.NoError(t, err)
		assert.Equal(t, "http://127.0.0.1:8081/callback", cb.Scheme+"://"+cb.Host+cb.Path)
		assert.NotEmpty(t, cb.Query().Get("code"))
		assert.Equal(t, srv.Bank("wellsfargo").Issuer, cb.Query().Get("iss"))
		cid := exchange(cb)
		assert.ElementsMatch(t, userAccounts(t, srv, "wellsfargo", "user_good"), consentAccounts(t, srv, "wellsfargo", cid))
	})

	t.Run("zero answers are user_good with the test password", func(t *testing.T) {
		authURL, exchange := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{})
		require.NoError(t, err)
		exchange(cb)
	})

	t.Run("MFA user with the documented code", func(t *testing.T) {
		authURL, exchange := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_mfa"})
		require.NoError(t, err, "the test user's code is known")
		exchange(cb)

		authURL, exchange = startLink(t, srv)
		cb, err = Approve(ctx, hc, authURL, Answers{Username: "user_mfa", OTP: mockbank.TestUsers()[1].OTP})
		require.NoError(t, err)
		exchange(cb)
	})

	t.Run("MFA user with a wrong code", func(t *testing.T) {
		authURL, _ := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_mfa", OTP: "000000"})
		require.ErrorIs(t, err, ErrWrongOTP)
		assert.Nil(t, cb)
		var ce *ConsentError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "otp", ce.Step)
		assert.Equal(t, http.StatusBadRequest, ce.Status)
		assert.NotContains(t, err.Error(), "000000")
	})

	t.Run("deny", func(t *testing.T) {
		authURL, _ := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_good", Deny: true})
		require.NoError(t, err)
		assert.Equal(t, "access_denied", cb.Query().Get("error"))
		assert.Equal(t, "st4te", cb.Query().Get("state"))
		assert.Empty(t, cb.Query().Get("code"))
	})

	t.Run("wrong password", func(t *testing.T) {
		authURL, _ := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_good", Password: "hunter2-wrong"})
		require.ErrorIs(t, err, ErrWrongCredentials)
		assert.Nil(t, cb)
		var ce *ConsentError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "login", ce.Step)
		assert.Equal(t, "The username or password is incorrect.", ce.Message)
		assert.NotContains(t, err.Error(), "hunter2", "no credential in the error")
	})

	t.Run("unknown user", func(t *testing.T) {
		authURL, _ := startLink(t, srv)
		_, err := Approve(ctx, hc, authURL, Answers{Username: "nobody"})
		require.ErrorIs(t, err, ErrWrongCredentials)
	})

	t.Run("account subset", func(t *testing.T) {
		all := userAccounts(t, srv, "wellsfargo", "user_good")
		require.GreaterOrEqual(t, len(all), 2)
		authURL, exchange := startLink(t, srv)
		cb, err := Approve(ctx, hc, authURL, Answers{Accounts: []string{all[1]}})
		require.NoError(t, err)
		assert.Equal(t, []string{all[1]}, consentAccounts(t, srv, "wellsfargo", exchange(cb)))
	})

	t.Run("an account not offered is refused before posting", func(t *testing.T) {
		before := consents(t, srv, "wellsfargo")
		authURL, _ := startLink(t, srv)
		_, err := Approve(ctx, hc, authURL, Answers{Accounts: []string{"acct-of-someone-else"}})
		require.ErrorIs(t, err, ErrAccountNotOffered)
		_, err = Approve(ctx, hc, authURL, Answers{Accounts: []string{}})
		require.ErrorIs(t, err, ErrAccountNotOffered)
		assert.Len(t, consents(t, srv, "wellsfargo"), len(before), "no consent was created")
	})

	t.Run("PAR at chase", func(t *testing.T) {
		b := srv.Bank("chase")
		require.True(t, b.Description.Auth.PARRequired)
		client, err := sdk.Open(ctx, "chase", sdk.Credentials{ClientID: b.Client.ID, PrivateKey: b.PrivateKey, KeyID: b.Client.KeyID},
			&sdk.Options{BaseURL: b.Issuer, RedirectURL: b.Client.RedirectURIs[0], HTTPClient: hc, Now: srv.Now})
		require.NoError(t, err)
		pending, err := client.StartLink(ctx, sdk.LinkRequest{Clusters: []sdk.Cluster{sdk.AccountBasic}, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
		require.NoError(t, err)
		authURL := pending.AuthURL
		require.Contains(t, authURL, "request_uri=", "pushed")
		acct := userAccounts(t, srv, "chase", "user_mfa")[0]
		cb, err := Approve(ctx, hc, authURL, Answers{Username: "user_mfa", Accounts: []string{acct}})
		require.NoError(t, err)
		g, err := client.CompleteLink(ctx, pending, cb.Query())
		require.NoError(t, err)
		assert.Equal(t, []string{acct}, consentAccounts(t, srv, "chase", g.ConsentID))

		// A request_uri is single use: the second visit ends on the bank's
		// message page.
		_, err = Approve(ctx, hc, authURL, Answers{Username: "user_mfa"})
		require.ErrorIs(t, err, ErrBankRefused)
		var ce *ConsentError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "authorize", ce.Step)
		assert.Contains(t, ce.Message, "expired or was already used")
	})

	t.Run("chase without PAR redirects back with an error", func(t *testing.T) {
		cfg := oauthFor(srv.Bank("chase"), "ACCOUNT_BASIC")
		authURL := cfg.AuthCodeURL("n0par", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		cb, err := Approve(ctx, hc, authURL, Answers{})
		require.ErrorIs(t, err, ErrBankRefused)
		require.NotNil(t, cb, "the callback is returned with the error")
		assert.Equal(t, "invalid_request", cb.Query().Get("error"))
		var ce *ConsentError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "invalid_request", ce.OAuthCode)
	})

	t.Run("the caller's client is not modified", func(t *testing.T) {
		mine := &http.Client{Transport: hc.Transport}
		authURL, exchange := startLink(t, srv)
		cb, err := Approve(ctx, mine, authURL, Answers{})
		require.NoError(t, err)
		exchange(cb)
		assert.Nil(t, mine.Jar)
		assert.Nil(t, mine.CheckRedirect)
	})

	t.Run("concurrent links share one client", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			authURL, _ := startLink(t, srv)
			wg.Go(func() {
				cb, err := Approve(ctx, hc, authURL, Answers{Username: []string{"user_good", "user_mfa"}[i%2]})
				if err == nil && !cb.Query().Has("code") {
					err = errors.New("no code")
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			assert.NoError(t, err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		authURL, _ := startLink(t, srv)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := Approve(cctx, hc, authURL, Answers{})
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestApproveBadInput(t *testing.T) {
	for _, u := range []string{"", "::", "/relative/authorize", "ftp://bank.example/authorize", "http:///no-host"} {
		_, err := Approve(context.Background(), nil, u, Answers{})
		assert.ErrorIs(t, err, ErrInvalidAuthURL, u)
	}
}

// odd serves pages that are not mockbank's, each at its own path.
func odd(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	htmlPage := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/blank", htmlPage(200, ""))
	mux.HandleFunc("/junk", htmlPage(200, "<form id=login-form><input type=hidden name><p id=error><<<>>>&&&;</form></form><input"))
	mux.HandleFunc("/notfound", htmlPage(404, "<h1>Not found</h1>"))
	mux.HandleFunc("/message", htmlPage(400, `<main><h1>Cannot continue</h1><p id="message">Please start again.</p></main>`))
	mux.HandleFunc("/json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"code":500}`))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(strings.Repeat("<p>", approveMaxPageSize)))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?again=1", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://sso.example/login?next=1", http.StatusFound)
	})
	mux.HandleFunc("/nolocation", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusFound) })
	mux.HandleFunc("/offsite", htmlPage(200, `<form id="login-form" action="http://evil.example/steal"><input type="hidden" name="session" value="s"></form>`))
	mux.HandleFunc("/relogin", htmlPage(200, `<form id="login-form" action="/relogin" method="post"><input type="hidden" name="session" value="s"></form>`))
	mux.HandleFunc("/locked", func(w http.ResponseWriter, r *http.Request) {
		// The sign-in form, then the page mockbank shows a locked user.
		if r.Method == http.MethodPost {
			htmlPage(403, `<main><p id="message">This online banking profile is locked. Please contact the bank.</p></main>`)(w, r)
			return
		}
		htmlPage(200, `<form id="login-form" action="/locked" method="post"><input type="hidden" name="session" value="s"></form>`)(w, r)
	})
	mux.HandleFunc("/noaccounts", htmlPage(200, `<form id="consent-form" action="/noaccounts" method="post"><input type="hidden" name="session" value="s"></form>`))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestApproveNeverPanicsOnOddPages(t *testing.T) {
	srv := odd(t)
	cases := map[string]error{
		"/blank":      ErrUnrecognisedPage,
		"/junk":       ErrUnrecognisedPage, // a login form without an action posts back to itself, then shows again
		"/notfound":   ErrUnrecognisedPage,
		"/message":    ErrBankRefused,
		"/json":       ErrUnrecognisedPage,
		"/huge":       ErrUnrecognisedPage,
		"/loop":       ErrUnrecognisedPage,
		"/nolocation": ErrUnrecognisedPage,
		"/elsewhere":  ErrUnrecognisedPage,
		"/offsite":    ErrUnrecognisedPage,
		"/relogin":    ErrWrongCredentials,
		"/noaccounts": ErrAccountNotOffered,
		"/locked":     ErrUserLocked,
	}
	for path, want := range cases {
		t.Run(path, func(t *testing.T) {
			cb, err := Approve(context.Background(), srv.Client(), srv.URL+path, Answers{Password: "secret-pw"})
			if path == "/elsewhere" {
				assert.NotNil(t, cb, "a redirect that leaves is returned with the error")
			} else {
				assert.Nil(t, cb)
			}
			require.Error(t, err)
			if path == "/junk" {
				// The junk page's mangled form is either posted and shown
				// again or rejected: either way a classified error.
				var ce *ConsentError
				require.ErrorAs(t, err, &ce)
			} else {
				require.ErrorIs(t, err, want, "%v", err)
			}
			assert.NotContains(t, err.Error(), "secret-pw")
		})
	}
}

func FuzzParseConsentPage(f *testing.F) {
	f.Add([]byte(`<form id="consent-form" action="/a"><input type="hidden" name="session" value="s"><input type="checkbox" name="account" value="a1"></form>`))
	f.Add([]byte(`<p id="error">x</p><p id="message">y</p><form><form id=otp-form><input type=HIDDEN name=csrf_token value=c>`))
	f.Add([]byte("\x00\xff<html><body><form id=login-form action=\"\x01\">"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseConsentPage(body)
		if err == nil && p == nil {
			t.Fatal("nil page without error")
		}
		if err == nil {
			assert.LessOrEqual(t, len(p.errText), 203)
			assert.LessOrEqual(t, len(p.message), 203)
		}
	})
}

// FuzzApprove serves the same arbitrary HTML for every request: Approve
// must end with a classified error (never a panic, never a loop).
func FuzzApprove(f *testing.F) {
	f.Add([]byte(`<form id="login-form" action="/x"><input type="hidden" name="session" value="s"></form>`), 200)
	f.Add([]byte(`<form id="consent-form"><input type=checkbox name=account value=a></form><form id=otp-form></form>`), 400)
	f.Add([]byte(`<p id="message">This online banking profile is locked.</p>`), 403)
	type answer struct {
		body   []byte
		status int
	}
	var cur atomic.Pointer[answer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		a := cur.Load()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, b []byte, st int) {
		if st < 200 || st > 599 || st/100 == 3 {
			st = 200
		}
		cur.Store(&answer{body: b, status: st})
		cb, err := Approve(context.Background(), srv.Client(), srv.URL+"/authorize", Answers{})
		if err == nil {
			t.Fatalf("no error and callback %v", cb)
		}
		var ce *ConsentError
		if !errors.As(err, &ce) {
			t.Fatalf("unclassified: %v", err)
		}
	})
}

func ExampleConsentError() {
	err := error(&ConsentError{Err: ErrWrongCredentials, Step: "login", Status: 400, Message: "The username or password is incorrect."})
	fmt.Println(errors.Is(err, ErrWrongCredentials))
	fmt.Println(err)
	// Output:
	// true
	// mockbank: consent page (after login): wrong username or password: The username or password is incorrect. (HTTP 400)
}

package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// env is a mockbank for the dashboard's tests, with its dashboard's URL.
type env struct {
	srv *mockbanktest.Server
	ui  string
}

func newEnv(t *testing.T, opts *mockbanktest.Options) *env {
	t.Helper()
	o := mockbanktest.Options{Seed: 1, NotificationRetryBase: time.Millisecond, NotificationMaxAttempts: 2}
	if opts != nil {
		o = *opts
	}
	srv := mockbanktest.NewServer(t, &o)
	return &env{srv: srv, ui: srv.URL + "/admin/ui"}
}

// client is a browser without a browser: cookies, but no redirects
// followed, so tests see each answer.
func (e *env) client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// signIn returns a client signed in with the login form.
func (e *env) signIn(t *testing.T) *http.Client {
	t.Helper()
	c := e.client(t)
	resp := e.post(t, c, "/login", url.Values{"token": {e.srv.AdminToken()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	return c
}

type page struct {
	status int
	header http.Header
	body   string
}

func (e *env) get(t *testing.T, c *http.Client, path string) page {
	t.Helper()
	resp, err := c.Get(e.ui + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.ui+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's form token from a page, as a browser would
// send it back.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	require.NotNil(t, m, "no CSRF field on the page")
	return m[1]
}

// link has username consent at bank (a client_secret_basic bank) through
// the real consent page and returns the consent id.
func (e *env) link(t *testing.T, bank, username string) string {
	t.Helper()
	id, _ := e.linkWithToken(t, bank, username)
	return id
}

// linkWithToken links as link does and also returns the access token.
func (e *env) linkWithToken(t *testing.T, bank, username string) (string, string) {
	t.Helper()
	ctx := context.Background()
	b := e.srv.Bank(bank)
	cfg := &oauth2.Config{
		ClientID: b.Client.ID, ClientSecret: b.Client.Secret, RedirectURL: b.Client.RedirectURIs[0],
		Scopes:   []string{"openid", "offline_access", "ACCOUNT_BASIC", "TRANSACTIONS"},
		Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + "/authorize", TokenURL: b.Issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	verifier := oauth2.GenerateVerifier()
	cb, err := e.srv.Approve(ctx, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("purpose", "ACCOUNT_AGGREGATION")), mockbanktest.Answers{Username: username})
	require.NoError(t, err)
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, e.srv.Client()), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	id, _ := tok.Extra("consent_id").(string)
	require.NotEmpty(t, id)
	return id, tok.AccessToken
}

// dataCall is a data API call with an access token; it returns the status.
func (e *env) dataCall(t *testing.T, bank, token, path string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.Bank(bank).DataURL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// subscribe has bank's ready client subscribe callback to types.
func (e *env) subscribe(t *testing.T, bank, callback string, types ...string) {
	t.Helper()
	b := e.srv.Bank(bank)
	c := e.srv.Client()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequest(http.MethodPost, b.Issuer+"/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(b.Client.ID), url.QueryEscape(b.Client.Secret))
	resp, err := c.Do(req)
	require.NoError(t, err)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	resp.Body.Close()
	require.NotEmpty(t, tok.AccessToken)
	body, _ := json.Marshal(map[string]any{"callbackUrl": callback, "notificationTypes": types})
	req, err = http.NewRequest(http.MethodPost, b.DataURL+"/notification-subscriptions", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

// hook is a notification receiver: it answers status with body, and
// counts what it receives. Set changes its answer, as fixing a receiver
// would.
type hook struct {
	URL      string
	received atomic.Int64
	status   atomic.Int64
	body     atomic.Value
}

func (h *hook) set(status int, body string) {
	h.status.Store(int64(status))
	h.body.Store(body)
}

func receiver(t *testing.T, status int, body string) *hook {
	h := &hook{}
	h.set(status, body)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.received.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(h.status.Load()))
		_, _ = io.WriteString(w, h.body.Load().(string))
	}))
	t.Cleanup(ts.Close)
	h.URL = ts.URL + "/hook"
	return h
}

// deliveries waits until no delivery is pending and returns them all.
func (e *env) deliveries(t *testing.T) []adminapi.Delivery {
	t.Helper()
	var out []adminapi.Delivery
	require.Eventually(t, func() bool {
		r, err := e.srv.Admin().ListDeliveriesWithResponse(context.Background(), &adminapi.ListDeliveriesParams{})
		if err != nil || r.JSON200 == nil {
			return false
		}
		out = r.JSON200.Deliveries
		for _, d := range out {
			if d.Status == adminapi.DeliveryStatusPENDING {
				return false
			}
		}
		return len(out) > 0
	}, 10*time.Second, 10*time.Millisecond)
	return out
}

func (e *env) faults(t *testing.T) []adminapi.Fault {
	t.Helper()
	r, err := e.srv.Admin().ListFaultsWithResponse(context.Background())
	require.NoError(t, err)
	require.NotNil(t, r.JSON200)
	return r.JSON200.Faults
}

func (e *env) consents(t *testing.T) []adminapi.Consent {
	t.Helper()
	r, err := e.srv.Admin().ListConsentsWithResponse(context.Background(), &adminapi.ListConsentsParams{})
	require.NoError(t, err)
	require.NotNil(t, r.JSON200)
	return r.JSON200.Consents
}

func (e *env) consent(t *testing.T, id string) adminapi.Consent {
	t.Helper()
	for _, c := range e.consents(t) {
		if c.ConsentId == id {
			return c
		}
	}
	t.Fatalf("consent %s not listed", id)
	return adminapi.Consent{}
}

// accountIDs are the accounts a consent grants.
func (e *env) accountIDs(t *testing.T, bank, consentID string) []string {
	t.Helper()
	ids := e.consent(t, consentID).AccountIds
	require.NotEmpty(t, ids)
	return ids
}

func ptr[T any](v T) *T { return &v }

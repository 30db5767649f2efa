package mockbank

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
	"sync"
	"testing"

	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/openapi"
)

// env is a mockbank served by httptest.
type env struct {
	t   testing.TB
	srv *Server
	ts  *httptest.Server
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	if opts.LargeTransactions == 0 {
		opts.LargeTransactions = 5_000
	}
	if opts.Banks == nil {
		opts.Banks = relaxed(connectors.Builtin())
	}
	// Listen first: the issuers are built from the URL.
	ts := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + ts.Listener.Addr().String()
	srv, err := New(context.Background(), &opts)
	require.NoError(t, err)
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, srv: srv, ts: ts}
}

func (e *env) bank(name string) BankInfo {
	for _, b := range e.srv.Banks() {
		if b.Name == name {
			return b
		}
	}
	e.t.Fatalf("no bank %s", name)
	return BankInfo{}
}

// relaxed lifts the rate limits, which tests other than the rate-limit
// test would otherwise trip over.
func relaxed(ds []*bankdesc.Description) []*bankdesc.Description {
	for _, d := range ds {
		d.RateLimit = bankdesc.RateLimit{RequestsPerSecond: 100000, Burst: 100000}
	}
	return ds
}

// builtin is a fresh copy of a built-in bank's description.
func builtin(t testing.TB, name string) *bankdesc.Description {
	t.Helper()
	d, err := connectors.Lookup(name)
	require.NoError(t, err)
	return d
}

var (
	reSession = regexp.MustCompile(`name="session" value="([^"]+)"`)
	reCSRF    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	reAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	reAccount = regexp.MustCompile(`name="account" value="([^"]+)"`)
)

// grant is what a linked client holds.
type grant struct {
	token     string
	consentID string
	accounts  []string
}

// link runs the authorization-code flow with PKCE through the HTML consent
// page, as a user would, at a client_secret_basic bank. pick chooses the
// accounts among those offered (nil: all).
func (e *env) link(bank, username, otp string, clusters []string, pick func([]string) []string) grant {
	e.t.Helper()
	t := e.t
	b := e.bank(bank)
	verifier := oauth2.GenerateVerifier()
	scopes := append([]string{"openid", "offline_access"}, clusters...)
	var authURL string
	var exchange func(code string) (string, string)
	if b.Client.AuthMethod == "client_secret_basic" {
		cfg := &oauth2.Config{
			ClientID: b.Client.ID, ClientSecret: b.Client.Secret, RedirectURL: b.Client.RedirectURIs[0], Scopes: scopes,
			Endpoint: oauth2.Endpoint{AuthURL: b.Issuer + b.Description.Auth.Authorization, TokenURL: b.Issuer + b.Description.Auth.Token, AuthStyle: oauth2.AuthStyleInHeader},
		}
		authURL = cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("purpose", "PERSONAL_FINANCIAL_MANAGEMENT"), oauth2.SetAuthURLParam("duration_days", "90"))
		exchange = func(code string) (string, string) {
			tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			require.NoError(t, err)
			cid, _ := tok.Extra("consent_id").(string)
			return tok.AccessToken, cid
		}
	} else {
		// private_key_jwt: a pushed authorization request, then the code
		// exchange, each authenticated with a signed client assertion.
		pc := newKeyClient(t, b.Client)
		par := pc.post(b.Issuer+"/par", b.Issuer, url.Values{
			"response_type": {"code"}, "client_id": {b.Client.ID}, "redirect_uri": {b.Client.RedirectURIs[0]},
			"scope": {strings.Join(scopes, " ")}, "state": {"st4te"}, "purpose": {"PERSONAL_FINANCIAL_MANAGEMENT"},
			"duration_days": {"90"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		})
		authURL = b.Issuer + "/authorize?" + url.Values{"client_id": {b.Client.ID}, "request_uri": {par["request_uri"].(string)}}.Encode()
		exchange = func(code string) (string, string) {
			out := pc.post(b.Issuer+"/token", b.Issuer, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {b.Client.RedirectURIs[0]}, "code_verifier": {verifier}, "client_id": {b.Client.ID}})
			return out["access_token"].(string), out["consent_id"].(string)
		}
	}

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, string, string) {
		resp, err := hc.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header.Get("Location")
	}
	submit := func(page string, fields url.Values) (int, string, string) {
		s, c, a := reSession.FindStringSubmatch(page), reCSRF.FindStringSubmatch(page), reAction.FindStringSubmatch(page)
		require.NotNil(t, s, "no form in %s", page)
		form := url.Values{"session": {s[1]}, "csrf_token": {c[1]}}
		for k, v := range fields {
			form[k] = v
		}
		target := a[1]
		if strings.HasPrefix(target, "/") {
			target = e.ts.URL + target
		}
		resp, err := hc.PostForm(strings.ReplaceAll(target, "&amp;", "&"), form)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header.Get("Location")
	}
	st, page, _ := get(authURL)
	require.Equal(t, http.StatusOK, st, page)
	st, page, _ = submit(page, url.Values{"action": {"login"}, "username": {username}, "password": {"pass_good"}})
	require.Equal(t, http.StatusOK, st, page)
	if otp != "" {
		st, page, _ = submit(page, url.Values{"action": {"otp"}, "otp": {otp}})
		require.Equal(t, http.StatusOK, st, page)
	}
	var offered []string
	for _, m := range reAccount.FindAllStringSubmatch(page, -1) {
		offered = append(offered, m[1])
	}
	chosen := offered
	if pick != nil {
		chosen = pick(offered)
	}
	st, page, loc := submit(page, url.Values{"action": {"consent"}, "decision": {"approve"}, "account": chosen})
	require.Equal(t, http.StatusSeeOther, st, page)
	u, err := url.Parse(loc)
	require.NoError(t, err)
	require.Equal(t, "st4te", u.Query().Get("state"))
	token, cid := exchange(u.Query().Get("code"))
	require.NotEmpty(t, cid)
	return grant{token: token, consentID: cid, accounts: chosen}
}

// keyClient authenticates with private_key_jwt using a ready client's key.
type keyClient struct {
	t   testing.TB
	id  string
	kid string
	key any
	n   int
}

func newKeyClient(t testing.TB, rc ReadyClient) *keyClient {
	t.Helper()
	blk, _ := pem.Decode([]byte(rc.PrivateKeyPEM))
	require.NotNil(t, blk)
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return &keyClient{t: t, id: rc.ID, kid: rc.KeyID, key: key}
}

// post sends a form with a fresh client assertion and decodes the JSON.
func (k *keyClient) post(endpoint, aud string, form url.Values) map[string]any {
	t := k.t
	t.Helper()
	k.n++
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}}, nil)
	require.NoError(t, err)
	now := time.Now()
	assertion, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: k.id, Subject: k.id, Audience: jwt.Audience{aud},
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: fmt.Sprintf("jti-%d-%d", now.UnixNano(), k.n)}).Serialize()
	require.NoError(t, err)
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	form.Set("client_assertion", assertion)
	res, err := http.PostForm(endpoint, form)
	require.NoError(t, err)
	defer res.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	require.Less(t, res.StatusCode, 300, "%s: %v", endpoint, out)
	return out
}

// resp is a recorded response.
type resp struct {
	status int
	header http.Header
	body   []byte
	req    *http.Request
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body %s", r.body)
	return m
}

// code reads the FDX error code whatever its JSON form.
func (r resp) code(t testing.TB) string {
	t.Helper()
	var m struct {
		Code json.RawMessage `json:"code"`
	}
	require.NoError(t, json.Unmarshal(r.body, &m), "body %s", r.body)
	require.NotEmpty(t, m.Code, "no code in %s", r.body)
	return strings.Trim(string(m.Code), `"`)
}

// call sends a request to the data API of bank.
func (e *env) call(method, bank, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		switch v := body.(type) {
		case string:
			raw = []byte(v)
		default:
			raw, _ = json.Marshal(v)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.bank(bank).DataURL+path, rd)
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	if raw != nil {
		req.Body = io.NopCloser(bytes.NewReader(raw))
	}
	return resp{status: res.StatusCode, header: res.Header, body: b, req: req}
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// validate checks a response against the spec (never done when serving).
func validate(t testing.TB, bank string, r resp) {
	t.Helper()
	specOnce.Do(func() {
		var doc *openapi3.T
		doc, specErr = openapi.LoadFDX(context.Background())
		if specErr == nil {
			doc.Servers = openapi3.Servers{{URL: "/"}}
			specRouter, specErr = legacy.NewRouter(doc)
		}
	})
	require.NoError(t, specErr)
	req := r.req.Clone(context.Background())
	prefix := "/" + bank + "/fdx/"
	rest := strings.TrimPrefix(req.URL.Path, prefix)
	_, rest, _ = strings.Cut(rest, "/")
	req.URL.Path, req.URL.Host, req.URL.Scheme = "/"+rest, "", ""
	req.Host = ""
	route, params, err := specRouter.FindRoute(req)
	require.NoError(t, err, "route %s", req.URL.Path)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: r.header,
		Body:    io.NopCloser(bytes.NewReader(r.body)),
		Options: in.Options,
	})
	require.NoError(t, err, "%s %s -> %d %s", r.req.Method, r.req.URL.Path, r.status, r.body)
}

// admin sends a request to the admin API with the server's token.
func (e *env) admin(method, path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+"/admin"+path, strings.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer "+e.srv.AdminToken())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return res.StatusCode, string(b)
}

func ptr[T any](v T) *T { return &v }

// Package mockbankkit runs the conformance kit against mockbank, started
// in-process, for one of its banks:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, mockbankkit.New(t, "chase"))
//	}
//
// It links mockbank's user_good through the real consent page (login form,
// account choice), reads the ground truth from the bank itself with large
// pages, and drives mockbank's admin API for what the kit needs to
// provoke: faults with the bank's own status and FDX code, revocation at
// the bank, and simulated time (to expire access tokens and consents).
//
// It lives in its own package so that only connector tests pull mockbank
// into their build.
//
// # Clock
//
// mockbank runs on simulated time. Each client the harness opens uses the
// bank's simulated "now", frozen at opening, as its Config.Now: the local
// expiry checks then agree with the consent_expires_at the bank sends, and
// a consent the harness expires by advancing the bank's clock is reported
// by the bank (and classified by the connector), not by the local check.
package mockbankkit

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

// User and Password are mockbank's standard test user.
const (
	User     = "user_good"
	Password = "pass_good"
)

// Harness is a conformance.Harness backed by an in-process mockbank.
type Harness struct {
	remote conformance.RemoteHarness
	bank   string
	base   string
	token  string
	srv    *httptest.Server
	mb     *mockbank.Server
}

var _ conformance.Harness = (*Harness)(nil)

// New starts mockbank (with its control side) for the test and returns a
// harness for bank, using the client mockbank registers for it at start.
// The connector for bank must be registered (blank import).
func New(t testing.TB, bank string) *Harness {
	t.Helper()
	h, err := Start(context.Background(), bank)
	if err != nil {
		t.Fatalf("mockbankkit: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// Start is New without a testing.TB; call Close when done.
func Start(ctx context.Context, bank string) (*Harness, error) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	mb, err := mockbank.NewWithControl(ctx, mockbank.Options{BaseURL: base}, mockbank.ControlOptions{})
	if err != nil {
		srv.Close()
		return nil, err
	}
	srv.Config.Handler = mb
	srv.Start()
	h := &Harness{bank: bank, base: base, token: mb.AdminToken(), srv: srv, mb: mb}
	var info *mockbank.BankInfo
	for _, b := range mb.Banks() {
		if b.Name == bank {
			info = &b
		}
	}
	if info == nil {
		h.Close()
		return nil, fmt.Errorf("mockbank does not serve %q", bank)
	}
	cfg := sdk.Config{
		ClientID:     info.Client.ID,
		ClientSecret: info.Client.Secret,
		KeyID:        info.Client.KeyID,
		BaseURL:      base + "/" + bank,
	}
	if len(info.Client.RedirectURIs) > 0 {
		cfg.RedirectURL = info.Client.RedirectURIs[0]
	}
	if info.Client.PrivateKeyPEM != "" {
		key, err := parseKey(info.Client.PrivateKeyPEM)
		if err != nil {
			h.Close()
			return nil, err
		}
		cfg.PrivateKey = key
	}
	// Truth is read once, through the remote harness's own client: give it
	// the bank's time too.
	start, err := h.clock(ctx)
	if err != nil {
		h.Close()
		return nil, err
	}
	cfg.Now = func() time.Time { return start }
	h.remote = conformance.RemoteHarness{Bank: bank, Config: cfg, Consent: h.consent}
	return h, nil
}

// Close stops mockbank.
func (h *Harness) Close() {
	h.srv.Close()
	_ = h.mb.Close()
}

// URL is mockbank's base URL.
func (h *Harness) URL() string { return h.base }

func parseKey(p string) (crypto.Signer, error) {
	blk, _ := pem.Decode([]byte(p))
	if blk == nil {
		return nil, errors.New("mockbankkit: client key is not PEM")
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("mockbankkit: unsupported client key")
}

// NewClient implements conformance.Harness, with Config.Now frozen at the
// bank's simulated time.
func (h *Harness) NewClient(ctx context.Context, mutate func(*sdk.Config)) (*sdk.Client, error) {
	now, err := h.clock(ctx)
	if err != nil {
		return nil, err
	}
	return h.remote.NewClient(ctx, func(cfg *sdk.Config) {
		cfg.Now = func() time.Time { return now }
		if mutate != nil {
			mutate(cfg)
		}
	})
}

// Link implements conformance.Harness through the consent page.
func (h *Harness) Link(ctx context.Context, c *sdk.Client, req sdk.LinkRequest) (*sdk.Grant, error) {
	return h.remote.Link(ctx, c, req)
}

// Truth implements conformance.Harness by reading the bank with large
// pages.
func (h *Harness) Truth(ctx context.Context) (*conformance.Truth, error) {
	return h.remote.Truth(ctx)
}

// ExpireAccessTokens advances the bank's clock past the access tokens'
// lifetime (consents last far longer).
func (h *Harness) ExpireAccessTokens(ctx context.Context, _ *sdk.Grant) error {
	return h.admin(ctx, http.MethodPost, "/clock/advance", map[string]any{"by": "2h"}, nil)
}

// RevokeAtBank revokes the consent as the user would at the bank.
func (h *Harness) RevokeAtBank(ctx context.Context, g *sdk.Grant) error {
	return h.admin(ctx, http.MethodPost, "/consents/"+url.PathEscape(g.ConsentID)+"/revoke", map[string]any{}, nil)
}

// ExpireAtBank is not offered: mockbank ends a consent's access and
// refresh tokens with the consent, so after the expiry the bank can only
// answer "invalid token", and the client can only say Unauthenticated.
// The kit still checks the classification of the bank's "consent expired"
// answer through InjectFault, and the client's own expiry check.
func (h *Harness) ExpireAtBank(context.Context, *sdk.Grant) error {
	return sdk.NewError(sdk.Unimplemented, "mockbank expires tokens with the consent; see InjectFault(ConsentExpired)")
}

// standard is how a bank following FDX says each code; mockbank applies
// the bank's quirks to the code form (e.g. string codes at FDX 6 banks).
var standard = map[sdk.Code]struct{ status, fdx int }{
	sdk.NotFound:        {http.StatusNotFound, 701},
	sdk.InvalidArgument: {http.StatusBadRequest, 703},
	sdk.Unavailable:     {http.StatusServiceUnavailable, 503},
	sdk.Internal:        {http.StatusInternalServerError, 500},
	sdk.AccountClosed:   {http.StatusConflict, 705},
	sdk.AccountLocked:   {http.StatusConflict, 706},
	sdk.RateLimited:     {http.StatusTooManyRequests, 1207},
	sdk.ConsentRevoked:  {http.StatusForbidden, 1107},
	sdk.ConsentExpired:  {http.StatusForbidden, 1106},
}

// InjectFault makes the bank's next data calls fail with the standard FDX
// answer for f.Code.
func (h *Harness) InjectFault(ctx context.Context, _ *sdk.Grant, f conformance.Fault) error {
	s, ok := standard[f.Code]
	if !ok {
		return sdk.NewError(sdk.Unimplemented, "mockbankkit has no fault for "+f.Code.String())
	}
	times := max(f.Count, 1)
	body := map[string]any{"bank": h.bank, "status": s.status, "fdxCode": s.fdx, "times": times, "message": "injected by the conformance kit"}
	if f.RetryAfter > 0 {
		body["retryAfterSeconds"] = int(f.RetryAfter / time.Second)
	}
	return h.admin(ctx, http.MethodPost, "/faults", body, nil)
}

func (h *Harness) clock(ctx context.Context) (time.Time, error) {
	var c struct {
		Now time.Time `json:"now"`
	}
	if err := h.admin(ctx, http.MethodGet, "/clock", nil, &c); err != nil {
		return time.Time{}, err
	}
	return c.Now, nil
}

func (h *Harness) admin(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+"/admin"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("mockbankkit: admin %s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

var (
	reSession = regexp.MustCompile(`name="session" value="([^"]+)"`)
	reCSRF    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	reAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	reAccount = regexp.MustCompile(`name="account" value="([^"]+)"`)
)

// consent plays user_good at the consent page: log in, share every
// account, approve; it returns the query of the redirect to the client.
func (h *Harness) consent(ctx context.Context, authURL string) (url.Values, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	redirect := h.remote.Config.RedirectURL
	var final *url.URL
	hc := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			final = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	read := func(req *http.Request) (string, error) {
		resp, err := hc.Do(req.WithContext(ctx))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return string(b), err
	}
	get, _ := http.NewRequest(http.MethodGet, authURL, nil)
	page, err := read(get)
	if err != nil {
		return nil, err
	}
	submit := func(page string, fields url.Values) (string, error) {
		s, c, a := reSession.FindStringSubmatch(page), reCSRF.FindStringSubmatch(page), reAction.FindStringSubmatch(page)
		if s == nil || c == nil || a == nil {
			return "", fmt.Errorf("mockbankkit: unexpected consent page: %.300s", page)
		}
		fields.Set("session", s[1])
		fields.Set("csrf_token", c[1])
		req, err := http.NewRequest(http.MethodPost, h.base+a[1], strings.NewReader(fields.Encode()))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return read(req)
	}
	page, err = submit(page, url.Values{"action": {"login"}, "username": {User}, "password": {Password}})
	if err != nil {
		return nil, err
	}
	var accounts []string
	for _, m := range reAccount.FindAllStringSubmatch(page, -1) {
		accounts = append(accounts, m[1])
	}
	if _, err := submit(page, url.Values{"action": {"consent"}, "decision": {"approve"}, "account": accounts}); err != nil {
		return nil, err
	}
	if final == nil {
		return nil, errors.New("mockbankkit: the consent page did not redirect back to the client")
	}
	return final.Query(), nil
}

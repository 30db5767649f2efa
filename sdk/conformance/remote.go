package conformance

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

// RemoteHarness runs the kit at any environment reachable by URL, such as a
// bank partner's own sandbox, with nothing but credentials. It cannot
// manipulate the bank, so the subtests that need fault injection, token
// expiry, or revocation/expiry at the bank are skipped; its Truth is what
// the bank returns when read with its maximum page size, so the kit still
// checks that small pages, date filters and concurrent reads agree with
// it.
type RemoteHarness struct {
	// Bank is the registry name of the connector under test.
	Bank string
	// Credentials are the partner's credentials at the environment.
	Credentials sdk.Credentials
	// Options hold its BaseURL and RedirectURL, and any other option.
	Options sdk.Options
	// Consent plays the test user at the bank's consent page: given the
	// authorization URL it returns the query of the redirect back to
	// Options.RedirectURL. Nil means FollowRedirects, which suits sandboxes
	// that approve test users without a form.
	Consent func(ctx context.Context, authURL string) (url.Values, error)
}

var errRemote = sdk.NewError(sdk.Unimplemented, "not possible against a remote bank")

// Maker returns a HarnessMaker for conformance.Run. A remote bank is one
// environment that every subtest shares, so each subtest gets h itself:
// the kit's subtests link consents of their own and never change the
// bank, which is what keeps them apart here.
func (h *RemoteHarness) Maker() HarnessMaker {
	return func(context.Context, T) (Harness, error) { return h, nil }
}

// Close implements Harness; the consents the kit linked are revoked by the
// subtests that made them.
func (h *RemoteHarness) Close() error { return nil }

// NewClient implements Harness.
func (h *RemoteHarness) NewClient(ctx context.Context, mutate func(*sdk.Options)) (*sdk.Client, error) {
	opts := h.Options
	if mutate != nil {
		mutate(&opts)
	}
	return sdk.Open(ctx, h.Bank, h.Credentials, &opts)
}

// Link implements Harness.
func (h *RemoteHarness) Link(ctx context.Context, c *sdk.Client, req sdk.LinkRequest) (*sdk.Grant, error) {
	p, err := c.StartLink(ctx, req)
	if err != nil {
		return nil, err
	}
	consent := h.Consent
	if consent == nil {
		consent = func(ctx context.Context, authURL string) (url.Values, error) {
			return FollowRedirects(ctx, authURL, p.RedirectURL)
		}
	}
	cb, err := consent(ctx, p.AuthURL)
	if err != nil {
		return nil, err
	}
	return c.CompleteLink(ctx, p, cb)
}

// Truth implements Harness by reading everything once with the bank's
// maximum page size.
func (h *RemoteHarness) Truth(ctx context.Context) (*Truth, error) {
	c, err := h.NewClient(ctx, func(cfg *sdk.Options) { cfg.PageSize = 1 << 20 })
	if err != nil {
		return nil, err
	}
	p := c.Profile()
	var clusters []sdk.Cluster
	for _, cl := range []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.Statements, sdk.PaymentSupport} {
		if slices.Contains(p.Clusters, cl) {
			clusters = append(clusters, cl)
		}
	}
	g, err := h.Link(ctx, c, sdk.LinkRequest{Clusters: clusters, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("conformance: linking for the truth: %w", err)
	}
	defer func() { _ = c.Revoke(context.WithoutCancel(ctx), g) }()
	t := &Truth{Transactions: map[string][]sdk.Transaction{}, Statements: map[string][]sdk.Statement{}, PaymentNetworks: map[string][]sdk.PaymentNetwork{}}
	accts, err := all(c.Accounts(ctx, g))
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		if d, err := c.Account(ctx, g, a.ID); err == nil {
			a = *d
		}
		t.Accounts = append(t.Accounts, a)
		if g.HasCluster(sdk.Transactions) {
			txs, err := all(c.Transactions(ctx, g, a.ID, sdk.TxQuery{}))
			if err != nil {
				return nil, err
			}
			t.Transactions[a.ID] = txs
		}
		if g.HasCluster(sdk.Statements) {
			sts, err := all(c.Statements(ctx, g, a.ID, sdk.TxQuery{}))
			if err != nil {
				return nil, err
			}
			t.Statements[a.ID] = sts
		}
	}
	return t, nil
}

// ExpireAccessTokens implements Harness: not possible remotely.
func (h *RemoteHarness) ExpireAccessTokens(context.Context, *sdk.Grant) error { return errRemote }

// RevokeAtBank implements Harness: not possible remotely.
func (h *RemoteHarness) RevokeAtBank(context.Context, *sdk.Grant) error { return errRemote }

// ExpireAtBank implements Harness: not possible remotely.
func (h *RemoteHarness) ExpireAtBank(context.Context, *sdk.Grant) error { return errRemote }

// InjectFault implements Harness: not possible remotely.
func (h *RemoteHarness) InjectFault(context.Context, *sdk.Grant, Fault) error { return errRemote }

// FollowRedirects plays a browser that is approved without a form: it
// follows authURL's redirects until one points at redirectURL and returns
// that redirect's query.
func FollowRedirects(ctx context.Context, authURL, redirectURL string) (url.Values, error) {
	var found url.Values
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectURL) {
			found = req.URL.Query()
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	if found == nil {
		return nil, fmt.Errorf("conformance: consent page did not redirect to %s (HTTP %d); set RemoteHarness.Consent", redirectURL, resp.StatusCode)
	}
	return found, nil
}

// Environment variables read by RemoteFromEnv.
const (
	EnvBank         = "OBCONNECT_KIT_BANK"
	EnvBaseURL      = "OBCONNECT_KIT_BASE_URL"
	EnvClientID     = "OBCONNECT_KIT_CLIENT_ID"
	EnvClientSecret = "OBCONNECT_KIT_CLIENT_SECRET"
	EnvKeyFile      = "OBCONNECT_KIT_PRIVATE_KEY_FILE"
	EnvKeyID        = "OBCONNECT_KIT_KEY_ID"
	EnvRedirectURL  = "OBCONNECT_KIT_REDIRECT_URL"
)

// RemoteFromEnv builds a RemoteHarness from the OBCONNECT_KIT_*
// environment variables, or returns ok=false when OBCONNECT_KIT_BASE_URL is
// unset (so a connector's test can fall back to mockbank). The private key
// file is PEM PKCS#8 (RSA, P-256 or Ed25519), for private_key_jwt banks.
// bank is used when OBCONNECT_KIT_BANK is unset.
func RemoteFromEnv(bank string) (h *RemoteHarness, ok bool, err error) {
	base := os.Getenv(EnvBaseURL)
	if base == "" {
		return nil, false, nil
	}
	if b := os.Getenv(EnvBank); b != "" {
		bank = b
	}
	creds := sdk.Credentials{
		ClientID:     os.Getenv(EnvClientID),
		ClientSecret: os.Getenv(EnvClientSecret),
		KeyID:        os.Getenv(EnvKeyID),
	}
	if f := os.Getenv(EnvKeyFile); f != "" {
		key, err := loadKey(f)
		if err != nil {
			return nil, false, err
		}
		creds.PrivateKey = key
	}
	opts := sdk.Options{BaseURL: base, RedirectURL: os.Getenv(EnvRedirectURL)}
	return &RemoteHarness{Bank: bank, Credentials: creds, Options: opts}, true, nil
}

func loadKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("conformance: %s is not PEM", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("conformance: %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("conformance: %s holds no signing key", path)
	}
	return s, nil
}

var _ Harness = (*RemoteHarness)(nil)

// Address is the base URL the harness was configured with: the one
// address a load phase (package readiness) may send requests to.
func (h *RemoteHarness) Address() string { return h.Options.BaseURL }

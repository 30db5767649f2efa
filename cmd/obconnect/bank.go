package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"

	// The built-in banks: every one is usable by name.
	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/usbank"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
)

// bankSetup is how the program reaches one bank: connector, credentials,
// URLs, and where each came from (for doctor; never a secret).
type bankSetup struct {
	Name        string
	Opener      driver.Opener // nil: the built-in connector of Name
	Description string        // the description file, when Opener is set
	Creds       sdk.Credentials
	CredsFrom   string // "environment", "config file" or "mockbank ready client"
	KeyFile     string
	BaseURL     string // "" is the connector's sandbox
	RedirectURL string
	// Now is the bank's clock when it is not the wall clock: mockbank's
	// simulated time. Nil means time.Now.
	Now func() time.Time
}

// envName is the environment prefix of a bank: OBCONNECT_WELLSFARGO_.
func envName(bank, field string) string {
	up := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, bank)
	return "OBCONNECT_" + up + "_" + field
}

// knownBanks are the banks the program can open: the built-in ones, the
// config file's and the --description file's.
func (a *App) knownBanks() []string {
	names := sdk.Banks()
	if cfg, err := a.Config(); err == nil {
		for n := range cfg.Banks {
			names = append(names, n)
		}
	}
	if a.Description != "" {
		if d, err := bankdesc.Load(a.Description); err == nil {
			names = append(names, d.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// setup resolves how to reach bank. Each credential field is taken from
// the environment (OBCONNECT_<BANK>_CLIENT_ID, ...) first, then the config
// file; a bank with no client id at all uses mockbank's ready client.
func (a *App) setup(ctx context.Context, bank string) (*bankSetup, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	bc := cfg.Banks[bank]
	pick := func(field, fromCfg string) string {
		if v := a.getenv(envName(bank, field)); v != "" {
			return v
		}
		return fromCfg
	}
	s := &bankSetup{Name: bank, BaseURL: pick("BASE_URL", bc.BaseURL)}
	s.RedirectURL = firstNonEmpty(pick("REDIRECT_URL", bc.RedirectURL), cfg.RedirectURL, defaultRedirectURL)

	desc := pick("DESCRIPTION", bc.Description)
	if a.Description != "" {
		d, err := bankdesc.Load(a.Description)
		if err != nil {
			return nil, withHint(err, "fix the description file; docs/bank-description.md describes it")
		}
		if d.Name == bank {
			desc = a.Description
		}
	}
	if desc != "" {
		b, err := os.ReadFile(desc)
		if err != nil {
			return nil, withHint(err, "check the description file's path")
		}
		op, err := fdx.Opener(b)
		if err != nil {
			return nil, withHint(fmt.Errorf("%s: %w", desc, err), "fix the description file; docs/bank-description.md describes it")
		}
		s.Opener, s.Description = op, desc
	} else if !slices.Contains(sdk.Banks(), bank) {
		return nil, &hinted{err: fmt.Errorf("unknown bank %q", bank), code: exitUsage,
			hint: fmt.Sprintf("built-in banks: %s; for another bank give its description with --description FILE", strings.Join(sdk.Banks(), ", "))}
	}

	s.Creds.ClientID = pick("CLIENT_ID", bc.ClientID)
	if s.Creds.ClientID != "" {
		s.CredsFrom = "config file"
		if a.getenv(envName(bank, "CLIENT_ID")) != "" {
			s.CredsFrom = "environment"
		}
		s.Creds.ClientSecret = pick("CLIENT_SECRET", bc.ClientSecret)
		s.Creds.KeyID = pick("KEY_ID", bc.KeyID)
		s.KeyFile = pick("PRIVATE_KEY_FILE", bc.PrivateKeyFile)
		if s.KeyFile != "" {
			key, err := readPrivateKey(s.KeyFile)
			if err != nil {
				return nil, err
			}
			s.Creds.PrivateKey = key
		}
		return s, nil
	}
	if err := a.mockbankClient(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// mockbankURL is the mockbank whose ready clients are used.
func (a *App) mockbankURL() string {
	cfg, _ := a.Config()
	var fromCfg string
	if cfg != nil {
		fromCfg = cfg.Mockbank
	}
	return strings.TrimSuffix(firstNonEmpty(a.MockbankURL, a.getenv("OBCONNECT_MOCKBANK"), fromCfg, defaultMockbank), "/")
}

// mockbankClient fills s with mockbank's ready client for s.Name, read
// from mockbank's admin API with MOCKBANK_ADMIN_TOKEN: the token is the
// one secret a user copies from mockbank's banner, and the admin API is
// where mockbank says which clients it registered.
func (a *App) mockbankClient(ctx context.Context, s *bankSetup) error {
	noCreds := fmt.Sprintf("set %s and %s (or %s and %s), or the bank's entry in the config file; against mockbank, export MOCKBANK_ADMIN_TOKEN from its banner",
		envName(s.Name, "CLIENT_ID"), envName(s.Name, "CLIENT_SECRET"), envName(s.Name, "PRIVATE_KEY_FILE"), envName(s.Name, "KEY_ID"))
	token := a.getenv("MOCKBANK_ADMIN_TOKEN")
	if token == "" {
		return &hinted{err: fmt.Errorf("no credentials for %s", s.Name), hint: noCreds}
	}
	base := a.mockbankURL()
	c, err := adminapi.NewClientWithResponses(base+"/admin", adminapi.WithHTTPClient(a.HTTPClient()),
		adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		return err
	}
	resp, err := c.ListBanksWithResponse(ctx)
	if err != nil {
		return withHint(fmt.Errorf("mockbank at %s: %w", base, err), "start it with 'go run ./cmd/mockbank', or point --mockbank at it")
	}
	if resp.JSON200 == nil {
		return withHint(fmt.Errorf("mockbank at %s answered %s", base, resp.Status()), "check MOCKBANK_ADMIN_TOKEN against the token mockbank printed")
	}
	i := slices.IndexFunc(resp.JSON200.Banks, func(b adminapi.Bank) bool { return b.Name == s.Name })
	if i < 0 || resp.JSON200.Banks[i].ReadyClient == nil {
		return &hinted{err: fmt.Errorf("mockbank at %s serves no ready client for %s", base, s.Name), hint: noCreds}
	}
	b := resp.JSON200.Banks[i]
	rc := b.ReadyClient
	s.Now = mockbankClock(c)
	s.CredsFrom = "mockbank ready client"
	s.Creds.ClientID = rc.ClientId
	if s.BaseURL == "" {
		s.BaseURL = b.Issuer
	}
	if rc.ClientSecret != nil {
		s.Creds.ClientSecret = *rc.ClientSecret
	}
	if rc.PrivateKeyPem != nil {
		key, err := parsePrivateKey([]byte(*rc.PrivateKeyPem))
		if err != nil {
			return fmt.Errorf("mockbank's ready client for %s: %w", s.Name, err)
		}
		s.Creds.PrivateKey = key
		if rc.KeyId != nil {
			s.Creds.KeyID = *rc.KeyId
		}
	}
	return nil
}

// Client opens a client of bank with the state store's token and grant
// stores.
func (a *App) Client(ctx context.Context, bank string) (*sdk.Client, error) {
	s, err := a.setup(ctx, bank)
	if err != nil {
		return nil, err
	}
	st, err := a.Store(ctx, true)
	if err != nil {
		return nil, err
	}
	opts := &sdk.Options{
		RedirectURL: s.RedirectURL,
		BaseURL:     s.BaseURL,
		HTTPClient:  a.HTTPClient(),
		TokenStore:  st.Tokens(),
		GrantStore:  st.Grants(),
		Now:         a.clock(s),
		// A narrowed grant replaces the stored one, so the next command
		// enforces it too (the client saves it to the GrantStore itself).
	}
	var c *sdk.Client
	if s.Opener != nil {
		c, err = sdk.OpenWith(ctx, s.Opener, s.Creds, opts)
	} else {
		c, err = sdk.Open(ctx, bank, s.Creds, opts)
	}
	if err != nil {
		return nil, withHint(err, "check %s's credentials ('obconnect doctor')", bank)
	}
	return c, nil
}

func readPrivateKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, withHint(err, "check the private key file's path")
	}
	k, err := parsePrivateKey(b)
	if err != nil {
		return nil, withHint(fmt.Errorf("%s: %w", path, err), "the key file must hold one PEM private key (PKCS #8, EC or PKCS #1)")
	}
	return k, nil
}

// parsePrivateKey reads a PEM private key in the usual encodings.
func parsePrivateKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	var k any
	var err error
	switch blk.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", k)
	}
	return s, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// clock is the clock to check consents and notifications with: the
// test's, else the bank's own when it runs on simulated time (mockbank:
// its consents expire, and its notifications are dated, on that clock),
// else nil, the wall clock.
func (a *App) clock(s *bankSetup) func() time.Time {
	if a.env.Now != nil {
		return a.env.Now
	}
	return s.Now
}

// mockbankClock reads mockbank's simulated time from its admin API on each
// call: the clock may be stopped or moved by a script at any moment, so an
// offset taken once would drift. On failure it falls back to the wall
// clock rather than failing the command.
func mockbankClock(c *adminapi.ClientWithResponses) func() time.Time {
	return func() time.Time {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := c.GetClockWithResponse(ctx)
		if err != nil || resp.JSON200 == nil {
			return time.Now()
		}
		return resp.JSON200.Now
	}
}

package mockbankharness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

// Options configure an in-process harness.
type Options struct {
	// Bank is the name of the bank under test (and of the registered
	// connector).
	Bank string
	// Banks are the descriptions of the banks mockbank serves; nil means
	// the built-in ones (connectors.Builtin). A partner testing a new bank
	// passes the built-in ones plus theirs.
	Banks []*bankdesc.Description
	// Seed drives mockbank's generated data.
	Seed uint64
	// Username, Password and OTP of the test user at the consent page;
	// user_good by default. An empty Password or OTP is the built-in test
	// user's (mockbanktest.Answers).
	Username, Password, OTP string
}

// Harness is a conformance.Harness over an in-process mockbank.
type Harness struct {
	*conformance.RemoteHarness
	srv  *mockbanktest.Server
	bank mockbanktest.Bank
	user string
}

var _ conformance.Harness = (*Harness)(nil)

// ForBank returns the harness maker a connector's conformance test
// should use: the partner's sandbox when the OBCONNECT_KIT_* environment
// says so (conformance.RemoteFromEnv) and OBCONNECT_KIT_BANK is unset or
// names this bank, else a fresh in-process mockbank per subtest serving
// the built-in banks.
func ForBank(t testing.TB, bank string) conformance.HarnessMaker {
	t.Helper()
	if other := os.Getenv(conformance.EnvBank); other != "" && other != bank {
		// The environment names another bank's sandbox (go test ./... runs
		// every connector's test): this connector stays on mockbank.
		return Maker(Options{Bank: bank})
	}
	remote, ok, err := conformance.RemoteFromEnv(bank)
	if err != nil {
		t.Fatalf("mockbankharness: %v", err)
	}
	if ok {
		return remote.Maker()
	}
	return Maker(Options{Bank: bank})
}

// Maker returns a conformance.HarnessMaker that starts a mockbank of its
// own for every subtest (stopped when the subtest ends), so subtests share
// no consent, fault or clock.
func Maker(opts Options) conformance.HarnessMaker {
	return func(_ context.Context, t conformance.T) (conformance.Harness, error) {
		return start(t, opts)
	}
}

// Start starts mockbank for opts.Bank and returns its harness; the server
// stops when the test ends.
func Start(t testing.TB, opts Options) *Harness {
	t.Helper()
	h, err := start(t, opts)
	if err != nil {
		t.Fatalf("mockbankharness: %v", err)
	}
	return h
}

func start(t mockbanktest.TB, opts Options) (*Harness, error) {
	if opts.Username == "" {
		opts.Username = "user_good"
	}
	// The kit reads whole histories two items a page; at the banks' real
	// throttles that is minutes of 429s. Throttling is tested by injecting
	// the bank's own rate-limit answer instead.
	srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: opts.Seed, Banks: mockbanktest.Unthrottled(opts.Banks), Clock: time.Now})
	h, err := newHarness(srv, opts)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("mockbankharness: %w", err)
	}
	return h, nil
}

// Close implements conformance.Harness: it stops the server.
func (h *Harness) Close() error {
	h.srv.Close()
	return nil
}

func newHarness(srv *mockbanktest.Server, opts Options) (*Harness, error) {
	i := slices.IndexFunc(srv.Banks(), func(b mockbanktest.Bank) bool { return b.Name == opts.Bank })
	if i < 0 {
		return nil, fmt.Errorf("mockbank serves no bank %q", opts.Bank)
	}
	bank := srv.Banks()[i]
	rc := bank.Client
	if len(rc.RedirectURIs) == 0 {
		return nil, errors.New("the ready client has no redirect URI")
	}
	creds := sdk.Credentials{ClientID: rc.ID, ClientSecret: rc.Secret, PrivateKey: bank.PrivateKey, KeyID: rc.KeyID}
	cfg := sdk.Options{
		BaseURL:     bank.Issuer,
		RedirectURL: rc.RedirectURIs[0],
		HTTPClient:  &http.Client{Transport: srv.Client().Transport, Timeout: 30 * time.Second},
	}
	answers := mockbanktest.Answers{Username: opts.Username, Password: opts.Password, OTP: opts.OTP}
	h := &Harness{srv: srv, bank: bank, user: opts.Username}
	h.RemoteHarness = &conformance.RemoteHarness{Bank: opts.Bank, Credentials: creds, Options: cfg, Consent: consent(srv, answers)}
	return h, nil
}

// consent is a RemoteHarness.Consent that plays the user with
// mockbanktest.Approve: every account ticked, approve.
func consent(srv *mockbanktest.Server, a mockbanktest.Answers) func(ctx context.Context, authURL string) (url.Values, error) {
	return func(ctx context.Context, authURL string) (url.Values, error) {
		cb, err := srv.Approve(ctx, authURL, a)
		if cb != nil {
			// The bank redirected back, possibly with an OAuth error:
			// CompleteLink classifies it, as it would for a real user.
			return cb.Query(), nil
		}
		return nil, err
	}
}

// Server is the running mockbank, for tests that want more.
func (h *Harness) Server() *mockbanktest.Server { return h.srv }

// Truth implements conformance.Harness: read through the sdk, then
// checked against mockbank's ground truth (its admin API), so a connector
// that drops a page fails instead of agreeing with itself.
func (h *Harness) Truth(ctx context.Context) (*conformance.Truth, error) {
	tr, err := h.RemoteHarness.Truth(ctx)
	if err != nil {
		return nil, err
	}
	admin := h.srv.Admin()
	users, err := admin.ListUsersWithResponse(ctx, &adminapi.ListUsersParams{Bank: &h.bank.Name, Username: &h.user})
	if err != nil {
		return nil, err
	}
	if users.JSON200 == nil || len(users.JSON200.Users) != 1 || users.JSON200.Users[0].Accounts == nil {
		return nil, fmt.Errorf("mockbankharness: no user %q at %s: HTTP %d", h.user, h.bank.Name, users.StatusCode())
	}
	var held []string
	for _, a := range *users.JSON200.Users[0].Accounts {
		held = append(held, a.AccountId)
	}
	var got []string
	for _, a := range tr.Accounts {
		got = append(got, a.ID)
	}
	if !sameSet(got, held) {
		return nil, fmt.Errorf("mockbankharness: accounts read %v, mockbank holds %v", got, held)
	}
	d := h.bank.Description
	if !d.Offers("TRANSACTIONS") {
		return tr, nil
	}
	floor := h.srv.Now().AddDate(0, -d.HistoryMonths, 0)
	for _, id := range held {
		txs, err := admin.ListTransactionsWithResponse(ctx, id, nil)
		if err != nil {
			return nil, err
		}
		if txs.JSON200 == nil {
			return nil, fmt.Errorf("mockbankharness: account %s: HTTP %d", id, txs.StatusCode())
		}
		var want, read []string
		for _, t := range txs.JSON200.Transactions {
			if t.Status != adminapi.TransactionStatusDROPPED && !t.TransactionTimestamp.Before(floor) {
				want = append(want, t.TransactionId)
			}
		}
		for _, tx := range tr.Transactions[id] {
			read = append(read, tx.ID)
		}
		if !sameSet(want, read) {
			return nil, fmt.Errorf("mockbankharness: account %s: read %d transactions, mockbank shows %d", id, len(read), len(want))
		}
	}
	return tr, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// RevokeAtBank implements conformance.Harness: the user revokes at the
// bank, through the admin API, which kills the consent's tokens too.
func (h *Harness) RevokeAtBank(ctx context.Context, g *sdk.Grant) error {
	r, err := h.srv.Admin().RevokeConsentWithResponse(ctx, g.ConsentID, adminapi.RevokeConsentJSONRequestBody{})
	if err != nil {
		return err
	}
	if r.JSON200 == nil {
		return fmt.Errorf("mockbankharness: revoke: HTTP %d: %s", r.StatusCode(), r.Body)
	}
	return nil
}

// RevokeAccountsAtBank revokes some accounts of the grant's consent at
// the bank, as a bank that revokes single accounts lets the user do
// (usbank); at another bank it fails.
func (h *Harness) RevokeAccountsAtBank(ctx context.Context, g *sdk.Grant, accountIDs ...string) error {
	r, err := h.srv.Admin().RevokeConsentWithResponse(ctx, g.ConsentID, adminapi.RevokeConsentJSONRequestBody{AccountIds: &accountIDs})
	if err != nil {
		return err
	}
	if r.JSON200 == nil {
		return fmt.Errorf("mockbankharness: revoke accounts: HTTP %d: %s", r.StatusCode(), r.Body)
	}
	return nil
}

// ExpireAtBank implements conformance.Harness by answering the grant's
// next data call the way this bank reports an expired consent. Answering
// rather than moving the simulated clock keeps the truth valid for the
// subtests that follow.
func (h *Harness) ExpireAtBank(ctx context.Context, g *sdk.Grant) error {
	return h.inject(ctx, g, mockbanktest.Fault{Means: sdk.ConsentExpired})
}

// ExpireAccessTokens implements conformance.Harness by answering the
// grant's next data call as mockbank answers an expired access token.
func (h *Harness) ExpireAccessTokens(ctx context.Context, g *sdk.Grant) error {
	return h.inject(ctx, g, mockbanktest.Fault{Means: sdk.Unauthenticated})
}

// InjectFault implements conformance.Harness: the bank's own words for
// each code, from its description, for the grant's calls only.
func (h *Harness) InjectFault(ctx context.Context, g *sdk.Grant, f conformance.Fault) error {
	ft := mockbanktest.Fault{Means: f.Code, Times: max(f.Count, 1), RetryAfter: f.RetryAfter}
	switch f.Code {
	case sdk.NotFound:
		// An account that is gone, the most common not-found on the path
		// the kit calls.
		ft.FDXCode = 701
	case sdk.InvalidArgument:
		ft.FDXCode = 703
	case sdk.Unavailable:
		// Scheduled maintenance: at a bank whose rate limit is a 503 with
		// 501 (citi), 501 with Retry-After reads as a rate limit.
		ft.FDXCode = 503
	case sdk.Internal, sdk.AccountClosed, sdk.AccountLocked, sdk.ConsentRevoked, sdk.ConsentExpired, sdk.RateLimited:
	default:
		return sdk.NewError(sdk.Unimplemented, "mockbankharness cannot inject "+f.Code.String())
	}
	return h.inject(ctx, g, ft)
}

// inject arms f for the grant's consent only, so subtests running side
// by side on one mockbank do not see each other's faults.
func (h *Harness) inject(ctx context.Context, g *sdk.Grant, f mockbanktest.Fault) error {
	if g == nil || g.ConsentID == "" {
		return errors.New("mockbankharness: a fault needs the grant's consent id")
	}
	f.Bank, f.ConsentID = h.bank.Name, g.ConsentID
	if f.Times == 0 {
		f.Times = 1
	}
	_, err := h.srv.InjectFault(ctx, f)
	return err
}

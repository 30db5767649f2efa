package mockbankharness

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/obcerr"
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
	// user's (mockbank.Answers).
	Username, Password, OTP string
}

// Harness is a conformance.Harness over an in-process mockbank.
type Harness struct {
	*conformance.RemoteHarness
	srv     *mockbank.Server
	profile *bankdesc.Description
	user    string

	mu     sync.Mutex
	faults []fault
}

var _ conformance.Harness = (*Harness)(nil)

// ForBank returns the harness a connector's conformance test should use:
// the partner's sandbox when the OBCONNECT_KIT_* environment says so
// (conformance.RemoteFromEnv) and OBCONNECT_KIT_BANK is unset or names
// this bank, else an in-process mockbank in the bank's built-in profile.
func ForBank(t testing.TB, bank string) conformance.Harness {
	t.Helper()
	if other := os.Getenv(conformance.EnvBank); other != "" && other != bank {
		// The environment names another bank's sandbox (go test ./... runs
		// every connector's test): this connector stays on mockbank.
		return Start(t, Options{Bank: bank})
	}
	remote, ok, err := conformance.RemoteFromEnv(bank)
	if err != nil {
		t.Fatalf("mockbankharness: %v", err)
	}
	if ok {
		return remote
	}
	return Start(t, Options{Bank: bank})
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

func start(t testing.TB, opts Options) (*Harness, error) {
	ctx := context.Background()
	if opts.Username == "" {
		opts.Username = "user_good"
	}
	profiles := opts.Banks
	if profiles == nil {
		profiles = connectors.Builtin()
	}
	// The description is known before the server starts, so the
	// middleware reads it without synchronisation.
	h := &Harness{user: opts.Username}
	profiles = slices.Clone(profiles)
	for i, p := range profiles {
		if p != nil && p.Name == opts.Bank {
			// The kit reads whole histories two items a page; at the bank's
			// real throttle that is minutes of 429s. Throttling is tested by
			// injecting the bank's own rate-limit answer instead.
			fast := p.Clone()
			fast.RateLimit = bankdesc.RateLimit{RequestsPerSecond: 1 << 20, Burst: 1 << 20}
			profiles[i], h.profile = fast, fast
		}
	}
	if h.profile == nil {
		return nil, fmt.Errorf("no profile named %q", opts.Bank)
	}
	srv, err := mockbank.New(ctx, mockbank.Options{
		Seed:       opts.Seed,
		Banks:      profiles,
		Clock:      time.Now,
		Middleware: h.middleware,
	})
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
	})
	if err := srv.SetBaseURL(ctx, ts.URL); err != nil {
		return nil, err
	}
	h.srv = srv
	var bank *mockbank.BankInfo
	for _, b := range srv.Banks() {
		if b.Name == opts.Bank {
			bank = &b
		}
	}
	if bank == nil {
		return nil, fmt.Errorf("mockbank serves no bank %q", opts.Bank)
	}
	rc := bank.Client
	if len(rc.RedirectURIs) == 0 {
		return nil, errors.New("the ready client has no redirect URI")
	}
	cfg := sdk.Config{
		BaseURL:      bank.Issuer,
		ClientID:     rc.ID,
		ClientSecret: rc.Secret,
		KeyID:        rc.KeyID,
		RedirectURL:  rc.RedirectURIs[0],
		HTTPClient:   &http.Client{Transport: ts.Client().Transport, Timeout: 30 * time.Second},
	}
	if rc.PrivateKeyPEM != "" {
		if cfg.PrivateKey, err = parseKey(rc.PrivateKeyPEM); err != nil {
			return nil, err
		}
	}
	answers := mockbank.Answers{Username: opts.Username, Password: opts.Password, OTP: opts.OTP}
	h.RemoteHarness = &conformance.RemoteHarness{Bank: opts.Bank, Config: cfg, Consent: consent(ts.Client(), answers)}
	return h, nil
}

// consent is a RemoteHarness.Consent that plays the user with
// mockbank.Approve: every account ticked, approve.
func consent(hc *http.Client, a mockbank.Answers) func(ctx context.Context, authURL string) (url.Values, error) {
	return func(ctx context.Context, authURL string) (url.Values, error) {
		cb, err := mockbank.Approve(ctx, hc, authURL, a)
		if cb != nil {
			// The bank redirected back, possibly with an OAuth error:
			// CompleteLink classifies it, as it would for a real user.
			return cb.Query(), nil
		}
		return nil, err
	}
}

func parseKey(p string) (crypto.Signer, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return nil, errors.New("ready client key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("ready client key cannot sign")
	}
	return s, nil
}

// Server is the running mockbank, for tests that want more.
func (h *Harness) Server() *mockbank.Server { return h.srv }

// Truth implements conformance.Harness: read through the sdk, then
// checked against mockbank's store.
func (h *Harness) Truth(ctx context.Context) (*conformance.Truth, error) {
	tr, err := h.RemoteHarness.Truth(ctx)
	if err != nil {
		return nil, err
	}
	st := h.srv.Store()
	u, err := st.UserByUsername(ctx, h.profile.Name, h.user)
	if err != nil {
		return nil, err
	}
	var got []string
	for _, a := range tr.Accounts {
		got = append(got, a.ID)
	}
	if !sameSet(got, u.Accounts) {
		return nil, fmt.Errorf("mockbankharness: accounts read %v, the store holds %v", got, u.Accounts)
	}
	if !h.profile.Offers("TRANSACTIONS") {
		return tr, nil
	}
	now := st.Now()
	floor := now.AddDate(0, -h.profile.HistoryMonths, 0)
	for _, id := range u.Accounts {
		recs, err := st.Records(ctx, h.profile.Name, id)
		if err != nil {
			return nil, err
		}
		var want, read []string
		for _, r := range recs {
			if r.VisibleAt(now) && !r.TxTime.Before(floor) {
				want = append(want, r.ID)
			}
		}
		for _, tx := range tr.Transactions[id] {
			read = append(read, tx.ID)
		}
		if !sameSet(want, read) {
			return nil, fmt.Errorf("mockbankharness: account %s: read %d transactions, the store shows %d", id, len(read), len(want))
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
// bank, in mockbank's store, exactly as the admin API would.
func (h *Harness) RevokeAtBank(ctx context.Context, g *sdk.Grant) error {
	_, err := h.srv.Store().RevokeConsent(ctx, h.profile.Name, g.ConsentID, nil, "USER_ACTION")
	return err
}

// ExpireAtBank implements conformance.Harness by answering the next data
// call the way this bank reports an expired consent.
func (h *Harness) ExpireAtBank(_ context.Context, _ *sdk.Grant) error {
	a, _ := h.profile.Answer(obcerr.ConsentExpired, "the consent expired")
	h.arm(fault{status: a.Status, code: a.Code, debug: a.DebugMessage, count: 1})
	return nil
}

// ExpireAccessTokens implements conformance.Harness by answering the next
// data call as mockbank answers an expired access token.
func (h *Harness) ExpireAccessTokens(_ context.Context, _ *sdk.Grant) error {
	h.arm(fault{status: 401, code: 602, debug: "access token expired", challenge: `Bearer error="invalid_token"`, count: 1})
	return nil
}

// InjectFault implements conformance.Harness with the bank's conventions
// for each code.
func (h *Harness) InjectFault(_ context.Context, _ *sdk.Grant, f conformance.Fault) error {
	var ft fault
	switch f.Code {
	case sdk.NotFound:
		ft = fault{status: 404, code: 701}
	case sdk.InvalidArgument:
		ft = fault{status: 400, code: 703}
	case sdk.Unavailable:
		ft = fault{status: 503, code: 503} // scheduled maintenance
	case sdk.Internal:
		ft = fault{status: 500, code: 500}
	case sdk.AccountClosed:
		ft = fault{status: 409, code: 705}
	case sdk.AccountLocked:
		ft = fault{status: 409, code: 706}
	case sdk.RateLimited:
		a, _ := h.profile.Answer(obcerr.RateLimited, "")
		ft = fault{status: a.Status, code: a.Code}
		if f.RetryAfter <= 0 {
			f.RetryAfter = time.Second
		}
	default:
		return sdk.NewError(sdk.Unimplemented, "mockbankharness cannot inject "+f.Code.String())
	}
	ft.debug = "injected " + f.Code.String()
	ft.count = max(f.Count, 1)
	if f.RetryAfter > 0 {
		ft.retryAfter = int((f.RetryAfter + time.Second - 1) / time.Second)
	}
	h.arm(ft)
	return nil
}

// fault is an answer armed for the next count data calls.
type fault struct {
	status, code, retryAfter, count int
	debug, challenge                string
}

func (h *Harness) arm(f fault) {
	h.mu.Lock()
	h.faults = append(h.faults, f)
	h.mu.Unlock()
}

// take consumes one call of the first armed fault.
func (h *Harness) take() (fault, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.faults) == 0 {
		return fault{}, false
	}
	f := h.faults[0]
	if h.faults[0].count--; h.faults[0].count <= 0 {
		h.faults = h.faults[1:]
	}
	return f, true
}

// middleware answers armed faults on the data API of the bank under test.
func (h *Harness) middleware(bank string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if bank != h.profile.Name || !strings.Contains(r.URL.Path, "/fdx/") {
				next.ServeHTTP(w, r)
				return
			}
			f, ok := h.take()
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := json.Marshal(map[string]any{"code": json.RawMessage(h.profile.CodeJSON(f.code)), "message": http.StatusText(f.status), "debugMessage": f.debug})
			hd := w.Header()
			hd.Set("Content-Type", "application/json")
			if id := r.Header.Get("x-fapi-interaction-id"); id != "" {
				hd.Set("x-fapi-interaction-id", id)
			}
			if f.retryAfter > 0 {
				hd.Set("Retry-After", h.profile.RetryAfterValue(time.Duration(f.retryAfter)*time.Second, time.Now()))
			}
			if f.challenge != "" {
				hd.Set("WWW-Authenticate", f.challenge)
			}
			w.WriteHeader(f.status)
			_, _ = w.Write(body)
		})
	}
}

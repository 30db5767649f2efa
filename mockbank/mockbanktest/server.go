package mockbanktest

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// TB is what NewServer needs of a test: *testing.T, *testing.B,
// *testing.F and testing.TB all have it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Options are mockbank's own (mockbank.Options, under a second name so
// that a test needs no other import): BaseURL stays empty, since the test
// server's address is the base URL.
type Options = mockbank.Options

// Server is a running mockbank on a loopback httptest server.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port; each bank lives under
	// URL/{name} and the admin API under URL/admin.
	URL string

	ts    *httptest.Server
	mock  *mockbank.Server
	banks []Bank
	admin *adminapi.ClientWithResponses
}

// Bank is a served bank with its URLs and ready client.
type Bank struct {
	mockbank.BankInfo
	// PrivateKey is the ready client's signing key at a private_key_jwt
	// bank (Client.KeyID is its kid); nil at a client_secret_basic bank,
	// where Client.Secret is set.
	PrivateKey crypto.Signer
}

// NewServer starts mockbank for a test, configured by opts (nil means
// mockbank's defaults: every built-in bank, seed 0, a stopped clock). Its
// BaseURL must be empty: the server's loopback address is used. The
// server stops when the test ends, through t.Cleanup; Close stops it
// sooner.
//
// t may be nil, for runnable examples and programs: a failure to start
// then panics, as httptest.NewServer's does, and the caller must Close
// the server.
func NewServer(t TB, opts *Options) *Server {
	if t != nil {
		t.Helper()
	}
	s, err := start(opts)
	if err != nil {
		if t == nil {
			panic("mockbanktest: " + err.Error())
		}
		t.Fatalf("mockbanktest: %v", err)
		return nil
	}
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

func start(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseURL != "" {
		return nil, errors.New("Options.BaseURL must be empty: the test server's address is the base URL")
	}
	// Listen first: the issuers, and so every URL, are built from the
	// address.
	ts := httptest.NewUnstartedServer(nil)
	o.BaseURL = "http://" + ts.Listener.Addr().String()
	mock, err := mockbank.New(context.Background(), &o)
	if err != nil {
		ts.Close()
		return nil, err
	}
	ts.Config.Handler = mock
	ts.Start()
	s := &Server{URL: ts.URL, ts: ts, mock: mock}
	for _, b := range mock.Banks() {
		bank := Bank{BankInfo: b}
		if b.Client.PrivateKeyPEM != "" {
			if bank.PrivateKey, err = parseKey(b.Client.PrivateKeyPEM); err != nil {
				s.Close()
				return nil, fmt.Errorf("%s ready client: %w", b.Name, err)
			}
		}
		s.banks = append(s.banks, bank)
	}
	token := mock.AdminToken()
	s.admin, err = adminapi.NewClientWithResponses(ts.URL+"/admin", adminapi.WithHTTPClient(ts.Client()),
		adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func parseKey(p string) (crypto.Signer, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return nil, errors.New("the key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("the key cannot sign")
	}
	return signer, nil
}

// Close stops the server and mockbank's background work. It is safe to
// call twice.
func (s *Server) Close() {
	s.ts.Close()
	_ = s.mock.Close()
}

// Client is an HTTP client for the server, as httptest.Server.Client:
// use it, or its Transport, for every call a test makes.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Mock is the running mockbank.
func (s *Server) Mock() *mockbank.Server { return s.mock }

// Banks are the served banks, in the order of the descriptions.
func (s *Server) Banks() []Bank { return append([]Bank(nil), s.banks...) }

// Bank is the served bank of that name. Asking for a bank the server
// does not serve is a mistake in the test, and panics.
func (s *Server) Bank(name string) Bank {
	for _, b := range s.banks {
		if b.Name == name {
			return b
		}
	}
	panic(fmt.Sprintf("mockbanktest: no bank %q is served", name))
}

// AdminToken is the bearer token of the admin API.
func (s *Server) AdminToken() string { return s.mock.AdminToken() }

// Admin is a client of the admin API (openapi/admin.yaml) that sends the
// token: create users and transactions, move the clock, inject faults,
// revoke consents, read deliveries.
func (s *Server) Admin() *adminapi.ClientWithResponses { return s.admin }

// Now is mockbank's simulated time; give it to a client as its clock
// (sdk.Config.Now) so that expiry checks agree with the bank's.
func (s *Server) Now() time.Time { return s.mock.Now() }

// Approve plays the test user at the consent page with the server's
// client; see the package function Approve.
func (s *Server) Approve(ctx context.Context, authURL string, a Answers) (*url.URL, error) {
	return Approve(ctx, s.Client(), authURL, a)
}

// Fault is an error to inject, named by what it means; the bank's
// description says how the bank words it (a rate limit is 429 with
// Retry-After at most banks and 503 with code 501 at citi). The admin API
// (Admin().CreateFault) has every other kind of fault.
type Fault struct {
	Bank string
	// Means is what the answer means, one of the codes the FDX catalogue
	// has a code for: RateLimited, ConsentRevoked, ConsentExpired,
	// NotFound, Unavailable, Internal, AccountClosed, AccountLocked,
	// InvalidArgument, or Unauthenticated (a rejected access token).
	Means obcerr.Code
	// ConsentID limits the fault to calls with an access token of that
	// consent, so that tests running in parallel against one server each
	// see only their own faults; ClientID to calls by that client (its
	// tokens, or naming it at the token endpoint). Both empty: every call
	// to the bank.
	ConsentID, ClientID string
	// Endpoint is an FDX operationId or an OAuth endpoint name; empty is
	// every endpoint.
	Endpoint string
	// Status and FDXCode, when set, replace the bank's words.
	Status, FDXCode int
	// Times is how many calls fail; 0 means every matching call until the
	// fault is deleted.
	Times int
	// RetryAfter is sent as Retry-After, in the bank's form; zero sends
	// none unless the bank's answer carries one (a rate limit: a second).
	RetryAfter time.Duration
}

// InjectFault arms a fault through the admin API and returns its id.
func (s *Server) InjectFault(ctx context.Context, f Fault) (string, error) {
	body := adminapi.FaultCreate{Bank: f.Bank}
	if f.Means != obcerr.OK {
		body.Means = ptr(f.Means.String())
	}
	if f.ConsentID != "" {
		body.ConsentId = ptr(f.ConsentID)
	}
	if f.ClientID != "" {
		body.ClientId = ptr(f.ClientID)
	}
	if f.Endpoint != "" {
		body.Endpoint = ptr(f.Endpoint)
	}
	if f.Status != 0 {
		body.Status = ptr(f.Status)
	}
	if f.FDXCode != 0 {
		body.FdxCode = ptr(f.FDXCode)
	}
	if f.Times > 0 {
		body.Times = ptr(f.Times)
	}
	if f.RetryAfter > 0 {
		body.RetryAfterSeconds = ptr(int((f.RetryAfter + time.Second - 1) / time.Second))
	}
	r, err := s.admin.CreateFaultWithResponse(ctx, body)
	if err != nil {
		return "", fmt.Errorf("mockbanktest: inject fault: %w", err)
	}
	if r.JSON201 == nil {
		return "", fmt.Errorf("mockbanktest: inject fault: HTTP %d: %s", r.StatusCode(), r.Body)
	}
	return r.JSON201.FaultId, nil
}

func ptr[T any](v T) *T { return &v }

// Unthrottled returns copies of banks (nil: the built-in ones) without
// their rate limits, for tests that read whole histories page by page and
// would otherwise spend minutes being throttled. Throttling keeps tests of
// its own.
func Unthrottled(banks []*bankdesc.Description) []*bankdesc.Description {
	if banks == nil {
		banks = connectors.Builtin()
	}
	out := make([]*bankdesc.Description, len(banks))
	for i, d := range banks {
		out[i] = d.Clone()
		out[i].RateLimit = bankdesc.RateLimit{RequestsPerSecond: 1 << 20, Burst: 1 << 20}
	}
	return out
}

package admin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// Errors New returns.
var ErrConfig = errors.New("admin: invalid configuration")

// MaxBody bounds a request body (snapshots included).
const MaxBody = 64 << 20

// Part is a piece of mockbank state owned elsewhere (e.g. one bank's
// authorization server) that joins the snapshot.
type Part struct {
	Export func(ctx context.Context) (json.RawMessage, error)
	// Import must validate completely before changing anything.
	Import func(ctx context.Context, state json.RawMessage) error
}

// Deps are the admin API's collaborators.
type Deps struct {
	Store  *store.Store
	Faults *faults.Injector
	Notify *notify.Dispatcher
	// Provider is a bank's authorization server (links, reset-login);
	// ReadyClient the id of its ready client, the default for links and
	// subscriptions.
	Provider    func(bank string) *authz.Provider
	ReadyClient func(bank string) string
	// Journal is the request journal; nil serves an empty one.
	Journal *journal.Journal
	// Banks describes the banks for GET /banks; baseURL is the external
	// base URL of the request (scheme://host). Nil lists the store's bank
	// names only.
	Banks func(ctx context.Context, baseURL string) ([]adminapi.Bank, error)
	// Reset restores the seeded data (store and authorization servers);
	// the admin side clears faults and deliveries itself.
	Reset func(ctx context.Context) error
	// AccountLevelRevocation reports whether a bank revokes single
	// accounts of a consent (its description's accountRevocation); nil
	// means no bank does.
	AccountLevelRevocation func(bank string) bool
	// Parts are extra state parts by name (e.g. "authz/chase").
	Parts map[string]Part
	// OnChange is called after every successful mutation (persistence).
	OnChange func()
}

// Options configure the Server.
type Options struct {
	// Token is the bearer token every request needs; required, at least
	// 16 bytes.
	Token string
	// AllowRemote accepts requests from non-loopback peers.
	AllowRemote bool
	// BaseURL is the path prefix the API is served under, default
	// "/admin".
	BaseURL string
	// Seed makes created ids reproducible.
	Seed   uint64
	Logger *slog.Logger
}

// Server implements adminapi.StrictServerInterface.
type Server struct {
	opts   Options
	deps   Deps
	log    *slog.Logger
	key    []byte
	router routers.Router
	h      http.Handler

	// mu serialises mutations, so a scenario's validation and application
	// see one state and a rollback restores exactly what was there.
	mu  sync.Mutex
	seq atomic.Uint64
	// applied are the scenarios applied to the state.
	appliedMu sync.Mutex
	applied   []AppliedScenario

	// counters fed by the store's events, for the clock step's report.
	newTx, postedTx, droppedTx atomic.Int64
}

var _ adminapi.StrictServerInterface = (*Server)(nil)

// New returns a Server. It registers an event hook on the store.
func New(opts Options, deps Deps) (*Server, error) {
	if len(opts.Token) < 16 {
		return nil, fmt.Errorf("%w: the admin token must have at least 16 bytes", ErrConfig)
	}
	if deps.Store == nil || deps.Faults == nil || deps.Notify == nil {
		return nil, fmt.Errorf("%w: store, faults and notify are required", ErrConfig)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "/admin"
	}
	opts.BaseURL = "/" + strings.Trim(opts.BaseURL, "/")
	if deps.Journal == nil {
		deps.Journal = journal.New(journal.Options{Size: -1})
	}
	if deps.AccountLevelRevocation == nil {
		deps.AccountLevelRevocation = func(string) bool { return false }
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	doc, err := openapi.LoadAdmin(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	// Routes are matched on the path below BaseURL, whatever host serves it.
	doc.Servers = openapi3.Servers{{URL: "/"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: router: %v", ErrConfig, err)
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], opts.Seed)
	k := sha256.Sum256(append([]byte("mockbank/admin ids "), seed[:]...))
	s := &Server{opts: opts, deps: deps, log: log, key: k[:], router: router}
	deps.Store.OnEvent(func(e store.Event) {
		switch e.Kind {
		case store.EventTransactionNew:
			s.newTx.Add(1)
		case store.EventTransactionPosted:
			s.postedTx.Add(1)
		case store.EventTransactionDropped:
			s.droppedTx.Add(1)
		}
	})
	strict := adminapi.NewStrictHandlerWithOptions(s, nil, adminapi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, &apiError{status: 400, code: "invalid_request", msg: "malformed request: " + short(err.Error())})
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			ae := classify(err)
			if ae.status < 500 && err.Error() != ae.msg {
				// Keep the context a wrapper added (e.g. "users[1]: ").
				ae = &apiError{status: ae.status, code: ae.code, msg: short(err.Error())}
			}
			if ae.status >= 500 {
				s.log.Error("admin request failed", "path", r.URL.Path, "err", err)
			}
			writeError(w, ae)
		},
	})
	mux := http.NewServeMux()
	api := adminapi.HandlerWithOptions(strict, adminapi.StdHTTPServerOptions{
		BaseURL:    opts.BaseURL,
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, &apiError{status: 400, code: "invalid_request", msg: short(err.Error())})
		},
	})
	s.h = s.guard(api)
	return s, nil
}

// Handler serves the admin API under Options.BaseURL.
func (s *Server) Handler() http.Handler { return s.h }

type ctxKey int

const (
	keyRawBody ctxKey = iota
	keyBaseURL
)

// guard applies the loopback check, the token check and spec validation.
func (s *Server) guard(next http.Handler) http.Handler {
	token := []byte(s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.opts.AllowRemote && !isLoopback(r.RemoteAddr) {
			writeError(w, &apiError{status: 403, code: "forbidden", msg: "the admin API accepts loopback clients only"})
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mockbank-admin"`)
			writeError(w, &apiError{status: 401, code: "unauthorized", msg: "missing or wrong admin token"})
			return
		}
		rel, ok := strings.CutPrefix(r.URL.Path, s.opts.BaseURL)
		if !ok || (rel != "" && rel[0] != '/') {
			writeError(w, &apiError{status: 404, code: "not_found", msg: "no such admin endpoint"})
			return
		}
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
			if err != nil {
				writeError(w, &apiError{status: 400, code: "invalid_request", msg: "cannot read the body"})
				return
			}
			if len(b) > MaxBody {
				writeError(w, &apiError{status: 413, code: "invalid_request", msg: "body too large"})
				return
			}
			body = b
		}
		// Validate a copy addressed relative to the base path.
		vr := r.Clone(r.Context())
		vu := *r.URL
		vu.Path = rel
		vu.RawPath = ""
		vr.URL = &vu
		vr.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := s.router.FindRoute(vr)
		if err != nil {
			if allowed := s.allowedMethods(vr); len(allowed) > 0 {
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				writeError(w, &apiError{status: 405, code: "invalid_request", msg: r.Method + " is not allowed here; allowed: " + strings.Join(allowed, ", ")})
				return
			}
			writeError(w, &apiError{status: 404, code: "not_found", msg: "no such admin endpoint"})
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: vr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: false},
		}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			writeError(w, &apiError{status: 400, code: "invalid_request", msg: validationMessage(err)})
			return
		}
		ctx := context.WithValue(r.Context(), keyRawBody, body)
		ctx = context.WithValue(ctx, keyBaseURL, baseURL(r))
		r = r.WithContext(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// allowedMethods lists the methods the spec serves on r's path. The router
// tells a wrong method from an unknown path only for paths without
// parameters, so every method is tried instead.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		c := *r
		c.Method = m
		if _, _, err := s.router.FindRoute(&c); err == nil {
			out = append(out, m)
		}
	}
	return out
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String()
}

func validationMessage(err error) string {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		msg := re.Reason
		if re.Parameter != nil {
			msg = "parameter " + re.Parameter.Name + ": " + msg
		}
		if re.Err != nil {
			msg += ": " + re.Err.Error()
		}
		if re.RequestBody != nil && re.Err != nil {
			var se *openapi3.SchemaError
			if errors.As(re.Err, &se) {
				msg = "body: " + se.Reason
				if p := se.JSONPointer(); len(p) > 0 {
					msg += " at /" + strings.Join(p, "/")
				}
			}
		}
		return short(msg)
	}
	return short(err.Error())
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// apiError is an error with its HTTP status and AdminError code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func invalid(format string, a ...any) *apiError {
	return &apiError{status: 400, code: "invalid_request", msg: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) *apiError {
	return &apiError{status: 404, code: "not_found", msg: fmt.Sprintf(format, a...)}
}

func conflict(format string, a ...any) *apiError {
	return &apiError{status: 409, code: "conflict", msg: fmt.Sprintf(format, a...)}
}

// classify maps the collaborators' sentinel errors to API errors.
func classify(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound), errors.Is(err, faults.ErrNotFound), errors.Is(err, notify.ErrNotFound):
		return &apiError{status: 404, code: "not_found", msg: short(err.Error())}
	case errors.Is(err, store.ErrInvalid), errors.Is(err, faults.ErrInvalid), errors.Is(err, notify.ErrInvalid):
		return &apiError{status: 400, code: "invalid_request", msg: short(err.Error())}
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrAlreadyRevoked):
		return &apiError{status: 409, code: "conflict", msg: short(err.Error())}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: 503, code: "internal", msg: "request cancelled"}
	}
	return &apiError{status: 500, code: "internal", msg: "internal error"}
}

func writeError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(adminapi.AdminError{Error: adminapi.AdminErrorError(e.code), Message: e.msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func (s *Server) newID(prefix string) string {
	n := s.seq.Add(1)
	m := hmac.New(sha256.New, s.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	m.Write([]byte(prefix))
	m.Write(b[:])
	return prefix + "-" + hex.EncodeToString(m.Sum(nil)[:8])
}

func (s *Server) changed() {
	if s.deps.OnChange != nil {
		s.deps.OnChange()
	}
}

// State is the whole-state document: persistence and snapshots.
type State struct {
	Store  *store.Snapshot `json:"store"`
	Faults faults.State    `json:"faults"`
	Notify notify.State    `json:"notify"`
	Seq    uint64          `json:"adminSeq"`
	// Scenarios are the scenarios applied to this state, oldest first.
	Scenarios []AppliedScenario          `json:"scenarios,omitempty"`
	Parts     map[string]json.RawMessage `json:"parts,omitempty"`
}

// ExportState returns the whole state as one JSON document.
func (s *Server) ExportState(ctx context.Context) (json.RawMessage, error) {
	st, err := s.exportState(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(st)
}

func (s *Server) exportState(ctx context.Context) (*State, error) {
	// Compact: accounts generated from the seed and never extended are
	// regenerated on import rather than written (user_large alone would
	// otherwise make every save ~140 MB).
	snap, err := s.deps.Store.ExportCompact(ctx)
	if err != nil {
		return nil, err
	}
	st := &State{Store: snap, Faults: s.deps.Faults.Export(ctx), Notify: s.deps.Notify.Export(ctx), Seq: s.seq.Load(),
		Scenarios: s.appliedScenarios()}
	if len(s.deps.Parts) > 0 {
		st.Parts = map[string]json.RawMessage{}
		for name, p := range s.deps.Parts {
			raw, err := p.Export(ctx)
			if err != nil {
				return nil, fmt.Errorf("admin: export %s: %w", name, err)
			}
			st.Parts[name] = raw
		}
	}
	return st, nil
}

// ImportState replaces the whole state with doc. Every part is decoded
// and the store's part validated before anything changes; if a later part
// still fails, the previous state is restored.
func (s *Server) ImportState(ctx context.Context, doc json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.importState(ctx, doc); err != nil {
		return err
	}
	s.changed()
	return nil
}

func (s *Server) importState(ctx context.Context, doc json.RawMessage) error {
	var st State
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return invalid("state: %s", short(err.Error()))
	}
	if st.Store == nil {
		return invalid("state: the store part is missing")
	}
	for name := range st.Parts {
		if _, ok := s.deps.Parts[name]; !ok {
			return invalid("state: unknown part %q", name)
		}
	}
	for name := range s.deps.Parts {
		if _, ok := st.Parts[name]; !ok {
			return invalid("state: part %q is missing", name)
		}
	}
	// The store and the injector validate everything before they swap
	// their state in; a part that fails after them triggers the rollback
	// below.
	backup, err := s.exportState(ctx)
	if err != nil {
		return err
	}
	apply := func(st *State) error {
		if err := s.deps.Store.Import(ctx, st.Store); err != nil {
			return err
		}
		if err := s.deps.Faults.Import(ctx, st.Faults); err != nil {
			return err
		}
		for name, p := range s.deps.Parts {
			if err := p.Import(ctx, st.Parts[name]); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := s.deps.Notify.Import(ctx, st.Notify); err != nil {
			return err
		}
		// Ids never repeat, even when an older state (a reset, a
		// snapshot) comes back: a client may still hold the newer ones.
		s.seq.Store(max(s.seq.Load(), st.Seq))
		s.appliedMu.Lock()
		s.applied = slices.Clone(st.Scenarios)
		s.appliedMu.Unlock()
		return nil
	}
	if err := apply(&st); err != nil {
		if rerr := apply(backup); rerr != nil {
			s.log.Error("admin: state rollback failed", "err", rerr)
		}
		return invalid("state: %s", short(err.Error()))
	}
	return nil
}

func (s *Server) appliedScenarios() []AppliedScenario {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	return slices.Clone(s.applied)
}

package fdxapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi"
	"github.com/obconnect/obconnect/openapi/fdxserver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Authenticator checks a request's bearer token; *authz.Provider is one.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (*authz.AccessInfo, error)
}

// opCluster is the data cluster each operation needs; "" means the
// operation is about the consent or the client, not customer data.
var opCluster = map[string]string{
	"searchForAccounts":              "ACCOUNT_BASIC",
	"getAccount":                     "ACCOUNT_DETAILED",
	"searchForAccountTransactions":   "TRANSACTIONS",
	"searchForAccountStatements":     "STATEMENTS",
	"getAccountStatement":            "STATEMENTS",
	"getAccountContact":              "CUSTOMER_CONTACT",
	"getAccountPaymentNetworks":      "PAYMENT_SUPPORT",
	"getCurrentCustomer":             "CUSTOMER_CONTACT",
	"getConsent":                     "",
	"revokeConsent":                  "",
	"createNotificationSubscription": "",
	"listNotificationSubscriptions":  "",
	"getNotificationSubscription":    "",
	"deleteNotificationSubscription": "",
}

// clientOps act for the client (client_credentials tokens welcome).
var clientOps = map[string]bool{
	"createNotificationSubscription": true,
	"listNotificationSubscriptions":  true,
	"getNotificationSubscription":    true,
	"deleteNotificationSubscription": true,
}

// call is what the outer layer has established about a request; handlers
// find it in the context.
type call struct {
	op      string
	info    *authz.AccessInfo
	consent *store.Consent // nil for client operations
	user    *store.User    // nil for client operations
	now     time.Time
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// API serves one bank's FDX data API under its prefix,
// /{bank}{dataPath}.
type API struct {
	d      *bankdesc.Description
	label  string
	st     *store.Store
	auth   Authenticator
	prefix string
	router routers.Router
	inner  http.Handler
	log    *slog.Logger

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter
}

// Spec is the FDX spec's router, built once per server and shared by its
// banks' APIs (it is read-only once built). Loading the spec, examples
// validated, takes about 10 ms; a server pays it once, at start.
type Spec struct {
	router routers.Router
}

// LoadSpec parses openapi/fdx.yaml and builds the router every request is
// matched and validated with.
func LoadSpec(ctx context.Context) (*Spec, error) {
	doc, err := openapi.LoadFDX(ctx)
	if err != nil {
		return nil, fmt.Errorf("fdxapi: FDX spec: %w", err)
	}
	// Routes are matched on the path below the bank's prefix, whatever
	// host serves it.
	doc.Servers = openapi3.Servers{{URL: "/"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("fdxapi: FDX spec router: %w", err)
	}
	return &Spec{router: router}, nil
}

// Config is one bank's data API.
type Config struct {
	// Bank is the bank's description: paging, rate limit, history window,
	// clusters, revocation, FDX version and error words all come from it.
	Bank *bankdesc.Description
	// Label is the bank's name where a person reads it (statements, the
	// consent's data provider); Bank.DisplayName when empty.
	Label string
	// Store holds the bank's data, consents and simulated clock.
	Store *store.Store
	// Auth checks bearer tokens: the bank's authorization server.
	Auth Authenticator
	// Spec is the server's FDX spec (LoadSpec).
	Spec   *Spec
	Logger *slog.Logger
}

// New returns the data API of one bank.
func New(cfg Config) (*API, error) {
	d := cfg.Bank
	if d == nil || cfg.Store == nil || cfg.Auth == nil || cfg.Spec == nil {
		return nil, errors.New("fdxapi: Bank, Store, Auth and Spec are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	label := cfg.Label
	if label == "" {
		label = d.DisplayName
	}
	a := &API{
		d: d, label: label, st: cfg.Store, auth: cfg.Auth, log: log, router: cfg.Spec.router,
		prefix:   "/" + d.Name + d.DataPath,
		limiters: map[string]*rate.Limiter{},
	}
	h := &handlers{api: a}
	strict := fdxserver.NewStrictHandlerWithOptions(h, nil, fdxserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			a.fail(w, r, fdxErr(fdxerr.InvalidInput, "malformed request"))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			var ae *apiError
			if errors.As(err, &ae) {
				a.fail(w, r, ae)
				return
			}
			a.log.ErrorContext(r.Context(), "data API handler failed", "bank", d.Name, "err", err)
			a.fail(w, r, fdxErr(fdxerr.InternalServerError, ""))
		},
	})
	a.inner = fdxserver.HandlerWithOptions(strict, fdxserver.StdHTTPServerOptions{
		BaseURL:    a.prefix,
		BaseRouter: http.NewServeMux(),
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			a.fail(w, r, fdxErr(fdxerr.InvalidInput, "malformed parameter"))
		},
	})
	return a, nil
}

// Prefix is the path the API is served under, /{bank}{dataPath}.
func (a *API) Prefix() string { return a.prefix }

// fail writes err in the bank's style.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err *apiError) {
	_ = err.write(w, a.d)
}

// bind makes an apiError usable as any operation's response.
func (a *API) bind(err *apiError) boundError {
	return boundError{apiError: err, d: a.d}
}

// meaning is the bank's answer when it means means, as its description
// words it (bankdesc's Answer: a quirk, else the FDX catalogue).
func (a *API) meaning(means obcerr.Code, debug string) *apiError {
	ans, ok := a.d.Answer(means, debug)
	if !ok {
		// Only for a meaning without an FDX code, which no caller asks for.
		return fdxErr(fdxerr.InternalServerError, debug)
	}
	return &apiError{status: ans.Status, code: ans.Code, message: ans.Message, debug: ans.DebugMessage}
}

func (a *API) revokedErr() *apiError {
	return a.meaning(obcerr.ConsentRevoked, "the consent was revoked")
}

func (a *API) expiredErr() *apiError {
	return a.meaning(obcerr.ConsentExpired, "the consent expired")
}

// rateErr answers an empty bucket; the wait is never less than a second,
// so a client that honours it finds a token.
func (a *API) rateErr(wait time.Duration) *apiError {
	e := a.meaning(obcerr.RateLimited, "per-client rate limit")
	e.retryAfter = max(time.Second, wait)
	return e
}

// ServeHTTP runs, in order: interaction id, routing, authentication, the
// per-client rate limit, request validation against the spec, the consent
// checks common to every operation, then the generated strict handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	iid := r.Header.Get("x-fapi-interaction-id")
	if iid == "" || len(iid) > 128 {
		iid = uuid.NewString()
	}
	w.Header().Set("x-fapi-interaction-id", iid)

	rest := strings.TrimPrefix(r.URL.Path, a.prefix)
	if rest == r.URL.Path {
		a.fail(w, r, fdxErr(fdxerr.InvalidInput, "no such endpoint").withStatus(http.StatusNotFound))
		return
	}
	vr := *r
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	vr.URL = &u
	route, pathParams, err := a.router.FindRoute(&vr)
	if err != nil {
		status := http.StatusNotFound
		v := journal.Violation{Location: []string{"path"}, Severity: "Error", Code: "no-route", Message: "no operation of the spec has this path"}
		if a.otherMethod(&vr) {
			status = http.StatusMethodNotAllowed
			v = journal.Violation{Location: []string{"method"}, Severity: "Error", Code: "method-not-allowed", Message: r.Method + " is not an operation of this path"}
		}
		journal.AddViolations(r.Context(), v)
		a.fail(w, r, fdxErr(fdxerr.InvalidInput, "no such endpoint").withStatus(status))
		return
	}
	op := route.Operation.OperationID

	info, err := a.auth.Authenticate(r.Context(), r)
	if errors.Is(err, authz.ErrConsentRevoked) {
		// The token is dead because its consent is: say so in the bank's
		// own words (its revoked-consent quirk), so the app stops and
		// deletes instead of refreshing into invalid_grant.
		a.fail(w, r, a.revokedErr())
		return
	}
	if err != nil {
		debug := "invalid access token"
		switch {
		case errors.Is(err, authz.ErrMissingToken):
			debug = "missing bearer token"
		case errors.Is(err, authz.ErrTokenExpired):
			debug = "access token expired"
		case errors.Is(err, authz.ErrTokenRevoked):
			debug = "access token revoked"
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		a.fail(w, r, fdxErr(fdxerr.CustomerNotAuthorized, debug))
		return
	}

	if wait, ok := a.allow(info.ClientID); !ok {
		a.fail(w, r, a.rateErr(wait))
		return
	}

	if err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request: &vr, PathParams: pathParams, Route: route,
		Options: validateOptions,
	}); err != nil {
		journal.AddViolations(r.Context(), Violations(err)...)
		a.fail(w, r, validationErr(err))
		return
	}
	// The validator may have consumed and replaced the body on the copy.
	r.Body = vr.Body

	c := &call{op: op, info: info, now: a.st.Now()}
	if e := a.checkConsent(r.Context(), c); e != nil {
		a.fail(w, r, e)
		return
	}
	a.inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// validateOptions is shared by every request: kin-openapi only reads it.
// Authentication is mockbank's own (above), so the spec's security
// requirement is accepted as met.
// MultiError collects every violation (for the request journal); the
// answer names the first.
var validateOptions = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}

// ServeUnknown answers a path near the data API that is not it (another
// FDX version, a typo), in FDX's error form rather than the authorization
// server's OAuth one: 404 + 401, as for an unknown endpoint under the
// right version.
func (a *API) ServeUnknown(w http.ResponseWriter, r *http.Request) {
	iid := r.Header.Get("x-fapi-interaction-id")
	if iid == "" || len(iid) > 128 {
		iid = uuid.NewString()
	}
	w.Header().Set("x-fapi-interaction-id", iid)
	a.fail(w, r, fdxErr(fdxerr.InvalidInput, "no such endpoint; this bank serves FDX "+a.d.FDXVersion+" under "+a.prefix).withStatus(http.StatusNotFound))
}

// otherMethod reports whether the path exists with another method, to
// tell 405 from 404 (the router does not).
func (a *API) otherMethod(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		c := *r
		c.Method = m
		if _, _, err := a.router.FindRoute(&c); err == nil {
			return true
		}
	}
	return false
}

// validationErr turns a kin-openapi validation failure into an FDX error:
// a malformed date filter is 702, anything else 401.
func validationErr(err error) *apiError {
	if vs := requestErrors(err); len(vs) > 0 {
		err = vs[0]
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		switch re.Parameter.Name {
		case "startTime", "endTime", "startDate", "endDate":
			return fdxErr(fdxerr.InvalidDate, "parameter "+re.Parameter.Name+" is not a valid date or date-time")
		}
		return fdxErr(fdxerr.InvalidInput, "invalid parameter "+re.Parameter.Name)
	}
	if errors.As(err, &re) && re.RequestBody != nil {
		return fdxErr(fdxerr.InvalidInput, "invalid request body")
	}
	return fdxErr(fdxerr.InvalidInput, "invalid request")
}

// allow takes a token from the client's bucket; when it is empty it
// reports how long to wait.
func (a *API) allow(clientID string) (time.Duration, bool) {
	a.limMu.Lock()
	lim := a.limiters[clientID]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(a.d.RateLimit.RequestsPerSecond), a.d.RateLimit.Burst)
		a.limiters[clientID] = lim
	}
	a.limMu.Unlock()
	now := time.Now()
	if lim.AllowN(now, 1) {
		return 0, true
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return wait, false
}

// checkConsent applies what every operation shares: the consent must be
// active, the user must not be a failing scenario user, and the token must
// carry the operation's cluster.
func (a *API) checkConsent(ctx context.Context, c *call) *apiError {
	cluster := opCluster[c.op]
	if cluster != "" && !a.d.Offers(cluster) {
		if cluster == "STATEMENTS" {
			return fdxErr(fdxerr.StatementNotFound, "statements are not offered by this provider")
		}
		return fdxErr(fdxerr.SubsystemUnavailable, "not supported by this provider").withStatus(http.StatusNotImplemented)
	}
	if clientOps[c.op] {
		return nil
	}
	if c.info.ClientCredentials || c.info.ConsentID == "" {
		return fdxErr(fdxerr.CustomerNotAuthorized, "a client credentials token cannot read customer data").withStatus(http.StatusForbidden)
	}
	consent, err := a.st.Consent(ctx, a.d.Name, c.info.ConsentID)
	if err != nil {
		return fdxErr(fdxerr.CustomerNotAuthorized, "the token's consent does not exist")
	}
	user, err := a.st.User(ctx, a.d.Name, consent.UserID)
	if err != nil {
		return fdxErr(fdxerr.CustomerNotAuthorized, "the consent's customer does not exist")
	}
	c.consent, c.user = consent, user
	if c.op == "getConsent" || c.op == "revokeConsent" {
		// Reading or revoking a consent works in any state.
		return nil
	}
	switch consent.StatusAt(c.now) {
	case store.ConsentRevoked:
		return a.revokedErr()
	case store.ConsentExpired:
		return a.expiredErr()
	}
	if user.ErrorCode != 0 {
		e := fdxErr(user.ErrorCode, "scenario user "+user.Username)
		if e.status >= 500 || e.code == fdxerr.TooManyRequests {
			e.retryAfter = time.Second
		}
		return e
	}
	if !consent.HasCluster(cluster) || !c.info.HasCluster(cluster) {
		return fdxErr(fdxerr.CustomerNotAuthorized, "data cluster "+cluster+" is not granted").withStatus(http.StatusForbidden)
	}
	return nil
}

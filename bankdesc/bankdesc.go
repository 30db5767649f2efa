package bankdesc

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// ErrInvalid is wrapped by every error Parse and Validate return.
var ErrInvalid = errors.New("bankdesc: invalid bank description")

// Pagination is how the data API pages through lists.
type Pagination string

const (
	// PageKey: `pageKey` in, `page.nextPageKey` out (FDX 6).
	PageKey Pagination = "pageKey"
	// Offset: `offset` in, `page.nextOffset` out (FDX 4 and 5).
	Offset Pagination = "offset"
)

// OverMax is what the bank does with a `limit` above its maximum.
type OverMax string

const (
	// Clamp serves the maximum.
	Clamp OverMax = "clamp"
	// Reject answers 400 with FDX code 401.
	Reject OverMax = "reject"
)

// ClientAuth is how a client authenticates at the token endpoint.
type ClientAuth string

const (
	ClientSecretBasic ClientAuth = "client_secret_basic"
	PrivateKeyJWT     ClientAuth = "private_key_jwt"
)

// CodeForm is how the bank writes the `code` member of an FDX error.
type CodeForm string

const (
	// CodeString: "701", as FDX's Error schema defines it.
	CodeString CodeForm = "string"
	// CodeInteger: 701, as several real providers send it.
	CodeInteger CodeForm = "integer"
)

// RetryAfterForm is how the bank writes Retry-After (RFC 9110 §10.2.3).
type RetryAfterForm string

const (
	// Seconds: delta-seconds, "30".
	Seconds RetryAfterForm = "seconds"
	// HTTPDate: an IMF-fixdate, "Wed, 21 Oct 2026 07:28:00 GMT".
	HTTPDate RetryAfterForm = "httpDate"
)

// Clusters are the FDX data clusters a description may name, in a stable
// order.
func Clusters() []string {
	return []string{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "STATEMENTS",
		"CUSTOMER_CONTACT", "PAYMENT_SUPPORT", "ACCOUNT_PAYMENTS", "INVESTMENTS", "CUSTOMER_PERSONAL"}
}

// Description is one bank. The zero value is not valid; get one from
// [Parse] or [Load], or build one and call [Description.Validate].
type Description struct {
	// Name is the bank's registry name and mockbank's path prefix: 2-32
	// lower-case letters and digits, starting with a letter.
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	// FDXVersion is major.minor, e.g. "6.2" (major 4 or later).
	FDXVersion string `json:"fdxVersion"`
	// SandboxURL is the base URL used when the integrator gives none:
	// mockbank's prefix for the bank. Production base URLs come from the
	// bank's developer programme.
	SandboxURL string `json:"sandboxURL"`
	// DataPath is the data API's path under the base URL, "/fdx/v6".
	DataPath string `json:"dataPath"`
	// Currency is the ISO 4217 code of amounts sent without one (FDX
	// transactions never carry it).
	Currency string `json:"currency"`
	// Clusters are the FDX data clusters the bank offers at consent; a
	// cluster not listed is Unimplemented.
	Clusters []string `json:"clusters"`
	// HistoryMonths is how far back transactions go.
	HistoryMonths int       `json:"historyMonths"`
	Paging        Paging    `json:"paging"`
	RateLimit     RateLimit `json:"rateLimit"`
	// AccountRevocation: the bank revokes single accounts of a consent
	// (PUT /consents/{id}/revocation with accountIds), not only whole
	// consents.
	AccountRevocation bool `json:"accountRevocation"`
	// NotificationSubscriptions: the bank offers FDX
	// /notification-subscriptions, so clients can ask for signed event
	// notifications.
	NotificationSubscriptions bool   `json:"notificationSubscriptions"`
	Auth                      Auth   `json:"auth"`
	Errors                    Errors `json:"errors"`
	// Assumptions say, for people, where the values come from and what a
	// partner should check.
	Assumptions []string `json:"assumptions"`
}

// Paging bounds `limit` and names the pagination style.
type Paging struct {
	Style Pagination `json:"style"`
	// Max and Default bound `limit`; OverMax says what a larger one gets.
	Max     int     `json:"max"`
	Default int     `json:"default"`
	OverMax OverMax `json:"overMax"`
}

// RateLimit is the bank's per-client token bucket, which the connector
// also applies on its side so as not to be refused.
type RateLimit struct {
	RequestsPerSecond int `json:"requestsPerSecond"`
	Burst             int `json:"burst"`
}

// Auth holds the OAuth facts. Endpoints are paths under the base URL
// ("/token") or absolute https URLs, for a bank whose authorization server
// lives on another host.
type Auth struct {
	ClientAuth    ClientAuth `json:"clientAuth"`
	PARRequired   bool       `json:"parRequired"`
	Authorization string     `json:"authorization"`
	Token         string     `json:"token"`
	PAR           string     `json:"par"`
	Revocation    string     `json:"revocation"`
	JWKS          string     `json:"jwks"`
	// TokenErrors classify the bank's refusals at its token endpoint, first
	// match wins. Absent (nil) means DefaultTokenErrors; an empty list
	// means none.
	TokenErrors []TokenError `json:"tokenErrors,omitzero"`
}

// TokenError is one way the bank words a refusal at its token endpoint,
// and what it means.
type TokenError struct {
	// GrantType ("refresh_token", "authorization_code",
	// "client_credentials") selects the request; "" matches any.
	GrantType string `json:"grantType,omitempty"`
	// Error is the OAuth `error` member, e.g. "invalid_grant".
	Error string `json:"error"`
	// DescriptionContains is a case-insensitive substring of
	// `error_description`; "" matches any.
	DescriptionContains string `json:"descriptionContains,omitempty"`
	// Means is ConsentRevoked, ConsentExpired, Unauthenticated,
	// PermissionDenied or InvalidArgument.
	Means string `json:"means"`
}

// Errors is how the bank writes its error answers, beyond the FDX
// catalogue.
type Errors struct {
	// CodeForm is "string" (FDX's schema) or "integer".
	CodeForm CodeForm `json:"codeForm"`
	// RetryAfter is "seconds" or "httpDate".
	RetryAfter RetryAfterForm `json:"retryAfter"`
	// Quirks are the bank's deviations from the catalogue, checked in
	// order.
	Quirks []Quirk `json:"quirks"`
}

// Quirk is a two-sided rule: when the bank means Means, it sends Status
// (and Code, DebugMessage and Retry-After as set); an answer that matches
// every set field means Means.
type Quirk struct {
	// Means names an obcerr.Code: RateLimited, ConsentRevoked,
	// ConsentExpired, Unavailable, AccountClosed, AccountLocked or
	// NotFound.
	Means string `json:"means"`
	// Status is the HTTP status, sent and matched.
	Status int `json:"status"`
	// Code is the FDX code. 0 (absent): the bank sends the catalogue's
	// code for Means, and an answer with any code (or none) matches.
	Code int `json:"code,omitzero"`
	// DebugMessage is sent as debugMessage and matched as a
	// case-insensitive substring of debugMessage or message.
	DebugMessage string `json:"debugMessage,omitempty"`
	// RetryAfter: the answer carries Retry-After, and only an answer
	// with a usable Retry-After matches.
	RetryAfter bool `json:"retryAfter,omitzero"`
	// Unchallenged: only an answer without an RFC 6750 Bearer challenge
	// (WWW-Authenticate: Bearer error=...) matches, because a challenged
	// answer is about the access token, not the consent.
	Unchallenged bool `json:"unchallenged,omitzero"`
	// Why says what the bank means by it, for people.
	Why string `json:"why"`
}

// quirkMeanings are what a quirk may mean: conditions mockbank can raise
// and a bank can plausibly word its own way.
var quirkMeanings = []obcerr.Code{obcerr.RateLimited, obcerr.ConsentRevoked, obcerr.ConsentExpired,
	obcerr.Unavailable, obcerr.AccountClosed, obcerr.AccountLocked, obcerr.NotFound}

// tokenMeanings are what a token-endpoint refusal can honestly mean;
// RateLimited and Unavailable are the sdk's to decide from the status.
var tokenMeanings = []obcerr.Code{obcerr.ConsentRevoked, obcerr.ConsentExpired, obcerr.Unauthenticated,
	obcerr.PermissionDenied, obcerr.InvalidArgument}

// DefaultTokenErrors apply to a description without auth.tokenErrors. They
// are how the FDX sandbox (mockbank) refuses a refresh once the consent
// behind it has ended; the wording is specific, so a bank that words
// things otherwise is not misread (its refusals stay Unauthenticated).
func DefaultTokenErrors() []TokenError {
	return []TokenError{
		{GrantType: "refresh_token", Error: "invalid_grant", DescriptionContains: "consent has expired", Means: "ConsentExpired"},
		{GrantType: "refresh_token", Error: "invalid_grant", DescriptionContains: "consent is no longer active", Means: "ConsentRevoked"},
	}
}

// ParseCode reads an obcerr.Code by its name ("ConsentRevoked").
func ParseCode(name string) (obcerr.Code, bool) {
	for c := obcerr.OK; c <= obcerr.DeadlineExceeded; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return obcerr.Unknown, false
}

// Parse decodes and validates a description. Its errors wrap ErrInvalid
// and name every problem found.
func Parse(data []byte) (*Description, error) {
	var d Description
	if err := json.Unmarshal(data, &d, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, decodeMessage(err))
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// decodeMessage shortens the JSON library's error to what a person needs:
// where, and what is wrong.
func decodeMessage(err error) string {
	var se *json.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		if se.Err != nil {
			return fmt.Sprintf("%s: %v", se.JSONPointer, se.Err)
		}
		return fmt.Sprintf("%s: cannot decode %s into %v", se.JSONPointer, se.JSONKind, se.GoType)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Load reads a description file.
func Load(path string) (*Description, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bankdesc: %w", err)
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Clone returns a deep copy, so a caller may change it freely.
func (d *Description) Clone() *Description {
	c := *d
	c.Clusters = slices.Clone(d.Clusters)
	c.Assumptions = slices.Clone(d.Assumptions)
	c.Errors.Quirks = slices.Clone(d.Errors.Quirks)
	if d.Auth.TokenErrors != nil {
		c.Auth.TokenErrors = slices.Clone(d.Auth.TokenErrors)
	}
	return &c
}

var (
	nameRe    = regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`)
	versionRe = regexp.MustCompile(`^([4-9])\.[0-9]{1,2}$`)
	currRe    = regexp.MustCompile(`^[A-Z]{3}$`)
)

// reservedNames are mockbank's own top-level paths.
var reservedNames = []string{"admin", "healthz", "static"}

// Validate reports every problem with the description at once.
func (d *Description) Validate() error {
	var errs []error
	bad := func(member, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w %q: %s: %s", ErrInvalid, d.Name, member, fmt.Sprintf(format, args...)))
	}
	if !nameRe.MatchString(d.Name) || slices.Contains(reservedNames, d.Name) {
		bad("name", "must be 2-32 lower-case letters or digits starting with a letter, and not one of %v", reservedNames)
	}
	if d.DisplayName == "" {
		bad("displayName", "is required")
	}
	if !versionRe.MatchString(d.FDXVersion) {
		bad("fdxVersion", "%q must look like 6.2 (major 4 or later)", d.FDXVersion)
	}
	if _, err := ParseBase(d.SandboxURL); err != nil {
		bad("sandboxURL", "%v", err)
	}
	if !strings.HasPrefix(d.DataPath, "/") || strings.HasSuffix(d.DataPath, "/") || strings.ContainsAny(d.DataPath, "?#") {
		bad("dataPath", "%q must be a path such as /fdx/v6 (leading /, no trailing /)", d.DataPath)
	}
	if !currRe.MatchString(d.Currency) {
		bad("currency", "%q must be an ISO 4217 code such as USD", d.Currency)
	}
	if len(d.Clusters) == 0 {
		bad("clusters", "must list at least ACCOUNT_BASIC")
	}
	known := Clusters()
	for i, c := range d.Clusters {
		if !slices.Contains(known, c) {
			bad("clusters", "unknown cluster %q; known: %s", c, strings.Join(known, ", "))
		}
		if slices.Contains(d.Clusters[:i], c) {
			bad("clusters", "%q listed twice", c)
		}
	}
	if len(d.Clusters) > 0 && !slices.Contains(d.Clusters, "ACCOUNT_BASIC") {
		bad("clusters", "must include ACCOUNT_BASIC: every bank lists accounts")
	}
	if d.HistoryMonths < 1 || d.HistoryMonths > 120 {
		bad("historyMonths", "must be 1..120, got %d", d.HistoryMonths)
	}
	p := d.Paging
	if p.Style != PageKey && p.Style != Offset {
		bad("paging.style", "must be %q or %q, got %q", PageKey, Offset, p.Style)
	}
	if p.Max < 1 || p.Max > 1000 {
		bad("paging.max", "must be 1..1000, got %d", p.Max)
	}
	if p.Default < 1 || p.Default > p.Max {
		bad("paging.default", "must be 1..paging.max, got %d", p.Default)
	}
	if p.OverMax != Clamp && p.OverMax != Reject {
		bad("paging.overMax", "must be %q or %q, got %q", Clamp, Reject, p.OverMax)
	}
	if d.RateLimit.RequestsPerSecond < 1 || d.RateLimit.Burst < 1 {
		bad("rateLimit", "requestsPerSecond and burst must be at least 1")
	}
	d.validateAuth(bad)
	d.validateErrors(bad)
	return errors.Join(errs...)
}

func (d *Description) validateAuth(bad func(string, string, ...any)) {
	a := d.Auth
	if a.ClientAuth != ClientSecretBasic && a.ClientAuth != PrivateKeyJWT {
		bad("auth.clientAuth", "must be %q or %q, got %q", ClientSecretBasic, PrivateKeyJWT, a.ClientAuth)
	}
	for _, ep := range []struct {
		member, v string
		required  bool
	}{
		{"auth.authorization", a.Authorization, true},
		{"auth.token", a.Token, true},
		{"auth.par", a.PAR, a.PARRequired},
		{"auth.revocation", a.Revocation, false},
		{"auth.jwks", a.JWKS, false},
	} {
		if ep.v == "" {
			if ep.required {
				bad(ep.member, "is required")
			}
			continue
		}
		if err := checkEndpoint(ep.v); err != nil {
			bad(ep.member, "%v", err)
		}
	}
	for i, r := range a.TokenErrors {
		m := fmt.Sprintf("auth.tokenErrors[%d]", i)
		if r.Error == "" {
			bad(m+".error", "is required")
		}
		switch r.GrantType {
		case "", "refresh_token", "authorization_code", "client_credentials":
		default:
			bad(m+".grantType", "%q is not refresh_token, authorization_code or client_credentials", r.GrantType)
		}
		if c, ok := ParseCode(r.Means); !ok || !slices.Contains(tokenMeanings, c) {
			bad(m+".means", "%q is not one of %s", r.Means, names(tokenMeanings))
		}
	}
}

func (d *Description) validateErrors(bad func(string, string, ...any)) {
	e := d.Errors
	if e.CodeForm != CodeString && e.CodeForm != CodeInteger {
		bad("errors.codeForm", "must be %q or %q, got %q", CodeString, CodeInteger, e.CodeForm)
	}
	if e.RetryAfter != Seconds && e.RetryAfter != HTTPDate {
		bad("errors.retryAfter", "must be %q or %q, got %q", Seconds, HTTPDate, e.RetryAfter)
	}
	for i, q := range e.Quirks {
		m := fmt.Sprintf("errors.quirks[%d]", i)
		c, ok := ParseCode(q.Means)
		if !ok || !slices.Contains(quirkMeanings, c) {
			bad(m+".means", "%q is not one of %s", q.Means, names(quirkMeanings))
		}
		if q.Status < 400 || q.Status > 599 {
			bad(m+".status", "%d is not an HTTP error status (400..599)", q.Status)
		}
		if q.Code != 0 {
			if _, ok := fdxerr.Lookup(q.Code); !ok && (q.Code < 1 || q.Code > 99999) {
				bad(m+".code", "%d is not an FDX error code", q.Code)
			}
		}
		if q.Why == "" {
			bad(m+".why", "say what the bank means by it")
		}
		if ok && q.Code == 0 {
			if _, std := fdxerr.Standard(c); !std {
				bad(m+".code", "FDX has no standard code for %s: give the code the bank sends", q.Means)
			}
		}
	}
}

func names(codes []obcerr.Code) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}

// checkEndpoint accepts a path under the base URL or an absolute https URL.
func checkEndpoint(v string) error {
	if strings.HasPrefix(v, "/") {
		if strings.ContainsAny(v, "?#") {
			return fmt.Errorf("%q: a path must not carry a query or fragment", v)
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be a path (/token) or an absolute https URL without credentials, query or fragment", v)
	}
	return nil
}

// ParseBase checks a base URL: absolute http(s), no credentials, query or
// fragment; the trailing slash is dropped.
func ParseBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", s)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must be an absolute http(s) URL without credentials, query or fragment", u.Redacted())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// historyMonth is the average Gregorian month, so 12 months make 365 days.
const historyMonth = 365 * 24 * time.Hour / 12

// HistoryWindow is HistoryMonths as a duration.
func (d *Description) HistoryWindow() time.Duration {
	return time.Duration(d.HistoryMonths) * historyMonth
}

// MajorVersion is the FDX major version, 6 for "6.2".
func (d *Description) MajorVersion() int {
	return int(d.FDXVersion[0] - '0')
}

// Offers reports whether the bank offers a cluster.
func (d *Description) Offers(cluster string) bool { return slices.Contains(d.Clusters, cluster) }

// EffectiveTokenErrors are the token-endpoint rules in force: the
// description's, or DefaultTokenErrors when it gives none.
func (d *Description) EffectiveTokenErrors() []TokenError {
	if d.Auth.TokenErrors == nil {
		return DefaultTokenErrors()
	}
	return slices.Clone(d.Auth.TokenErrors)
}

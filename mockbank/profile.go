package mockbank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
)

// ErrInvalidProfile is wrapped by every profile validation error.
var ErrInvalidProfile = errors.New("mockbank: invalid profile")

// Pagination styles.
const (
	// PageKey: `pageKey` in, `page.nextPageKey` out (FDX 6).
	PageKey = "pageKey"
	// Offset: `offset` in, `page.nextOffset` out (FDX 4 and 5).
	Offset = "offset"
)

// What a bank does with a `limit` above its maximum.
const (
	LimitClamp  = "clamp"  // serve the maximum
	LimitReject = "reject" // 400 with code 401
)

// Clusters are the FDX data clusters mockbank knows, in a stable order.
var Clusters = []string{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "STATEMENTS", "CUSTOMER_CONTACT", "PAYMENT_SUPPORT", "INVESTMENTS", "CUSTOMER_PERSONAL"}

// Profile is everything that makes one mock bank differ from another. The
// four built-in profiles live in profile_<bank>.go; others can be loaded
// from a JSON or YAML file with [LoadProfile] (its keys are the JSON names
// below).
type Profile struct {
	// Name is the path prefix (/{name}/...): lower-case letters and digits.
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	// FDXVersion is major.minor, e.g. "6.2"; the data API is served under
	// /{name}/fdx/v{major}.
	FDXVersion string `json:"fdxVersion"`
	// Pagination is PageKey or Offset.
	Pagination string `json:"pagination"`
	// ClientAuth is client_secret_basic or private_key_jwt.
	ClientAuth string `json:"clientAuth"`
	RequirePAR bool   `json:"requirePAR"`
	// MaxPageSize and DefaultPageSize bound `limit`; LimitOverMax says
	// what a larger limit gets (LimitClamp or LimitReject).
	MaxPageSize     int    `json:"maxPageSize"`
	DefaultPageSize int    `json:"defaultPageSize"`
	LimitOverMax    string `json:"limitOverMax"`
	// RateLimit is a per-client token bucket.
	RateLimit RateLimit `json:"rateLimit"`
	// HistoryMonths is how far back transactions go; older → 703.
	HistoryMonths int `json:"historyMonths"`
	// UnsupportedClusters are never offered at consent; their endpoints
	// answer 404 with code 1205 (statements) or 501.
	UnsupportedClusters []string `json:"unsupportedClusters,omitempty"`
	// AccountLevelRevocation lets PUT /consents/{id}/revocation carry
	// accountIds that revoke only those accounts.
	AccountLevelRevocation bool `json:"accountLevelRevocation"`
	// Errors are the bank's deviations from the standard FDX errors.
	Errors ErrorQuirks `json:"errors"`
	// Assumptions says where the profile's values come from, for partners
	// to correct.
	Assumptions string `json:"assumptions,omitempty"`
}

// RateLimit is a token bucket per client.
type RateLimit struct {
	PerSecond int `json:"perSecond"`
	Burst     int `json:"burst"`
}

// ErrorQuirks describe how a bank answers some conditions. A zero status
// or code means the FDX standard (429/1207, 403/1107, 403/1106).
type ErrorQuirks struct {
	// IntegerCodes sends `code` as a JSON number (701) instead of the
	// string ("701") FDX's Error schema defines, as several real providers
	// do.
	// No built-in bank does it (FDX Core Exchange 6.2 rejects such
	// bodies); it stays available for a partner's bank that does.
	IntegerCodes bool `json:"integerCodes"`
	// RetryAfterDate sends Retry-After as an HTTP-date ("Wed, 21 Oct 2026
	// 07:28:00 GMT", RFC 9110 §10.2.3) instead of delta-seconds, on the
	// rate limiter's answers and on injected faults alike. Both forms are
	// standard; clients that read only seconds retry at once.
	RetryAfterDate bool `json:"retryAfterDate,omitempty"`
	// RateLimitStatus and RateLimitCode answer an exhausted bucket
	// (always with Retry-After).
	RateLimitStatus int `json:"rateLimitStatus,omitempty"`
	RateLimitCode   int `json:"rateLimitCode,omitempty"`
	// RevokedStatus and RevokedCode answer a revoked consent.
	RevokedStatus int `json:"revokedStatus,omitempty"`
	RevokedCode   int `json:"revokedCode,omitempty"`
	// ExpiredStatus, ExpiredCode and ExpiredDebugMessage answer an expired
	// consent.
	ExpiredStatus       int    `json:"expiredStatus,omitempty"`
	ExpiredCode         int    `json:"expiredCode,omitempty"`
	ExpiredDebugMessage string `json:"expiredDebugMessage,omitempty"`
}

// RetryAfter is the Retry-After value the bank sends for a wait of seconds
// at now: delta-seconds, or with RetryAfterDate the HTTP-date that many
// seconds ahead, rounded up to a whole second so that a client never waits
// less than asked. Harnesses that imitate the bank use it to stay in step.
func (q ErrorQuirks) RetryAfter(seconds int, now time.Time) string {
	return faults.RetryAfter(seconds, q.RetryAfterDate, now)
}

// VersionPath is the data API's path segment for the profile, e.g. "v6".
func (p *Profile) VersionPath() string {
	major, _, _ := strings.Cut(p.FDXVersion, ".")
	return "v" + major
}

// Supports reports whether the bank serves a data cluster.
func (p *Profile) Supports(cluster string) bool {
	return slices.Contains(Clusters, cluster) && !slices.Contains(p.UnsupportedClusters, cluster)
}

// SupportedClusters lists the clusters offered at consent, plus the OAuth
// scopes every bank accepts.
func (p *Profile) SupportedClusters() []string {
	var out []string
	for _, c := range Clusters {
		if p.Supports(c) {
			out = append(out, c)
		}
	}
	return out
}

var (
	nameRe    = regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`)
	versionRe = regexp.MustCompile(`^[4-9]\.[0-9]{1,2}$`)
)

// reservedNames cannot be bank names because they are mockbank's own paths.
var reservedNames = []string{"admin", "healthz", "static"}

// Validate reports every problem with the profile at once.
func (p *Profile) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidProfile, p.Name, fmt.Sprintf(format, args...)))
	}
	if !nameRe.MatchString(p.Name) || slices.Contains(reservedNames, p.Name) {
		bad("name must be 2-32 lower-case letters or digits, starting with a letter, and not one of %v", reservedNames)
	}
	if p.DisplayName == "" {
		bad("displayName is required")
	}
	if !versionRe.MatchString(p.FDXVersion) {
		bad("fdxVersion %q must look like 6.2 (major 4 or later)", p.FDXVersion)
	}
	if p.Pagination != PageKey && p.Pagination != Offset {
		bad("pagination must be %q or %q", PageKey, Offset)
	}
	if p.ClientAuth != "client_secret_basic" && p.ClientAuth != "private_key_jwt" {
		bad("clientAuth must be client_secret_basic or private_key_jwt")
	}
	if p.MaxPageSize < 1 || p.MaxPageSize > 1000 {
		bad("maxPageSize must be 1..1000 (the spec's maximum)")
	}
	if p.DefaultPageSize < 1 || p.DefaultPageSize > p.MaxPageSize {
		bad("defaultPageSize must be 1..maxPageSize")
	}
	if p.LimitOverMax != LimitClamp && p.LimitOverMax != LimitReject {
		bad("limitOverMax must be %q or %q", LimitClamp, LimitReject)
	}
	if p.RateLimit.PerSecond < 1 || p.RateLimit.Burst < 1 {
		bad("rateLimit needs perSecond and burst of at least 1")
	}
	if p.HistoryMonths < 1 || p.HistoryMonths > 120 {
		bad("historyMonths must be 1..120")
	}
	for _, c := range p.UnsupportedClusters {
		if !slices.Contains(Clusters, c) {
			bad("unknown cluster %q in unsupportedClusters", c)
		}
		if c == "ACCOUNT_BASIC" {
			bad("ACCOUNT_BASIC cannot be unsupported: every bank lists accounts")
		}
	}
	q := p.Errors
	for _, st := range []int{q.RateLimitStatus, q.RevokedStatus, q.ExpiredStatus} {
		if st != 0 && (st < 400 || st > 599) {
			bad("error quirk status %d is not an HTTP error status", st)
		}
	}
	for _, c := range []int{q.RateLimitCode, q.RevokedCode, q.ExpiredCode} {
		if c < 0 || c > 9999 {
			bad("error quirk code %d out of range", c)
		}
	}
	return errors.Join(errs...)
}

// LoadProfile reads a profile from a JSON or YAML file and validates it.
// Unknown keys are errors, so a typo does not silently fall back to a
// default.
func LoadProfile(ctx context.Context, path string) (*Profile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mockbank: load profile: %w", err)
	}
	return ParseProfile(ctx, raw)
}

// ParseProfile decodes a profile from JSON or YAML and validates it.
func ParseProfile(ctx context.Context, raw []byte) (*Profile, error) {
	// YAML is a superset of JSON: decode generically, re-encode as JSON and
	// decode strictly, so both formats share the json names and checks.
	var generic any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProfile, err)
	}
	js, err := json.Marshal(generic)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProfile, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidProfile, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Profiles returns fresh copies of the four built-in bank profiles, in a
// stable order.
func Profiles() []*Profile {
	return []*Profile{Chase(), WellsFargo(), Citi(), USBank()}
}

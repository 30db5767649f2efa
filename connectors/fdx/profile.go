package fdx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// ProfileFile is a bank profile as its connector embeds it (profile.json in
// the bank's package). Keeping the facts as data rather than code means a
// bank partner corrects an assumption by editing one file, and the four
// bank packages hold no look-alike Go to keep in step.
type ProfileFile struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	FDXVersion  string `json:"fdxVersion"`
	// Pagination is "offset" or "pageKey".
	Pagination string `json:"pagination"`
	// SandboxURL is the default base URL (mockbank's prefix for the bank);
	// production base URLs come from the bank's developer programme and are
	// passed as sdk.Config.BaseURL.
	SandboxURL string `json:"sandboxURL"`
	// DataPath is the data API's path under the base URL, e.g. "/fdx/v6".
	DataPath string `json:"dataPath"`
	PageSize struct {
		Max     int `json:"max"`
		Default int `json:"default"`
	} `json:"pageSize"`
	RateLimit struct {
		RequestsPerSecond float64 `json:"requestsPerSecond"`
		Burst             int     `json:"burst"`
	} `json:"rateLimit"`
	HistoryMonths int      `json:"historyMonths"`
	Clusters      []string `json:"clusters"`
	// Currency is the currency of amounts the bank sends without one
	// (FDX transactions never carry it); FDX's default is USD.
	Currency string   `json:"currency"`
	Auth     AuthFile `json:"auth"`
	// AccountRevocation records whether the bank revokes single accounts of
	// a consent; the connector must then implement driver.AccountRevoker.
	AccountRevocation bool `json:"accountRevocation"`
	// TokenErrors classify the bank's refusals at its token endpoint
	// (driver.TokenErrorClassifier), first match wins. Absent means
	// DefaultTokenRules; an empty list means none.
	TokenErrors *[]TokenRule `json:"tokenErrors,omitempty"`
	// Assumptions are free text for people: what the profile guesses.
	Assumptions []string `json:"assumptions"`
}

// AuthFile holds the OAuth facts. Endpoint values are paths relative to the
// base URL ("/token") or absolute URLs (for banks whose authorization
// server lives on another host).
type AuthFile struct {
	// ClientAuth is "client_secret_basic" or "private_key_jwt".
	ClientAuth    string `json:"clientAuth"`
	PARRequired   bool   `json:"parRequired"`
	Authorization string `json:"authorization"`
	Token         string `json:"token"`
	PAR           string `json:"par"`
	Revocation    string `json:"revocation"`
	JWKS          string `json:"jwks"`
}

// ParseProfile reads a profile file strictly: unknown keys and trailing data
// are errors, because a misspelt key in a profile would otherwise silently
// fall back to a default.
func ParseProfile(data []byte) (*ProfileFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p ProfileFile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("fdx: profile: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("fdx: profile: trailing data after the JSON object")
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *ProfileFile) validate() error {
	var bad []string
	if p.Name == "" || strings.ToLower(p.Name) != p.Name {
		bad = append(bad, "name must be non-empty lower case")
	}
	if p.FDXVersion == "" {
		bad = append(bad, "fdxVersion is required")
	}
	if _, err := pagination(p.Pagination); err != nil {
		bad = append(bad, err.Error())
	}
	if _, err := clientAuth(p.Auth.ClientAuth); err != nil {
		bad = append(bad, err.Error())
	}
	if p.PageSize.Max < 1 || p.PageSize.Default < 1 || p.PageSize.Default > p.PageSize.Max {
		bad = append(bad, "pageSize needs 1 <= default <= max")
	}
	if p.RateLimit.RequestsPerSecond < 0 || p.RateLimit.Burst < 0 {
		bad = append(bad, "rateLimit must not be negative")
	}
	if p.HistoryMonths < 0 {
		bad = append(bad, "historyMonths must not be negative")
	}
	if _, err := model.CurrencyExponent(p.Currency); err != nil {
		bad = append(bad, "currency: "+err.Error())
	}
	for _, c := range p.Clusters {
		if !model.Cluster(c).Valid() {
			bad = append(bad, fmt.Sprintf("unknown cluster %q", c))
		}
	}
	if len(p.Clusters) == 0 {
		bad = append(bad, "clusters must list at least one cluster")
	}
	if p.TokenErrors != nil {
		for _, r := range *p.TokenErrors {
			if err := r.validate(); err != nil {
				bad = append(bad, err.Error())
			}
		}
	}
	if p.Auth.Authorization == "" || p.Auth.Token == "" {
		bad = append(bad, "auth.authorization and auth.token are required")
	}
	if p.Auth.PARRequired && p.Auth.PAR == "" {
		bad = append(bad, "auth.parRequired needs auth.par")
	}
	if !strings.HasPrefix(p.DataPath, "/") {
		bad = append(bad, "dataPath must start with /")
	}
	if _, err := parseBase(p.SandboxURL); err != nil {
		bad = append(bad, "sandboxURL: "+err.Error())
	}
	if len(bad) > 0 {
		return fmt.Errorf("fdx: profile %q: %s", p.Name, strings.Join(bad, "; "))
	}
	return nil
}

func pagination(s string) (driver.Pagination, error) {
	switch s {
	case "offset":
		return driver.PaginationOffset, nil
	case "pageKey":
		return driver.PaginationPageKey, nil
	}
	return 0, fmt.Errorf("pagination %q is neither offset nor pageKey", s)
}

func clientAuth(s string) (driver.ClientAuth, error) {
	switch s {
	case "client_secret_basic":
		return driver.ClientSecretBasic, nil
	case "private_key_jwt":
		return driver.PrivateKeyJWT, nil
	}
	return 0, fmt.Errorf("auth.clientAuth %q is neither client_secret_basic nor private_key_jwt", s)
}

// parseBase checks a base URL: absolute http(s), no query or fragment.
func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
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

// Resolve returns the driver profile with every endpoint made absolute
// against base ("" means the sandbox URL), and the data API's root URL.
// A bad base URL is an error classified InvalidArgument.
func (p *ProfileFile) Resolve(base string) (driver.Profile, string, error) {
	if base == "" {
		base = p.SandboxURL
	}
	u, err := parseBase(base)
	if err != nil {
		return driver.Profile{}, "", obcerr.Newf(obcerr.InvalidArgument, "%s: base URL: %v", p.Name, err)
	}
	root := u.String()
	abs := func(ref string) string {
		if ref == "" || strings.Contains(ref, "://") {
			return ref
		}
		return root + ref
	}
	pg, _ := pagination(p.Pagination)
	ca, _ := clientAuth(p.Auth.ClientAuth)
	clusters := make([]model.Cluster, 0, len(p.Clusters))
	for _, c := range model.Clusters() {
		if slices.Contains(p.Clusters, string(c)) {
			clusters = append(clusters, c)
		}
	}
	prof := driver.Profile{
		Name:            p.Name,
		DisplayName:     p.DisplayName,
		FDXVersion:      p.FDXVersion,
		Pagination:      pg,
		MaxPageSize:     p.PageSize.Max,
		DefaultPageSize: p.PageSize.Default,
		RateLimit:       driver.RateLimit{RequestsPerSecond: p.RateLimit.RequestsPerSecond, Burst: p.RateLimit.Burst},
		HistoryWindow:   time.Duration(p.HistoryMonths) * historyMonth,
		Clusters:        clusters,
		Auth: driver.AuthProfile{
			Issuer:           root,
			AuthorizationURL: abs(p.Auth.Authorization),
			TokenURL:         abs(p.Auth.Token),
			PARURL:           abs(p.Auth.PAR),
			PARRequired:      p.Auth.PARRequired,
			RevocationURL:    abs(p.Auth.Revocation),
			JWKSURL:          abs(p.Auth.JWKS),
			ClientAuth:       ca,
		},
	}
	return prof, root + p.DataPath, nil
}

package sdk

import (
	"slices"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
)

// Pagination is how a bank pages its lists. It is for information only: the
// client's iterators work the same with either style.
type Pagination string

// Pagination styles.
const (
	// PaginationOffset: offset and page.nextOffset (FDX 4.x and 5.x).
	PaginationOffset Pagination = "offset"
	// PaginationPageKey: pageKey and page.nextPageKey (FDX 6).
	PaginationPageKey Pagination = "pageKey"
)

// ClientAuth is how the client authenticates at the bank's token, PAR and
// revocation endpoints, named as OAuth client metadata names it
// (token_endpoint_auth_method, RFC 7591). It decides which [Credentials]
// fields Open requires.
type ClientAuth string

// Client authentication methods.
const (
	// ClientSecretBasic: HTTP Basic with the client id and
	// Credentials.ClientSecret (RFC 6749 section 2.3.1).
	ClientSecretBasic ClientAuth = "client_secret_basic"
	// PrivateKeyJWT: a client assertion signed with
	// Credentials.PrivateKey (RFC 7523, OpenID Connect Core section 9).
	PrivateKeyJWT ClientAuth = "private_key_jwt"
)

// RateLimit is a token bucket: RequestsPerSecond sustained, Burst at once.
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int
}

// AuthProfile holds a bank's OAuth 2.0 and OpenID Connect endpoints, as
// absolute URLs.
type AuthProfile struct {
	// Issuer is the OpenID issuer identifier its ID tokens carry.
	Issuer           string
	AuthorizationURL string
	TokenURL         string
	// PARURL is the pushed authorization request endpoint (RFC 9126), ""
	// if the bank has none; PARRequired says the client pushes every
	// authorization request there.
	PARURL      string
	PARRequired bool
	// RevocationURL is the token revocation endpoint (RFC 7009), if any.
	RevocationURL string
	// JWKSURL publishes the keys that sign the bank's ID tokens, if any.
	JWKSURL string
	// ClientAuth is the client authentication method the bank requires.
	ClientAuth ClientAuth
}

// Profile describes a bank as its connector targets it. [Client.Profile]
// returns a copy: changing it changes nothing in the client.
type Profile struct {
	// Name is the bank's lower-case name ("chase"), the name it is
	// registered under and that Grant.Bank holds.
	Name string
	// DisplayName is for people ("Chase").
	DisplayName string
	// FDXVersion is the FDX API version the bank speaks, e.g. "6.2".
	FDXVersion string
	// Pagination is the bank's paging style.
	Pagination Pagination
	// MaxPageSize is the largest page the bank serves; DefaultPageSize is
	// what the client asks for unless Options.PageSize says otherwise.
	MaxPageSize     int
	DefaultPageSize int
	// RateLimit is the bank's limit, which the client's limiter follows
	// unless Options.RateLimit or Options.Limiter says otherwise.
	RateLimit RateLimit
	// HistoryWindow is how far back transactions are available.
	HistoryWindow time.Duration
	// Clusters are the data clusters the bank offers. A link or a call
	// for another cluster fails with Unimplemented before any network
	// traffic.
	Clusters []Cluster
	// Auth holds the OAuth endpoints and the client authentication method.
	Auth AuthProfile
	// AccountRevocation reports that the bank revokes single accounts of
	// a consent; without it Client.RevokeAccounts is Unimplemented.
	AccountRevocation bool
	// Subscriptions reports that the connector manages notification
	// subscriptions; without it Client.Subscribe and Unsubscribe are
	// Unimplemented.
	Subscriptions bool
}

// publicProfile converts the connector's profile into the sdk's, with its
// own copy of every slice.
func publicProfile(p driver.Profile) Profile {
	return Profile{
		Name:            p.Name,
		DisplayName:     p.DisplayName,
		FDXVersion:      p.FDXVersion,
		Pagination:      Pagination(p.Pagination.String()),
		MaxPageSize:     p.MaxPageSize,
		DefaultPageSize: p.DefaultPageSize,
		RateLimit:       RateLimit{RequestsPerSecond: p.RateLimit.RequestsPerSecond, Burst: p.RateLimit.Burst},
		HistoryWindow:   p.HistoryWindow,
		Clusters:        slices.Clone(p.Clusters),
		Auth: AuthProfile{
			Issuer:           p.Auth.Issuer,
			AuthorizationURL: p.Auth.AuthorizationURL,
			TokenURL:         p.Auth.TokenURL,
			PARURL:           p.Auth.PARURL,
			PARRequired:      p.Auth.PARRequired,
			RevocationURL:    p.Auth.RevocationURL,
			JWKSURL:          p.Auth.JWKSURL,
			ClientAuth:       ClientAuth(p.Auth.ClientAuth.String()),
		},
	}
}

// Subscription is a notification subscription at the bank.
type Subscription struct {
	ID          string
	CallbackURL string
	// Types are FDX notification types (CONSENT_REVOKED, BALANCE, ...);
	// values this SDK does not know pass through.
	Types   []string
	Created time.Time
}

func publicSubscription(s *driver.Subscription) *Subscription {
	return &Subscription{ID: s.ID, CallbackURL: s.CallbackURL, Types: slices.Clone(s.Types), Created: s.Created}
}

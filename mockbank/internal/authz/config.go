package authz

import (
	"context"
	"crypto"
	"log/slog"
	"time"
)

// Client authentication methods a bank may allow at its token, PAR,
// revocation and introspection endpoints.
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthPrivateKeyJWT     = "private_key_jwt"
)

// Scopes outside the FDX data clusters.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
)

// Clusters lists every FDX data cluster this provider knows, in the order
// the consent page shows them. Each is also an OAuth scope.
var Clusters = []string{
	"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "STATEMENTS",
	"CUSTOMER_CONTACT", "PAYMENT_SUPPORT", "INVESTMENTS", "CUSTOMER_PERSONAL",
}

// Purposes is the closed set of declared purposes a client may ask with.
// There is deliberately no advertising or marketing purpose.
var Purposes = []string{
	"ACCOUNT_AGGREGATION", "PERSONAL_FINANCIAL_MANAGEMENT", "FRAUD_DETECTION",
	"PAYMENTS", "CREDIT_DECISIONING",
}

// Defaults and hard limits.
const (
	DefaultPurpose       = "ACCOUNT_AGGREGATION"
	DefaultDurationDays  = 90
	MaxDurationDays      = 365
	MaxLookbackDays      = 3650
	MaxAccessTokenTTL    = 900 * time.Second
	DefaultRefreshTTL    = 90 * 24 * time.Hour
	DefaultCodeTTL       = 60 * time.Second
	DefaultPARTTL        = 60 * time.Second
	DefaultSessionTTL    = 10 * time.Minute
	maxLoginAttempts     = 5
	maxAssertionLifetime = 10 * time.Minute
)

// Config describes one bank's authorization server.
type Config struct {
	// Bank is the short name (e.g. "chase"); DisplayName is shown on the
	// consent page (e.g. "Chase (mock)").
	Bank        string
	DisplayName string
	// Issuer is the absolute URL of the bank's prefix, e.g.
	// http://127.0.0.1:8080/chase. Every endpoint is Issuer + path.
	Issuer string
	// AuthMethods are the client authentication methods this bank accepts
	// (AuthClientSecretBasic, AuthPrivateKeyJWT). At least one.
	AuthMethods []string
	// RequirePAR makes /authorize refuse requests not pushed through /par.
	RequirePAR bool
	// AccessTokenTTL defaults to and is capped at 900 s (FDX security model).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the lifetime of one refresh token; a refresh token
	// never outlives its consent. Default 90 days.
	RefreshTokenTTL time.Duration
	// RefreshReuseGrace lets a client present the refresh token it last
	// rotated once more, within this long of the rotation, provided the
	// token that replaced it has not been used: the client asked, the
	// bank rotated, and the answer was lost (a process killed mid-refresh,
	// a dropped connection). The provider then retires the unused
	// successor and rotates again. Like Auth0's reuse interval and Okta's
	// grace period, it trades a little of reuse detection for resilience;
	// 0, the default, is strict: any reuse revokes the token family.
	RefreshReuseGrace time.Duration
	// CodeTTL is the authorization code lifetime, default 60 s.
	CodeTTL time.Duration
	// SigningKey signs ID and access tokens: an *ecdsa.PrivateKey on P-256
	// (ES256) or an *rsa.PrivateKey of at least 2048 bits (RS256). When nil,
	// a P-256 key is derived from KeySeed, or generated at random when
	// KeySeed is empty too. ImportState replaces it.
	SigningKey crypto.Signer
	// KeySeed derives a deterministic P-256 signing key (with Bank), so a
	// restarted mockbank with the same seed serves the same JWKS.
	KeySeed string
	// Clock is the provider's notion of now; mockbank passes its simulated
	// clock. Default time.Now.
	Clock func() time.Time
	// WallClock is the real clock, for what must not wait for simulated
	// time: pending sign-ins, pushed requests and codes also expire by
	// wall-clock age (simulated time may stand still), and what clients
	// check with their own clocks (ID-token times, assertion expiry).
	// Default time.Now; tests inject one so they need not sleep.
	WallClock func() time.Time
	// Clusters are the data clusters (scopes) this bank supports; asking for
	// another is invalid_scope. Default: all of Clusters.
	Clusters []string
	// MaxConsentDays caps duration_days, default and maximum 365.
	MaxConsentDays int
	// Endpoints are where the bank's description puts its endpoints.
	Endpoints Endpoints
	// LockedOutUsers are usernames whose sign-in failure budget starts
	// spent, as after 100 consecutive failures: every sign-in answers as a
	// wrong password until ClearLoginFailures. They are locked out again
	// after ImportState (a reset or a restored snapshot). mockbank's
	// user_lockout shows the lockout this way.
	LockedOutUsers []string
}

// Deps are the provider's collaborators, implemented by the rest of
// mockbank (the store). authz imports no other mockbank package.
type Deps struct {
	Users    Users
	Consents Consents
	// Logger receives operational events; it never sees tokens or secrets.
	// Default: discard.
	Logger *slog.Logger
}

// User is the subject of an authorization.
type User struct {
	ID          string
	DisplayName string
	// NeedsOTP asks for a one-time code after the password.
	NeedsOTP bool
}

// AccountChoice is an account offered on the consent page. MaskedNumber
// must already be masked (e.g. "...1234"); authz never sees full numbers.
type AccountChoice struct {
	ID           string
	DisplayName  string
	MaskedNumber string
	Type         string
}

// Users authenticates people on the consent page.
type Users interface {
	// Authenticate returns ErrInvalidCredentials for an unknown user or a
	// wrong password, and ErrUserLocked for a locked user.
	Authenticate(ctx context.Context, username, password string) (User, error)
	// VerifyOTP returns ErrInvalidOTP for a wrong code.
	VerifyOTP(ctx context.Context, userID, code string) error
	// AccountsForConsent lists the accounts the user may share.
	AccountsForConsent(ctx context.Context, userID string) ([]AccountChoice, error)
}

// ConsentRequest is what the user approved on the consent page.
type ConsentRequest struct {
	UserID       string
	ClientID     string
	ClientName   string
	Purpose      string
	Clusters     []string
	AccountIDs   []string
	DurationDays int
	// LookbackDays is 0 when the client asked for no limit.
	LookbackDays int
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// ConsentState is the current state of a consent record.
type ConsentState struct {
	// Active is false once the consent is revoked or expired.
	Active bool
	// Status is the FDX status, e.g. ACTIVE, REVOKED, EXPIRED.
	Status string
	// AccountIDs, when non-nil, are the accounts still shared (after
	// account-level revocation). A refresh narrows the grant to them, and
	// fails with invalid_grant when none is left. Nil means unchanged.
	AccountIDs []string
}

// Consents creates and reads FDX consent records (ConsentGrant).
type Consents interface {
	// CreateConsent stores the record and returns its id.
	CreateConsent(ctx context.Context, req ConsentRequest) (consentID string, err error)
	// ConsentStatus is consulted on refresh and introspection. An unknown
	// id should be reported as inactive, not as an error.
	ConsentStatus(ctx context.Context, consentID string) (ConsentState, error)
}

package driver

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Pagination is how a bank pages its lists.
type Pagination int

const (
	// PaginationOffset: the request carries `offset`, the response
	// `page.nextOffset` (FDX 4.x/5.x style).
	PaginationOffset Pagination = iota + 1
	// PaginationPageKey: the request carries `pageKey`, the response
	// `page.nextPageKey` (FDX 6 style).
	PaginationPageKey
)

func (p Pagination) String() string {
	switch p {
	case PaginationOffset:
		return "offset"
	case PaginationPageKey:
		return "pageKey"
	}
	return "unknown"
}

// ClientAuth is how the integrator's client authenticates at the bank's
// token, PAR and revocation endpoints.
type ClientAuth int

const (
	// ClientSecretBasic: HTTP Basic with client id and secret (RFC 6749 2.3.1).
	ClientSecretBasic ClientAuth = iota + 1
	// PrivateKeyJWT: a signed client assertion (RFC 7523, OIDC Core 9).
	PrivateKeyJWT
)

func (a ClientAuth) String() string {
	switch a {
	case ClientSecretBasic:
		return "client_secret_basic"
	case PrivateKeyJWT:
		return "private_key_jwt"
	}
	return "unknown"
}

// AuthProfile holds a bank's OAuth 2.0 / OpenID Connect facts. All URLs are
// absolute (connectors resolve them against the base URL they were opened
// with).
type AuthProfile struct {
	// Issuer is the OpenID issuer identifier; ID tokens must carry it.
	Issuer string
	// AuthorizationURL, TokenURL are required.
	AuthorizationURL string
	TokenURL         string
	// PARURL is the pushed authorization request endpoint (RFC 9126); empty
	// if the bank has none.
	PARURL string
	// PARRequired makes the sdk push every authorization request.
	PARRequired bool
	// RevocationURL is the token revocation endpoint (RFC 7009), optional.
	RevocationURL string
	// JWKSURL is where the bank publishes the keys that sign its ID tokens
	// (and notifications); optional.
	JWKSURL string
	// ClientAuth is the method the bank requires.
	ClientAuth ClientAuth
}

// RateLimit is a token bucket: RequestsPerSecond sustained, Burst at once.
// A zero RequestsPerSecond means "no client-side limit".
type RateLimit struct {
	RequestsPerSecond float64
	Burst             int
}

// Profile describes one bank as its connector targets it.
type Profile struct {
	// Name is the registry name, lower case ("chase").
	Name string
	// DisplayName is for people ("Chase").
	DisplayName string
	// FDXVersion is the FDX API version the bank speaks, e.g. "6.2".
	FDXVersion string
	// Pagination is the bank's paging style.
	Pagination Pagination
	// MaxPageSize is the largest `limit` the bank accepts; DefaultPageSize
	// is what the sdk asks for when the integrator does not say.
	MaxPageSize     int
	DefaultPageSize int
	// RateLimit configures the sdk's client-side limiter.
	RateLimit RateLimit
	// HistoryWindow is how far back transactions are available.
	HistoryWindow time.Duration
	// Clusters are the data clusters the bank offers. A request for another
	// cluster fails with Unimplemented before any network call.
	Clusters []model.Cluster
	// Auth holds the OAuth endpoints and client authentication method.
	Auth AuthProfile
}

// PageRequest asks for one page.
type PageRequest struct {
	// Cursor is "" for the first page, else a previous Page.Next.
	Cursor string
	// Limit is the page size, already validated by the sdk to be within
	// 1..Profile.MaxPageSize.
	Limit int
}

// TransactionQuery selects transactions of one account.
type TransactionQuery struct {
	AccountID string
	// Start and End bound the transaction dates, inclusive, as calendar
	// dates in UTC (FDX startTime/endTime). A zero value means unbounded on
	// that side; the sdk guarantees Start <= End when both are set. The
	// bank decides whether it filters on the transaction or the posted
	// date; the conformance kit accepts either, but requires every
	// transaction whose both dates fall in the range, and none whose dates
	// both fall outside it.
	Start, End time.Time
	Page       PageRequest
}

// StatementQuery selects statements of one account, like TransactionQuery.
type StatementQuery struct {
	AccountID  string
	Start, End time.Time
	Page       PageRequest
}

// Document is a downloaded document; the caller closes Body.
type Document struct {
	Body io.ReadCloser
	// ContentType is the media type the bank declared, e.g. "application/pdf".
	ContentType string
	// Size is the length in bytes, -1 if unknown.
	Size int64
}

// Connector is the minimum a bank implements.
//
// Every method takes the caller's context; the sdk has put the grant's
// tokens into it, and the *http.Client given at open time reads them from
// there. A method must build its HTTP requests with that context and must
// return promptly when it is done, with an error wrapping ctx.Err().
//
// Unless a method says otherwise, its errors classify (through ErrorCode)
// as: Unauthenticated when the bank rejects the token (HTTP 401 without a
// consent code), ConsentRevoked / ConsentExpired when the bank says so
// (whatever its quirk for saying it), RateLimited when it asks to slow down
// (with RetryAfter in the *obcerr.BankError), Unavailable for 503 /
// maintenance / a connection that failed or was reset, Internal for HTTP 500
// or a response that cannot be decoded (malformed, truncated, empty body,
// or a field of the wrong type), and InvalidArgument for a request the bank
// rejected as invalid.
type Connector interface {
	// Profile returns the bank's profile. It is called once, right after
	// open, and must not change afterwards.
	Profile() Profile

	// ListAccounts returns one page of the accounts the consent covers
	// (GET /accounts), as descriptors: Balances must be nil. An empty last
	// page is valid.
	ListAccounts(ctx context.Context, page PageRequest) (*model.Page[model.Account], error)

	// GetAccount returns one account with its Balances set
	// (GET /accounts/{accountId}). Errors: NotFound when the account does
	// not exist or is not visible under the consent; AccountClosed /
	// AccountLocked when the bank refuses because of the account's state.
	GetAccount(ctx context.Context, accountID string) (*model.Account, error)

	// ListTransactions returns one page of an account's transactions
	// (GET /accounts/{accountId}/transactions) within q.Start..q.End.
	// Amounts must be signed with model.SignedAmount and exact; timestamps
	// in UTC. Errors: NotFound for an unknown account; InvalidArgument for a
	// date range the bank rejects (e.g. beyond its history window).
	ListTransactions(ctx context.Context, q TransactionQuery) (*model.Page[model.Transaction], error)

	// ListStatements returns one page of an account's statements
	// (GET /accounts/{accountId}/statements). Errors: NotFound for an
	// unknown account; Unimplemented when the bank does not offer
	// statements at all.
	ListStatements(ctx context.Context, q StatementQuery) (*model.Page[model.Statement], error)

	// GetStatement opens one statement's document
	// (GET /accounts/{accountId}/statements/{statementId}) without reading
	// it into memory; the caller closes Body. Errors: NotFound for an
	// unknown account or statement.
	GetStatement(ctx context.Context, accountID, statementID string) (*Document, error)

	// GetContact returns the account's contact information
	// (GET /accounts/{accountId}/contact). Errors: NotFound for an unknown
	// account.
	GetContact(ctx context.Context, accountID string) (*model.Contact, error)

	// ListPaymentNetworks returns one page of the account's payment
	// networks (GET /accounts/{accountId}/payment-networks), with the full
	// account number in Identifier. Errors: NotFound for an unknown account.
	ListPaymentNetworks(ctx context.Context, accountID string, page PageRequest) (*model.Page[model.PaymentNetwork], error)

	// GetConsent returns the consent (GET /consents/{consentId}), whatever
	// its status: a revoked or expired consent is returned, not an error.
	// Errors: NotFound for an unknown consent.
	GetConsent(ctx context.Context, consentID string) (*model.Consent, error)

	// RevokeConsent revokes the whole consent
	// (PUT /consents/{consentId}/revocation). The sdk does not retry it.
	// Errors: NotFound for an unknown consent; ConsentRevoked when it was
	// already revoked (FDX answers 409 with code 1107).
	RevokeConsent(ctx context.Context, consentID string, reason RevocationReason) error

	// ErrorCode classifies an error returned by any method of this
	// connector. It must be total and must not panic; it should return
	// Unavailable for network errors it does not recognise otherwise.
	ErrorCode(err error) obcerr.Code
}

// RevocationReason is FDX's consent revocation reason.
type RevocationReason string

// FDX revocation reasons.
const (
	ReasonUserAction     RevocationReason = "USER_ACTION"
	ReasonBusinessRule   RevocationReason = "BUSINESS_RULE"
	ReasonAccountClosed  RevocationReason = "ACCOUNT_CLOSED"
	ReasonSuspectedFraud RevocationReason = "SUSPECTED_FRAUD"
)

// AccountRevoker is the optional capability of revoking some accounts of a
// consent while keeping the rest (PUT /consents/{consentId}/revocation with
// accountIds). Connectors whose bank lacks it do not implement it, and the
// sdk answers Unimplemented.
type AccountRevoker interface {
	// RevokeAccounts revokes only the given accounts. Errors: NotFound for
	// an unknown consent or account; ConsentRevoked when the consent is
	// already revoked.
	RevokeAccounts(ctx context.Context, consentID string, accountIDs []string, reason RevocationReason) error
}

// TokenError is a refusal from the bank's token endpoint (RFC 6749 5.2),
// as the sdk hands it to a TokenErrorClassifier. It carries the parsed
// members only, never the body, which may echo a token.
type TokenError struct {
	// GrantType is the grant the sdk asked for: "refresh_token",
	// "authorization_code" or "client_credentials".
	GrantType string
	// HTTPStatus is the answer's status (400 or 401 in practice).
	HTTPStatus int
	// Code and Description are the answer's `error` and
	// `error_description` members ("invalid_grant", free text).
	Code, Description string
}

// TokenErrorClassifier is the optional capability of recognising what a
// bank means by a refusal at its token endpoint. Without it (or when it
// returns Unknown) the sdk classifies every refusal by the OAuth error
// alone: Unauthenticated for invalid_grant and invalid_client (the user
// must link again), InvalidArgument for invalid_request. Banks that say
// more, such as "the consent was revoked" in an invalid_grant's
// description, implement it so the integrator gets ConsentRevoked (delete
// the data) rather than Unauthenticated (link again).
//
// The sdk consults it for 4xx refusals only; 429 and 5xx stay RateLimited
// and Unavailable.
type TokenErrorClassifier interface {
	// TokenErrorCode classifies e, or returns Unknown to leave the sdk's
	// default. It must be total and must not panic.
	TokenErrorCode(e TokenError) obcerr.Code
}

// Subscription is a notification subscription at the bank.
type Subscription struct {
	ID          string
	CallbackURL string
	// Types are FDX notification types (CONSENT_REVOKED, BALANCE, ...);
	// unknown values pass through.
	Types   []string
	Created time.Time
}

// NotificationSubscriber is the optional capability of managing
// notification subscriptions (FDX /notification-subscriptions).
type NotificationSubscriber interface {
	// Subscribe asks the bank to POST notifications of the given types to
	// callbackURL. Errors: InvalidArgument for a callback the bank refuses.
	Subscribe(ctx context.Context, callbackURL string, types []string) (*Subscription, error)
	// Unsubscribe deletes a subscription. Errors: NotFound for an unknown id.
	Unsubscribe(ctx context.Context, subscriptionID string) error
}

// Aser is the optional escape hatch of a connector (gocloud.dev's "As"
// design): it exposes bank-specific types for needs the portable API does
// not cover, without handing out the connector itself. Integrators reach
// it through sdk.Client.As.
type Aser interface {
	// As sets target, a non-nil pointer to one of the types the
	// connector's package documents (under an "# As" heading), and reports
	// true; for any other target it reports false and leaves target
	// alone. It must not panic and must be safe for concurrent use. What
	// it exposes must stay safe once handed out: never the connector's
	// mutable state, and never a secret.
	As(target any) bool
}

// OpenConfig is what the sdk hands a connector at open time.
type OpenConfig struct {
	// HTTPClient is built by the sdk (token, interaction id, rate limit,
	// observers). Use it for every data request; never replace its
	// Transport.
	HTTPClient *http.Client
	// BaseURL is the bank's base URL for the chosen environment; "" means
	// the connector's default (its sandbox, i.e. mockbank). Connectors
	// resolve their data API and OAuth endpoints against it.
	BaseURL string
	// ClientID is the integrator's OAuth client id at the bank; some banks
	// want it as a header on data calls. Connectors never see secrets.
	ClientID string
}

// Opener makes a Connector. It is registered under the bank's name (the
// Profile's Name) with sdk.Register and called by sdk.Open, or handed to
// sdk.OpenWith directly. It must not do network I/O (opening
// is cheap and offline); an invalid configuration (bad BaseURL) is an error
// classified InvalidArgument.
type Opener func(ctx context.Context, cfg OpenConfig) (Connector, error)

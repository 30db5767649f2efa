package authz

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Callers classify with errors.Is; none of them ever carries
// a token, a secret or a full account number.
var (
	// ErrInvalidToken reports an access token that is missing, malformed,
	// not signed by this provider, or unknown.
	ErrInvalidToken = errors.New("authz: invalid access token")
	// ErrTokenExpired reports a well-formed access token past its expiry.
	ErrTokenExpired = errors.New("authz: access token expired")
	// ErrTokenRevoked reports an access token whose grant was revoked
	// (token revocation, refresh-token reuse or consent revocation).
	ErrTokenRevoked = errors.New("authz: access token revoked")
	// ErrConsentRevoked reports an access token that died because its
	// consent was revoked (at the bank or by the app). It wraps
	// ErrTokenRevoked; the data API answers it with the bank's
	// revoked-consent error so the app learns why, rather than a bare
	// invalid-token answer that would only make it refresh and fail.
	ErrConsentRevoked = fmt.Errorf("%w: consent revoked", ErrTokenRevoked)
	// ErrMissingToken reports a request without a Bearer token.
	ErrMissingToken = errors.New("authz: missing bearer token")

	// ErrInvalidCredentials is what a Users implementation returns for a
	// wrong username or password (the page never says which).
	ErrInvalidCredentials = errors.New("authz: invalid username or password")
	// ErrUserLocked is what a Users implementation returns for a user who
	// must not be able to log in; the page shows a clear error and no code
	// is ever issued.
	ErrUserLocked = errors.New("authz: user is locked")
	// ErrInvalidOTP is what a Users implementation returns for a wrong
	// one-time code.
	ErrInvalidOTP = errors.New("authz: invalid one-time code")

	// ErrInvalidConfig reports a Config that New cannot work with.
	ErrInvalidConfig = errors.New("authz: invalid config")
	// ErrInvalidClientMetadata reports a rejected client registration.
	ErrInvalidClientMetadata = errors.New("authz: invalid client metadata")
	// ErrInvalidState reports a State that ImportState cannot restore.
	ErrInvalidState = errors.New("authz: invalid state")
)

// OAuth error codes used on the wire (RFC 6749 section 5.2, RFC 7591, RFC 9126).
const (
	codeInvalidRequest       = "invalid_request"
	codeInvalidClient        = "invalid_client"
	codeInvalidGrant         = "invalid_grant"
	codeUnauthorizedClient   = "unauthorized_client"
	codeUnsupportedGrantType = "unsupported_grant_type"
	codeInvalidScope         = "invalid_scope"
	codeAccessDenied         = "access_denied"
	codeUnsupportedRespType  = "unsupported_response_type"
	codeServerError          = "server_error"
	// RFC 6749 section 4.1.2.1, sent when a client's sign-in failure
	// budget is spent.
	codeTemporarilyUnavailable = "temporarily_unavailable"
	codeInvalidRedirectURI     = "invalid_redirect_uri"
	codeInvalidClientMeta      = "invalid_client_metadata"
	codeRequestNotSupported    = "request_not_supported"
	codeUnsupportedTokenType   = "unsupported_token_type"
	codeInvalidTokenBearer     = "invalid_token"
)

// OAuthError is an OAuth 2.0 error as sent to clients. Description is
// written for developers and never contains a credential.
type OAuthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	status      int
}

func (e *OAuthError) Error() string {
	if e.Description == "" {
		return "authz: " + e.Code
	}
	return "authz: " + e.Code + ": " + e.Description
}

// Status is the HTTP status the error is answered with.
func (e *OAuthError) Status() int {
	if e.status != 0 {
		return e.status
	}
	switch e.Code {
	case codeInvalidClient:
		return http.StatusUnauthorized
	case codeServerError:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

func oauthErr(code, desc string) *OAuthError { return &OAuthError{Code: code, Description: desc} }

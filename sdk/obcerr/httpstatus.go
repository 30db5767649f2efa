package obcerr

import "net/http"

// FromHTTPStatus classifies an answer by its HTTP status alone, for errors
// that carry nothing more specific (a gateway's HTML page, an empty body,
// a code no table knows). It returns Unknown for a status that says
// nothing (including 2xx and 3xx).
func FromHTTPStatus(status int) Code {
	switch {
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return InvalidArgument
	case status == http.StatusUnauthorized:
		return Unauthenticated
	case status == http.StatusForbidden:
		return PermissionDenied
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusNotImplemented:
		return Unimplemented
	case status == http.StatusServiceUnavailable, status == http.StatusBadGateway, status == http.StatusGatewayTimeout:
		return Unavailable
	case status >= 500 && status <= 599:
		return Internal
	}
	return Unknown
}

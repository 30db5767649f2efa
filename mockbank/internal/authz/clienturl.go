package authz

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// maxClientURLLen bounds a registered URL; longer ones are refused rather
// than stored.
const maxClientURLLen = 2000

// ValidateClientURL is the one rule for URLs a client gives mockbank to send
// something to: redirect URIs (authorization codes travel on them) and
// notification callbacks (signed events are POSTed to them). The URL must
// be https, or plain http to a loopback host only (127.0.0.0/8, [::1] or
// the name localhost), as RFC 8252 section 7.3 and the OAuth Security BCP
// (RFC 9700) ask: over plain http to any other host a code or an event
// would cross the network in clear. A look-alike such as
// http://localhost.evil.example or http://127.0.0.1.nip.io is a remote
// host. A wildcard host, a user name or password, and a fragment are
// refused too: the URL is matched exactly and must name one endpoint.
//
// The error says what is wrong, without the field's name, so the caller
// can prefix it ("redirect_uri ...", "callbackUrl ...").
func ValidateClientURL(raw string) error {
	if len(raw) > maxClientURLLen {
		return errors.New("is longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must be an https URL (or http to a loopback host)")
	case u.Host == "" || u.Opaque != "":
		return errors.New("must be an absolute URL with a host")
	case u.User != nil:
		return errors.New("must not contain a user name or password")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not contain a fragment")
	case strings.Contains(u.Hostname(), "*"):
		return errors.New("must not contain a wildcard host")
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return errors.New("must use https; plain http is allowed only to a loopback host (127.0.0.0/8, [::1] or localhost)")
	}
	return nil
}

// isLoopbackHost accepts loopback IP literals and the literal name
// localhost; any other name may resolve anywhere.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// oauthEndpoints are the authorization server's endpoints a rule may name
// by the last path segment.
var oauthEndpoints = []string{"token", "par", "authorize", "register", "revoke", "introspect", "userinfo", "jwks"}

// fdxOperations are the FDX data API's operationIds.
var fdxOperations = []string{
	"searchForAccounts", "getAccount", "searchForAccountTransactions", "searchForAccountStatements",
	"getAccountStatement", "getAccountContact", "getAccountPaymentNetworks", "getCurrentCustomer",
	"getConsent", "revokeConsent", "createNotificationSubscription", "listNotificationSubscriptions",
	"getNotificationSubscription", "deleteNotificationSubscription",
}

// Endpoints lists the endpoint names rules can target (besides "*"): the
// FDX operationIds, then the OAuth endpoints.
func Endpoints() []string {
	return append(append([]string(nil), fdxOperations...), oauthEndpoints...)
}

// KnownEndpoint reports whether name is an endpoint rules can target.
func KnownEndpoint(name string) bool {
	for _, n := range fdxOperations {
		if n == name {
			return true
		}
	}
	for _, n := range oauthEndpoints {
		if n == name {
			return true
		}
	}
	return false
}

// OperationID names the endpoint of a request path relative to anything
// before the FDX resource (the bank prefix, a version segment): the FDX
// operationId, an OAuth endpoint name, or "" when unknown.
func OperationID(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		rest := segs[i+1:]
		switch s {
		case "accounts":
			switch {
			case len(rest) == 0 && method == http.MethodGet:
				return "searchForAccounts"
			case len(rest) == 1 && method == http.MethodGet:
				return "getAccount"
			case len(rest) == 2 && method == http.MethodGet:
				switch rest[1] {
				case "transactions":
					return "searchForAccountTransactions"
				case "statements":
					return "searchForAccountStatements"
				case "contact":
					return "getAccountContact"
				case "payment-networks":
					return "getAccountPaymentNetworks"
				}
			case len(rest) == 3 && rest[1] == "statements" && method == http.MethodGet:
				return "getAccountStatement"
			}
			return ""
		case "customers":
			if len(rest) == 1 && rest[0] == "current" && method == http.MethodGet {
				return "getCurrentCustomer"
			}
			return ""
		case "consents":
			switch {
			case len(rest) == 1 && method == http.MethodGet:
				return "getConsent"
			case len(rest) == 2 && rest[1] == "revocation":
				return "revokeConsent"
			}
			return ""
		case "notification-subscriptions":
			switch {
			case len(rest) == 0 && method == http.MethodPost:
				return "createNotificationSubscription"
			case len(rest) == 0 && method == http.MethodGet:
				return "listNotificationSubscriptions"
			case len(rest) == 1 && method == http.MethodGet:
				return "getNotificationSubscription"
			case len(rest) == 1 && method == http.MethodDelete:
				return "deleteNotificationSubscription"
			}
			return ""
		}
	}
	if n := len(segs); n > 0 {
		last := segs[n-1]
		if last == "jwks.json" {
			last = "jwks"
		}
		for _, e := range oauthEndpoints {
			if e == last {
				return e
			}
		}
	}
	return ""
}

// Middleware returns a middleware for one bank's handler that finds each
// request's endpoint with OperationID.
func (in *Injector) Middleware(bank string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return in.handler(bank, func(r *http.Request) string { return OperationID(r.Method, r.URL.Path) }, next)
	}
}

// Wrap applies the rules of bank and endpoint to next.
func (in *Injector) Wrap(bank, endpoint string, next http.Handler) http.Handler {
	return in.handler(bank, func(*http.Request) string { return endpoint }, next)
}

func (in *Injector) handler(bank string, endpoint func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.count.Load() == 0 {
			next.ServeHTTP(w, r)
			return
		}
		c := &call{
			endpoint: func() string { return endpoint(r) },
			key:      func() string { return requestPageKey(r) },
			party: func() (string, string) {
				if in.party == nil {
					return "", ""
				}
				return in.party(bank, r)
			},
		}
		rule, key, ok := in.match(bank, c)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if n := journal.From(r.Context()); n != nil {
			n.FaultID, n.FaultMode = rule.ID, string(rule.Mode)
		}
		if rule.Latency > 0 {
			if err := in.sleep(r.Context(), rule.Latency); err != nil {
				// The client went away; there is nobody to answer.
				return
			}
		}
		in.apply(rule, key, w, r, next)
	})
}

// requestPageKey is the pagination position the request came with.
func requestPageKey(r *http.Request) string {
	q := r.URL.Query()
	if k := q.Get("pageKey"); k != "" {
		return k
	}
	return q.Get("offset")
}

func (in *Injector) apply(rule Rule, key string, w http.ResponseWriter, r *http.Request, next http.Handler) {
	switch rule.Mode {
	case ModeLatencyOnly:
		in.setRetryAfter(w.Header(), rule)
		next.ServeHTTP(w, r)
	case ModeError:
		in.writeError(w, r, rule)
	case ModeConnectionReset:
		reset(w)
	case ModeMalformedBody, ModeTruncatedBody, ModeRepeatPageKey:
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		status := rec.Code
		if rule.Status != 0 {
			status = rule.Status
		}
		h := w.Header()
		for k, v := range rec.Header() {
			h[k] = v
		}
		in.setRetryAfter(h, rule)
		switch rule.Mode {
		case ModeMalformedBody:
			body = malform(body)
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body)
		case ModeRepeatPageKey:
			body = repeatKey(body, key)
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body)
		case ModeTruncatedBody:
			truncate(w, status, body)
		}
	}
}

// desc is the bank's description; without one (Options.Banks nil) a
// zero description, whose forms are FDX's own.
func (in *Injector) desc(bank string) *bankdesc.Description {
	if d := in.descs[bank]; d != nil {
		return d
	}
	return &bankdesc.Description{}
}

// setRetryAfter sets the rule's Retry-After, if any, in the form the bank
// sends it. Dates come from the wall clock, which the client compares them
// with, never from mockbank's simulated time.
func (in *Injector) setRetryAfter(h http.Header, rule Rule) {
	if rule.RetryAfter == nil {
		return
	}
	wait := time.Duration(*rule.RetryAfter) * time.Second
	h.Set("Retry-After", in.desc(rule.Bank).RetryAfterValue(wait, in.now()))
}

// StandardCode is the FDX code this project uses for an HTTP status when a
// rule names none.
func StandardCode(status int) int {
	switch status {
	case 400:
		return 401
	case 401:
		return 602
	case 403:
		return 1107
	case 404:
		return 701
	case 409:
		return 705
	case 429:
		return 1207
	case 503:
		return 501
	}
	return 500
}

// answer is the error a rule sends: the bank's words for its meaning
// (bankdesc's Answer) or the catalogue's for its status, with the rule's
// own status, code and message on top.
func (in *Injector) answer(rule Rule) bankdesc.Answer {
	debug := "injected by mockbank fault " + rule.ID
	var a bankdesc.Answer
	if c, ok := bankdesc.ParseCode(rule.Means); ok && rule.Means != "" {
		a, _ = in.desc(rule.Bank).Answer(c, debug)
	} else {
		a = bankdesc.Answer{Status: rule.Status, Code: StandardCode(rule.Status), DebugMessage: debug}
		if e, ok := fdxerr.Lookup(a.Code); ok {
			a.Message = e.Message
		}
	}
	if rule.Status != 0 {
		a.Status = rule.Status
	}
	if rule.FDXCode != nil && *rule.FDXCode != a.Code {
		a.Code, a.Message = *rule.FDXCode, ""
		if e, ok := fdxerr.Lookup(a.Code); ok {
			a.Message = e.Message
		}
	}
	if rule.Message != "" {
		a.Message = rule.Message
	}
	if a.Message == "" {
		a.Message = http.StatusText(a.Status)
	}
	if a.Message == "" {
		a.Message = "Injected fault"
	}
	return a
}

// errorCode is code in the bank's form (bankdesc's CodeJSON), or a JSON
// string when the rule asks for one.
func (in *Injector) errorCode(rule Rule, code int) fdxtypes.ErrorCode {
	if rule.CodeAsString {
		return fdxtypes.CodeString(strconv.Itoa(code))
	}
	var c fdxtypes.ErrorCode
	if err := json.Unmarshal([]byte(in.desc(rule.Bank).CodeJSON(code)), &c); err != nil {
		// CodeJSON writes digits, quoted or not; this cannot fail.
		return fdxtypes.CodeString(strconv.Itoa(code))
	}
	return c
}

// writeError answers with an FDX error body: the code in the bank's form,
// FDX's message for it (package fdxerr) unless the rule sets one.
func (in *Injector) writeError(w http.ResponseWriter, r *http.Request, rule Rule) {
	a := in.answer(rule)
	h := w.Header()
	in.setRetryAfter(h, rule)
	if a.RetryAfter && rule.RetryAfter == nil {
		// The bank's answer carries Retry-After (a rate limit, a quirk
		// that needs it to be recognised); a second is the shortest wait.
		h.Set("Retry-After", in.desc(rule.Bank).RetryAfterValue(time.Second, in.now()))
	}
	if rule.Means == obcerr.Unauthenticated.String() {
		// How mockbank's data API refuses an access token (RFC 6750).
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	debug := a.DebugMessage
	body, err := json.Marshal(fdxclient.Error{Code: in.errorCode(rule, a.Code), Message: a.Message, DebugMessage: &debug})
	if err != nil {
		body = []byte(`{"code":500,"message":"Internal server error"}`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	iid := r.Header.Get("x-fapi-interaction-id")
	if iid == "" {
		iid = uuid.NewString()
	}
	h.Set("x-fapi-interaction-id", iid)
	w.WriteHeader(a.Status)
	_, _ = w.Write(body)
}

// malform keeps the first half of the body and appends bytes no JSON
// parser accepts, so the damage is visible whatever the body was.
func malform(body []byte) []byte {
	out := append([]byte(nil), body[:len(body)/2]...)
	return append(out, "\x00<<not json>>"...)
}

// repeatKey rewrites page.nextPageKey / page.nextOffset to the key the
// request came with. Numbers are kept as their text (json.Number).
func repeatKey(body []byte, key string) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return body
	}
	page, _ := doc["page"].(map[string]any)
	if page == nil {
		page = map[string]any{}
		doc["page"] = page
	}
	switch {
	case page["nextOffset"] != nil:
		page["nextOffset"] = key
	default:
		page["nextPageKey"] = key
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// reset closes the connection with an RST. Without a hijackable HTTP/1
// connection it aborts the response instead, which HTTP/2 turns into
// RST_STREAM.
func reset(w http.ResponseWriter) {
	conn, ok := hijack(w)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		// Linger 0 makes Close send RST instead of FIN.
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// truncate sends the headers with the full Content-Length, half the body,
// then closes the connection, so the client sees an unexpected EOF.
func truncate(w http.ResponseWriter, status int, body []byte) {
	h := w.Header().Clone()
	conn, ok := hijack(w)
	if !ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	bw := bufio.NewWriter(conn)
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
	_, _ = bw.Write(body[:len(body)/2])
	_ = bw.Flush()
}

func hijack(w http.ResponseWriter) (net.Conn, bool) {
	// The controller follows Unwrap chains of wrapping ResponseWriters.
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false
	}
	return conn, true
}

package sdk

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/obconnect/obconnect/sdk/driver"
)

// The transports compose like x/oauth2's: each wraps the next and clones
// the request before changing it (RoundTripper contract). Data requests go
// limit -> interaction id -> bearer -> observe -> (integrator) -> base;
// OAuth requests go interaction id -> client auth -> observe -> base.

const interactionHeader = "x-fapi-interaction-id"

type tokensKey struct{}

// withTokens puts a token source (a grant's, or the client's own) into ctx
// for bearerTransport.
func withTokens(ctx context.Context, ts tokenSource) context.Context {
	return context.WithValue(ctx, tokensKey{}, ts)
}

type limitTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.c.limiter != nil {
		if err := t.c.limiter.Wait(req.Context()); err != nil {
			closeBody(req)
			if ctxErr := req.Context().Err(); ctxErr != nil {
				return nil, ctxErr
			}
			// The wait would outlast the deadline: say so as a rate limit.
			return nil, &Error{Code: RateLimited, Op: "sdk.ratelimit", Msg: "client-side rate limit would exceed the context deadline"}
		}
	}
	return t.next.RoundTrip(req)
}

type interactionTransport struct{ next http.RoundTripper }

func (t *interactionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get(interactionHeader) == "" {
		req = req.Clone(req.Context())
		req.Header.Set(interactionHeader, uuid.NewString())
	}
	return t.next.RoundTrip(req)
}

type sentKey struct{}

// sentToken records the access token a call's last attempt sent.
type sentToken struct {
	mu sync.Mutex
	v  string
}

func (s *sentToken) set(v string) { s.mu.Lock(); s.v = v; s.mu.Unlock() }

func (s *sentToken) get() string { s.mu.Lock(); defer s.mu.Unlock(); return s.v }

type bearerTransport struct{ next http.RoundTripper }

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ts, _ := req.Context().Value(tokensKey{}).(tokenSource)
	if ts == nil {
		return t.next.RoundTrip(req)
	}
	access, err := ts.accessToken(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	// The token may come from a refresh that narrowed the grant after the
	// call's consent check passed: check again before the request leaves.
	if gt, ok := ts.(*grantTokens); ok {
		if n, ok := needOf(req.Context()); ok {
			if err := gt.scopeNow().permits(n.op, n.cluster, n.accountID, time.Time{}); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	if sent, ok := req.Context().Value(sentKey{}).(*sentToken); ok {
		sent.set(access)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+access)
	return t.next.RoundTrip(req)
}

type observeTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *observeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	ex := Exchange{
		Bank:          t.c.bank,
		Method:        req.Method,
		Path:          req.URL.Path,
		Duration:      time.Since(start),
		InteractionID: req.Header.Get(interactionHeader),
		Err:           err,
	}
	if resp != nil {
		ex.Status = resp.StatusCode
	}
	if t.c.log.Enabled(req.Context(), slog.LevelDebug) {
		t.c.log.LogAttrs(req.Context(), slog.LevelDebug, "obconnect http",
			slog.String("bank", ex.Bank), slog.String("method", ex.Method), slog.String("path", ex.Path),
			slog.Int("status", ex.Status), slog.Duration("duration", ex.Duration),
			slog.String("interaction_id", ex.InteractionID), slog.Bool("transport_error", err != nil))
	}
	if t.c.opts.Observer != nil {
		t.c.opts.Observer(ex)
	}
	return resp, err
}

// assertionTransport adds client authentication to requests to the bank's
// OAuth endpoints that do not carry it yet: HTTP Basic for
// client_secret_basic, a fresh RFC 7523 client assertion for
// private_key_jwt. Doing it here covers x/oauth2's code exchange and
// refresh (which cannot sign assertions) as well as PAR and revocation.
type assertionTransport struct {
	c    *Client
	next http.RoundTripper
}

func (t *assertionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil {
		return t.next.RoundTrip(req)
	}
	switch t.c.profile.Auth.ClientAuth {
	case driver.ClientSecretBasic:
		if req.Header.Get("Authorization") == "" {
			req = req.Clone(req.Context())
			// RFC 6749 2.3.1: form-encode before Basic.
			req.SetBasicAuth(url.QueryEscape(t.c.creds.ClientID), url.QueryEscape(t.c.creds.ClientSecret))
		}
		return t.next.RoundTrip(req)
	case driver.PrivateKeyJWT:
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		closeBody(req)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		if form.Get("client_assertion") == "" {
			assertion, err := t.c.clientAssertion()
			if err != nil {
				return nil, err
			}
			form.Set("client_id", t.c.creds.ClientID)
			form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			form.Set("client_assertion", assertion)
			form.Del("client_secret")
		}
		enc := form.Encode()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(strings.NewReader(enc))
		req.ContentLength = int64(len(enc))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte(enc))), nil }
		return t.next.RoundTrip(req)
	}
	return t.next.RoundTrip(req)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

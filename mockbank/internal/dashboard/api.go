package dashboard

// The admin API, called in-process through its generated client: the
// request goes through the API's own handler (token, loopback check, spec
// validation, handlers), never around it.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/obconnect/obconnect/openapi/adminapi"
)

// peer is the browser request an API call is made for.
type peer struct {
	remoteAddr string
	host       string
	tls        *tls.ConnectionState
}

type peerKey struct{}

func withPeer(r *http.Request) context.Context {
	return context.WithValue(r.Context(), peerKey{}, peer{remoteAddr: r.RemoteAddr, host: r.Host, tls: r.TLS})
}

// inProcess is an adminapi.HttpRequestDoer that serves each request with
// the admin API's handler.
type inProcess struct{ h http.Handler }

func (d inProcess) Do(req *http.Request) (*http.Response, error) {
	// The browser's address, so the API's loopback check judges the real
	// peer; a call without one (a bug) has no address and is refused by
	// that check unless remote admin is allowed.
	if p, ok := req.Context().Value(peerKey{}).(peer); ok {
		req.RemoteAddr, req.Host, req.TLS = p.remoteAddr, p.host, p.tls
	}
	// A server sees a path, not the absolute URL a client holds: the
	// API's router matches on exactly that.
	req.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	req.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func newClient(api http.Handler, apiPath, token string) (*adminapi.ClientWithResponses, error) {
	return adminapi.NewClientWithResponses("http://mockbank.invalid"+apiPath,
		adminapi.WithHTTPClient(inProcess{h: api}),
		adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
}

// apiError is a refusal by the admin API, with its own message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

type response interface {
	StatusCode() int
	GetBody() []byte
}

// call turns a generated client's answer into an error unless it is 2xx.
func call[R response](r R, err error) (R, error) {
	if err != nil {
		return r, err
	}
	if sc := r.StatusCode(); sc < 200 || sc > 299 {
		var e adminapi.AdminError
		if json.Unmarshal(r.GetBody(), &e) != nil || e.Message == "" {
			return r, &apiError{Status: sc, Code: "internal", Message: fmt.Sprintf("the admin API answered %d", sc)}
		}
		return r, &apiError{Status: sc, Code: string(e.Error), Message: e.Message}
	}
	return r, nil
}

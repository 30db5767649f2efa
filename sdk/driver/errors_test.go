package driver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func TestDefaultErrorCode(t *testing.T) {
	var syn *json.SyntaxError
	_ = json.Unmarshal([]byte("{"), &struct{}{})
	synErr := json.Unmarshal([]byte("{x"), &syn)
	cases := []struct {
		err  error
		want obcerr.Code
	}{
		{nil, obcerr.OK},
		// The driver layer knows no bank protocol: a bank's own code is
		// the connector's to read; here only the status counts.
		{&obcerr.BankError{HTTPStatus: 404, Code: 701}, obcerr.NotFound},
		{fmt.Errorf("x: %w", &obcerr.BankError{HTTPStatus: 403, Code: 1107}), obcerr.PermissionDenied},
		{&obcerr.BankError{HTTPStatus: 429}, obcerr.RateLimited},
		{&obcerr.BankError{HTTPStatus: 502}, obcerr.Unavailable},
		{&obcerr.BankError{HTTPStatus: 500, Code: 500}, obcerr.Internal},
		{&obcerr.BankError{HTTPStatus: 418}, obcerr.Unknown},
		{context.Canceled, obcerr.Canceled},
		{&url.Error{Op: "Get", URL: "http://x", Err: syscall.ECONNRESET}, obcerr.Unavailable},
		{&url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, obcerr.Unavailable},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, obcerr.Unavailable},
		{io.ErrUnexpectedEOF, obcerr.Internal},
		{synErr, obcerr.Internal},
		{obcerr.New(obcerr.Unimplemented, "x"), obcerr.Unimplemented},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, driver.DefaultErrorCode(c.err), "%v", c.err)
	}
}

func TestFromHTTPStatus(t *testing.T) {
	for status, want := range map[int]obcerr.Code{400: obcerr.InvalidArgument, 422: obcerr.InvalidArgument, 401: obcerr.Unauthenticated,
		403: obcerr.PermissionDenied, 404: obcerr.NotFound, 429: obcerr.RateLimited, 501: obcerr.Unimplemented, 502: obcerr.Unavailable,
		503: obcerr.Unavailable, 504: obcerr.Unavailable, 500: obcerr.Internal, 418: obcerr.Unknown, 200: obcerr.Unknown} {
		assert.Equal(t, want, obcerr.FromHTTPStatus(status), "%d", status)
	}
	assert.Equal(t, "offset", driver.PaginationOffset.String())
	assert.Equal(t, "pageKey", driver.PaginationPageKey.String())
	assert.Equal(t, "private_key_jwt", driver.PrivateKeyJWT.String())
	assert.Equal(t, "client_secret_basic", driver.ClientSecretBasic.String())
}

func TestInteractionID(t *testing.T) {
	assert.Empty(t, driver.InteractionID(nil))
	echoed := &http.Response{Header: http.Header{"X-Fapi-Interaction-Id": {"from-bank"}}}
	assert.Equal(t, "from-bank", driver.InteractionID(echoed))
	sent := &http.Response{Header: http.Header{}, Request: &http.Request{Header: http.Header{"X-Fapi-Interaction-Id": {"sent"}}}}
	assert.Equal(t, "sent", driver.InteractionID(sent))
}

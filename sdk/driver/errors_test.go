package driver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
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
		{&obcerr.BankError{HTTPStatus: 404, Code: 701}, obcerr.NotFound},
		{fmt.Errorf("x: %w", &obcerr.BankError{HTTPStatus: 403, Code: 1107}), obcerr.ConsentRevoked},
		{&obcerr.BankError{HTTPStatus: 403, Code: 1106}, obcerr.ConsentExpired},
		{&obcerr.BankError{HTTPStatus: 429, Code: 1207}, obcerr.RateLimited},
		{&obcerr.BankError{HTTPStatus: 429}, obcerr.RateLimited},
		{&obcerr.BankError{HTTPStatus: 409, Code: 705}, obcerr.AccountClosed},
		{&obcerr.BankError{HTTPStatus: 409, Code: 706}, obcerr.AccountLocked},
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

package fdxapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

// consentNotFound answers a consent id that is not the caller's. FDX has no
// consent-specific not-found code; 601 is the spec's NotFound code for a
// resource of the customer that cannot be found (the consent belongs to the
// customer), so it is 404 + 601 with a message that names the consent.
func consentNotFound() *apiError {
	e := fdxErr(fdxerr.CustomerNotFound, "no consent with this id for this token")
	e.message = "Consent not found"
	return e
}

// apiError is an FDX error response. It implements every operation's
// response interface, so a handler can return it for any operation, and
// error, so it can travel as one.
type apiError struct {
	status     int
	code       int
	message    string
	debug      string
	retryAfter time.Duration
}

func (e *apiError) Error() string {
	return "fdx error " + strconv.Itoa(e.code) + " (HTTP " + strconv.Itoa(e.status) + "): " + e.message
}

// fdxErr builds the catalogue's error for code (package fdxerr), with its
// status and message; a code FDX does not define is a 500.
func fdxErr(code int, debug string) *apiError {
	e, ok := fdxerr.Lookup(code)
	if !ok {
		return &apiError{status: http.StatusInternalServerError, code: code, message: "Error", debug: debug}
	}
	return &apiError{status: e.HTTPStatus, code: code, message: e.Message, debug: debug}
}

func (e *apiError) withStatus(status int) *apiError { e.status = status; return e }

// errorCode is an FDX code in the bank's form (bankdesc's CodeJSON: a
// string, or a number where the description says so).
func errorCode(d *bankdesc.Description, code int) fdxtypes.ErrorCode {
	var c fdxtypes.ErrorCode
	if err := json.Unmarshal([]byte(d.CodeJSON(code)), &c); err != nil {
		// CodeJSON writes digits, quoted or not; this cannot fail.
		return fdxtypes.CodeString(strconv.Itoa(code))
	}
	return c
}

// write sends the error in the bank's style: the code in its form,
// Retry-After in its form (delta-seconds or an HTTP-date).
func (e *apiError) write(w http.ResponseWriter, d *bankdesc.Description) error {
	body := fdxclient.Error{Code: errorCode(d, e.code), Message: e.message}
	if e.debug != "" {
		body.DebugMessage = &e.debug
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(body); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		// The client compares a date with its own clock, so the wall
		// clock, never mockbank's simulated time.
		h.Set("Retry-After", d.RetryAfterValue(e.retryAfter, time.Now()))
	}
	w.WriteHeader(e.status)
	_, err := buf.WriteTo(w)
	return err
}

// boundError carries the bank's error style into the generated visitors,
// which only get the ResponseWriter.
type boundError struct {
	*apiError
	d *bankdesc.Description
}

func (b boundError) visit(w http.ResponseWriter) error { return b.write(w, b.d) }

func (b boundError) VisitSearchForAccountsResponse(w http.ResponseWriter) error   { return b.visit(w) }
func (b boundError) VisitGetAccountResponse(w http.ResponseWriter) error          { return b.visit(w) }
func (b boundError) VisitGetAccountContactResponse(w http.ResponseWriter) error   { return b.visit(w) }
func (b boundError) VisitGetAccountStatementResponse(w http.ResponseWriter) error { return b.visit(w) }
func (b boundError) VisitGetConsentResponse(w http.ResponseWriter) error          { return b.visit(w) }
func (b boundError) VisitRevokeConsentResponse(w http.ResponseWriter) error       { return b.visit(w) }
func (b boundError) VisitGetCurrentCustomerResponse(w http.ResponseWriter) error  { return b.visit(w) }
func (b boundError) VisitGetAccountPaymentNetworksResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitSearchForAccountStatementsResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitSearchForAccountTransactionsResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitListNotificationSubscriptionsResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitCreateNotificationSubscriptionResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitDeleteNotificationSubscriptionResponse(w http.ResponseWriter) error {
	return b.visit(w)
}
func (b boundError) VisitGetNotificationSubscriptionResponse(w http.ResponseWriter) error {
	return b.visit(w)
}

// maxPooled keeps an unusually large page's buffer out of the pool: a
// transactions page is tens of kilobytes, and growing a fresh buffer for
// each one would be most of the garbage collector's work on the hot path.
const maxPooled = 1 << 20

// transactionsPage is the 200 answer of the transactions endpoint, written
// by the dedicated encoder (fastjson.go) into a pooled buffer.
type transactionsPage struct {
	shape *fdxShape
	kind  store.Kind
	txs   []*store.Transaction
	page  *fdxclient.PageMetadata
}

func (p transactionsPage) VisitSearchForAccountTransactionsResponse(w http.ResponseWriter) error {
	bp, _ := pagePool.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	out, err := appendShapedTransactionsPage((*bp)[:0], p.shape, p.kind, p.txs, p.page)
	if err != nil {
		pagePool.Put(bp)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out)
	if cap(out) <= maxPooled {
		*bp = out
		pagePool.Put(bp)
	}
	return err
}

// pagePool recycles the byte slices transactions pages are written into.
var pagePool sync.Pool

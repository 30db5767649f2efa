package mockbank

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

// Standard FDX error codes mockbank answers with.
const (
	codeInvalidInput   = 401
	codeInternal       = 500
	codeUnavailable    = 501
	codeMaintenance    = 503
	codeNotFound       = 601
	codeNotAuthorized  = 602
	codeAccountMissing = 701
	codeInvalidDate    = 702
	codeInvalidRange   = 703
	codeTypeUnsupport  = 704
	codeAccountClosed  = 705
	codeAccountLocked  = 706
	codeConsentExpired = 1106
	codeConsentRevoked = 1107
	codeNoStatement    = 1205
	codeTooMany        = 1207
)

// standard maps an FDX code to its HTTP status and end-user message.
var standard = map[int]struct {
	status  int
	message string
}{
	401:  {400, "Invalid input"},
	500:  {500, "Internal server error"},
	501:  {503, "Subsystem unavailable"},
	503:  {503, "Scheduled maintenance"},
	601:  {404, "Customer not found"},
	602:  {401, "Customer not authorized"},
	701:  {404, "Account not found"},
	702:  {400, "Invalid start or end date"},
	703:  {400, "Invalid date range"},
	704:  {400, "Account type not supported"},
	705:  {409, "Account is closed"},
	706:  {409, "Account is restricted"},
	1106: {403, "Consent expired"},
	1107: {403, "Consent revoked"},
	1205: {404, "Statement not found"},
	1207: {429, "Too many requests"},
}

// consentNotFound answers a consent id that is not the caller's. FDX has no
// consent-specific not-found code; 601 is the spec's NotFound code for a
// resource of the customer that cannot be found (the consent belongs to the
// customer), so it is 404 + 601 with a message that names the consent.
func consentNotFound() *apiError {
	e := fdxErr(codeNotFound, "no consent with this id for this token")
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
	retryAfter int
}

func (e *apiError) Error() string {
	return "fdx error " + strconv.Itoa(e.code) + " (HTTP " + strconv.Itoa(e.status) + "): " + e.message
}

// fdxErr builds the standard error for code, with its standard status.
func fdxErr(code int, debug string) *apiError {
	s, ok := standard[code]
	if !ok {
		s.status, s.message = 500, "Error"
	}
	return &apiError{status: s.status, code: code, message: s.message, debug: debug}
}

func (e *apiError) withStatus(status int) *apiError { e.status = status; return e }

// write sends the error in the profile's style: the code a string, as
// FDX's Error schema defines, unless the bank sends integers; Retry-After
// in seconds unless the bank sends an HTTP-date.
func (e *apiError) write(w http.ResponseWriter, q ErrorQuirks) error {
	code := fdxtypes.CodeString(strconv.Itoa(e.code))
	if q.IntegerCodes {
		code = fdxtypes.Code(e.code)
	}
	body := fdxclient.Error{Code: code, Message: e.message}
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
		h.Set("Retry-After", q.RetryAfter(e.retryAfter, time.Now()))
	}
	w.WriteHeader(e.status)
	_, err := buf.WriteTo(w)
	return err
}

// boundError carries the profile's error style into the generated
// visitors, which only get the ResponseWriter.
type boundError struct {
	*apiError
	quirks ErrorQuirks
}

func (b boundError) visit(w http.ResponseWriter) error { return b.write(w, b.quirks) }

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

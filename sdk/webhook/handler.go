package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// HandlerFunc processes one verified event. Returning nil tells the bank the
// event is safely handled; returning an error makes the bank deliver it
// again later, so the function must be idempotent on Event.ID (banks retry,
// and the replay window is finite).
type HandlerFunc func(ctx context.Context, ev *Event) error

// Handler adapts fn into the receiving end of a bank's notifications.
//
// It accepts POST only, reads at most the verifier's MaxBodyBytes, verifies,
// calls fn with the request's context and answers:
//
//	204 No Content            fn returned nil
//	200 OK                    ErrReplayed: already accepted once, nothing to do
//	400 Bad Request           signature, key, algorithm, payload, party or
//	                          freshness check failed (not from the bank, not
//	                          for us, or unusable)
//	405 Method Not Allowed    not a POST
//	413 Content Too Large     body over the limit
//	500 Internal Server Error fn failed or panicked; the replay claim is released
//	503 Service Unavailable   the bank's JWKS or the replay store is unreachable
//
// Why: a 2xx means "handled", so it is sent only after fn succeeded, and a
// failure of ours (fn, JWKS, replay store) is a 5xx that the bank retries.
// A request that fails verification is answered 400: retrying it cannot
// help, and a genuine notification refused only because its key rotated
// within the JWKS refresh floor is still retried by banks that retry every
// non-2xx (mockbank does). A replay is answered 200 so a bank that
// redelivers after a lost acknowledgement stops; because fn failures release
// the claim, a redelivery after a failure is processed, not swallowed.
// Response bodies name the failed check, never a secret.
//
// Handler panics if v or fn is nil: that is a wiring mistake, better found
// at start-up than on the first notification.
func Handler(v *Verifier, fn HandlerFunc) http.Handler {
	if v == nil || fn == nil {
		panic("webhook: Handler needs a Verifier and a function")
	}
	return &handler{v: v, fn: fn}
}

type handler struct {
	v  *Verifier
	fn HandlerFunc
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.v.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(ctx, w, http.StatusRequestEntityTooLarge, newError(ErrPayloadTooLarge, "", nil))
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	ev, err := h.v.Verify(ctx, r.Header, body)
	if err != nil {
		h.reject(ctx, w, statusFor(err), err)
		return
	}
	if err := h.call(ctx, ev); err != nil {
		if rerr := h.v.Release(context.WithoutCancel(ctx), ev); rerr != nil {
			h.v.logger.ErrorContext(ctx, "webhook: cannot release replay claim; the redelivery will be taken for a replay",
				"notification", ev.ID, "error", rerr)
		}
		h.v.logger.ErrorContext(ctx, "webhook: handler failed; asking the bank to retry",
			"notification", ev.ID, "type", string(ev.Type), "error", err)
		http.Error(w, "handler failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// call runs fn and turns a panic into an error, so the claim is released
// and the bank retries rather than the event being lost; the panic is not
// re-raised because the answer (500) is already the right one.
func (h *handler) call(ctx context.Context, ev *Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = errors.New("handler panicked")
			h.v.logger.ErrorContext(ctx, "webhook: handler panicked", "notification", ev.ID, "panic", p)
		}
	}()
	return h.fn(ctx, ev)
}

func (h *handler) reject(ctx context.Context, w http.ResponseWriter, status int, err error) {
	if status == http.StatusOK {
		h.v.logger.InfoContext(ctx, "webhook: replayed notification acknowledged", "error", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	h.v.logger.WarnContext(ctx, "webhook: notification rejected", "status", status, "error", err)
	msg := err.Error()
	var e *Error
	if errors.As(err, &e) {
		// The kind alone: causes may quote internal URLs or store errors.
		msg = e.Kind.Error()
	}
	http.Error(w, msg, status)
}

// statusFor maps a verification error to the answer given to the bank.
func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrReplayed):
		return http.StatusOK
	case errors.Is(err, ErrKeysUnavailable), errors.Is(err, ErrReplayStore):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrPayloadTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadRequest
	}
}

// Package journal is mockbank's request journal: every request to a bank's
// authorization server and data API is recorded (time, bank, client,
// consent, method, path, query, status, latency, interaction id, the fault
// applied, and the spec violations request validation found), in a ring
// of bounded size, so that a QA suite can ask "did the app call this, with
// these parameters, how often, and what did it get", as WireMock's request
// journal answers it.
//
// # Secrets
//
// Neither headers nor bodies are recorded. Query parameters that carry
// credentials (codes, tokens, client secrets and assertions, PKCE
// verifiers, pushed-request URIs) are kept by name with the value
// "REDACTED". The client and consent come from the access token or the
// client authentication (never the secret itself).
//
// # Limits
//
// The journal keeps the latest Size entries (5 000 by default) and counts
// the ones it dropped. An entry holds at most MaxPath bytes of path,
// MaxQuery bytes of query and MaxViolations violations of at most
// MaxMessage bytes each, so an entry is at most about 3 KB and the journal
// at most about 15 MB with the default size (a typical entry is 300 to
// 500 bytes).
package journal

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds of one entry and the default size of the journal.
const (
	DefaultSize   = 5000
	MaxPath       = 512
	MaxQuery      = 1024
	MaxViolations = 10
	MaxMessage    = 200
)

// Redacted replaces the value of a query parameter that carries a secret.
const Redacted = "REDACTED"

// secretParams are the query parameters whose values are never kept.
var secretParams = []string{
	"code", "code_verifier", "client_secret", "client_assertion", "access_token", "refresh_token",
	"id_token", "token", "request_uri", "password", "otp", "assertion",
}

// Violation is one way a request broke the spec, in Prism's manner: where
// (["query", "limit"], ["body", "accountIds", "0"], ["path"]), how bad,
// which rule, and a sentence.
type Violation struct {
	Location []string `json:"location"`
	Severity string   `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// Entry is one recorded request.
type Entry struct {
	Seq int64 `json:"seq"`
	// At is the wall-clock time the request arrived; SimulatedAt is
	// mockbank's simulated time then.
	At          time.Time `json:"at"`
	SimulatedAt time.Time `json:"simulatedAt"`
	Bank        string    `json:"bank"`
	// Operation is the FDX operationId or the OAuth endpoint's name
	// (token, authorize, ...), empty for a path that is neither.
	Operation     string        `json:"operation,omitempty"`
	Method        string        `json:"method"`
	Path          string        `json:"path"`
	Query         url.Values    `json:"query,omitempty"`
	Status        int           `json:"status"`
	Latency       time.Duration `json:"latency"`
	ClientID      string        `json:"clientId,omitempty"`
	ConsentID     string        `json:"consentId,omitempty"`
	GrantType     string        `json:"grantType,omitempty"`
	InteractionID string        `json:"interactionId,omitempty"`
	FaultID       string        `json:"faultId,omitempty"`
	FaultMode     string        `json:"faultMode,omitempty"`
	Violations    []Violation   `json:"violations,omitempty"`
}

// Note is what the layers inside the journal's middleware tell it about the
// request in flight: the fault injector the rule it applied, the data API
// the violations it found. Layers find it with From and write it in the
// request's goroutine, before their handler returns.
type Note struct {
	Operation  string
	FaultID    string
	FaultMode  string
	Violations []Violation
}

type noteKey struct{}

// From returns the request's note, or nil outside the journal (a layer
// then has nobody to tell).
func From(ctx context.Context) *Note {
	n, _ := ctx.Value(noteKey{}).(*Note)
	return n
}

// AddViolations records violations on the request's note, if any, keeping
// at most MaxViolations and shortening messages.
func AddViolations(ctx context.Context, vs ...Violation) {
	n := From(ctx)
	if n == nil {
		return
	}
	for _, v := range vs {
		if len(n.Violations) >= MaxViolations {
			return
		}
		v.Message = cut(v.Message, MaxMessage)
		n.Violations = append(n.Violations, v)
	}
}

// Party is who a request comes from, as far as the request shows it.
type Party struct {
	ClientID, ConsentID, GrantType string
}

// Options configure a Journal.
type Options struct {
	// Size is how many entries are kept (DefaultSize when 0); a negative
	// size records nothing.
	Size int
	// Wall and Simulated are the clocks entries are stamped with.
	Wall, Simulated func() time.Time
}

// Journal is a bounded, concurrency-safe record of requests.
type Journal struct {
	size      int
	wall, sim func() time.Time
	// wallIsNow spares a clock read per request when Wall is time.Now.
	wallIsNow bool

	mu      sync.Mutex
	ring    []Entry
	start   int // index of the oldest entry in ring
	seq     int64
	dropped int64
}

// New returns an empty journal.
func New(opts Options) *Journal {
	j := &Journal{size: opts.Size, wall: opts.Wall, sim: opts.Simulated}
	if j.size == 0 {
		j.size = DefaultSize
	}
	if j.wall == nil {
		j.wall, j.wallIsNow = time.Now, true
	}
	if j.sim == nil {
		j.sim = j.wall
	}
	return j
}

// Size is how many entries the journal keeps.
func (j *Journal) Size() int { return max(j.size, 0) }

// Add records e, giving it the next sequence number, and returns that.
func (j *Journal) Add(e Entry) int64 {
	if j.size < 0 {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if len(j.ring) < j.size {
		j.ring = append(j.ring, e)
		return e.Seq
	}
	j.ring[j.start] = e
	j.start = (j.start + 1) % len(j.ring)
	j.dropped++
	return e.Seq
}

// Clear forgets every entry; sequence numbers go on.
func (j *Journal) Clear() {
	j.mu.Lock()
	clear(j.ring)
	j.ring, j.start, j.dropped = j.ring[:0], 0, 0
	j.mu.Unlock()
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Bank, Operation, Method string
	// Path matches the whole path, where * stands for any run of
	// characters (slashes included): /chase/fdx/v6/accounts/*/transactions.
	Path                string
	Status              int
	ClientID, ConsentID string
	// Params are name=value pairs the query must contain (a value of *
	// only asks for the name).
	Params [][2]string
	// Since keeps entries that arrived at or after it (wall clock);
	// After those whose sequence number is greater.
	Since          time.Time
	After          int64
	WithViolations bool
	WithFault      bool
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *Entry) bool {
	switch {
	case f.Bank != "" && e.Bank != f.Bank,
		f.Operation != "" && e.Operation != f.Operation,
		f.Method != "" && !strings.EqualFold(e.Method, f.Method),
		f.Status != 0 && e.Status != f.Status,
		f.ClientID != "" && e.ClientID != f.ClientID,
		f.ConsentID != "" && e.ConsentID != f.ConsentID,
		!f.Since.IsZero() && e.At.Before(f.Since),
		f.After != 0 && e.Seq <= f.After,
		f.WithViolations && len(e.Violations) == 0,
		f.WithFault && e.FaultID == "",
		f.Path != "" && !Glob(f.Path, e.Path):
		return false
	}
	for _, p := range f.Params {
		vs, ok := e.Query[p[0]]
		if !ok || (p[1] != "*" && !slices.Contains(vs, p[1])) {
			return false
		}
	}
	return true
}

// Query returns the matching entries, newest first, at most limit of them
// (all when limit <= 0), and how many matched in all.
func (j *Journal) Query(f Filter, limit int) ([]Entry, int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	total := 0
	for i := len(j.ring) - 1; i >= 0; i-- {
		e := &j.ring[(j.start+i)%len(j.ring)]
		if !f.Match(e) {
			continue
		}
		total++
		if limit <= 0 || len(out) < limit {
			out = append(out, e.clone())
		}
	}
	return out, total
}

// Stats are the journal's counters.
type Stats struct {
	// Kept is how many entries the journal holds; Dropped how many it
	// forgot to stay within its size since the last Clear.
	Kept, Dropped int64
	// LastSeq is the newest sequence number given.
	LastSeq int64
}

// Stats returns the journal's counters.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return Stats{Kept: int64(len(j.ring)), Dropped: j.dropped, LastSeq: j.seq}
}

func (e *Entry) clone() Entry {
	c := *e
	if e.Query != nil {
		c.Query = make(url.Values, len(e.Query))
		for k, v := range e.Query {
			c.Query[k] = slices.Clone(v)
		}
	}
	c.Violations = slices.Clone(e.Violations)
	for i := range c.Violations {
		c.Violations[i].Location = slices.Clone(c.Violations[i].Location)
	}
	return c
}

// Glob reports whether s matches pattern, where * matches any run of
// characters, slashes included, and everything else matches itself.
func Glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// RedactQuery returns the query with secret values replaced, shortened to
// MaxQuery bytes of encoded form (parameters past that are left out).
func RedactQuery(raw string) url.Values {
	if raw == "" {
		return nil
	}
	q, _ := url.ParseQuery(raw)
	out := url.Values{}
	size := 0
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			if slices.Contains(secretParams, strings.ToLower(k)) {
				v = Redacted
			}
			size += len(k) + len(v) + 2
			if size > MaxQuery {
				return out
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Do not split a UTF-8 sequence.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Middleware records every request to one bank. operation names a
// request's endpoint; party tells who sends it (called before the
// handler, so it may read the access token or a form's client_id).
func (j *Journal) Middleware(bank string, operation func(*http.Request) string, party func(*http.Request) Party) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if j.size < 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			at := start
			if !j.wallIsNow {
				at = j.wall()
			}
			sim := j.sim()
			var who Party
			if party != nil {
				who = party(r)
			}
			note := &Note{}
			if operation != nil {
				note.Operation = operation(r)
			}
			rec := &recorder{ResponseWriter: w}
			// Recorded even when the handler aborts the response
			// (panic(http.ErrAbortHandler) from a fault over HTTP/2).
			defer func() {
				p := recover()
				if p != nil && rec.status == 0 {
					rec.hijacked = true // aborted: no status reached the client
				}
				j.record(bank, r, w, rec, note, who, at, sim, start)
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
		})
	}
}

func (j *Journal) record(bank string, r *http.Request, w http.ResponseWriter, rec *recorder, note *Note, who Party, at, sim, start time.Time) {
	status := rec.status
	if status == 0 && !rec.hijacked {
		// A hijacked connection (a connection_reset fault) got
		// no status at all; otherwise nothing written is 200.
		status = http.StatusOK
	}
	iid := first(w.Header()[interactionHeader])
	if iid == "" {
		iid = first(r.Header[interactionHeader])
	}
	j.Add(Entry{
		At: at.UTC(), SimulatedAt: sim.UTC(), Bank: bank, Operation: note.Operation, Method: r.Method,
		Path: cut(r.URL.Path, MaxPath), Query: RedactQuery(r.URL.RawQuery), Status: status,
		Latency: time.Since(start), ClientID: cut(who.ClientID, 256), ConsentID: cut(who.ConsentID, 256),
		GrantType: cut(who.GrantType, 64), InteractionID: cut(iid, 128),
		FaultID: note.FaultID, FaultMode: note.FaultMode, Violations: note.Violations,
	})
}

// interactionHeader is x-fapi-interaction-id in canonical form, so that
// no request pays for canonicalising it.
var interactionHeader = http.CanonicalHeaderKey("x-fapi-interaction-id")

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// recorder notes the status a handler writes; Unwrap lets
// http.ResponseController reach the connection (faults hijack it).
type recorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack hands the connection over (faults that reset or truncate it); the
// entry then has no status unless one was written first.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.hijacked = true
	}
	return conn, rw, err
}

// StatusClass is "2xx" for 204 and so on.
func StatusClass(status int) string {
	if status < 100 {
		return "none"
	}
	return strconv.Itoa(status/100) + "xx"
}

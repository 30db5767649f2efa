package faults

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/suggest"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// ErrInvalid wraps every validation failure; ErrNotFound an unknown rule id.
var (
	ErrInvalid  = errors.New("faults: invalid rule")
	ErrNotFound = errors.New("faults: no such rule")
)

// Mode is how a matching call fails.
type Mode string

// Modes; see the package documentation.
const (
	ModeError           Mode = "error"
	ModeMalformedBody   Mode = "malformed_body"
	ModeTruncatedBody   Mode = "truncated_body"
	ModeConnectionReset Mode = "connection_reset"
	ModeRepeatPageKey   Mode = "repeat_page_key"
	ModeLatencyOnly     Mode = "latency_only"
)

func modes() []string {
	return []string{string(ModeError), string(ModeMalformedBody), string(ModeTruncatedBody), string(ModeConnectionReset), string(ModeRepeatPageKey), string(ModeLatencyOnly)}
}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool {
	switch m {
	case ModeError, ModeMalformedBody, ModeTruncatedBody, ModeConnectionReset, ModeRepeatPageKey, ModeLatencyOnly:
		return true
	}
	return false
}

// AnyEndpoint matches every endpoint of a bank.
const AnyEndpoint = "*"

// MaxLatency bounds a rule's delay; MaxRules bounds how many rules exist.
const (
	MaxLatency = 120 * time.Second
	MaxRules   = 1000
)

// Spec is a rule as asked for. Zero values mean defaults: endpoint "*",
// mode error, status 500 (error mode) or the real status (body modes).
type Spec struct {
	Bank     string `json:"bank"`
	Endpoint string `json:"endpoint,omitempty"`
	Mode     Mode   `json:"mode,omitempty"`
	// Means names what an error answer means, an obcerr code name such
	// as "RateLimited" or "ConsentRevoked": the bank's description words
	// it (bankdesc's Answer: status, FDX code, message, debug message,
	// Retry-After), and Status, FDXCode and Message override the words.
	// "Unauthenticated" is answered as mockbank answers a rejected access
	// token, with a Bearer challenge. Error mode only.
	Means  string `json:"means,omitempty"`
	Status int    `json:"status,omitempty"`
	// FDXCode is the error body's code; nil picks the standard code for
	// the status.
	FDXCode      *int   `json:"fdxCode,omitempty"`
	CodeAsString bool   `json:"fdxCodeAsString,omitempty"`
	Message      string `json:"message,omitempty"`
	// Latency delays the call before anything else.
	Latency time.Duration `json:"latency,omitempty"`
	// RetryAfter, when set, is sent as a Retry-After header: in seconds,
	// or as the HTTP-date that many seconds ahead at a bank whose
	// description sends dates.
	RetryAfter *int `json:"retryAfterSeconds,omitempty"`
	// Times limits the rule to the next N matching calls; 0 means no limit.
	Times int `json:"times,omitempty"`
	// Fraction, when set, applies the rule to that share of matching calls.
	Fraction *float64 `json:"fraction,omitempty"`
	// ConsentID limits the rule to calls made with an access token of
	// that consent (data API calls, userinfo); ClientID to calls by that
	// client (its access tokens, or naming it with HTTP Basic or
	// client_id). Parallel tests each scope their faults to their own
	// grant so as not to see each other's.
	ConsentID string `json:"consentId,omitempty"`
	ClientID  string `json:"clientId,omitempty"`
}

// Rule is a stored rule with its identity and usage.
type Rule struct {
	Spec
	ID string `json:"id"`
	// Hits counts the calls the rule has failed.
	Hits int `json:"hits"`
	// Seen counts the matching calls, hit or not (drives Fraction).
	Seen int `json:"seen"`
}

// Validate checks a spec against the set of known banks (nil: any bank)
// and returns it with defaults filled in.
func (s Spec) Validate(banks []string) (Spec, error) {
	if s.Bank == "" {
		return s, fmt.Errorf("%w: bank is required", ErrInvalid)
	}
	if banks != nil && !slices.Contains(banks, s.Bank) {
		return s, fmt.Errorf("%w: %s", ErrInvalid, suggest.Unknown("bank", s.Bank, banks))
	}
	if s.Endpoint == "" {
		s.Endpoint = AnyEndpoint
	}
	if len(s.Endpoint) > 64 {
		return s, fmt.Errorf("%w: endpoint name too long", ErrInvalid)
	}
	if s.Endpoint != AnyEndpoint && !KnownEndpoint(s.Endpoint) {
		return s, fmt.Errorf("%w: %s, or \"*\" for every endpoint", ErrInvalid, suggest.Unknown("endpoint", s.Endpoint, Endpoints()))
	}
	if s.Mode == "" {
		s.Mode = ModeError
	}
	if !s.Mode.Valid() {
		return s, fmt.Errorf("%w: %s", ErrInvalid, suggest.Unknown("mode", string(s.Mode), modes()))
	}
	if s.Status != 0 && (s.Status < 100 || s.Status > 599) {
		return s, fmt.Errorf("%w: status %d outside 100..599", ErrInvalid, s.Status)
	}
	if s.Means != "" {
		c, ok := bankdesc.ParseCode(s.Means)
		if _, std := fdxerr.Standard(c); !ok || !std {
			return s, fmt.Errorf("%w: means %q is not a condition a bank answers with an FDX error (%s)", ErrInvalid, s.Means, strings.Join(Meanings(), ", "))
		}
		if s.Mode != ModeError {
			return s, fmt.Errorf("%w: means goes with mode error", ErrInvalid)
		}
	}
	if s.Mode == ModeError && s.Status == 0 && s.Means == "" {
		s.Status = 500
	}
	if len(s.ConsentID) > 256 || len(s.ClientID) > 256 {
		return s, fmt.Errorf("%w: consentId and clientId are at most 256 bytes", ErrInvalid)
	}
	if s.FDXCode != nil && (*s.FDXCode < 0 || *s.FDXCode > 99999) {
		return s, fmt.Errorf("%w: FDX code %d outside 0..99999", ErrInvalid, *s.FDXCode)
	}
	if len(s.Message) > 256 {
		return s, fmt.Errorf("%w: message longer than 256 bytes", ErrInvalid)
	}
	if s.Latency < 0 || s.Latency > MaxLatency {
		return s, fmt.Errorf("%w: latency outside 0..%s", ErrInvalid, MaxLatency)
	}
	if s.RetryAfter != nil && (*s.RetryAfter < 0 || *s.RetryAfter > 86400) {
		return s, fmt.Errorf("%w: retryAfterSeconds outside 0..86400", ErrInvalid)
	}
	if s.Times < 0 {
		return s, fmt.Errorf("%w: times must be positive", ErrInvalid)
	}
	if s.Fraction != nil {
		f := *s.Fraction
		if math.IsNaN(f) || f < 0 || f > 1 {
			return s, fmt.Errorf("%w: fraction outside 0..1", ErrInvalid)
		}
		if s.Times > 0 {
			return s, fmt.Errorf("%w: give times or fraction, not both", ErrInvalid)
		}
	}
	return s, nil
}

// Meanings are the values Spec.Means accepts: every meaning the FDX
// catalogue has a code for.
func Meanings() []string {
	var out []string
	for c := obcerr.OK; c <= obcerr.DeadlineExceeded; c++ {
		if _, ok := fdxerr.Standard(c); ok {
			out = append(out, c.String())
		}
	}
	return out
}

// Options configure an Injector.
type Options struct {
	// Banks are the served banks: rules name one of them, and an injected
	// error is written the way its description says (code form,
	// Retry-After form). Nil accepts any bank name and writes FDX's forms
	// (string codes, delta-seconds).
	Banks []*bankdesc.Description
	// Seed makes rule ids reproducible.
	Seed uint64
	// Sleep waits for a rule's latency; nil waits on a timer and gives up
	// when the request's context ends. Tests record the delay instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the wall clock HTTP-dates are computed from; nil means
	// time.Now. The client compares the date with its own clock, so this
	// is never mockbank's simulated time.
	Now func() time.Time
	// Party tells which client a call comes from and which consent its
	// access token belongs to ("" when unknown), for rules limited to
	// one. It is called only while such a rule exists for the bank; nil
	// leaves those rules unmatched.
	Party func(bank string, r *http.Request) (clientID, consentID string)
}

// Injector holds the fault rules and applies them. It is safe for
// concurrent use.
type Injector struct {
	banks []string
	descs map[string]*bankdesc.Description
	key   []byte
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	party func(bank string, r *http.Request) (clientID, consentID string)

	mu    sync.Mutex
	rules []*Rule
	seq   uint64
	// count mirrors len(rules) so that the serving path skips all work
	// (path parsing, locking) when no rule exists.
	count atomic.Int64
}

// New returns an Injector without rules.
func New(opts Options) *Injector {
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], opts.Seed)
	k := sha256.Sum256(append([]byte("mockbank/faults ids "), seed[:]...))
	sl := opts.Sleep
	if sl == nil {
		sl = sleepCtx
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	in := &Injector{descs: map[string]*bankdesc.Description{}, key: k[:], sleep: sl, now: now, party: opts.Party}
	for _, d := range opts.Banks {
		in.banks = append(in.banks, d.Name)
		in.descs[d.Name] = d
	}
	return in
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Add validates spec and stores it as a new rule.
func (in *Injector) Add(ctx context.Context, spec Spec) (Rule, error) {
	if err := ctx.Err(); err != nil {
		return Rule{}, err
	}
	spec, err := spec.Validate(in.banks)
	if err != nil {
		return Rule{}, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.rules) >= MaxRules {
		return Rule{}, fmt.Errorf("%w: at most %d rules", ErrInvalid, MaxRules)
	}
	in.seq++
	m := hmac.New(sha256.New, in.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], in.seq)
	m.Write(b[:])
	r := &Rule{Spec: spec, ID: "flt-" + hex.EncodeToString(m.Sum(nil)[:8])}
	in.rules = append(in.rules, r)
	in.count.Store(int64(len(in.rules)))
	return r.clone(), nil
}

func (r *Rule) clone() Rule {
	c := *r
	if r.FDXCode != nil {
		v := *r.FDXCode
		c.FDXCode = &v
	}
	if r.RetryAfter != nil {
		v := *r.RetryAfter
		c.RetryAfter = &v
	}
	if r.Fraction != nil {
		v := *r.Fraction
		c.Fraction = &v
	}
	return c
}

// List returns the rules in creation order.
func (in *Injector) List(ctx context.Context) []Rule {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Rule, len(in.rules))
	for i, r := range in.rules {
		out[i] = r.clone()
	}
	return out
}

// Delete removes one rule.
func (in *Injector) Delete(ctx context.Context, id string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := len(in.rules)
	in.rules = slices.DeleteFunc(in.rules, func(r *Rule) bool { return r.ID == id })
	if len(in.rules) == n {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	in.count.Store(int64(len(in.rules)))
	return nil
}

// Clear removes every rule.
func (in *Injector) Clear(ctx context.Context) {
	in.mu.Lock()
	in.rules = nil
	in.count.Store(0)
	in.mu.Unlock()
}

// State is the injector's persistent form.
type State struct {
	Seq   uint64 `json:"seq"`
	Rules []Rule `json:"rules"`
}

// Export returns the rules with their counters.
func (in *Injector) Export(ctx context.Context) State {
	in.mu.Lock()
	seq := in.seq
	in.mu.Unlock()
	return State{Seq: seq, Rules: in.List(ctx)}
}

// Import replaces every rule with st's after validating them all.
func (in *Injector) Import(ctx context.Context, st State) error {
	rules := make([]*Rule, 0, len(st.Rules))
	seen := map[string]bool{}
	for _, r := range st.Rules {
		spec, err := r.Spec.Validate(in.banks)
		if err != nil {
			return err
		}
		if r.ID == "" || seen[r.ID] || r.Hits < 0 || r.Seen < 0 {
			return fmt.Errorf("%w: rule without a unique id or with negative counters", ErrInvalid)
		}
		seen[r.ID] = true
		c := r.clone()
		c.Spec = spec
		rules = append(rules, &c)
	}
	if len(rules) > MaxRules {
		return fmt.Errorf("%w: at most %d rules", ErrInvalid, MaxRules)
	}
	in.mu.Lock()
	// Ids never repeat, even when an older state comes back.
	in.rules, in.seq = rules, max(in.seq, st.Seq)
	in.count.Store(int64(len(rules)))
	in.mu.Unlock()
	return nil
}

// call is what a rule may match on, computed only once a rule for the
// bank exists (endpoint and page key) or a rule limited to a party does.
type call struct {
	endpoint, key     func() string
	party             func() (clientID, consentID string)
	client, consent   string
	resolved, knowsBy bool
}

func (c *call) scoped(r *Rule) bool {
	if r.ConsentID == "" && r.ClientID == "" {
		return true
	}
	if !c.knowsBy {
		c.client, c.consent = c.party()
		c.knowsBy = true
	}
	return (r.ConsentID == "" || r.ConsentID == c.consent) && (r.ClientID == "" || r.ClientID == c.client)
}

// match finds the rule for a call and counts it, and returns the request's
// page key. The endpoint and page key are computed only once a rule for the
// bank exists, the call's party only once a rule limited to one does. A
// repeat_page_key rule skips (and does not count) calls without a page key.
func (in *Injector) match(bank string, c *call) (Rule, string, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var endpoint, key string
	for _, r := range in.rules {
		if r.Bank != bank {
			continue
		}
		if !c.resolved {
			endpoint, key, c.resolved = c.endpoint(), c.key(), true
		}
		if r.Endpoint != AnyEndpoint && r.Endpoint != endpoint {
			continue
		}
		if !c.scoped(r) {
			continue
		}
		if r.Mode == ModeRepeatPageKey && key == "" {
			continue
		}
		if r.Times > 0 && r.Hits >= r.Times {
			continue
		}
		r.Seen++
		if r.Fraction != nil {
			f := *r.Fraction
			// Bresenham-style: hit when floor(n·f) steps up, which spreads
			// exactly ⌊N·f⌋ hits evenly over N calls, deterministically.
			if math.Floor(float64(r.Seen)*f) == math.Floor(float64(r.Seen-1)*f) {
				continue
			}
		}
		r.Hits++
		return r.clone(), key, true
	}
	return Rule{}, "", false
}

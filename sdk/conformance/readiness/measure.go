package readiness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/openapi"
	"github.com/obconnect/obconnect/sdk"
)

// maxSamples bounds the exchanges one run (or load phase) keeps. Percentiles are
// exact, by sorting the samples: a kit run is a few thousand exchanges
// and a load phase is bounded in requests, so the samples fit in memory
// and an exact figure is cheaper to trust than a sketch's.
const maxSamples = 100_000

// maxBody is the most of an answer read for validation.
const maxBody = 8 << 20

// sample is one exchange as measured.
type sample struct {
	endpoint string
	data     bool // a data API call (validated), not OAuth
	latency  time.Duration
	status   int
	proper   bool
	provoked bool
	// errorAnswer: a data call answered with an FDX error; errorOK: its
	// code classifies as meant.
	errorAnswer, errorOK bool
	valid, validated     bool
	fields               fieldCount
	problem              string
	// kind groups problems so that examples of each kind are kept.
	kind string
}

// setProblem records the first problem of an exchange.
func (s *sample) setProblem(kind, msg string) {
	if s.problem == "" {
		s.kind, s.problem = kind, msg
	}
}

// spec is openapi/fdx.yaml's router, built once.
var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func fdxRouter() (routers.Router, error) {
	specOnce.Do(func() {
		var doc *openapi3.T
		doc, specErr = openapi.LoadFDX(context.Background())
		if specErr == nil {
			doc.Servers = openapi3.Servers{{URL: "/"}}
			specRouter, specErr = legacy.NewRouter(doc)
		}
	})
	return specRouter, specErr
}

var fdxPrefix = regexp.MustCompile(`/fdx/v[0-9]+(/|$)`)

// meter measures every exchange of the clients of one run (all harnesses
// share it) and tells deliberately provoked faults from the bank's own.
type meter struct {
	desc      *bankdesc.Description
	version   string
	threshold time.Duration
	router    routers.Router
	// allowHost, when set, refuses requests to any other host: the load
	// phase never leaves the address the partner configured.
	allowHost string
	// budget, when positive, is how many more exchanges may be sent:
	// the load phase's bound is on exchanges, whatever an operation
	// pages through.
	budget  atomic.Int64
	bounded bool
	// refused counts requests to other hosts, never sent.
	refused atomic.Int64

	mu      sync.Mutex
	samples []sample
}

// armed is a harness's faults still to be answered: the kit asked the
// bank to fail, and the answer is judged on its code, not counted against
// the bank's rate.
type armed struct {
	mu    sync.Mutex
	codes []sdk.Code
}

func (a *armed) arm(c sdk.Code, n int) {
	a.mu.Lock()
	for range max(n, 1) {
		a.codes = append(a.codes, c)
	}
	a.mu.Unlock()
}

func (a *armed) take() (sdk.Code, bool) {
	if a == nil {
		return 0, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.codes) == 0 {
		return 0, false
	}
	c := a.codes[0]
	a.codes = a.codes[1:]
	return c, true
}

// errBudget ends a load phase's last operations once its requests are
// spent.
var errBudget = errors.New("readiness: the load phase's request budget is spent")

// transport is the RoundTripper the meter wraps around a client's own.
type transport struct {
	m    *meter
	a    *armed
	next http.RoundTripper
}

func (m *meter) wrap(a *armed) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper { return &transport{m: m, a: a, next: next} }
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.m.allowHost != "" && req.URL.Host != t.m.allowHost {
		t.m.refused.Add(1)
		return nil, fmt.Errorf("readiness: refusing %s: the load phase only calls %s", req.URL.Host, t.m.allowHost)
	}
	if t.m.bounded && t.m.budget.Add(-1) < 0 {
		return nil, errBudget
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	var body []byte
	if err == nil {
		// The latency is to the whole answer, not its first byte: a bank
		// that streams a slow body is slow.
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	s := t.m.judge(req, resp, body, err, time.Since(start), t.a)
	t.m.mu.Lock()
	if len(t.m.samples) < maxSamples {
		t.m.samples = append(t.m.samples, s)
	}
	t.m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// judge measures one exchange: its endpoint, and whether it is a proper
// response in §1033's sense (an answer that fulfils the request or says
// why not, in time), valid for the bank's version, with error codes that
// mean what the bank declared.
func (m *meter) judge(req *http.Request, resp *http.Response, body []byte, err error, d time.Duration, a *armed) sample {
	s := sample{latency: d}
	loc := fdxPrefix.FindStringIndex(req.URL.Path)
	if loc == nil {
		// OAuth and discovery: named by the last path segment.
		seg := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
		s.endpoint = "oauth " + seg
	} else {
		s.data = true
		r := req.Clone(context.Background())
		r.URL.Path = "/" + req.URL.Path[loc[1]:]
		r.URL.Host, r.URL.Scheme, r.Host = "", "", ""
		route, params, ferr := m.router.FindRoute(r)
		if ferr != nil {
			s.endpoint = req.Method + " (unknown) " + r.URL.Path
		} else {
			s.endpoint = req.Method + " " + route.Path
			if err == nil {
				s.validate(m, r, route, params, resp, body)
			}
		}
	}
	if err != nil {
		s.setProblem("transport", s.endpoint+": no answer: "+err.Error())
		return s
	}
	s.status = resp.StatusCode
	inTime := m.threshold <= 0 || d <= m.threshold
	switch {
	case s.status < 400:
		s.proper = inTime && (!s.validated || s.valid)
	case s.data:
		want, provoked := sdk.Code(0), false
		if s.status >= 400 {
			want, provoked = a.take()
		}
		s.provoked = provoked
		s.errorAnswer = true
		got, ok := m.classify(resp, body)
		s.errorOK = ok && got != sdk.Unknown && (!provoked || got == want)
		if !s.errorOK {
			if provoked {
				s.kind, s.problem = "code", fmt.Sprintf("%s: HTTP %d meant %v, the description classifies it as %v", s.endpoint, s.status, want, got)
			} else {
				s.setProblem("code", fmt.Sprintf("%s: HTTP %d is not an error the description declares (%v)", s.endpoint, s.status, got))
			}
		}
		// A 5xx is the bank failing, not a proper error, unless the kit
		// asked for it.
		s.proper = inTime && s.status < 500 && s.errorOK && (!s.validated || s.valid)
	default:
		// OAuth errors (invalid_grant after a revocation) are answers.
		s.proper = inTime && s.status < 500
	}
	if !inTime {
		s.setProblem("latency", fmt.Sprintf("%s: answered in %v, over %v", s.endpoint, d.Round(time.Millisecond), m.threshold))
	}
	if !s.proper && !s.provoked && s.status >= 500 {
		s.setProblem("status", fmt.Sprintf("%s: HTTP %d, a failure rather than a proper answer", s.endpoint, s.status))
	}
	return s
}

func (s *sample) validate(m *meter, r *http.Request, route *routers.Route, params map[string]string, resp *http.Response, body []byte) {
	ct := resp.Header.Get("Content-Type")
	if !strings.Contains(ct, "json") {
		return // statement documents: the spec has no schema to check
	}
	s.validated = true
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options,
	})
	if err != nil {
		s.setProblem("spec", fmt.Sprintf("%s: HTTP %d invalid against openapi/fdx.yaml: %s", s.endpoint, resp.StatusCode, firstLine(err.Error())))
		return
	}
	if resp.StatusCode < 300 {
		s.fields = checkVersion(m.version, route.Path, body)
		if len(s.fields.problems) > 0 {
			s.setProblem("version", fmt.Sprintf("%s: FDX %s: %s", s.endpoint, m.version, s.fields.problems[0]))
			return
		}
	}
	s.valid = true
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// classify reads an FDX error answer as the bank's description reads it.
func (m *meter) classify(resp *http.Response, body []byte) (sdk.Code, bool) {
	var e struct {
		Code         json.RawMessage `json:"code"`
		Message      string          `json:"message"`
		DebugMessage string          `json:"debugMessage"`
	}
	if json.Unmarshal(body, &e) != nil {
		return sdk.Unknown, false
	}
	code, err := strconv.Atoi(strings.Trim(string(e.Code), `"`))
	if err != nil && len(e.Code) > 0 {
		return sdk.Unknown, false
	}
	if m.desc == nil {
		return sdk.Unknown, false
	}
	got, _ := m.desc.Classify(bankdesc.Received{
		Status: resp.StatusCode, Code: code, Message: e.Message, DebugMessage: e.DebugMessage,
		RetryAfter:      resp.Header.Get("Retry-After") != "",
		BearerChallenge: strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer"),
	})
	return got, true
}

func (m *meter) take() []sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.samples
	m.samples = nil
	return out
}

// Latency are percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50Ms"`
	P95 float64 `json:"p95Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

// Figures are the measurements of a set of exchanges.
type Figures struct {
	// Requests counts every exchange; Provoked those the kit made the
	// bank fail on purpose, which the proper-response rate leaves out.
	Requests int `json:"requests"`
	Provoked int `json:"provoked"`
	// Proper counts proper responses among Requests-Provoked; ProperRate
	// is their share.
	Proper     int     `json:"proper"`
	ProperRate float64 `json:"properRate"`
	Latency    Latency `json:"latency"`
	// Errors counts FDX error answers, ErrorsCorrect those whose code the
	// bank's description classifies as meant.
	Errors           int     `json:"errors"`
	ErrorsCorrect    int     `json:"errorsCorrect"`
	ErrorCorrectness float64 `json:"errorCorrectness"`
	// FieldsRequired and FieldsFilled count the version's required fields
	// in data answers.
	FieldsRequired int     `json:"fieldsRequired"`
	FieldsFilled   int     `json:"fieldsFilled"`
	FillRate       float64 `json:"fillRate"`
	// Validated counts JSON data answers checked against the spec and the
	// version, Valid those that passed.
	Validated int     `json:"validated"`
	Valid     int     `json:"valid"`
	Validity  float64 `json:"validity"`
	// Problems are examples of what was wrong: up to three of each kind
	// (latency, status, code, spec, version, transport).
	Problems []string `json:"problems,omitempty"`
}

// EndpointFigures are one endpoint's figures.
type EndpointFigures struct {
	Endpoint string `json:"endpoint"`
	Figures
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func figures(ss []sample) Figures {
	var f Figures
	var lat []time.Duration
	seen := map[string]bool{}
	perKind := map[string]int{}
	for _, s := range ss {
		f.Requests++
		if len(lat) < maxSamples {
			lat = append(lat, s.latency)
		}
		if s.provoked {
			f.Provoked++
		} else if s.proper {
			f.Proper++
		}
		if s.errorAnswer {
			f.Errors++
			if s.errorOK {
				f.ErrorsCorrect++
			}
		}
		f.FieldsRequired += s.fields.required
		f.FieldsFilled += s.fields.filled
		if s.validated {
			f.Validated++
			if s.valid {
				f.Valid++
			}
		}
		if s.problem != "" && perKind[s.kind] < 3 && !seen[s.problem] {
			seen[s.problem] = true
			perKind[s.kind]++
			f.Problems = append(f.Problems, s.problem)
		}
	}
	slices.Sort(lat)
	f.Latency = Latency{P50: ms(percentile(lat, .50)), P95: ms(percentile(lat, .95)), P99: ms(percentile(lat, .99))}
	if len(lat) > 0 {
		f.Latency.Max = ms(lat[len(lat)-1])
	}
	f.ProperRate = ratio(f.Proper, f.Requests-f.Provoked)
	f.ErrorCorrectness = ratio(f.ErrorsCorrect, f.Errors)
	f.FillRate = ratio(f.FieldsFilled, f.FieldsRequired)
	f.Validity = ratio(f.Valid, f.Validated)
	return f
}

func byEndpoint(ss []sample) []EndpointFigures {
	groups := map[string][]sample{}
	for _, s := range ss {
		groups[s.endpoint] = append(groups[s.endpoint], s)
	}
	var out []EndpointFigures
	for ep, g := range groups {
		out = append(out, EndpointFigures{Endpoint: ep, Figures: figures(g)})
	}
	slices.SortFunc(out, func(a, b EndpointFigures) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out
}

package readiness

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/obconnect/obconnect/sdk/conformance"
)

// Status is a check's outcome.
type Status string

// The outcomes of a check.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check is one named check and its outcome, with why: the failure
// messages, or the skip reason, or what a passing check logged.
type Check struct {
	Name   string   `json:"name"`
	Status Status   `json:"status"`
	Why    []string `json:"why,omitempty"`
	// DurationMs is how long the check took, its harness's start included.
	DurationMs float64 `json:"durationMs"`
}

// recorder is a conformance.T that keeps every subtest, not only the
// failures as conformance.Recorder does: the report lists each check
// with its outcome. Top-level subtests run concurrently (bounded by sem),
// nested ones synchronously, which is all the kit needs: its subtests are
// independent, each on a harness of its own.
type recorder struct {
	name   string
	parent *recorder
	root   *rootRec

	mu       sync.Mutex
	took     time.Duration
	failed   bool
	skipped  bool
	why      []string
	cleanups []func()
}

type rootRec struct {
	mu     sync.Mutex
	checks map[string]*recorder
	wg     sync.WaitGroup
	sem    chan struct{}
}

func newRoot(parallel int) *recorder {
	return &recorder{root: &rootRec{checks: map[string]*recorder{}, sem: make(chan struct{}, max(parallel, 1))}}
}

var _ conformance.T = (*recorder)(nil)

func (r *recorder) Helper()   {}
func (r *recorder) Parallel() {}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

func (r *recorder) Errorf(format string, args ...any) {
	msg := brief(fmt.Sprintf(format, args...))
	r.mu.Lock()
	r.failed = true
	r.why = append(r.why, msg)
	r.mu.Unlock()
	for p := r.parent; p != nil; p = p.parent {
		p.mu.Lock()
		p.failed = true
		p.mu.Unlock()
	}
}

func (r *recorder) FailNow() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	r.why = append(r.why, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.why = append(r.why, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Run runs f in a goroutine of its own, so that Goexit ends only it. At
// the top level it returns at once (true) and Wait collects the result;
// the kit ignores Run's result.
func (r *recorder) Run(name string, f func(conformance.T)) bool {
	child := &recorder{name: strings.TrimPrefix(r.name+"/"+name, "/"), parent: r, root: r.root}
	r.root.mu.Lock()
	r.root.checks[child.name] = child
	r.root.mu.Unlock()
	run := func() {
		start := time.Now()
		defer func() {
			child.mu.Lock()
			child.took = time.Since(start)
			child.mu.Unlock()
		}()
		defer func() {
			for i := len(child.cleanups) - 1; i >= 0; i-- {
				child.cleanups[i]()
			}
		}()
		f(child)
	}
	if r.parent == nil {
		r.root.wg.Go(func() {
			r.root.sem <- struct{}{}
			defer func() { <-r.root.sem }()
			done := make(chan struct{})
			go func() { defer close(done); run() }()
			<-done
		})
		return true
	}
	done := make(chan struct{})
	go func() { defer close(done); run() }()
	<-done
	return !child.Failed()
}

// checks waits for every subtest and returns them by name.
func (r *recorder) checks() []Check {
	r.root.wg.Wait()
	r.root.mu.Lock()
	defer r.root.mu.Unlock()
	out := make([]Check, 0, len(r.root.checks))
	for name, c := range r.root.checks {
		c.mu.Lock()
		st := Pass
		switch {
		case c.failed:
			st = Fail
		case c.skipped:
			st = Skip
		}
		why := c.why
		if st == Pass {
			// A passing check's logs are what it compared; keep them short.
			why = nil
		}
		out = append(out, Check{Name: name, Status: st, Why: why, DurationMs: float64(c.took.Milliseconds())})
		c.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// brief keeps what a reader of a report needs from a testify failure
// (its Error and Messages lines), not the trace into the kit's source.
func brief(msg string) string {
	if !strings.Contains(msg, "Error Trace:") {
		return strings.TrimSpace(msg)
	}
	var keep []string
	field := ""
	for _, line := range strings.Split(msg, "\n") {
		t := strings.TrimSpace(line)
		if k, v, ok := strings.Cut(t, ":"); ok && !strings.ContainsAny(k, " \t") || strings.HasPrefix(t, "Error Trace:") {
			field = k
			t = strings.TrimSpace(v)
		}
		if (field == "Error" || field == "Messages") && t != "" {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		return strings.TrimSpace(msg)
	}
	return strings.Join(keep, " ")
}

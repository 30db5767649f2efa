package conformance

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// T is the part of *testing.T the kit uses. It satisfies testify's
// require.TestingT.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Failed() bool
	// Run runs f as a named subtest and reports whether it passed.
	Run(name string, f func(T)) bool
	// Parallel lets the subtest run alongside its siblings.
	Parallel()
	// Cleanup registers f to run when the (sub)test ends.
	Cleanup(f func())
}

// Run runs the whole kit as parallel subtests of t, each on a fresh
// harness from makeHarness.
func Run(t *testing.T, makeHarness HarnessMaker) {
	t.Helper()
	RunT(stdT{t}, makeHarness)
}

type stdT struct{ *testing.T }

func (s stdT) Run(name string, f func(T)) bool {
	return s.T.Run(name, func(t *testing.T) { f(stdT{t}) })
}

// Recorder is a T that records failures instead of reporting them, so a
// test can assert that the kit fails for a broken connector. FailNow,
// Fatalf and Skipf end the current subtest with runtime.Goexit, as
// *testing.T does; subtests run synchronously.
type Recorder struct {
	name    string
	mu      sync.Mutex
	failed  bool
	skipped bool
	logs    []string
	parent  *Recorder
	// Failures lists "subtest: message" for every failure, in order, on the
	// root recorder.
	Failures []string
	// Skipped lists the skipped subtests on the root recorder.
	Skipped  []string
	cleanups []func()
}

// Parallel implements T; a Recorder runs subtests one at a time.
func (r *Recorder) Parallel() {}

// Cleanup implements T: f runs when the subtest's function returns, last
// registered first.
func (r *Recorder) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

func (r *Recorder) root() *Recorder {
	for r.parent != nil {
		r = r.parent
	}
	return r
}

// Helper implements T.
func (r *Recorder) Helper() {}

// Errorf implements T.
func (r *Recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	root := r.root()
	root.mu.Lock()
	root.Failures = append(root.Failures, r.name+": "+strings.TrimSpace(fmt.Sprintf(format, args...)))
	root.mu.Unlock()
	for p := r.parent; p != nil; p = p.parent {
		p.mu.Lock()
		p.failed = true
		p.mu.Unlock()
	}
}

// FailNow implements T.
func (r *Recorder) FailNow() {
	r.Errorf("FailNow")
	runtime.Goexit()
}

// Fatalf implements T.
func (r *Recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// Logf implements T.
func (r *Recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// Skipf implements T.
func (r *Recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	root := r.root()
	root.mu.Lock()
	root.Skipped = append(root.Skipped, r.name+": "+fmt.Sprintf(format, args...))
	root.mu.Unlock()
	runtime.Goexit()
}

// Failed implements T.
func (r *Recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Run implements T: f runs in its own goroutine so Goexit ends only it.
func (r *Recorder) Run(name string, f func(T)) bool {
	child := &Recorder{name: strings.TrimPrefix(r.name+"/"+name, "/"), parent: r}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(child.cleanups) - 1; i >= 0; i-- {
				child.cleanups[i]()
			}
		}()
		f(child)
	}()
	<-done
	return !child.Failed()
}

// FailedSubtest reports whether a failure was recorded under a subtest
// whose name contains s.
func (r *Recorder) FailedSubtest(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.Failures {
		name, _, _ := strings.Cut(f, ": ")
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

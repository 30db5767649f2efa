package journal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingKeepsTheNewest(t *testing.T) {
	j := New(Options{Size: 3})
	for i := range 5 {
		j.Add(Entry{Bank: "b", Status: 200 + i})
	}
	got, total := j.Query(Filter{}, 0)
	require.Equal(t, 3, total)
	assert.Equal(t, []int{204, 203, 202}, []int{got[0].Status, got[1].Status, got[2].Status})
	st := j.Stats()
	assert.Equal(t, Stats{Kept: 3, Dropped: 2, LastSeq: 5}, st)
	got, total = j.Query(Filter{After: 3}, 1)
	assert.Equal(t, 2, total)
	require.Len(t, got, 1)
	assert.Equal(t, int64(5), got[0].Seq)
	j.Clear()
	_, total = j.Query(Filter{}, 0)
	assert.Zero(t, total)
	assert.Equal(t, int64(6), j.Add(Entry{}), "sequence numbers go on after a clear")
}

func TestGlob(t *testing.T) {
	assert.True(t, Glob("/a/*/c", "/a/b/x/c"))
	assert.True(t, Glob("*", ""))
	assert.True(t, Glob("/a/b", "/a/b"))
	assert.False(t, Glob("/a/b", "/a/bc"))
	assert.False(t, Glob("/a/*/c", "/a/b/d"))
	assert.True(t, Glob("*/transactions", "/x/transactions"))
}

func TestRedactQuery(t *testing.T) {
	q := RedactQuery("code=abc&state=s&client_secret=zz&limit=5&Token=t")
	assert.Equal(t, []string{Redacted}, q["code"])
	assert.Equal(t, []string{Redacted}, q["client_secret"])
	assert.Equal(t, []string{Redacted}, q["Token"])
	assert.Equal(t, []string{"s"}, q["state"])
	assert.Equal(t, []string{"5"}, q["limit"])
	long := RedactQuery("a=" + string(make([]byte, 2*MaxQuery)))
	assert.Empty(t, long, "a parameter past the bound is left out")
}

func TestMiddlewareRecordsAbortsAndNotes(t *testing.T) {
	j := New(Options{})
	h := j.Middleware("b", func(*http.Request) string { return "op" }, func(*http.Request) Party { return Party{ClientID: "c"} })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			AddViolations(r.Context(), Violation{Location: []string{"query", "x"}, Severity: "Error", Code: "type", Message: "bad"})
			From(r.Context()).FaultID = "flt-1"
			w.Header().Set("x-fapi-interaction-id", "iid")
			w.WriteHeader(418)
		}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/b/x?y=1", nil))
	got, _ := j.Query(Filter{}, 0)
	require.Len(t, got, 1)
	e := got[0]
	assert.Equal(t, 418, e.Status)
	assert.Equal(t, "op", e.Operation)
	assert.Equal(t, "c", e.ClientID)
	assert.Equal(t, "iid", e.InteractionID)
	assert.Equal(t, "flt-1", e.FaultID)
	require.Len(t, e.Violations, 1)

	abort := j.Middleware("b", nil, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	assert.Panics(t, func() { abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/b/y", nil)) })
	got, _ = j.Query(Filter{Path: "/b/y"}, 0)
	require.Len(t, got, 1, "an aborted request is recorded too")
	assert.Equal(t, 0, got[0].Status)
}

// BenchmarkMiddleware is what the journal adds to every bank request:
// the note, the recorder, the redacted query and the ring (the party
// lookup, a map read of the token, is the caller's).
func BenchmarkMiddleware(b *testing.B) {
	j := New(Options{})
	h := j.Middleware("chase", func(*http.Request) string { return "searchForAccountTransactions" },
		func(*http.Request) Party { return Party{ClientID: "chase-ready", ConsentID: "cns-1"} })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	r := httptest.NewRequest("GET", "/chase/fdx/v6/accounts/chk-1/transactions?startTime=2026-05-01&limit=50", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkBare is BenchmarkMiddleware's handler alone, for comparison.
func BenchmarkBare(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	r := httptest.NewRequest("GET", "/chase/fdx/v6/accounts/chk-1/transactions?startTime=2026-05-01&limit=50", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

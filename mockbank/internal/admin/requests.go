package admin

// The requests resource: the request journal (package journal), listed,
// counted for assertions and cleared.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// journalQuery is the filter parameters listRequests and countRequests
// share.
type journalQuery struct {
	bank, operation, method, path, client, consent *string
	status                                         *int
	params                                         *[]string
	since                                          *time.Time
	after                                          *int64
	violations, faulted                            *bool
}

func (s *Server) journalFilter(q journalQuery) (journal.Filter, error) {
	var f journal.Filter
	if q.bank != nil {
		if err := s.checkBank(*q.bank); err != nil {
			return f, err
		}
		f.Bank = *q.bank
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&f.Operation, q.operation)
	set(&f.Method, q.method)
	set(&f.Path, q.path)
	set(&f.ClientID, q.client)
	set(&f.ConsentID, q.consent)
	if f.Operation != "" {
		if err := checkEndpoint(f.Operation); err != nil {
			return f, err
		}
	}
	if q.status != nil {
		f.Status = *q.status
	}
	if q.params != nil {
		for _, p := range *q.params {
			name, value, ok := strings.Cut(p, "=")
			if !ok || name == "" {
				return f, invalid("param %q: want name=value (name=* for any value)", p)
			}
			f.Params = append(f.Params, [2]string{name, value})
		}
	}
	if q.since != nil {
		f.Since = *q.since
	}
	if q.after != nil {
		f.After = *q.after
	}
	f.WithViolations = q.violations != nil && *q.violations
	f.WithFault = q.faulted != nil && *q.faulted
	return f, nil
}

func apiRequest(e journal.Entry) adminapi.RequestEntry {
	out := adminapi.RequestEntry{Seq: e.Seq, At: e.At, SimulatedAt: e.SimulatedAt, Bank: e.Bank, Method: e.Method, Path: e.Path,
		Status: e.Status, LatencyMs: float64(e.Latency.Microseconds()) / 1000}
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	out.Operation, out.ClientId, out.ConsentId = opt(e.Operation), opt(e.ClientID), opt(e.ConsentID)
	out.GrantType, out.InteractionId = opt(e.GrantType), opt(e.InteractionID)
	if len(e.Query) > 0 {
		q := map[string][]string(e.Query)
		out.Query = &q
	}
	if e.FaultID != "" {
		out.Fault = &struct {
			FaultId string `json:"faultId"`
			Mode    string `json:"mode"`
		}{e.FaultID, e.FaultMode}
	}
	if len(e.Violations) > 0 {
		vs := make([]adminapi.Violation, len(e.Violations))
		for i, v := range e.Violations {
			vs[i] = adminapi.Violation{Location: v.Location, Severity: adminapi.ViolationSeverity(v.Severity), Code: v.Code, Message: v.Message}
		}
		out.Violations = &vs
	}
	return out
}

// DefaultRequestLimit is how many journal entries a listing returns unless
// told otherwise.
const DefaultRequestLimit = 100

// ListRequests lists the journal, newest first.
func (s *Server) ListRequests(ctx context.Context, req adminapi.ListRequestsRequestObject) (adminapi.ListRequestsResponseObject, error) {
	p := req.Params
	f, err := s.journalFilter(journalQuery{p.Bank, p.Operation, p.Method, p.Path, p.ClientId, p.ConsentId, p.Status, p.Param, p.Since, p.After, p.Violations, p.Faulted})
	if err != nil {
		return nil, err
	}
	limit := DefaultRequestLimit
	if p.Limit != nil {
		limit = *p.Limit
	}
	entries, total := s.deps.Journal.Query(f, limit)
	st := s.deps.Journal.Stats()
	out := adminapi.ListRequests200JSONResponse{Requests: make([]adminapi.RequestEntry, len(entries)), Total: total, Dropped: int(st.Dropped), LastSeq: st.LastSeq}
	for i, e := range entries {
		out.Requests[i] = apiRequest(e)
	}
	return out, nil
}

// CountRequests counts matching entries and checks the count.
func (s *Server) CountRequests(ctx context.Context, req adminapi.CountRequestsRequestObject) (adminapi.CountRequestsResponseObject, error) {
	p := req.Params
	f, err := s.journalFilter(journalQuery{p.Bank, p.Operation, p.Method, p.Path, p.ClientId, p.ConsentId, p.Status, p.Param, p.Since, p.After, p.Violations, p.Faulted})
	if err != nil {
		return nil, err
	}
	_, n := s.deps.Journal.Query(f, -1)
	out := adminapi.CountRequests200JSONResponse{Count: n, Ok: true}
	var why []string
	if p.Exactly != nil && n != *p.Exactly {
		why = append(why, fmt.Sprintf("exactly %d", *p.Exactly))
	}
	if p.AtLeast != nil && n < *p.AtLeast {
		why = append(why, fmt.Sprintf("at least %d", *p.AtLeast))
	}
	if p.AtMost != nil && n > *p.AtMost {
		why = append(why, fmt.Sprintf("at most %d", *p.AtMost))
	}
	if len(why) > 0 {
		out.Ok = false
		out.Message = ptr(fmt.Sprintf("expected %s matching requests, found %d", strings.Join(why, " and "), n))
	}
	return out, nil
}

// ClearRequests empties the journal.
func (s *Server) ClearRequests(ctx context.Context, _ adminapi.ClearRequestsRequestObject) (adminapi.ClearRequestsResponseObject, error) {
	s.deps.Journal.Clear()
	return adminapi.ClearRequests204Response{}, nil
}

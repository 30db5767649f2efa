package dashboard

// The request journal: every call the banks answered, filtered the way
// GET /admin/requests filters it.

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// journalReach is the most entries one listRequests call hands out (its
// limit's maximum); the journal keeps no more by default, so pages reach
// its oldest entry.
const journalReach = 5000

type journalPage struct {
	Banks, Endpoints []string
	// Filter is the filter form's current values.
	Filter          map[string]string
	Params          string
	Faulted, Broken bool
	Requests        []adminapi.RequestEntry
	Pager           pager
	Matched         int
	Dropped         int
}

func (d *Dashboard) journal(w http.ResponseWriter, r *http.Request, v *view) error {
	banks, err := d.bankNames(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	jp := journalPage{Banks: banks, Endpoints: faults.Endpoints(), Filter: map[string]string{}}
	opt := func(key string) *string {
		s := strings.TrimSpace(q.Get(key))
		jp.Filter[key] = s
		if s == "" {
			return nil
		}
		return &s
	}
	params := &adminapi.ListRequestsParams{Bank: opt("bank"), Operation: opt("operation"), Method: opt("method"), Path: opt("path"),
		ClientId: opt("clientId"), ConsentId: opt("consentId")}
	if s := opt("status"); s != nil {
		n, err := strconv.Atoi(*s)
		if err != nil {
			return &apiError{Status: http.StatusBadRequest, Message: "status: " + strconv.Quote(*s) + " is not an HTTP status"}
		}
		params.Status = &n
	}
	var ps []string
	for _, p := range q["param"] {
		ps = append(ps, strings.Fields(p)...)
	}
	if len(ps) > 0 {
		params.Param = &ps
		jp.Params = strings.Join(ps, " ")
	}
	if jp.Faulted = q.Get("faulted") == "true"; jp.Faulted {
		params.Faulted = &jp.Faulted
	}
	if jp.Broken = q.Get("violations") == "true"; jp.Broken {
		params.Violations = &jp.Broken
	}
	// Newest first, and no "before" cursor: page N needs the newest
	// N×PageSize entries, of which it shows the last PageSize.
	page, _ := strconv.Atoi(q.Get("page"))
	limit := min(journalReach, max(1, page)*PageSize)
	params.Limit = &limit
	res, err := call(d.api.ListRequestsWithResponse(r.Context(), params))
	if err != nil {
		return err
	}
	got := res.JSON200
	jp.Matched, jp.Dropped = got.Total, got.Dropped
	jp.Pager = newPager(r, min(got.Total, journalReach))
	if jp.Pager.Total > 0 {
		jp.Requests = got.Requests[min(jp.Pager.From-1, len(got.Requests)):min(jp.Pager.To, len(got.Requests))]
	}
	v.Title, v.Nav, v.Page = "Request journal", "journal", jp
	d.render(w, http.StatusOK, "journal", v)
	return nil
}

func (d *Dashboard) clearJournal(w http.ResponseWriter, r *http.Request) (string, error) {
	back := d.opts.BasePath + "/journal"
	if _, err := call(d.api.ClearRequestsWithResponse(r.Context())); err != nil {
		return back, err
	}
	d.ok(w, "Request journal cleared.")
	return back, nil
}

// queryString shows a journal entry's query (secrets already REDACTED by
// the journal), its parameters in a stable order.
func queryString(q *map[string][]string) string {
	if q == nil || len(*q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(*q))
	for k := range *q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range (*q)[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + v)
		}
	}
	return "?" + b.String()
}

// statusClass colours an HTTP status: 2xx and 3xx fine, 4xx the client's
// doing, 5xx and none (a reset connection) the bank's.
func statusClass(status int) string {
	switch {
	case status >= 200 && status < 400:
		return "ok"
	case status >= 400 && status < 500:
		return "client-error"
	}
	return "server-error"
}

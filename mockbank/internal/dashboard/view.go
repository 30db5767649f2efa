package dashboard

// Templates, their helpers and pagination.

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

// PageSize is the number of rows a list page shows.
const PageSize = 50

var pageNames = []string{"login", "error", "overview", "users", "user", "account", "consents", "deliveries", "faults", "journal"}

var funcs = template.FuncMap{
	"time":  fmtTime,
	"ptime": func(t *time.Time) string { return fmtPtr(t, fmtTime) },
	"str":   func(s *string) string { return fmtPtr(s, func(s string) string { return s }) },
	"num":   func(n *int) string { return fmtPtr(n, strconv.Itoa) },
	"amt":   func(a *fdxtypes.Decimal) string { return fmtPtr(a, fdxtypes.Decimal.String) },
	"yes": func(b *bool) string {
		if b != nil && *b {
			return "yes"
		}
		return "no"
	},
	"mask": mask,
	"join": func(s []string) string { return strings.Join(s, ", ") },
	// path joins a base path and escaped segments, e.g. a user's page.
	"path": func(base string, segs ...string) string {
		for _, s := range segs {
			base += "/" + url.PathEscape(s)
		}
		return base
	},
	"lower":    strings.ToLower,
	"contains": strings.Contains,
	"query":    queryString,
	"http":     statusClass,
	"ms":       func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	// args hands a shared template the page's view and its rows.
	"args": func(v *view, rows any) map[string]any { return map[string]any{"V": v, "Rows": rows} },
	// named hands a shared form fragment the page's view and an id prefix.
	"named": func(v *view, id string) map[string]any { return map[string]any{"V": v, "ID": id} },
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// fmtOffset says how far simulated time is from the wall clock, to the
// second ("+36h0m0s", "-2h0m0s", "none").
func fmtOffset(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	switch {
	case d == 0:
		return "none"
	case d > 0:
		return "+" + d.String()
	}
	return d.String()
}

func fmtPtr[T any](p *T, f func(T) string) string {
	if p == nil {
		return ""
	}
	return f(*p)
}

// mask shows enough of a secret to tell two apart and no more.
func mask(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("•", 8)
	}
	return s[:4] + strings.Repeat("•", 8)
}

// parsePages builds one template set per page, each the layout plus the
// page's own "content", so pages cannot overwrite each other's blocks.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(files, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// pager describes one page of a list and links to its neighbours, keeping
// the list's filters.
type pager struct {
	Page, Pages, From, To, Total int
	Prev, Next                   string
}

// paginate cuts items to the page ?page= asks for (clamped to the pages
// that exist).
func paginate[T any](r *http.Request, items []T) ([]T, pager) {
	p := newPager(r, len(items))
	if p.Total == 0 {
		return items[:0], p
	}
	return items[p.From-1 : p.To], p
}

// newPager places ?page= in a list of n rows: rows From to To (from 1),
// and links to the neighbouring pages that keep the list's filters.
func newPager(r *http.Request, n int) pager {
	pages := max(1, (n+PageSize-1)/PageSize)
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, pages)
	from := (page - 1) * PageSize
	p := pager{Page: page, Pages: pages, From: from + 1, To: min(n, from+PageSize), Total: n}
	if n == 0 {
		p.From = 0
	}
	link := func(page int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// filter is one choice of a list's filter bar.
type filter struct {
	Label, Href string
	Active      bool
}

// filters links each value of query parameter key (and "all"), keeping
// the other parameters and starting again at page one.
func filters(r *http.Request, key string, values []string) []filter {
	cur := r.URL.Query().Get(key)
	link := func(v string) string {
		q := r.URL.Query()
		q.Del("page")
		if v == "" {
			q.Del(key)
		} else {
			q.Set(key, v)
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	out := []filter{{Label: "all", Href: link(""), Active: cur == ""}}
	for _, v := range values {
		out = append(out, filter{Label: v, Href: link(v), Active: cur == v})
	}
	return out
}

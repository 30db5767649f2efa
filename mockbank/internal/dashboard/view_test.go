package dashboard

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPaginateClampsAndKeepsFilters(t *testing.T) {
	items := make([]int, 2*PageSize+3)
	for i := range items {
		items[i] = i
	}
	for _, tc := range []struct {
		query              string
		page, from, to     int
		first              int
		hasPrev, hasNext   bool
		wantPrev, wantNext string
	}{
		{"", 1, 1, PageSize, 0, false, true, "", fmt.Sprintf("/x?bank=citi&page=%d", 2)},
		{"page=2", 2, PageSize + 1, 2 * PageSize, PageSize, true, true, "/x?bank=citi&page=1", "/x?bank=citi&page=3"},
		{"page=3", 3, 2*PageSize + 1, 2*PageSize + 3, 2 * PageSize, true, false, "/x?bank=citi&page=2", ""},
		{"page=99", 3, 2*PageSize + 1, 2*PageSize + 3, 2 * PageSize, true, false, "/x?bank=citi&page=2", ""},
		{"page=-1", 1, 1, PageSize, 0, false, true, "", "/x?bank=citi&page=2"},
		{"page=abc", 1, 1, PageSize, 0, false, true, "", "/x?bank=citi&page=2"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/x?bank=citi&"+tc.query, nil)
			rows, p := paginate(r, items)
			assert.Equal(t, tc.page, p.Page)
			assert.Equal(t, 3, p.Pages)
			assert.Equal(t, tc.from, p.From)
			assert.Equal(t, tc.to, p.To)
			assert.Equal(t, len(items), p.Total)
			assert.LessOrEqual(t, len(rows), PageSize)
			assert.Equal(t, tc.first, rows[0])
			assert.Equal(t, tc.wantPrev, p.Prev)
			assert.Equal(t, tc.wantNext, p.Next)
		})
	}
	rows, p := paginate(httptest.NewRequest("GET", "/x", nil), []int(nil))
	assert.Empty(t, rows)
	assert.Equal(t, pager{Page: 1, Pages: 1}, p)
}

func TestSafeNextStaysInTheDashboard(t *testing.T) {
	d := &Dashboard{opts: Options{BasePath: "/admin/ui"}}
	for in, want := range map[string]string{
		"/admin/ui/consents?status=ACTIVE": "/admin/ui/consents?status=ACTIVE",
		"/admin/ui/":                       "/admin/ui/",
		"":                                 "/admin/ui/",
		"https://evil.example/admin/ui/":   "/admin/ui/",
		"//evil.example/admin/ui/":         "/admin/ui/",
		"/\\evil.example/admin/ui/":        "/admin/ui/",
		"/admin/faults":                    "/admin/ui/",
		"/admin/ui/login?next=/x":          "/admin/ui/",
		"javascript:alert(1)":              "/admin/ui/",
	} {
		assert.Equal(t, want, d.safeNext(in), in)
	}
}

func TestMaskShowsNoMoreThanAPrefix(t *testing.T) {
	assert.Equal(t, "4cc4••••••••", mask("4cc4e0b2a1d9f8e7c6b5a4938271605f"))
	assert.Equal(t, "••••••••", mask("short"))
}

func TestOffsetReadsToTheSecond(t *testing.T) {
	assert.Equal(t, "none", fmtOffset(0.3))
	assert.Equal(t, "+36h0m0s", fmtOffset(36*3600+0.2))
	assert.Equal(t, "-2h0m5s", fmtOffset(-7205))
}

package fdxapi

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/obconnect/obconnect/mockbank/internal/store"
)

// renderStatement draws a statement as a small, valid PDF 1.4 document.
//
// The writer is hand-built rather than a PDF library because a statement
// needs only lines of text in a standard font: the whole format used here
// is a catalog, a page tree, one Type1 font and a text stream per page,
// which is smaller than any dependency and deterministic byte for byte
// (no timestamps, no random ids), so the same seed gives the same PDF.
func renderStatement(bankName string, u *store.User, a *store.Account, st *store.Statement, txs []*store.Transaction) []byte {
	lines := []string{
		bankName,
		"Account statement",
		"",
		fmt.Sprintf("%s %s", u.FirstName, u.LastName),
		fmt.Sprintf("%s, %s %s %s", u.Address.Line1, u.Address.City, u.Address.Region, u.Address.PostalCode),
		"",
		fmt.Sprintf("%s  %s", a.ProductName, a.MaskedNumber()),
		fmt.Sprintf("Period %s to %s", st.PeriodStart.Format("2006-01-02"), st.PeriodEnd.AddDate(0, 0, -1).Format("2006-01-02")),
		fmt.Sprintf("Opening balance %s   Closing balance %s", fmtMoney(st.OpeningBalance), fmtMoney(st.ClosingBalance)),
		"",
		"Posted        Description                               Amount",
	}
	for _, t := range txs {
		amt := fmtMoney(t.Amount)
		if t.Effect(a.Kind) < 0 {
			amt = "-" + amt
		}
		desc := t.Description
		if len(desc) > 40 {
			desc = desc[:40]
		}
		lines = append(lines, fmt.Sprintf("%s    %-40s %12s", t.PostedTime.Format("2006-01-02"), desc, amt))
	}
	return writePDF(lines)
}

func fmtMoney(m store.Money) string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := fmt.Sprintf("%d.%02d", m/100, m%100)
	if neg {
		s = "-" + s
	}
	return s
}

// pdfText escapes a line for a PDF literal string and keeps it ASCII.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const linesPerPage = 60

func writePDF(lines []string) []byte {
	var pages [][]string
	for len(lines) > linesPerPage {
		pages = append(pages, lines[:linesPerPage])
		lines = lines[linesPerPage:]
	}
	pages = append(pages, lines)

	// Objects: 1 catalog, 2 pages, 3 font, then per page: page, content.
	var objs []string
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
	)
	for i, pl := range pages {
		var s bytes.Buffer
		s.WriteString("BT /F1 9 Tf 11 TL 40 800 Td\n")
		for _, l := range pl {
			fmt.Fprintf(&s, "(%s) '\n", pdfText(l))
		}
		s.WriteString("ET")
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", s.Len(), s.String()),
		)
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}

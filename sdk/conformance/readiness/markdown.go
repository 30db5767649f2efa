package readiness

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteJSON writes the report in its documented JSON form, indented.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes the report for people: the verdict and each
// problem first, then the figures, the OAuth section, every check, and
// the load phase.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "# Readiness report: %s (FDX %s)\n\n", r.Bank, r.FDXVersion)
	fmt.Fprintf(&b, "**%s** against profile `%s`", verdict, r.Profile.Name)
	if r.Target != "" {
		fmt.Fprintf(&b, ", target %s", r.Target)
	}
	fmt.Fprintf(&b, ", %s, %.1f s. Schema version %s.\n\n", r.StartedAt.Format("2006-01-02 15:04 UTC"), r.DurationMs/1000, r.SchemaVersion)
	if r.Profile.Source != "" {
		fmt.Fprintf(&b, "Thresholds from: %s.\n\n", r.Profile.Source)
	}
	if len(r.Problems) > 0 {
		b.WriteString("## Problems\n\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "- %s\n", md(p))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Figures\n\n")
	figureTable(&b, append([]EndpointFigures{{Endpoint: "**overall**", Figures: r.Overall}}, r.Endpoints...))
	if len(r.Overall.Problems) > 0 {
		b.WriteString("\nExamples of what was wrong:\n\n")
		for _, p := range r.Overall.Problems {
			fmt.Fprintf(&b, "- %s\n", md(p))
		}
	}
	b.WriteString("\n## OAuth\n\n| check | result | why |\n|---|---|---|\n")
	for _, c := range r.OAuth.Checks {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, c.Status, md(strings.Join(c.Why, "; ")))
	}
	var pass, fail, skip int
	for _, c := range r.Checks {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	fmt.Fprintf(&b, "\n## Checks\n\n%d passed, %d failed, %d skipped.\n\n| check | result | why |\n|---|---|---|\n", pass, fail, skip)
	for _, c := range r.Checks {
		why := strings.Join(c.Why, "; ")
		if len(why) > 300 {
			why = why[:300] + "…"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, c.Status, md(why))
	}
	if l := r.Load; l != nil {
		v := "held"
		if !l.Pass {
			v = "did not hold"
		}
		fmt.Fprintf(&b, "\n## Load phase\n\nAt %.1f req/s (achieved %.1f) for %.1f s, at most %d requests and %.0f s: the targets %s.\n\n",
			l.Rate, l.AchievedRate, l.DurationMs/1000, l.MaxRequests, l.MaxDurationMs/1000, v)
		for _, k := range slices.Sorted(maps.Keys(l.Mix)) {
			fmt.Fprintf(&b, "- %s: %d operations\n", k, l.Mix[k])
		}
		b.WriteString("\n")
		for _, p := range l.Problems {
			fmt.Fprintf(&b, "- problem: %s\n", md(p))
		}
		figureTable(&b, append([]EndpointFigures{{Endpoint: "**overall**", Figures: l.Overall}}, l.Endpoints...))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func figureTable(b *strings.Builder, rows []EndpointFigures) {
	b.WriteString("| endpoint | requests | proper | p50 ms | p95 ms | p99 ms | max ms | error codes | fill | valid |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, e := range rows {
		f := e.Figures
		fmt.Fprintf(b, "| %s | %d (%d provoked) | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |\n", md(e.Endpoint), f.Requests, f.Provoked,
			pct(f.Proper, f.Requests-f.Provoked), f.Latency.P50, f.Latency.P95, f.Latency.P99, f.Latency.Max,
			pct(f.ErrorsCorrect, f.Errors), pct(f.FieldsFilled, f.FieldsRequired), pct(f.Valid, f.Validated))
	}
}

func pct(n, d int) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(d))
}

func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

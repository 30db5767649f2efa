package readiness

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is a readiness report; its JSON form is documented in
// docs/readiness.md and versioned by SchemaVersion.
type Report struct {
	SchemaVersion string     `json:"schemaVersion"`
	Bank          string     `json:"bank"`
	FDXVersion    string     `json:"fdxVersion"`
	Target        string     `json:"target,omitempty"`
	Profile       Thresholds `json:"profile"`
	StartedAt     time.Time  `json:"startedAt"`
	DurationMs    float64    `json:"durationMs"`
	// Pass is true when every check passed or was skipped and every
	// threshold held; Problems names each thing that did not.
	Pass     bool     `json:"pass"`
	Problems []string `json:"problems"`
	// Checks are the kit's checks, by name.
	Checks []Check `json:"checks"`
	// Overall and Endpoints are the figures of every exchange the kit
	// made.
	Overall   Figures           `json:"overall"`
	Endpoints []EndpointFigures `json:"endpoints"`
	OAuth     OAuth             `json:"oauth"`
	Load      *Load             `json:"load,omitempty"`
}

// MarshalJSON writes the durations as milliseconds.
func (t Thresholds) MarshalJSON() ([]byte, error) {
	type plain Thresholds
	return json.Marshal(struct {
		plain
		thresholdsJSON
	}{plain(t), thresholdsJSON{ms(t.ProperLatency), ms(t.MaxP50), ms(t.MaxP95), ms(t.MaxP99)}})
}

// UnmarshalJSON reads what MarshalJSON writes, so a partner can keep
// their own profile in a file.
func (t *Thresholds) UnmarshalJSON(b []byte) error {
	type plain Thresholds
	var v struct {
		plain
		thresholdsJSON
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Thresholds(v.plain)
	d := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	t.ProperLatency, t.MaxP50, t.MaxP95, t.MaxP99 = d(v.ProperLatencyMs), d(v.MaxP50Ms), d(v.MaxP95Ms), d(v.MaxP99Ms)
	return nil
}

// judge fills Pass and Problems.
func (r *Report) judge() {
	r.Problems = []string{}
	for _, c := range r.Checks {
		// A parent fails with its child; the child names the problem.
		if c.Status == Fail && !slices.ContainsFunc(r.Checks, func(x Check) bool { return x.Status == Fail && strings.HasPrefix(x.Name, c.Name+"/") }) {
			why := ""
			if len(c.Why) > 0 {
				why = ": " + firstLine(c.Why[0])
			}
			r.Problems = append(r.Problems, fmt.Sprintf("check %s failed%s", c.Name, why))
		}
	}
	r.Problems = append(r.Problems, r.Profile.judge("overall", r.Overall)...)
	for _, e := range r.Endpoints {
		r.Problems = append(r.Problems, r.Profile.judgeLatency(e.Endpoint, e.Figures)...)
	}
	for _, c := range r.OAuth.Checks {
		if c.Status == Fail {
			r.Problems = append(r.Problems, fmt.Sprintf("oauth %s failed: %s", c.Name, firstLine(fmt.Sprint(c.Why))))
		}
	}
	if r.Load != nil {
		for _, p := range r.Load.Problems {
			r.Problems = append(r.Problems, "load: "+p)
		}
	}
	r.Pass = len(r.Problems) == 0
}

func (t Thresholds) judge(where string, f Figures) []string {
	var out []string
	if t.MinProperRate > 0 && f.ProperRate < t.MinProperRate {
		out = append(out, fmt.Sprintf("%s: proper-response rate %.2f%% is under %.2f%% (%d of %d)", where, 100*f.ProperRate, 100*t.MinProperRate, f.Proper, f.Requests-f.Provoked))
	}
	if t.MinErrorCorrectness > 0 && f.ErrorCorrectness < t.MinErrorCorrectness {
		out = append(out, fmt.Sprintf("%s: error-code correctness %.2f%% is under %.2f%% (%d of %d errors mean what the description declares)", where, 100*f.ErrorCorrectness, 100*t.MinErrorCorrectness, f.ErrorsCorrect, f.Errors))
	}
	if t.MinFillRate > 0 && f.FillRate < t.MinFillRate {
		out = append(out, fmt.Sprintf("%s: required-field fill rate %.2f%% is under %.2f%% (%d of %d)", where, 100*f.FillRate, 100*t.MinFillRate, f.FieldsFilled, f.FieldsRequired))
	}
	if t.MinValidity > 0 && f.Validity < t.MinValidity {
		out = append(out, fmt.Sprintf("%s: validity %.2f%% is under %.2f%% (%d of %d answers valid for FDX)", where, 100*f.Validity, 100*t.MinValidity, f.Valid, f.Validated))
	}
	out = append(out, t.judgeLatency(where, f)...)
	return out
}

func (t Thresholds) judgeLatency(where string, f Figures) []string {
	var out []string
	for _, c := range []struct {
		name string
		got  float64
		max  time.Duration
	}{{"p50", f.Latency.P50, t.MaxP50}, {"p95", f.Latency.P95, t.MaxP95}, {"p99", f.Latency.P99, t.MaxP99}} {
		if c.max > 0 && c.got > ms(c.max) {
			out = append(out, fmt.Sprintf("%s: latency %s %.1f ms is over %.0f ms", where, c.name, c.got, ms(c.max)))
		}
	}
	return out
}

package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/obconnect/obconnect/mockbank/internal/suggest"
	"github.com/obconnect/obconnect/openapi"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ErrInvalid wraps every problem with a scenario document.
var ErrInvalid = errors.New("scenario: invalid document")

// MaxSize bounds a scenario file.
const MaxSize = 16 << 20

// ReadFile reads and parses a scenario file.
func ReadFile(ctx context.Context, path string) (adminapi.Scenario, error) {
	st, err := os.Stat(path)
	if err != nil {
		return adminapi.Scenario{}, err
	}
	if st.Size() > MaxSize {
		return adminapi.Scenario{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalid, path, MaxSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return adminapi.Scenario{}, err
	}
	sc, err := Parse(ctx, b)
	if err != nil {
		return adminapi.Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// Parse reads a scenario in YAML or JSON (JSON is YAML), validates it
// against the admin spec and decodes it. An error names the line and the
// field path of each problem (at most MaxErrors of them) and, for a value
// outside a closed list, the allowed values.
func Parse(ctx context.Context, data []byte) (adminapi.Scenario, error) {
	js, lines, err := toJSON(data)
	if err != nil {
		return adminapi.Scenario{}, err
	}
	if err := validate(ctx, js, lines); err != nil {
		return adminapi.Scenario{}, err
	}
	var sc adminapi.Scenario
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return adminapi.Scenario{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return sc, nil
}

// MaxErrors is how many problems one error reports.
const MaxErrors = 5

// ToJSON converts one YAML (or JSON) document to JSON, keeping numbers'
// text exactly.
func ToJSON(data []byte) ([]byte, error) {
	js, _, err := toJSON(data)
	return js, err
}

// lineMap maps a JSON pointer (/users/0/user/bank) to the YAML line it
// came from: a mapping entry's key line, a sequence item's line.
type lineMap map[string]int

// at is the line of the closest known ancestor of pointer p.
func (m lineMap) at(p string) int {
	for {
		if l, ok := m[p]; ok {
			return l
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return 0
		}
		p = p[:i]
	}
}

func toJSON(data []byte) ([]byte, lineMap, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, fmt.Errorf("%w: line %d: more than one YAML document", ErrInvalid, extra.Line)
	}
	var buf bytes.Buffer
	lines := lineMap{"": 1}
	if err := writeNode(&buf, &root, 0, "", lines); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), lines, nil
}

const maxDepth = 32

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func writeNode(buf *bytes.Buffer, n *yaml.Node, depth int, ptr string, lines lineMap) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: line %d: nested too deeply", ErrInvalid, n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("%w: empty document", ErrInvalid)
		}
		return writeNode(buf, n.Content[0], depth+1, ptr, lines)
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("%w: line %d: keys must be plain strings", ErrInvalid, k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("%w: line %d: duplicate key %q", ErrInvalid, k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k.Value)
			buf.Write(kb)
			buf.WriteByte(':')
			child := ptr + "/" + escapePointer(k.Value)
			lines[child] = k.Line
			if err := writeNode(buf, v, depth+1, child, lines); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			child := ptr + "/" + strconv.Itoa(i)
			lines[child] = c.Line
			if err := writeNode(buf, c, depth+1, child, lines); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(buf, n, ptr)
	case yaml.AliasNode:
		return fmt.Errorf("%w: line %d: YAML aliases are not supported", ErrInvalid, n.Line)
	default:
		return fmt.Errorf("%w: line %d: unsupported YAML node", ErrInvalid, n.Line)
	}
	return nil
}

// plainDecimal is the only number form scenarios take: an optional minus,
// digits without leading zeros, an optional fraction. No exponent (1e2),
// no hex, octal or underscores, no leading plus, no .inf or .nan.
var plainDecimal = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

func writeScalar(buf *bytes.Buffer, n *yaml.Node, ptr string) error {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("%w: line %d: %v", ErrInvalid, n.Line, err)
		}
		buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		// The literal text is kept, so amounts never pass through a float.
		v := n.Value
		if !plainDecimal.MatchString(v) {
			return fmt.Errorf("%w: line %d: %s: number %q must be written in plain decimal, such as 1500.00 or -42.50", ErrInvalid, n.Line, fieldPath(ptr), v)
		}
		buf.WriteString(v)
	default:
		b, _ := json.Marshal(n.Value)
		buf.Write(b)
	}
	return nil
}

// fieldPath writes a JSON pointer as a field path: users[0].accounts[1].type.
func fieldPath(ptr string) string {
	if ptr == "" {
		return "the document"
	}
	var b strings.Builder
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// scenarioSchema reads the Scenario schema from the admin spec.
func scenarioSchema(ctx context.Context) (*openapi3.Schema, error) {
	doc, err := openapi.LoadAdmin(ctx)
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas["Scenario"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("scenario: admin spec has no Scenario schema")
	}
	return ref.Value, nil
}

func validate(ctx context.Context, js []byte, lines lineMap) error {
	s, err := scenarioSchema(ctx)
	if err != nil {
		return err
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	// kin-openapi validates float64 numbers; the exact text was checked
	// above and is what gets decoded, so converting here only serves
	// range checks.
	v = numbersToFloat(v)
	err = s.VisitJSON(v, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	var problems []problem
	for _, e := range flatten(err) {
		problems = append(problems, describe(e, lines))
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
	problems = slices.CompactFunc(problems, func(a, b problem) bool { return a.text == b.text })
	var msgs []string
	for i, p := range problems {
		if i == MaxErrors {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(problems)-MaxErrors))
			break
		}
		msgs = append(msgs, p.text)
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(msgs, "; "))
}

type problem struct {
	line int
	text string
}

// flatten lists the schema errors of a validation error.
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// describe words one schema error without the schema: where (line and
// field path), what is wrong, and what is allowed.
func describe(err error, lines lineMap) problem {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return problem{text: firstLine(err.Error())}
	}
	ptr := ""
	for _, seg := range se.JSONPointer() {
		ptr += "/" + escapePointer(seg)
	}
	line := lines.at(ptr)
	where := fieldPath(ptr)
	msg := se.Reason
	field := se.SchemaField
	if strings.HasSuffix(se.Reason, "is unsupported") {
		field = "additionalProperties"
	}
	switch field {
	case "enum":
		var allowed []string
		for _, e := range se.Schema.Enum {
			allowed = append(allowed, fmt.Sprint(e))
		}
		got := fmt.Sprint(se.Value)
		msg = fmt.Sprintf("%q is not one of %s", got, strings.Join(allowed, ", "))
		if c, ok := suggest.Closest(got, allowed); ok {
			msg = fmt.Sprintf("%q is not one of %s; did you mean %q?", got, strings.Join(allowed, ", "), c)
		}
	case "additionalProperties":
		// Reason: property "x" is unsupported.
		name := quoted(se.Reason)
		if name != "" {
			line = lines.at(ptr + "/" + escapePointer(name))
			var known []string
			for k := range se.Schema.Properties {
				known = append(known, k)
			}
			sort.Strings(known)
			msg = suggest.Unknown("field", name, known)
		}
	case "required":
		if name := quoted(se.Reason); name != "" {
			msg = fmt.Sprintf("%q is required", name)
			// The pointer names the missing member; say where it is
			// missing from.
			if parent, last, ok := cutLast(ptr); ok && last == escapePointer(name) {
				ptr = parent
				line, where = lines.at(ptr), fieldPath(ptr)
			}
		}
	case "type":
		msg = "must be " + article(se.Schema.Type.Slice()) + fmt.Sprintf(" (got %s)", short(fmt.Sprint(se.Value)))
	}
	return problem{line: line, text: fmt.Sprintf("line %d: %s: %s", line, where, msg)}
}

func article(types []string) string {
	if len(types) == 0 {
		return "of another type"
	}
	t := types[0]
	switch t {
	case "array", "object", "integer":
		return "an " + t
	}
	return "a " + t
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func cutLast(ptr string) (string, string, bool) {
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return "", "", false
	}
	return ptr[:i], ptr[i+1:], true
}

// quoted is the first double-quoted word of s.
func quoted(s string) string {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return name
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func numbersToFloat(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToFloat(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToFloat(e)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	}
	return v
}

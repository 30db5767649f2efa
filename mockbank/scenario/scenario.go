package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

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
// against the admin spec and decodes it.
func Parse(ctx context.Context, data []byte) (adminapi.Scenario, error) {
	js, err := ToJSON(data)
	if err != nil {
		return adminapi.Scenario{}, err
	}
	if err := validate(ctx, js); err != nil {
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

// ToJSON converts one YAML (or JSON) document to JSON, keeping numbers'
// text exactly.
func ToJSON(data []byte) ([]byte, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrInvalid)
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, &root, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const maxDepth = 32

func writeNode(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deeply", ErrInvalid)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("%w: empty document", ErrInvalid)
		}
		return writeNode(buf, n.Content[0], depth+1)
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
			if err := writeNode(buf, v, depth+1); err != nil {
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
			if err := writeNode(buf, c, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	case yaml.AliasNode:
		return fmt.Errorf("%w: line %d: YAML aliases are not supported", ErrInvalid, n.Line)
	default:
		return fmt.Errorf("%w: line %d: unsupported YAML node", ErrInvalid, n.Line)
	}
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
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
		// The literal text is kept; only forms JSON cannot carry are
		// refused (hex, octal, underscores, .inf, .nan, leading +).
		v := n.Value
		if !json.Valid([]byte(v)) || strings.ContainsAny(v, "_xXoO") {
			return fmt.Errorf("%w: line %d: number %q must be written in plain decimal", ErrInvalid, n.Line, v)
		}
		var num json.Number
		if err := json.Unmarshal([]byte(v), &num); err != nil {
			return fmt.Errorf("%w: line %d: number %q must be written in plain decimal", ErrInvalid, n.Line, v)
		}
		buf.WriteString(v)
	default:
		b, _ := json.Marshal(n.Value)
		buf.Write(b)
	}
	return nil
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

func validate(ctx context.Context, js []byte) error {
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
	if err := s.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		msg := err.Error()
		if len(msg) > 600 {
			msg = msg[:600] + "..."
		}
		return fmt.Errorf("%w: %s", ErrInvalid, strings.ReplaceAll(msg, "\n", " "))
	}
	return nil
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

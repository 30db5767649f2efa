package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// yamlToJSON converts a scenario file to JSON for the admin API, keeping
// each number's literal text so amounts never pass through a float. The
// server validates the document; this only refuses what JSON cannot say.
// (mockbank's own -scenario loader, internal/scenario, does the same and
// more; an internal package cannot be imported from cmd/.)
func yamlToJSON(b []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := toJSON(&buf, &root, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toJSON(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 32 {
		return errors.New("nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return errors.New("empty document")
		}
		return toJSON(buf, n.Content[0], depth+1)
	case yaml.MappingNode, yaml.SequenceNode:
		open, end, step := byte('['), byte(']'), 1
		if n.Kind == yaml.MappingNode {
			open, end, step = '{', '}', 2
		}
		buf.WriteByte(open)
		for i := 0; i+step-1 < len(n.Content); i += step {
			if i > 0 {
				buf.WriteByte(',')
			}
			if step == 2 {
				k, _ := json.Marshal(n.Content[i].Value)
				buf.Write(k)
				buf.WriteByte(':')
			}
			if err := toJSON(buf, n.Content[i+step-1], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(end)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var v bool
			if err := n.Decode(&v); err != nil {
				return err
			}
			buf.WriteString(strconv.FormatBool(v))
		case "!!int", "!!float":
			if !json.Valid([]byte(n.Value)) {
				return fmt.Errorf("line %d: number %q must be written in plain decimal", n.Line, n.Value)
			}
			buf.WriteString(n.Value)
		default:
			s, _ := json.Marshal(n.Value)
			buf.Write(s)
		}
	default:
		return fmt.Errorf("line %d: YAML aliases are not supported", n.Line)
	}
	return nil
}

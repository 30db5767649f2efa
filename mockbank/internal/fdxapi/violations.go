package fdxapi

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/obconnect/obconnect/mockbank/internal/journal"
)

// requestErrors flattens a validation error (one RequestError, or a
// MultiError of them) into its request errors, in order.
func requestErrors(err error) []error {
	// A direct MultiError only: errors.As would also find the one inside a
	// RequestError (a parameter's schema errors) and lose the parameter.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, requestErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// Violations describes a request validation failure the way Prism reports
// violations: where (["query", "limit"], ["body", "callbackUrl"]), the
// severity (always Error: the request is refused), the rule the value
// broke (a JSON Schema keyword such as maximum or enum, or required,
// format, ...) and a sentence without the schema.
func Violations(err error) []journal.Violation {
	var out []journal.Violation
	for _, e := range requestErrors(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			var se *openapi3filter.SecurityRequirementsError
			if errors.As(e, &se) {
				out = append(out, journal.Violation{Location: []string{"header", "Authorization"}, Severity: "Error", Code: "security", Message: "security requirements not met"})
				continue
			}
			out = append(out, journal.Violation{Location: []string{"request"}, Severity: "Error", Code: "invalid", Message: firstLine(e.Error())})
			continue
		}
		var loc []string
		switch {
		case re.Parameter != nil:
			loc = []string{re.Parameter.In, re.Parameter.Name}
		case re.RequestBody != nil:
			loc = []string{"body"}
		default:
			loc = []string{"request"}
		}
		v := journal.Violation{Location: loc, Severity: "Error", Code: "invalid", Message: re.Reason}
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			v.Location = append(v.Location, se.JSONPointer()...)
			if se.SchemaField != "" {
				v.Code = se.SchemaField
			}
			v.Message = se.Reason
		} else if re.Err != nil {
			if v.Message != "" {
				v.Message += ": "
			}
			v.Message += firstLine(re.Err.Error())
		}
		if re.Parameter != nil && re.Err == nil && strings.Contains(re.Reason, "must have a value") {
			v.Code = "required"
		}
		out = append(out, v)
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

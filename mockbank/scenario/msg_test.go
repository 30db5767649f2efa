package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/obconnect/obconnect/mockbank/scenario"
)

// Errors name the right line and the field path, say what is allowed and
// never dump the schema.
func TestErrorsNameLineFieldAndAllowedValues(t *testing.T) {
	for doc, want := range map[string]string{
		// A mis-indented key on line 4.
		"users:\n  - user:\n      bank: chase\n     username: x\n      password: p\n":                                  "line 4",
		"users:\n  - user: {bank: chase, username: x, password: p}\n    accounts:\n      - account: {type: CHEKING}\n": `line 4: users[0].accounts[0].account.type: "CHEKING" is not one of CHECKING, SAVINGS, CREDITCARD, LOAN, MORTGAGE; did you mean "CHECKING"?`,
		"faults:\n  - bank: chase\n    Status: 500\n":                                                                  `line 3: faults[0]: unknown field "Status"; did you mean "status"?`,
		"users:\n  - user: {bank: chase, username: x}\n":                                                               `line 2: users[0].user: "password" is required`,
		"clockSteps: 36h\n":                          `line 1: clockSteps: must be an array (got 36h)`,
		"faults:\n  - {bank: chase, status: 1e2}\n":  `line 2: faults[0].status: number "1e2" must be written in plain decimal`,
		"faults:\n  - {bank: chase, status: +500}\n": `plain decimal`,
		"faults:\n  - {bank: chase, fraction: 01}\n": `plain decimal`,
	} {
		_, err := scenario.Parse(t.Context(), []byte(doc))
		if assert.ErrorIs(t, err, scenario.ErrInvalid, doc) {
			assert.Contains(t, err.Error(), want, doc)
			assert.NotContains(t, err.Error(), "Schema:", doc)
			assert.Less(t, len(err.Error()), 400, "short: %s", err)
		}
	}
}

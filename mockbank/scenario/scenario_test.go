package scenario_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/scenario"
)

func TestExampleFile(t *testing.T) {
	sc, err := scenario.ReadFile(t.Context(), filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	require.NotNil(t, sc.Users)
	require.Len(t, *sc.Users, 1)
	u := (*sc.Users)[0]
	assert.Equal(t, "qa_alice", u.User.Username)
	require.Len(t, *u.Accounts, 2)
	acct := (*u.Accounts)[0]
	assert.Equal(t, "1500.00", acct.Account.OpeningBalance.String(), "amounts keep their exact text")
	txs := *acct.Transactions
	require.Len(t, txs, 2)
	assert.Equal(t, "-42.50", txs[1].Amount.String())
	assert.Equal(t, "-50.00", txs[1].PostedAmount.String())
	assert.Equal(t, 5812, *txs[1].MerchantCategoryCode)
	assert.Equal(t, "2026-05-29T09:00:00Z", txs[0].Timestamp.UTC().Format("2006-01-02T15:04:05Z07:00"))
	require.Len(t, *sc.Faults, 2)
	assert.Equal(t, 501, *(*sc.Faults)[0].FdxCode)
	assert.Equal(t, []string{"36h"}, *sc.ClockSteps)
}

func TestJSONIsAccepted(t *testing.T) {
	sc, err := scenario.Parse(t.Context(), []byte(`{"clockSteps":["1h"],"faults":[{"bank":"chase","status":500}]}`))
	require.NoError(t, err)
	assert.Len(t, *sc.Faults, 1)
}

func TestBadDocumentsAreRefused(t *testing.T) {
	bad := map[string]string{
		"unknown field":    "users: []\nextra: 1\n",
		"schema violation": "users:\n  - user: {bank: chase, username: 'bad name', password: x}\n",
		"missing required": "users:\n  - user: {bank: chase, username: x}\n",
		"wrong type":       "clockSteps: 36h\n",
		"hex number":       "faults:\n  - {bank: chase, status: 0x1F7}\n",
		"infinity":         "faults:\n  - {bank: chase, fraction: .inf}\n",
		"duplicate key":    "clockSteps: [1h]\nclockSteps: [2h]\n",
		"alias":            "a: &x 1\nclockSteps: *x\n",
		"two documents":    "clockSteps: [1h]\n---\nclockSteps: [2h]\n",
		"not yaml":         "users: [\n",
		"out of range":     "faults:\n  - {bank: chase, fraction: 1.5}\n",
		"bad enum":         "faults:\n  - {bank: chase, mode: explode}\n",
		"empty":            "",
		"scalar document":  "42\n",
	}
	for name, doc := range bad {
		_, err := scenario.Parse(t.Context(), []byte(doc))
		assert.ErrorIs(t, err, scenario.ErrInvalid, name)
	}
}

func TestToJSONKeepsNumbersExact(t *testing.T) {
	js, err := scenario.ToJSON([]byte("a: 0.10\nb: 12345678901234567.89\nc: -3\nd: true\ne: null\nf: '007'\n"))
	require.NoError(t, err)
	assert.Equal(t, `{"a":0.10,"b":12345678901234567.89,"c":-3,"d":true,"e":null,"f":"007"}`, string(js))
}

// FuzzParse: any input is either a scenario or an ErrInvalid error, never a
// panic; what ToJSON produces is always valid JSON.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "users: []", "clockSteps: [1h]", "a: &x 1\nb: *x", "faults:\n  - {bank: chase, status: 0x1F}", "{\"users\":[{\"user\":{}}]}", "- - - -", "a: 1e400"} {
		f.Add([]byte(s))
	}
	b, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	require.NoError(f, err)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		if js, err := scenario.ToJSON(data); err == nil {
			assert.True(t, json.Valid(js), "%q -> %q", data, js)
		}
		if _, err := scenario.Parse(context.Background(), data); err != nil {
			assert.ErrorIs(t, err, scenario.ErrInvalid)
		}
	})
}

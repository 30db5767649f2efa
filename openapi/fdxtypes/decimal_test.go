package fdxtypes

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDecimalCanonical(t *testing.T) {
	cases := map[string]string{
		"0":                  "0",
		"-0":                 "0",
		"-0.00":              "0.00",
		"12.30":              "12.30",
		"-1234567890123.45":  "-1234567890123.45",
		"1.5E1":              "15",
		"1.5e-3":             "0.0015",
		"125e-2":             "1.25",
		"0.1":                "0.1",
		"9999999999999.9999": "9999999999999.9999",
	}
	for in, want := range cases {
		d, err := ParseDecimal(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d.String(), in)
	}
}

func TestParseDecimalRejects(t *testing.T) {
	for _, in := range []string{"", "-", "+1", "01", "1.", ".5", "1e", "1e+-2", "NaN", "Infinity", "0x10", "1,5", " 1", "1e999", "1.2.3", "--1"} {
		_, err := ParseDecimal(in)
		assert.ErrorIs(t, err, ErrInvalidDecimal, in)
	}
}

func TestMinorUnits(t *testing.T) {
	d := MustDecimal("-12.340")
	n, err := d.MinorUnits(2)
	require.NoError(t, err)
	assert.Equal(t, int64(-1234), n)

	_, err = MustDecimal("0.005").MinorUnits(2)
	assert.ErrorIs(t, err, ErrPrecision, "never rounds")

	_, err = MustDecimal("92233720368547758.08").MinorUnits(2)
	assert.ErrorIs(t, err, ErrPrecision, "overflow")

	n, err = MustDecimal("-92233720368547758.08").MinorUnits(2)
	require.NoError(t, err)
	assert.Equal(t, int64(math.MinInt64), n)
}

func TestDecimalJSON(t *testing.T) {
	var v struct {
		A Decimal  `json:"a"`
		B *Decimal `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":1234567890123.4567,"b":null}`), &v))
	assert.Equal(t, "1234567890123.4567", v.A.String())
	assert.Nil(t, v.B)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":1234567890123.4567,"b":null}`, string(out))
	assert.Contains(t, string(out), `1234567890123.4567`, "digits survive unchanged")

	require.NoError(t, json.Unmarshal([]byte(`{"a":"-5.10"}`), &v), "quoted amounts are tolerated")
	assert.Equal(t, "-5.10", v.A.String())

	assert.Error(t, json.Unmarshal([]byte(`{"a":null}`), &v), "a required amount may not be null")
	assert.Error(t, json.Unmarshal([]byte(`{"a":true}`), &v))
}

// Every int64 at every scale survives minor units -> Decimal -> text ->
// Decimal -> minor units unchanged.
func TestDecimalRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		units := int64(r.Uint64())
		if r.IntN(2) == 0 {
			units = r.Int64N(1_000_000_000) - 500_000_000
		}
		scale := r.IntN(5)
		d := DecimalFromMinor(units, scale)
		back, err := ParseDecimal(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back)
		got, err := back.MinorUnits(scale)
		require.NoError(t, err, d.String())
		require.Equal(t, units, got, d.String())
		js, err := json.Marshal(d)
		require.NoError(t, err)
		var viaJSON Decimal
		require.NoError(t, json.Unmarshal(js, &viaJSON))
		require.Equal(t, d, viaJSON)
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.25", "1e3", "0.0001", "123456789012345678", "1E-18"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := ParseDecimal(d.String())
		if err != nil || again != d {
			t.Fatalf("canonical form %q of %q does not re-parse to itself", d, s)
		}
		// A valid JSON number must also be accepted by strconv as a float;
		// the converse is not required (we reject hex, Inf, ...).
		if _, err := strconv.ParseFloat(d.String(), 64); err != nil && !isRange(err) {
			t.Fatalf("%q accepted but is not a number: %v", s, err)
		}
	})
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func TestErrorCode(t *testing.T) {
	var e struct {
		Code ErrorCode `json:"code"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"code":701}`), &e))
	n, ok := e.Code.Int()
	assert.True(t, ok)
	assert.Equal(t, 701, n)
	out, _ := json.Marshal(e)
	assert.Equal(t, `{"code":701}`, string(out))

	require.NoError(t, json.Unmarshal([]byte(`{"code":"1107"}`), &e))
	assert.True(t, e.Code.Quoted())
	out, _ = json.Marshal(e)
	assert.Equal(t, `{"code":"1107"}`, string(out))

	assert.Error(t, json.Unmarshal([]byte(`{"code":7.5}`), &e))
	assert.Error(t, json.Unmarshal([]byte(`{"code":[1]}`), &e))
}

// ParseDecimal's shortcut for text without an exponent must give what
// canonical gives.
func TestParseDecimalShortcutIsCanonical(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "-0.00", "-0.10", "1", "-1.50", "10.0", "339563.19", "0.000000000000000001", "-1234567890123456789012345678901234"} {
		d, err := ParseDecimal(s)
		require.NoError(t, err, s)
		neg, i, f, err := splitNumber(s)
		require.NoError(t, err, s)
		assert.Equal(t, canonical(neg, i, f), d.String(), s)
	}
}

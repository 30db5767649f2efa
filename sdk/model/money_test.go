package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		text, cur string
		minor     int64
	}{
		{"0", "USD", 0},
		{"-0.00", "USD", 0},
		{"12.34", "USD", 1234},
		{"-1234567890123.45", "USD", -123456789012345},
		{"9999999999999.99", "USD", 999999999999999},
		{"1.5", "USD", 150},
		{"1.500", "USD", 150},
		{"+3", "USD", 300},
		{"1E2", "USD", 10000},
		{"1.25e1", "USD", 1250},
		{"125e-2", "USD", 125},
		{"500", "JPY", 500},
		{"1.234", "BHD", 1234},
		{"92233720368547758.07", "USD", math.MaxInt64},
		{"-92233720368547758.08", "USD", math.MinInt64},
	}
	for _, c := range cases {
		t.Run(c.text+c.cur, func(t *testing.T) {
			m, err := ParseMoney(c.text, c.cur)
			require.NoError(t, err)
			assert.Equal(t, Money{Minor: c.minor, Currency: c.cur}, m)
		})
	}
}

func TestParseMoneyRejects(t *testing.T) {
	cases := []struct {
		text, cur string
		want      error
	}{
		{"0.005", "USD", ErrInexact},
		{"1.1", "JPY", ErrInexact},
		{"1e-3", "USD", ErrInexact},
		{"92233720368547758.08", "USD", ErrOutOfRange},
		{"1e40", "USD", ErrOutOfRange},
		{"", "USD", ErrInvalidMoney},
		{"-", "USD", ErrInvalidMoney},
		{".5", "USD", ErrInvalidMoney},
		{"5.", "USD", ErrInvalidMoney},
		{"1,000.00", "USD", ErrInvalidMoney},
		{"NaN", "USD", ErrInvalidMoney},
		{"Inf", "USD", ErrInvalidMoney},
		{"0x10", "USD", ErrInvalidMoney},
		{"1e", "USD", ErrInvalidMoney},
		{"1e999999999999", "USD", ErrInvalidMoney},
		{strings.Repeat("1", 100), "USD", ErrInvalidMoney},
		{"1.00", "usd", ErrInvalidMoney},
		{"1.00", "ZZZ", ErrInvalidMoney},
		{"1.00", "", ErrInvalidMoney},
	}
	for _, c := range cases {
		_, err := ParseMoney(c.text, c.cur)
		assert.ErrorIs(t, err, c.want, "%q %q", c.text, c.cur)
		assert.ErrorIs(t, err, ErrInvalidMoney)
	}
}

// TestMoneyRoundTripProperty: for random minor amounts in every exponent,
// text -> Money -> text is the identity and goes through no float.
func TestMoneyRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, cur := range []string{"USD", "JPY", "BHD", "EUR"} {
		for range 5000 {
			var minor int64
			switch r.IntN(4) {
			case 0:
				minor = r.Int64()
			case 1:
				minor = -r.Int64()
			case 2:
				minor = r.Int64N(1e15) - 5e14 // 13 integer digits and cents
			default:
				minor = r.Int64N(1000) - 500
			}
			m := Money{Minor: minor, Currency: cur}
			text := m.Decimal()
			back, err := ParseMoney(text, cur)
			require.NoError(t, err, text)
			require.Equal(t, m, back, text)
			require.Equal(t, text, back.Decimal())
		}
	}
	for _, edge := range []int64{math.MaxInt64, math.MinInt64, 0, 1, -1} {
		m := Money{Minor: edge, Currency: "USD"}
		back, err := ParseMoney(m.Decimal(), "USD")
		require.NoError(t, err)
		require.Equal(t, m, back)
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "-1234567890123.45", "0.005", "1e2", "1.500", "-", "9223372036854775807", "1E-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s, "USD")
		if err != nil {
			if !errors.Is(err, ErrInvalidMoney) {
				t.Fatalf("error %v does not wrap ErrInvalidMoney", err)
			}
			return
		}
		// Whatever parsed must print and re-parse to the same value.
		back, err := ParseMoney(m.Decimal(), "USD")
		if err != nil || back != m {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, m, m.Decimal(), back, err)
		}
	})
}

func TestMoneyArithmetic(t *testing.T) {
	a := MustMoney("10.00", "USD")
	b := MustMoney("-2.50", "USD")
	s, err := a.Add(b)
	require.NoError(t, err)
	assert.Equal(t, "7.50 USD", s.String())
	_, err = a.Add(MustMoney("1", "JPY"))
	assert.ErrorIs(t, err, ErrCurrencyMismatch)
	_, err = Money{Minor: math.MaxInt64, Currency: "USD"}.Add(Money{Minor: 1, Currency: "USD"})
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = Money{Minor: math.MinInt64, Currency: "USD"}.Neg()
	assert.ErrorIs(t, err, ErrOutOfRange)
	c, err := a.Cmp(b)
	require.NoError(t, err)
	assert.Equal(t, 1, c)
	assert.Equal(t, "0", Money{}.String())
	assert.Equal(t, "0.05", Money{Minor: 5, Currency: "USD"}.Decimal())
	assert.Equal(t, "-0.050", Money{Minor: -50, Currency: "BHD"}.Decimal())
}

func TestMoneyJSON(t *testing.T) {
	m := MustMoney("-1234567890123.45", "USD")
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":"-1234567890123.45","currency":"USD"}`, string(b))
	var back Money
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, m, back)
	assert.Error(t, json.Unmarshal([]byte(`{"amount":"0.001","currency":"USD"}`), &back))
}

func TestSignedAmount(t *testing.T) {
	abs := MustMoney("12.34", "USD")
	neg := MustMoney("-12.34", "USD")
	for _, c := range []struct {
		in   Money
		dir  Direction
		want Money
	}{
		{abs, Debit, neg}, {neg, Debit, neg}, {abs, Credit, abs}, {neg, Credit, abs},
		{abs, Memo, abs}, {neg, Direction("OTHER"), neg},
	} {
		got, err := SignedAmount(c.in, c.dir)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%v %s", c.in, c.dir)
	}
}

func TestAccountNumberMasked(t *testing.T) {
	n := AccountNumber("123456789012")
	for _, s := range []string{
		n.String(), fmt.Sprint(n), fmt.Sprintf("%v %s %q %#v %+v %x", n, n, n, n, n, n),
		fmt.Sprintf("%+v", PaymentNetwork{Identifier: n}), fmt.Sprintf("%#v", PaymentNetwork{Identifier: n}),
	} {
		assert.NotContains(t, s, "12345678", s)
		assert.Contains(t, s, "9012")
	}
	b, err := json.Marshal(PaymentNetwork{Identifier: n})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "12345678")
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "n", n, "pn", PaymentNetwork{Identifier: n},
		"acct", Account{ID: "a1", NumberDisplay: "123456789012"})
	assert.NotContains(t, buf.String(), "12345678")
	assert.Equal(t, "123456789012", n.Reveal())
	assert.Equal(t, "****", MaskNumber("123"))
}

func TestPurposeClosed(t *testing.T) {
	for _, p := range Purposes() {
		back, err := ParsePurpose(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, back)
	}
	for _, bad := range []string{"ADVERTISING", "MARKETING", "TARGETED_ADVERTISING", "", "payments"} {
		_, err := ParsePurpose(bad)
		assert.Error(t, err, bad)
	}
	assert.False(t, Purpose("").Valid())
	assert.False(t, Purpose("ADVERTISING").Valid())
	_, err := Purpose("ADVERTISING").MarshalText()
	assert.Error(t, err)
	var p Purpose
	assert.Error(t, json.Unmarshal([]byte(`"ADVERTISING"`), &p))
	require.NoError(t, json.Unmarshal([]byte(`"FRAUD_DETECTION"`), &p))
	assert.Equal(t, PurposeFraudDetection, p)
}

func TestParseClusters(t *testing.T) {
	got := ParseClusters("openid TRANSACTIONS offline_access ACCOUNT_BASIC TRANSACTIONS x")
	assert.Equal(t, []Cluster{AccountBasic, Transactions}, got)
}

func TestModelStringsHideSecrets(t *testing.T) {
	tx := Transaction{ID: "t1", AccountID: "a1", Amount: MustMoney("-1.00", "USD"), Status: Posted,
		TransactionTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	assert.Equal(t, tx.TransactionTime, tx.Date())
	tx.PostedTime = tx.TransactionTime.Add(time.Hour)
	assert.Equal(t, tx.PostedTime, tx.Date())
	assert.Contains(t, tx.String(), "-1.00 USD")
	var buf strings.Builder
	c := Contact{Emails: []string{"ada@example.com"}, Holders: []Holder{{Name: Name{First: "Ada"}}}}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "tx", tx, "contact", c)
	assert.NotContains(t, buf.String()+c.String(), "ada@example.com")
	assert.NotContains(t, buf.String()+c.String(), "Ada")
	assert.Equal(t, LineOfCredit, CategoryOf(CreditCard))
	assert.Equal(t, DepositAccount, CategoryOf(Savings))
	assert.Equal(t, LoanAccount, CategoryOf(Mortgage))
	assert.Equal(t, AccountCategory(""), CategoryOf("BROKERAGE"))
	assert.Equal(t, "5411", FormatMCC(5411))
	assert.Equal(t, "0742", FormatMCC(742))
	assert.Equal(t, "", FormatMCC(10000))
	_, err := Purpose("").MarshalText()
	assert.Error(t, err)
	_, err = NewMoney(1, "usd")
	assert.Error(t, err)
	m, err := NewMoney(-5, "USD")
	require.NoError(t, err)
	assert.Equal(t, -1, m.Sign())
	_, err = m.Cmp(MustMoney("1", "EUR"))
	assert.ErrorIs(t, err, ErrCurrencyMismatch)
	assert.Equal(t, `model.AccountNumber("****6789")`, AccountNumber("123456789").GoString())
}

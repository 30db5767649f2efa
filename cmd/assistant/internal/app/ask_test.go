package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/obconnect/obconnect/sdk"
)

func TestUnderstand(t *testing.T) {
	cases := []struct {
		q    string
		want intent
		arg  string
	}{
		{"What's my balance?", balance, ""},
		{"how much money do I have", balance, ""},
		{"What did I spend at Starbucks this month?", spentAt, "starbucks"},
		{"how much did I spend at whole foods last month", spentAt, "whole foods"},
		{"spent at Trader Joe's?", spentAt, "trader joe's"},
		{"Show my recent card purchases", receipts, ""},
		{"receipts please", receipts, ""},
		{"spending by category this month", byCategory, ""},
		{"what did I spend this month", byCategory, ""},
		{"When is my next loan payment?", loanPayment, ""},
		{"hello", greeting, ""},
		{"tell me a joke", unknown, ""},
		{"", unknown, ""},
	}
	for _, c := range cases {
		in, arg := understand(c.q)
		assert.Equal(t, c.want, in, c.q)
		assert.Equal(t, c.arg, arg, c.q)
	}
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC) // a Saturday
	p := periodOf("this month", now)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), p.from)
	p = periodOf("last month", now)
	assert.Equal(t, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), p.from)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), p.to)
	p = periodOf("this week", now)
	assert.Equal(t, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), p.from, "weeks start on Monday")
}

func TestMoneyAndMask(t *testing.T) {
	assert.Equal(t, "$1,234,567.89", money(sdk.MustMoney("1234567.89", "USD")))
	assert.Equal(t, "-$0.05", money(sdk.MustMoney("-0.05", "USD")))
	assert.Equal(t, "$100.00", money(sdk.MustMoney("100", "USD")))
	assert.Equal(t, "12.50 EUR", money(sdk.MustMoney("12.50", "EUR")))
	assert.Equal(t, "••••6789", mask("...6789"))
	assert.Equal(t, "••••6789", mask("123456789"), "never more than four digits")
	assert.Equal(t, "••••", mask(""))
}

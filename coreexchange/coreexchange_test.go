package coreexchange_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/coreexchange"
)

func TestForVersion(t *testing.T) {
	assert.Equal(t, []string{"4.6", "5.3", "6.0", "6.2"}, coreexchange.Versions())
	f, ok := coreexchange.ForVersion("4.6")
	require.True(t, ok)
	assert.NotContains(t, f.Statuses, "RESTRICTED")
	assert.Contains(t, f.LoanDateTimes, "originatingDate")
	f.Statuses[0] = "CHANGED"
	again, _ := coreexchange.ForVersion("4.6")
	assert.Equal(t, "OPEN", again.Statuses[0], "a copy")
	_, ok = coreexchange.ForVersion("3.0")
	assert.False(t, ok)
	assert.True(t, coreexchange.MaskedAccountNumber("XXXX1234"))
	assert.False(t, coreexchange.MaskedAccountNumber("12341234"))
}

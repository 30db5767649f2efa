package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	banks := []string{"chase", "citi", "usbank", "wellsfargo"}
	for word, want := range map[string]string{"chsae": "chase", "Chase": "chase", "wellsfrgo": "wellsfargo", "usbnk": "usbank", "wells": "wellsfargo"} {
		got, ok := Closest(word, banks)
		assert.True(t, ok, word)
		assert.Equal(t, want, got, word)
	}
	_, ok := Closest("hsbc", banks)
	assert.False(t, ok)
	_, ok = Closest("x", nil)
	assert.False(t, ok)
}

func TestUnknown(t *testing.T) {
	assert.Equal(t, `unknown bank "chsae"; did you mean "chase"? (one of chase, citi)`, Unknown("bank", "chsae", []string{"citi", "chase"}))
	assert.Equal(t, `unknown bank "hsbc" (one of chase, citi)`, Unknown("bank", "hsbc", []string{"citi", "chase"}))
}

func TestDistance(t *testing.T) {
	assert.Equal(t, 0, distance("abc", "abc"))
	assert.Equal(t, 1, distance("abc", "acb"))
	assert.Equal(t, 3, distance("", "abc"))
	assert.Equal(t, 2, distance("kitten", "sitting")-1)
}

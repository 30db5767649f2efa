package wellsfargo

import (
	"testing"

	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
)

func TestConformance(t *testing.T) { conformance.Run(t, mockbankharness.ForBank(t, Name)) }

package chase

import (
	"testing"

	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
)

// TestConformance runs the kit against mockbank's Chase profile, or against
// the sandbox named by OBCONNECT_KIT_* variables.
func TestConformance(t *testing.T) { conformance.Run(t, mockbankharness.ForBank(t, Name)) }

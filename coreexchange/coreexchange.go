// Package coreexchange holds what FDX's Core Exchange subset of each FDX
// version requires of a data provider's answers: a few enumerations and
// required-field lists, written down as facts (not copied from the
// published files).
//
// It is the one copy of those facts. mockbank's tests check that the
// answers mockbank shapes for each version hold them, and the readiness
// report (sdk/conformance/readiness) checks a partner's answers against
// them, so the reference and the check cannot drift apart. It is a leaf:
// it imports only the standard library.
//
// # Stability
//
// v0.x: versions are added as banks move to them; a fact changes only when
// a reading of FDX is corrected, noted in CHANGELOG.md.
package coreexchange

import (
	"regexp"
	"slices"
)

// Facts are one version's requirements. A nil list means the version has
// no enumeration there.
type Facts struct {
	// Statuses are the AccountStatus values.
	Statuses []string
	// DepositTypes, LocTypes and LoanTypes are the transaction types of
	// each account category.
	DepositTypes, LocTypes, LoanTypes []string
	// LoanRequired are the loan detail fields required beyond the
	// account descriptor's; LoanDateTimes those of them typed as
	// date-times.
	LoanRequired  []string
	LoanDateTimes []string
	// MortgageAccountNumber: accountNumber is required of a MORTGAGE.
	MortgageAccountNumber bool
	// DateTimes are account fields the version types as date-times (where
	// obconnect's spec types them as dates): they must not be sent as
	// dates.
	DateTimes []string
}

var (
	// FDX 4.6 AccountStatus: no RESTRICTED.
	statuses46 = []string{"OPEN", "CLOSED", "PENDINGOPEN", "PENDINGCLOSE", "DELINQUENT", "PAID", "NEGATIVECURRENTBALANCE"}
	// FDX 5.3 and 6.x AccountStatus.
	statuses5 = append(slices.Clone(statuses46), "RESTRICTED")
	// FDX 5.3 and 6.x line-of-credit transaction types (4.6 lacks PURCHASE).
	locTypes5 = []string{"ADJUSTMENT", "CHECK", "FEE", "INTEREST", "PAYMENT", "PURCHASE", "WITHDRAWAL"}
	// FDX 5.3 and 6.x loan transaction types.
	loanTypes5 = []string{"ADJUSTMENT", "FEE", "INTEREST", "PAYMENT", "LUMP_SUM_PAYMENT", "SKIP_PAYMENT", "DOUBLE_UP_PAYMENT", "PAYOFF"}
	// FDX 5.3 and 6.x loan details: required beyond the descriptor.
	loanRequired5 = []string{"principalBalance", "interestRate", "interestRateType"}

	versions = map[string]Facts{
		"4.6": {
			Statuses: statuses46,
			// FDX 4.6 DepositTransactionType, LocTransactionType, LoanTransactionType.
			DepositTypes: []string{"ADJUSTMENT", "ATMDEPOSIT", "ATMWITHDRAWAL", "BILLPAYMENT", "CHECK", "DEPOSIT", "DIRECTDEPOSIT",
				"DIVIDEND", "FEE INTEREST", "FEE", "INTEREST", "POSCREDIT", "POSDEBIT", "TRANSFER", "WITHDRAWAL"},
			LocTypes:  []string{"ADJUSTMENT", "CHECK", "FEE", "INTEREST", "PAYMENT", "WITHDRAWAL"},
			LoanTypes: []string{"ADJUSTMENT", "FEE", "INTEREST", "PAYMENT"},
			// FDX 4.6 LoanAccount required fields; originatingDate is a Timestamp.
			LoanRequired:  []string{"accountNumber", "principalBalance", "originatingDate", "interestRate", "interestRateType"},
			LoanDateTimes: []string{"originatingDate"},
			// FDX 4.6 LocAccount and LoanAccount: Timestamps.
			DateTimes: []string{"nextPaymentDate", "lastPaymentDate", "maturityDate", "lastStmtDate"},
		},
		"5.3": {Statuses: statuses5, LocTypes: locTypes5, LoanTypes: loanTypes5, LoanRequired: loanRequired5, MortgageAccountNumber: true},
		"6.0": {Statuses: statuses5, LocTypes: locTypes5, LoanTypes: loanTypes5, LoanRequired: loanRequired5, MortgageAccountNumber: true},
		"6.2": {Statuses: statuses5, LocTypes: locTypes5, LoanTypes: loanTypes5, LoanRequired: loanRequired5, MortgageAccountNumber: true},
	}

	maskedNumber = regexp.MustCompile(`^X+[0-9]{4}$`)
)

// ForVersion returns a copy of the facts of an FDX version ("6.2"); false
// for a version obconnect has no facts for.
func ForVersion(version string) (Facts, bool) {
	f, ok := versions[version]
	if !ok {
		return Facts{}, false
	}
	f.Statuses, f.DepositTypes, f.LocTypes, f.LoanTypes = slices.Clone(f.Statuses), slices.Clone(f.DepositTypes), slices.Clone(f.LocTypes), slices.Clone(f.LoanTypes)
	f.LoanRequired, f.LoanDateTimes, f.DateTimes = slices.Clone(f.LoanRequired), slices.Clone(f.LoanDateTimes), slices.Clone(f.DateTimes)
	return f, true
}

// Versions lists the versions with facts, in no particular order.
func Versions() []string {
	out := make([]string, 0, len(versions))
	for v := range versions {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// MaskedAccountNumber reports whether an account number is masked as Core
// Exchange requires of a loan's accountNumber: X's then the last four
// digits.
func MaskedAccountNumber(n string) bool { return maskedNumber.MatchString(n) }

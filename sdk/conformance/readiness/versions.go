package readiness

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/coreexchange"
)

var (
	accountMembers     = map[string]string{"DEPOSIT_ACCOUNT": "depositAccount", "LOC_ACCOUNT": "locAccount", "LOAN_ACCOUNT": "loanAccount"}
	transactionMembers = map[string]string{"DEPOSIT_ACCOUNT": "depositTransaction", "LOC_ACCOUNT": "locTransaction", "LOAN_ACCOUNT": "loanTransaction"}

	descriptorFields  = []string{"accountId", "accountType", "productName", "status", "currency", "accountCategory"}
	transactionFields = []string{"transactionId", "description", "transactionTimestamp", "status", "amount", "debitCreditMemo"}
)

// fieldCount is what one answer held of the fields its version requires.
type fieldCount struct {
	required, filled int
	problems         []string
}

func (fc *fieldCount) need(where string, obj map[string]any, fields ...string) {
	for _, name := range fields {
		fc.required++
		v, ok := obj[name]
		if ok && v != nil && v != "" {
			fc.filled++
			continue
		}
		fc.problems = append(fc.problems, fmt.Sprintf("%s: required field %s missing", where, name))
	}
}

// checkVersion checks a data answer (endpoint is the spec's path
// template) against the bank's FDX version: layout, enumerations and
// required fields. Unknown versions and endpoints without version facts
// count no fields.
func checkVersion(version, endpoint string, body []byte) fieldCount {
	var fc fieldCount
	facts, ok := coreexchange.ForVersion(version)
	if !ok {
		return fc
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return fc
	}
	major, _, _ := strings.Cut(version, ".")
	flat := major >= "6"
	switch endpoint {
	case "/accounts":
		list, _ := doc["accounts"].([]any)
		for _, raw := range list {
			for member, a := range fc.entries(version, flat, raw, accountMembers) {
				fc.descriptor(member, a, facts)
			}
		}
	case "/accounts/{accountId}":
		for member, a := range fc.entries(version, flat, doc, accountMembers) {
			fc.descriptor(member, a, facts)
			where := fmt.Sprintf("account %v", a["accountId"])
			for _, field := range slices.Concat(facts.DateTimes, facts.LoanDateTimes) {
				if v, ok := a[field].(string); ok {
					if _, err := time.Parse(time.RFC3339, v); err != nil {
						fc.problems = append(fc.problems, fmt.Sprintf("%s: %s %q must be a date-time in FDX %s", where, field, v, version))
					}
				}
			}
			if n, ok := a["accountNumber"].(string); ok && !coreexchange.MaskedAccountNumber(n) {
				// obconnect's rule, not FDX's: never a full account number.
				fc.problems = append(fc.problems, where+": accountNumber is not masked")
			}
			switch member {
			case "depositAccount":
				fc.need(where, a, "currentBalance", "availableBalance")
			case "locAccount":
				fc.need(where, a, "currentBalance", "availableCredit")
			case "loanAccount":
				req := facts.LoanRequired
				if facts.MortgageAccountNumber && a["accountType"] == "MORTGAGE" {
					req = append(slices.Clone(req), "accountNumber")
				}
				fc.need(where, a, req...)
			}
		}
	case "/accounts/{accountId}/transactions":
		list, _ := doc["transactions"].([]any)
		for _, raw := range list {
			for member, tx := range fc.entries(version, flat, raw, transactionMembers) {
				where := fmt.Sprintf("transaction %v", tx["transactionId"])
				fc.need(where, tx, transactionFields...)
				if typ, ok := tx["transactionType"].(string); ok {
					list := map[string][]string{"depositTransaction": facts.DepositTypes, "locTransaction": facts.LocTypes, "loanTransaction": facts.LoanTypes}[member]
					if list != nil && !slices.Contains(list, typ) {
						fc.problems = append(fc.problems, fmt.Sprintf("%s: transactionType %s is not in FDX %s", where, typ, version))
					}
				}
				if ts, ok := tx["transactionTimestamp"].(string); ok {
					if _, err := time.Parse(time.RFC3339, ts); err != nil {
						fc.problems = append(fc.problems, fmt.Sprintf("%s: transactionTimestamp %q is not a date-time", where, ts))
					}
				}
			}
		}
	}
	return fc
}

// entries reads one account or transaction entry as member -> fields, in
// the version's layout: 6.x flat, tagged by accountCategory; 4/5 wrapped
// in one member named by category.
func (fc *fieldCount) entries(version string, flat bool, raw any, members map[string]string) map[string]map[string]any {
	obj, ok := raw.(map[string]any)
	if !ok {
		fc.problems = append(fc.problems, "an entry is not an object")
		return nil
	}
	cat, tagged := obj["accountCategory"].(string)
	if flat != tagged {
		fc.problems = append(fc.problems, fmt.Sprintf("FDX %s layout: flat entries tagged by accountCategory from 6.0 on, one member before", version))
		return nil
	}
	if flat {
		m, ok := members[cat]
		if !ok {
			fc.problems = append(fc.problems, "unknown accountCategory "+cat)
			return nil
		}
		return map[string]map[string]any{m: obj}
	}
	out := map[string]map[string]any{}
	for m, v := range obj {
		if fields, ok := v.(map[string]any); ok {
			out[m] = fields
		}
	}
	if len(out) != 1 {
		fc.problems = append(fc.problems, fmt.Sprintf("FDX %s: an entry must hold exactly one member", version))
		return nil
	}
	return out
}

func (fc *fieldCount) descriptor(member string, a map[string]any, f coreexchange.Facts) {
	where := fmt.Sprintf("%s %v", member, a["accountId"])
	fc.need(where, a, descriptorFields...)
	if s, ok := a["status"].(string); ok && !slices.Contains(f.Statuses, s) {
		fc.problems = append(fc.problems, fmt.Sprintf("%s: status %s is not in this FDX version", where, s))
	}
}

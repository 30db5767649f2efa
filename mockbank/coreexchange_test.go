package mockbank

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/coreexchange"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// Every bank's responses, as a client gets them, hold the invariants of
// Core Exchange for the bank's FDX version, and stay valid under our spec.
// With MOCKBANK_FDX_DUMP set to a directory, the responses are also written
// there (one JSON line each) for a validation against the published Core
// Exchange files outside the project.
func TestResponsesHoldCoreExchangeInvariantsPerVersion(t *testing.T) {
	e := newEnv(t, Options{Seed: 41, LargeTransactions: 300})
	dump := os.Getenv("MOCKBANK_FDX_DUMP")
	users := []string{"user_good", "user_locked", "user_closed"}
	for _, b := range e.srv.Banks() {
		version := b.Description.FDXVersion
		facts, ok := coreexchange.ForVersion(version)
		require.True(t, ok, "no Core Exchange facts for %s", version)
		var lines []byte
		statusesSeen := map[string]bool{}
		get := func(token, path string) resp {
			r := e.call("GET", b.Name, path, token, nil)
			validate(t, b.Name, r)
			if r.status >= 400 {
				// Core Exchange's Error.code is a string: no built-in bank
				// may send the integer form a profile can opt into.
				var body struct{ Code json.RawMessage }
				require.NoError(t, json.Unmarshal(r.body, &body), "%s %s", b.Name, path)
				assert.True(t, strings.HasPrefix(string(body.Code), `"`), "%s %s: code %s", b.Name, path, body.Code)
			}
			if dump != "" {
				line, err := json.Marshal(map[string]any{"bank": b.Name, "version": version, "path": path, "status": r.status, "body": json.RawMessage(r.body)})
				if err != nil || !json.Valid(r.body) {
					line, _ = json.Marshal(map[string]any{"bank": b.Name, "version": version, "path": path, "status": r.status, "raw": string(r.body)})
				}
				lines = append(append(lines, line...), '\n')
			}
			return r
		}
		clusters := []string{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS", "CUSTOMER_CONTACT", "PAYMENT_SUPPORT"}
		statements := b.Description.Offers("STATEMENTS")
		if statements {
			clusters = append(clusters, "STATEMENTS")
		}
		for _, user := range users {
			g := e.link(b.Name, user, "", clusters, nil)
			get(g.token, "/customers/current")
			list := get(g.token, "/accounts")
			require.Equal(t, 200, list.status, "%s", list.body)
			var accounts fdxclient.Accounts
			require.NoError(t, json.Unmarshal(list.body, &accounts))
			for _, raw := range list.json(t)["accounts"].([]any) {
				for member, v := range entries(t, b.Name, version, raw, accountMembers) {
					checkDescriptor(t, b.Name, member, v, facts)
					statusesSeen[v["status"].(string)] = true
				}
			}
			for _, id := range g.accounts {
				esc := url.PathEscape(id)
				detail := get(g.token, "/accounts/"+esc)
				require.Equal(t, 200, detail.status, "%s", detail.body)
				for member, v := range entries(t, b.Name, version, map[string]any(detail.json(t)), accountMembers) {
					checkDetail(t, b.Name, member, v, facts)
				}
				get(g.token, "/accounts/"+esc+"/contact")
				get(g.token, "/accounts/"+esc+"/payment-networks")
				if statements {
					get(g.token, "/accounts/"+esc+"/statements")
				}
				next := url.Values{"limit": {strconv.Itoa(b.Description.Paging.Max)}}
				for pages := 0; pages < 20; pages++ {
					r := get(g.token, "/accounts/"+esc+"/transactions?"+next.Encode())
					if r.status != 200 {
						break // a restricted or closed account answers an FDX error
					}
					body := r.json(t)
					for _, raw := range body["transactions"].([]any) {
						for member, v := range entries(t, b.Name, version, raw, transactionMembers) {
							checkTransaction(t, b.Name, member, v, facts)
						}
					}
					page, _ := body["page"].(map[string]any)
					if k, ok := page["nextPageKey"].(string); ok && k != "" {
						next.Set("pageKey", k)
					} else if o, ok := page["nextOffset"].(string); ok && o != "" {
						next.Set("offset", o)
					} else {
						break
					}
				}
			}
		}
		// user_locked's RESTRICTED checking account is listed as such where
		// the version knows the status, and as OPEN in 4.6.
		assert.Equal(t, version != "4.6", statusesSeen["RESTRICTED"], b.Name)
		assert.True(t, statusesSeen["CLOSED"], b.Name)
		if dump != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dump, b.Name+".jsonl"), lines, 0o644))
		}
	}
}

// The member FDX 4/5 wraps each account category's entry in.
var (
	accountMembers     = map[string]string{"DEPOSIT_ACCOUNT": "depositAccount", "LOC_ACCOUNT": "locAccount", "LOAN_ACCOUNT": "loanAccount"}
	transactionMembers = map[string]string{"DEPOSIT_ACCOUNT": "depositTransaction", "LOC_ACCOUNT": "locTransaction", "LOAN_ACCOUNT": "loanTransaction"}
)

// entries reads one account or transaction entry as member name -> fields,
// checking it is in the version's layout: Core Exchange 6.x's flat object
// tagged by accountCategory from 6.0 on, FDX 4/5's single member before.
func entries(t *testing.T, bank, version string, raw any, members map[string]string) map[string]map[string]any {
	t.Helper()
	obj, ok := raw.(map[string]any)
	require.True(t, ok, "%s: entry is not an object", bank)
	cat, tagged := obj["accountCategory"].(string)
	major, _, _ := strings.Cut(version, ".")
	flat := major >= "6" // versions run 4 to 9

	if !assert.Equal(t, flat, tagged, "%s (FDX %s): flat layout tagged by accountCategory from 6.0 on, members before: %v", bank, version, obj) {
		return nil
	}
	if flat {
		for _, m := range members {
			assert.NotContains(t, obj, m, "%s: a flat entry has no member", bank)
		}
		require.Contains(t, members, cat, bank)
		return map[string]map[string]any{members[cat]: obj}
	}
	out := map[string]map[string]any{}
	for m, v := range obj {
		fields, ok := v.(map[string]any)
		require.True(t, ok, "%s: member %s is not an object", bank, m)
		out[m] = fields
	}
	require.Len(t, out, 1, "%s: exactly one member", bank)
	return out
}

func checkDescriptor(t *testing.T, bank, member string, a map[string]any, f coreexchange.Facts) {
	t.Helper()
	where := fmt.Sprintf("%s %s %v", bank, member, a["accountId"])
	for _, field := range []string{"accountId", "accountType", "productName", "status", "currency", "accountCategory"} {
		assert.NotEmpty(t, a[field], "%s: %s", where, field)
	}
	if cur, ok := a["currency"].(map[string]any); assert.True(t, ok, where) {
		assert.NotEmpty(t, cur["currencyCode"], where)
	}
	assert.Contains(t, f.Statuses, a["status"], where)
}

func checkDetail(t *testing.T, bank, member string, a map[string]any, f coreexchange.Facts) {
	t.Helper()
	checkDescriptor(t, bank, member, a, f)
	where := fmt.Sprintf("%s %s %v", bank, member, a["accountId"])
	for _, field := range f.DateTimes {
		if v, ok := a[field]; ok {
			_, err := time.Parse(time.RFC3339, fmt.Sprint(v))
			assert.NoError(t, err, "%s: %s must be a date-time", where, field)
		}
	}
	var required []string
	switch member {
	case "depositAccount":
		required = []string{"currentBalance", "availableBalance"}
	case "locAccount":
		required = []string{"currentBalance", "availableCredit"}
	case "loanAccount":
		required = f.LoanRequired
		if f.MortgageAccountNumber && a["accountType"] == "MORTGAGE" {
			required = append(slices.Clone(required), "accountNumber")
		}
		for _, field := range f.LoanDateTimes {
			_, err := time.Parse(time.RFC3339, fmt.Sprint(a[field]))
			assert.NoError(t, err, "%s: %s is a date-time", where, field)
		}
		if n, ok := a["accountNumber"]; ok {
			// Never a full number: masked, ending with the displayed digits.
			assert.True(t, coreexchange.MaskedAccountNumber(fmt.Sprint(n)), "%s: account number %v is not masked", where, n)
			assert.Equal(t, fmt.Sprint(a["accountNumberDisplay"])[3:], fmt.Sprint(n)[len(fmt.Sprint(n))-4:], where)
		}
	default:
		t.Errorf("%s: unexpected member", where)
	}
	for _, field := range required {
		assert.Contains(t, a, field, "%s: %s", where, field)
	}
}

func checkTransaction(t *testing.T, bank, member string, tx map[string]any, f coreexchange.Facts) {
	t.Helper()
	where := fmt.Sprintf("%s %s %v", bank, member, tx["transactionId"])
	for _, field := range []string{"transactionId", "description", "transactionTimestamp", "status", "amount", "debitCreditMemo"} {
		assert.Contains(t, tx, field, "%s: %s", where, field)
	}
	assert.NotEmpty(t, tx["description"], where)
	typ, ok := tx["transactionType"]
	if !ok {
		return
	}
	list := map[string][]string{"depositTransaction": f.DepositTypes, "locTransaction": f.LocTypes, "loanTransaction": f.LoanTypes}[member]
	if list != nil {
		assert.Contains(t, list, typ, where)
	}
}

// Package scenario reads scenario files: the admin spec's Scenario
// document (users with accounts and transactions, faults, clock steps) as
// YAML or JSON, so that a QA suite keeps its fixtures in its own
// repository and loads them with mockbank -scenario FILE or through the
// admin API (POST /admin/scenarios, which cmd/mockbankctl scenario FILE
// sends after checking the file here).
//
// It is public so that mockbank and the tools around it read scenarios
// with one parser: mockbank applies a parsed scenario at start, and
// mockbankctl checks a file before sending it.
//
// # Exactness
//
// YAML is read with go.yaml.in/yaml/v3 into its node tree and converted to
// JSON by hand, scalar by scalar, keeping each number's literal text, so
// an amount such as 0.10 or 1234567.89 never passes through a float. The
// JSON is then validated against the Scenario schema of openapi/admin.yaml
// with kin-openapi (the same rules the admin API applies to a request) and
// decoded strictly into adminapi.Scenario: unknown fields, wrong types and
// out-of-range values are errors with their location, never ignored.
// The schema is read from the embedded spec on every Parse (a few
// milliseconds): no state is kept between calls.
//
// # Example
//
//	users:
//	  - user: {bank: chase, username: qa_alice, password: pass_good}
//	    accounts:
//	      - account: {type: CHECKING, openingBalance: 1500.00}
//	        transactions:
//	          - {amount: -42.50, description: "WHOLE FOODS #10234", status: PENDING, postAfter: 24h}
//	faults:
//	  - {bank: citi, endpoint: searchForAccountTransactions, status: 503, fdxCode: 501, retryAfterSeconds: 2, times: 3}
//	clockSteps: [36h]
//
// # Stability
//
// v0.x: the document follows openapi/admin.yaml; fields may be added, and
// anything removed is noted in CHANGELOG.md.
package scenario

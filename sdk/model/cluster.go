package model

import (
	"fmt"
	"slices"
	"strings"
)

// Cluster is an FDX data cluster. Each cluster is also one OAuth scope with
// the same name, so a grant's clusters are read from the token's scope.
type Cluster string

// The FDX data clusters. AccountPayments, Investments and CustomerPersonal
// exist in FDX and may be requested, but no obconnect connector serves data
// for them yet.
const (
	AccountBasic     Cluster = "ACCOUNT_BASIC"
	AccountDetailed  Cluster = "ACCOUNT_DETAILED"
	Transactions     Cluster = "TRANSACTIONS"
	Statements       Cluster = "STATEMENTS"
	CustomerContact  Cluster = "CUSTOMER_CONTACT"
	PaymentSupport   Cluster = "PAYMENT_SUPPORT"
	AccountPayments  Cluster = "ACCOUNT_PAYMENTS"
	Investments      Cluster = "INVESTMENTS"
	CustomerPersonal Cluster = "CUSTOMER_PERSONAL"
)

// clusters is the known set in its stable order; Clusters hands out copies.
var clusters = [...]Cluster{AccountBasic, AccountDetailed, Transactions, Statements, CustomerContact, PaymentSupport, AccountPayments, Investments, CustomerPersonal}

// Clusters returns the clusters obconnect knows, in a stable order. The
// slice is new on every call: the caller may keep or change it.
func Clusters() []Cluster { return slices.Clone(clusters[:]) }

// Valid reports whether c is one of the known FDX clusters.
func (c Cluster) Valid() bool { return slices.Contains(clusters[:], c) }

// String returns the FDX name, which is also the OAuth scope.
func (c Cluster) String() string { return string(c) }

// ParseClusters reads the clusters out of an OAuth scope string
// ("openid offline_access ACCOUNT_BASIC TRANSACTIONS"). Scopes that are not
// clusters (openid, offline_access, bank extensions) are skipped; the result
// is sorted in Clusters order and has no duplicates.
func ParseClusters(scope string) []Cluster {
	var out []Cluster
	for _, f := range strings.Fields(scope) {
		c := Cluster(f)
		if c.Valid() && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Cluster) int { return slices.Index(clusters[:], a) - slices.Index(clusters[:], b) })
	return out
}

// Purpose is the declared purpose of a consent. The set is closed: the
// only valid values are the constants below, and the list deliberately has
// no advertising or marketing purpose. Any other value, including the zero
// value, is invalid: [Purpose.Valid] is false, it is refused wherever a
// purpose is required, and it can be neither marshalled nor unmarshalled.
type Purpose string

// The purposes a consent can declare, by their wire names. FDX and US rules
// (CFPB section 1033) forbid using consumer-permissioned data for targeted
// advertising, so no such purpose exists here.
const (
	PurposeAccountAggregation          Purpose = "ACCOUNT_AGGREGATION"
	PurposePersonalFinancialManagement Purpose = "PERSONAL_FINANCIAL_MANAGEMENT"
	PurposeFraudDetection              Purpose = "FRAUD_DETECTION"
	PurposePayments                    Purpose = "PAYMENTS"
	PurposeCreditDecisioning           Purpose = "CREDIT_DECISIONING"
)

var purposes = [...]Purpose{PurposeAccountAggregation, PurposePersonalFinancialManagement, PurposeFraudDetection, PurposePayments, PurposeCreditDecisioning}

// Purposes returns every valid purpose. The slice is new on every call.
func Purposes() []Purpose { return slices.Clone(purposes[:]) }

// ParsePurpose returns the purpose with the given wire name, or an error for
// any other text (including every advertising or marketing variant).
func ParsePurpose(s string) (Purpose, error) {
	if p := Purpose(s); p.Valid() {
		return p, nil
	}
	return "", fmt.Errorf("model: %q is not a permitted purpose", truncateText(s))
}

// Valid reports whether p is one of the permitted purposes.
func (p Purpose) Valid() bool { return slices.Contains(purposes[:], p) }

// String returns the wire name, e.g. "PERSONAL_FINANCIAL_MANAGEMENT".
func (p Purpose) String() string { return string(p) }

// MarshalText writes the wire name; an invalid Purpose is an error.
func (p Purpose) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("model: %q is not a permitted purpose", truncateText(string(p)))
	}
	return []byte(p), nil
}

// UnmarshalText accepts only the permitted purposes.
func (p *Purpose) UnmarshalText(b []byte) error {
	v, err := ParsePurpose(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

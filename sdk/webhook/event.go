package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

// Type is a notification type. The constants are the ones mockbank sends
// and this package decodes into typed data; any other value is carried
// through unchanged (Event.Data is then nil), because a bank adding a type
// must not break receivers.
type Type string

// Notification types with typed data.
const (
	TypeTransactionsNew    Type = "TRANSACTIONS_NEW"    // *NewTransactions
	TypeTransactionsPosted Type = "TRANSACTIONS_POSTED" // *PostedTransactions
	TypeBalance            Type = "BALANCE"             // *LowBalance
	TypeFraudSuspected     Type = "FRAUD_SUSPECTED"     // *SuspectedFraud
	TypeConsentRevoked     Type = "CONSENT_REVOKED"     // *ConsentRevoked
	TypeConsentUpdated     Type = "CONSENT_UPDATED"     // *ConsentUpdated
	TypeConsentExpiring    Type = "CONSENT_EXPIRING"    // *ConsentExpiring
	TypePlannedOutage      Type = "PLANNED_OUTAGE"      // *PlannedOutage
)

// Field is one entry of the notification payload's customFields, in the
// order the bank sent it.
type Field struct {
	Name  string
	Value string
}

// Subject is what the notification is about: the payload's id and idType
// (ACCOUNT, CONSENT, CUSTOMER, MAINTENANCE, PARTY, TRANSACTION, or a value
// this package does not know).
type Subject struct {
	ID   string
	Kind string
}

// Event is a verified notification. Everything in it comes from the signed
// body; nothing is taken from unsigned request headers.
type Event struct {
	// ID is the notificationId, unique per publisher.
	ID string
	// Type is the notification type; see the Type constants.
	Type Type
	// SentOn is when the bank sent the notification (bank's clock,
	// mockbank's simulated clock).
	SentOn time.Time
	// Category, Severity and Priority are FDX's classifications, empty
	// when absent.
	Category, Severity, Priority string
	// Publisher is the bank's party name (publisher.name).
	Publisher string
	// Subject is the payload's id and idType.
	Subject Subject
	// Fields are the payload's customFields.
	Fields []Field
	// Data is the typed content for the known types (a pointer to one of
	// NewTransactions, PostedTransactions, LowBalance, SuspectedFraud,
	// ConsentRevoked, ConsentUpdated, ConsentExpiring, PlannedOutage), nil
	// for any other type.
	Data any
	// Notification is the decoded FDX body, for fields not lifted above.
	Notification fdxclient.Notification
	// Raw is a copy of the exact bytes whose signature was verified.
	Raw []byte
	// KeyID is the kid of the key that verified the signature.
	KeyID string

	replayKey string
}

// Field returns the value of the first custom field named name.
func (e *Event) Field(name string) (string, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// String identifies the event for logs without its payload.
func (e *Event) String() string {
	return fmt.Sprintf("webhook.Event{%s %s from %s at %s}", quoteShort(string(e.Type)), quoteShort(e.ID), quoteShort(e.Publisher), e.SentOn.UTC().Format(time.RFC3339))
}

// LogValue logs the event's identity, never its payload.
func (e *Event) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID),
		slog.String("type", string(e.Type)),
		slog.String("publisher", e.Publisher),
		slog.Time("sentOn", e.SentOn),
		slog.String("subjectKind", e.Subject.Kind),
	)
}

// NewTransactions reports new activity (usually pending transactions) on an
// account: fetch it, or run a sync.
type NewTransactions struct {
	AccountID string
	// TransactionIDs lists the new transactions when the bank names them
	// (fields transactionIds, comma-separated, or repeated transactionId);
	// empty means "sync to find out".
	TransactionIDs []string
	// Status is the transactions' status (PENDING, POSTED) when sent.
	Status string
}

// PostedTransactions reports pending transactions that have posted.
type PostedTransactions struct {
	AccountID      string
	TransactionIDs []string
	Status         string // when sent
}

// LowBalance reports an account balance under the threshold the bank (or
// the subscription) set. Amounts are the exact decimal text the bank sent,
// never a float.
type LowBalance struct {
	AccountID string
	// Balance is the balance that fell under the threshold; HasBalance
	// says whether the bank sent it (fields balance, availableBalance or
	// currentBalance). A notification fired by hand may omit it.
	Balance    fdxtypes.Decimal
	HasBalance bool
	// BalanceType is AVAILABLE or CURRENT when the bank says which, from
	// the balanceType field or the name of the field carrying the amount.
	BalanceType string
	// Threshold is the limit crossed; HasThreshold says whether it was sent.
	Threshold    fdxtypes.Decimal
	HasThreshold bool
	// Currency is the ISO 4217 code when sent (fields currency or
	// currencyCode).
	Currency string
}

// SuspectedFraud reports a transaction (or, when TransactionID is empty,
// an account) the bank suspects of fraud. At least one of the two is set.
type SuspectedFraud struct {
	TransactionID string
	AccountID     string
	Reason        string // when sent
}

// ConsentRevoked reports that the user (or the bank) withdrew consent,
// either entirely or for one account. Stop using the data concerned and
// delete what the consent covered.
type ConsentRevoked struct {
	ConsentID string
	// AccountID is set when only this account was removed from the
	// consent; empty means the whole consent is revoked.
	AccountID string
	Reason    string // when sent
	Initiator string // who revoked (fields initiator or revokedBy), when sent
}

// WholeConsent reports whether the revocation covers the whole consent.
func (c *ConsentRevoked) WholeConsent() bool { return c.AccountID == "" }

// ConsentUpdated reports a change to the consent (accounts or clusters);
// read the consent again to learn its new scope.
type ConsentUpdated struct {
	ConsentID  string
	AccountIDs []string // when sent (accountIds or repeated accountId)
	Status     string   // when sent
}

// ConsentExpiring warns that the consent ends soon: send the user through a
// re-authorisation link before ExpiresAt.
type ConsentExpiring struct {
	ConsentID string
	// ExpiresAt is the consent's end (fields expirationTime, expiresAt,
	// consentExpiresAt or expiresOn); zero when the bank did not say, in
	// which case read the consent.
	ExpiresAt time.Time
}

// PlannedOutage announces a maintenance window at the bank.
type PlannedOutage struct {
	OutageID string
	// Start and End bound the window (fields startTime and endTime); each
	// is zero when not sent.
	Start, End  time.Time
	Description string // when sent
}

// decodeData fills e.Data for the known types. The reference a type is
// about (the account, the consent) is required. Details a bank may leave
// out (a notification fired by hand often does) are optional, but a detail
// that is present and unreadable (a balance of "NaN", two different
// balances) is an error: guessing would hide a bank's bug.
func (e *Event) decodeData() error {
	switch e.Type {
	case TypeTransactionsNew, TypeTransactionsPosted:
		acc := e.ref("ACCOUNT", "accountId")
		if acc == "" {
			return missing("accountId")
		}
		ids := e.list("transactionIds", "transactionId")
		_, status, err := e.one("status")
		if err != nil {
			return err
		}
		if e.Type == TypeTransactionsNew {
			e.Data = &NewTransactions{AccountID: acc, TransactionIDs: ids, Status: status}
		} else {
			e.Data = &PostedTransactions{AccountID: acc, TransactionIDs: ids, Status: status}
		}
	case TypeBalance:
		d := &LowBalance{AccountID: e.ref("ACCOUNT", "accountId")}
		if d.AccountID == "" {
			return missing("accountId")
		}
		name, text, err := e.one("balance", "availableBalance", "currentBalance")
		if err != nil {
			return err
		}
		if name != "" {
			if d.Balance, err = fdxtypes.ParseDecimal(text); err != nil {
				return badValue(name, fdxtypes.ErrInvalidDecimal)
			}
			d.HasBalance = true
		}
		switch name {
		case "availableBalance":
			d.BalanceType = "AVAILABLE"
		case "currentBalance":
			d.BalanceType = "CURRENT"
		}
		if _, bt, err := e.one("balanceType"); err != nil {
			return err
		} else if bt != "" {
			d.BalanceType = bt
		}
		if name, text, err := e.one("threshold", "lowBalanceThreshold"); err != nil {
			return err
		} else if name != "" {
			if d.Threshold, err = fdxtypes.ParseDecimal(text); err != nil {
				return badValue(name, fdxtypes.ErrInvalidDecimal)
			}
			d.HasThreshold = true
		}
		if _, d.Currency, err = e.one("currency", "currencyCode"); err != nil {
			return err
		}
		e.Data = d
	case TypeFraudSuspected:
		d := &SuspectedFraud{TransactionID: e.ref("TRANSACTION", "transactionId"), AccountID: e.ref("ACCOUNT", "accountId")}
		if d.TransactionID == "" && d.AccountID == "" {
			return missing("transactionId or accountId")
		}
		var err error
		if _, d.Reason, err = e.one("reason"); err != nil {
			return err
		}
		e.Data = d
	case TypeConsentRevoked:
		d := &ConsentRevoked{ConsentID: e.ref("CONSENT", "consentId"), AccountID: e.ref("ACCOUNT", "accountId")}
		if d.ConsentID == "" {
			return missing("consentId")
		}
		var err error
		if _, d.Reason, err = e.one("reason"); err != nil {
			return err
		}
		if _, d.Initiator, err = e.one("initiator", "revokedBy"); err != nil {
			return err
		}
		e.Data = d
	case TypeConsentUpdated:
		d := &ConsentUpdated{ConsentID: e.ref("CONSENT", "consentId"), AccountIDs: e.list("accountIds", "accountId")}
		if d.ConsentID == "" {
			return missing("consentId")
		}
		var err error
		if _, d.Status, err = e.one("status"); err != nil {
			return err
		}
		e.Data = d
	case TypeConsentExpiring:
		d := &ConsentExpiring{ConsentID: e.ref("CONSENT", "consentId")}
		if d.ConsentID == "" {
			return missing("consentId")
		}
		name, text, err := e.one("expirationTime", "expiresAt", "consentExpiresAt", "expiresOn")
		if err != nil {
			return err
		}
		if name != "" {
			if d.ExpiresAt, err = parseTimeOrDate(text); err != nil {
				return badValue(name, err)
			}
		}
		e.Data = d
	case TypePlannedOutage:
		d := &PlannedOutage{OutageID: e.ref("MAINTENANCE", "outageId")}
		sn, st, err := e.one("startTime", "start", "outageStart")
		if err != nil {
			return err
		}
		en, et, err := e.one("endTime", "end", "outageEnd")
		if err != nil {
			return err
		}
		if sn != "" {
			if d.Start, err = parseTimeOrDate(st); err != nil {
				return badValue(sn, err)
			}
		}
		if en != "" {
			if d.End, err = parseTimeOrDate(et); err != nil {
				return badValue(en, err)
			}
		}
		if sn != "" && en != "" && d.End.Before(d.Start) {
			return errors.New("outage ends before it starts")
		}
		if _, d.Description, err = e.one("description"); err != nil {
			return err
		}
		e.Data = d
	}
	return nil
}

// ref returns the payload id when its idType is kind, else the custom
// field named field (an account-level revocation is about a CONSENT and
// names the account in a field; a fraud alert is about a TRANSACTION and
// may name the account).
func (e *Event) ref(kind, field string) string {
	if e.Subject.Kind == kind {
		return e.Subject.ID
	}
	v, _ := e.Field(field)
	return v
}

// one returns the single value carried under any of names (aliases, in
// order of preference). Two different values under these names are
// ambiguous and rejected rather than resolved by guessing.
func (e *Event) one(names ...string) (name, value string, err error) {
	for _, f := range e.Fields {
		for _, n := range names {
			if f.Name != n {
				continue
			}
			if name == "" {
				name, value = n, f.Value
			} else if f.Value != value {
				return "", "", fmt.Errorf("fields %s and %s disagree", name, n)
			}
		}
	}
	return name, value, nil
}

// list gathers ids from a comma-separated field and a repeatable one,
// without duplicates, in order.
func (e *Event) list(csvName, repeated string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, f := range e.Fields {
		switch f.Name {
		case csvName:
			for _, v := range strings.Split(f.Value, ",") {
				add(v)
			}
		case repeated:
			add(f.Value)
		}
	}
	return out
}

func missing(field string) error { return fmt.Errorf("required field %s missing", field) }

// badValue names the field but not its value: payload values (balances,
// ids) stay out of error strings and logs.
func badValue(field string, err error) error { return fmt.Errorf("field %s: %w", field, err) }

var errNotTime = errors.New("neither an RFC 3339 time nor a date")

// parseTimeOrDate accepts RFC 3339 timestamps and FDX DateString dates
// (taken as midnight UTC).
func parseTimeOrDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errNotTime
	}
	return t, nil
}

// Typed accessors. Each returns ErrWrongType when the event is of another
// type, so a handler can write `if d, err := ev.LowBalance(); err == nil`.

// NewTransactions returns the data of a TRANSACTIONS_NEW event.
func (e *Event) NewTransactions() (*NewTransactions, error) { return as[*NewTransactions](e) }

// PostedTransactions returns the data of a TRANSACTIONS_POSTED event.
func (e *Event) PostedTransactions() (*PostedTransactions, error) {
	return as[*PostedTransactions](e)
}

// LowBalance returns the data of a BALANCE event.
func (e *Event) LowBalance() (*LowBalance, error) { return as[*LowBalance](e) }

// SuspectedFraud returns the data of a FRAUD_SUSPECTED event.
func (e *Event) SuspectedFraud() (*SuspectedFraud, error) { return as[*SuspectedFraud](e) }

// ConsentRevoked returns the data of a CONSENT_REVOKED event.
func (e *Event) ConsentRevoked() (*ConsentRevoked, error) { return as[*ConsentRevoked](e) }

// ConsentUpdated returns the data of a CONSENT_UPDATED event.
func (e *Event) ConsentUpdated() (*ConsentUpdated, error) { return as[*ConsentUpdated](e) }

// ConsentExpiring returns the data of a CONSENT_EXPIRING event.
func (e *Event) ConsentExpiring() (*ConsentExpiring, error) { return as[*ConsentExpiring](e) }

// PlannedOutage returns the data of a PLANNED_OUTAGE event.
func (e *Event) PlannedOutage() (*PlannedOutage, error) { return as[*PlannedOutage](e) }

func as[T any](e *Event) (T, error) {
	d, ok := e.Data.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("%w: %s", ErrWrongType, quoteShort(string(e.Type)))
	}
	return d, nil
}

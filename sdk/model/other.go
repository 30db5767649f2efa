package model

import (
	"fmt"
	"log/slog"
	"time"
)

// StatementStatus is FDX's statement status. Unknown values pass through.
type StatementStatus string

// FDX statement statuses.
const (
	StatementAvailable  StatementStatus = "AVAILABLE"
	StatementProcessing StatementStatus = "PROCESSING"
	StatementFailed     StatementStatus = "FAILED"
)

// Statement describes one periodic statement; its document is read with
// the client's statement download.
type Statement struct {
	ID        string
	AccountID string
	// Date is the statement date, midnight UTC.
	Date        time.Time
	Description string
	Status      StatementStatus
}

// Contact is the contact information held for an account (CUSTOMER_CONTACT).
// It is personal data: it has no String or LogValue that prints it.
type Contact struct {
	Holders    []Holder
	Emails     []string
	Addresses  []Address
	Telephones []Telephone
}

// LogValue logs only counts, never personal data.
func (c Contact) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("holders", len(c.Holders)), slog.Int("emails", len(c.Emails)),
		slog.Int("addresses", len(c.Addresses)), slog.Int("telephones", len(c.Telephones)))
}

// String prints counts only.
func (c Contact) String() string {
	return fmt.Sprintf("Contact{holders:%d emails:%d addresses:%d telephones:%d}", len(c.Holders), len(c.Emails), len(c.Addresses), len(c.Telephones))
}

// Holder is an account holder.
type Holder struct {
	Name Name
	// Relationship is FDX's (PRIMARY, JOINT, AUTHORIZED_USER, ...).
	Relationship string
}

// Name is a person's or company's name.
type Name struct {
	Prefix, First, Middle, Last, Suffix, Company string
}

// Address is a postal address.
type Address struct {
	Line1, Line2, Line3 string
	City                string
	Region              string
	PostalCode          string
	// Country is ISO 3166-1 alpha-2.
	Country string
	// Type is FDX's delivery address type (HOME, BUSINESS, MAILING, ...).
	Type string
}

// Telephone is a phone number.
type Telephone struct {
	Type    string
	Country string
	Number  string
}

// PaymentNetworkType is FDX's payment network type (US_ACH, US_FEDWIRE,
// US_CHIPS, CA_ACSS, ...). Unknown values pass through.
type PaymentNetworkType string

// Common payment network types.
const (
	USACH     PaymentNetworkType = "US_ACH"
	USFedwire PaymentNetworkType = "US_FEDWIRE"
	USChips   PaymentNetworkType = "US_CHIPS"
)

// PaymentNetwork is what is needed to move money to or from an account on a
// network (PAYMENT_SUPPORT): routing number and full account number.
type PaymentNetwork struct {
	// BankID is the routing number (ABA for US_ACH).
	BankID string
	// Identifier is the full account number on the network; it prints masked.
	Identifier     AccountNumber
	IdentifierType string
	Type           PaymentNetworkType
	TransferIn     bool
	TransferOut    bool
}

// String prints the network with the identifier masked.
func (p PaymentNetwork) String() string {
	return fmt.Sprintf("PaymentNetwork{%s bank:%s id:%s in:%t out:%t}", p.Type, p.BankID, p.Identifier.Mask(), p.TransferIn, p.TransferOut)
}

// LogValue logs the network with the identifier masked.
func (p PaymentNetwork) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", string(p.Type)), slog.String("bank_id", p.BankID),
		slog.String("identifier", p.Identifier.Mask()))
}

// ConsentStatus is FDX's consent status. Unknown values pass through.
type ConsentStatus string

// FDX consent statuses, named ConsentStatusX so that they cannot be
// mistaken for the error codes ConsentRevoked and ConsentExpired.
const (
	ConsentStatusActive    ConsentStatus = "ACTIVE"
	ConsentStatusRevoked   ConsentStatus = "REVOKED"
	ConsentStatusExpired   ConsentStatus = "EXPIRED"
	ConsentStatusPending   ConsentStatus = "PENDING"
	ConsentStatusSuspended ConsentStatus = "SUSPENDED"
)

// Consent is the bank's view of a consent grant.
type Consent struct {
	ID     string
	Status ConsentStatus
	// Purpose is the purpose recorded by the bank as sent (text, because a
	// bank could record one this SDK would never request).
	Purpose string
	// Clusters are the data clusters granted across the consent's resources.
	Clusters []Cluster
	// Accounts are the account resources with their clusters and status.
	Accounts []ConsentAccount
	Created  time.Time
	Updated  time.Time
	Expires  time.Time
	// DurationDays and LookbackDays are 0 when not sent.
	DurationDays     int
	LookbackDays     int
	RevocationReason string
}

// ConsentAccount is one account covered by a consent.
type ConsentAccount struct {
	AccountID string
	Clusters  []Cluster
	// Status is REVOKED for an account revoked on its own, else "" or ACTIVE.
	Status ConsentStatus
}

// Page is one page of a list as a connector returns it: the items and the
// opaque cursor of the next page ("" on the last page).
type Page[T any] struct {
	Items []T
	Next  string
}

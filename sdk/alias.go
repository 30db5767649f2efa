package sdk

import (
	"time"

	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// The portable model, re-exported so that integrators import only sdk.
type (
	Money             = model.Money
	Account           = model.Account
	AccountCategory   = model.AccountCategory
	AccountType       = model.AccountType
	AccountStatus     = model.AccountStatus
	AccountNumber     = model.AccountNumber
	Balances          = model.Balances
	Transaction       = model.Transaction
	TransactionStatus = model.TransactionStatus
	Direction         = model.Direction
	Statement         = model.Statement
	StatementStatus   = model.StatementStatus
	Contact           = model.Contact
	Holder            = model.Holder
	Name              = model.Name
	Address           = model.Address
	Telephone         = model.Telephone
	PaymentNetwork    = model.PaymentNetwork
	Consent           = model.Consent
	ConsentAccount    = model.ConsentAccount
	ConsentStatus     = model.ConsentStatus
	Cluster           = model.Cluster
	Purpose           = model.Purpose
)

// Clusters, re-exported.
const (
	AccountBasic     = model.AccountBasic
	AccountDetailed  = model.AccountDetailed
	Transactions     = model.Transactions
	Statements       = model.Statements
	CustomerContact  = model.CustomerContact
	PaymentSupport   = model.PaymentSupport
	Investments      = model.Investments
	CustomerPersonal = model.CustomerPersonal
)

// Transaction statuses and directions, re-exported.
const (
	Pending = model.Pending
	Posted  = model.Posted
	Debit   = model.Debit
	Credit  = model.Credit
	Memo    = model.Memo
)

// Purposes, re-exported. The set is closed; see model.Purpose.
const (
	PurposeAccountAggregation          = model.PurposeAccountAggregation
	PurposePersonalFinancialManagement = model.PurposePersonalFinancialManagement
	PurposeFraudDetection              = model.PurposeFraudDetection
	PurposePayments                    = model.PurposePayments
	PurposeCreditDecisioning           = model.PurposeCreditDecisioning
)

// ParseMoney converts exact decimal text into Money; see model.ParseMoney.
func ParseMoney(text, currency string) (Money, error) { return model.ParseMoney(text, currency) }

// ParsePurpose returns the purpose with that wire name; see model.ParsePurpose.
func ParsePurpose(s string) (Purpose, error) { return model.ParsePurpose(s) }

// Errors, re-exported; see package obcerr.
type (
	// Code classifies an error; read it with ErrorCode.
	Code = obcerr.Code
	// Error is a classified SDK error.
	Error = obcerr.Error
	// BankError is the bank's own error, reached with errors.As.
	BankError = obcerr.BankError
)

// Error codes, re-exported.
const (
	OK               = obcerr.OK
	Unknown          = obcerr.Unknown
	NotFound         = obcerr.NotFound
	InvalidArgument  = obcerr.InvalidArgument
	Unauthenticated  = obcerr.Unauthenticated
	PermissionDenied = obcerr.PermissionDenied
	ConsentRevoked   = obcerr.ConsentRevoked
	ConsentExpired   = obcerr.ConsentExpired
	ScopeNotGranted  = obcerr.ScopeNotGranted
	RateLimited      = obcerr.RateLimited
	Unavailable      = obcerr.Unavailable
	AccountClosed    = obcerr.AccountClosed
	AccountLocked    = obcerr.AccountLocked
	Unimplemented    = obcerr.Unimplemented
	Internal         = obcerr.Internal
	Canceled         = obcerr.Canceled
	DeadlineExceeded = obcerr.DeadlineExceeded
)

// Sentinels for errors.Is, one per code.
var (
	ErrUnknown          = obcerr.ErrUnknown
	ErrNotFound         = obcerr.ErrNotFound
	ErrInvalidArgument  = obcerr.ErrInvalidArgument
	ErrUnauthenticated  = obcerr.ErrUnauthenticated
	ErrPermissionDenied = obcerr.ErrPermissionDenied
	ErrConsentRevoked   = obcerr.ErrConsentRevoked
	ErrConsentExpired   = obcerr.ErrConsentExpired
	ErrScopeNotGranted  = obcerr.ErrScopeNotGranted
	ErrRateLimited      = obcerr.ErrRateLimited
	ErrUnavailable      = obcerr.ErrUnavailable
	ErrAccountClosed    = obcerr.ErrAccountClosed
	ErrAccountLocked    = obcerr.ErrAccountLocked
	ErrUnimplemented    = obcerr.ErrUnimplemented
	ErrInternal         = obcerr.ErrInternal
	ErrCanceled         = obcerr.ErrCanceled
	ErrDeadlineExceeded = obcerr.ErrDeadlineExceeded
)

// ErrorCode returns the code of any error the SDK returned (OK for nil).
func ErrorCode(err error) Code { return obcerr.ErrorCode(err) }

// RetryAfter returns how long the bank asked to wait, if it said.
func RetryAfter(err error) (time.Duration, bool) { return obcerr.RetryAfter(err) }

// NewError builds a classified error, for integrators' tests.
func NewError(code Code, msg string) error { return obcerr.New(code, msg) }

package sdk

import (
	"time"

	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// This file re-exports, as aliases, everything of sdk/model and sdk/obcerr
// that an integrator passes to a Client or reads from one, so that they
// import package sdk alone (see "Re-exports" in the package
// documentation). Helpers that only connectors need stay in those
// packages: model.Page, model.SignedAmount, model.ParseClusters,
// model.FormatMCC, model.MaskNumber, model.CurrencyExponent,
// obcerr.ParseRetryAfter.

// The portable data model; see package sdk/model.
type (
	Money              = model.Money
	Account            = model.Account
	AccountCategory    = model.AccountCategory
	AccountType        = model.AccountType
	AccountStatus      = model.AccountStatus
	AccountNumber      = model.AccountNumber
	Balances           = model.Balances
	Transaction        = model.Transaction
	TransactionStatus  = model.TransactionStatus
	Direction          = model.Direction
	Statement          = model.Statement
	StatementStatus    = model.StatementStatus
	Contact            = model.Contact
	Holder             = model.Holder
	Name               = model.Name
	Address            = model.Address
	Telephone          = model.Telephone
	PaymentNetwork     = model.PaymentNetwork
	PaymentNetworkType = model.PaymentNetworkType
	Consent            = model.Consent
	ConsentAccount     = model.ConsentAccount
	ConsentStatus      = model.ConsentStatus
	Cluster            = model.Cluster
	Purpose            = model.Purpose
)

// FDX data clusters; see model.Cluster. No connector serves
// AccountPayments, Investments or CustomerPersonal yet.
const (
	AccountBasic     = model.AccountBasic
	AccountDetailed  = model.AccountDetailed
	Transactions     = model.Transactions
	Statements       = model.Statements
	CustomerContact  = model.CustomerContact
	PaymentSupport   = model.PaymentSupport
	AccountPayments  = model.AccountPayments
	Investments      = model.Investments
	CustomerPersonal = model.CustomerPersonal
)

// Purposes a consent can declare. The set is closed; see model.Purpose.
const (
	PurposeAccountAggregation          = model.PurposeAccountAggregation
	PurposePersonalFinancialManagement = model.PurposePersonalFinancialManagement
	PurposeFraudDetection              = model.PurposeFraudDetection
	PurposePayments                    = model.PurposePayments
	PurposeCreditDecisioning           = model.PurposeCreditDecisioning
)

// Account categories; see model.AccountCategory and CategoryOf.
const (
	DepositAccount    = model.DepositAccount
	LoanAccount       = model.LoanAccount
	LineOfCredit      = model.LineOfCredit
	InvestmentAccount = model.InvestmentAccount
	InsuranceAccount  = model.InsuranceAccount
	AnnuityAccount    = model.AnnuityAccount
)

// Account types; see model.AccountType. Values a bank sends that are not
// listed pass through unchanged.
const (
	Checking         = model.Checking
	Savings          = model.Savings
	CD               = model.CD
	MoneyMarket      = model.MoneyMarket
	CreditCard       = model.CreditCard
	LineOfCreditType = model.LineOfCreditType
	Mortgage         = model.Mortgage
	AutoLoan         = model.AutoLoan
	StudentLoan      = model.StudentLoan
	PersonalLoan     = model.PersonalLoan
)

// Account statuses, as the bank reports them in Account.Status; see
// model.AccountStatus. They are not error codes: a call the bank refuses
// because the account is closed fails with the code AccountClosed.
const (
	AccountStatusOpen                   = model.AccountStatusOpen
	AccountStatusClosed                 = model.AccountStatusClosed
	AccountStatusRestricted             = model.AccountStatusRestricted
	AccountStatusPendingOpen            = model.AccountStatusPendingOpen
	AccountStatusPendingClose           = model.AccountStatusPendingClose
	AccountStatusDelinquent             = model.AccountStatusDelinquent
	AccountStatusPaid                   = model.AccountStatusPaid
	AccountStatusNegativeCurrentBalance = model.AccountStatusNegativeCurrentBalance
)

// Consent statuses, as the bank reports them in Consent.Status; see
// model.ConsentStatus. They are not the error codes ConsentRevoked and
// ConsentExpired.
const (
	ConsentStatusActive    = model.ConsentStatusActive
	ConsentStatusRevoked   = model.ConsentStatusRevoked
	ConsentStatusExpired   = model.ConsentStatusExpired
	ConsentStatusPending   = model.ConsentStatusPending
	ConsentStatusSuspended = model.ConsentStatusSuspended
)

// Transaction statuses and directions; see model.TransactionStatus and
// model.Direction.
const (
	Pending       = model.Pending
	Posted        = model.Posted
	Authorization = model.Authorization
	Debit         = model.Debit
	Credit        = model.Credit
	Memo          = model.Memo
)

// Statement statuses; see model.StatementStatus.
const (
	StatementAvailable  = model.StatementAvailable
	StatementProcessing = model.StatementProcessing
	StatementFailed     = model.StatementFailed
)

// Payment network types; see model.PaymentNetworkType.
const (
	USACH     = model.USACH
	USFedwire = model.USFedwire
	USChips   = model.USChips
)

// ParseMoney converts exact decimal text into Money; see model.ParseMoney.
func ParseMoney(text, currency string) (Money, error) { return model.ParseMoney(text, currency) }

// NewMoney returns minor units of currency as Money; see model.NewMoney.
func NewMoney(minor int64, currency string) (Money, error) { return model.NewMoney(minor, currency) }

// MustMoney is ParseMoney that panics on error, for constants and tests;
// see model.MustMoney.
func MustMoney(text, currency string) Money { return model.MustMoney(text, currency) }

// CategoryOf returns the category of an account type, "" for a type it
// does not know; see model.CategoryOf.
func CategoryOf(t AccountType) AccountCategory { return model.CategoryOf(t) }

// ParsePurpose returns the purpose with that wire name; see model.ParsePurpose.
func ParsePurpose(s string) (Purpose, error) { return model.ParsePurpose(s) }

// Purposes returns every valid purpose, in a new slice.
func Purposes() []Purpose { return model.Purposes() }

// Clusters returns every FDX cluster obconnect knows, in a new slice. What
// one bank offers is in its Profile.
func Clusters() []Cluster { return model.Clusters() }

// Sentinels of invalid Money, for errors.Is; see package sdk/model.
var (
	ErrInvalidMoney     = model.ErrInvalidMoney
	ErrInexact          = model.ErrInexact
	ErrOutOfRange       = model.ErrOutOfRange
	ErrCurrencyMismatch = model.ErrCurrencyMismatch
)

// Errors; see package sdk/obcerr.
type (
	// Code classifies an error; read it with ErrorCode.
	Code = obcerr.Code
	// Error is a classified SDK error.
	Error = obcerr.Error
	// BankError is the bank's own error, reached with errors.As.
	BankError = obcerr.BankError
)

// Error codes; see obcerr.Code.
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

// ErrorCode returns the code of any error the SDK returned: OK for nil,
// Unknown for an error it did not classify; see obcerr.ErrorCode.
func ErrorCode(err error) Code { return obcerr.ErrorCode(err) }

// RetryAfter returns how long the bank asked to wait, if it said; see
// obcerr.RetryAfter.
func RetryAfter(err error) (time.Duration, bool) { return obcerr.RetryAfter(err) }

// NewError returns an *Error with the code and message, for integrators'
// tests; see obcerr.New.
func NewError(code Code, msg string) error { return obcerr.New(code, msg) }

// NewErrorf is NewError with formatting; see obcerr.Newf.
func NewErrorf(code Code, format string, args ...any) error {
	return obcerr.Newf(code, format, args...)
}

// WrapError classifies err under code for the operation op, keeping err
// reachable with errors.Is and errors.As (nil for a nil err); see
// obcerr.Wrap. With a *BankError it yields what the SDK returns when a
// bank refuses a call.
func WrapError(err error, code Code, op string) error { return obcerr.Wrap(err, code, op) }

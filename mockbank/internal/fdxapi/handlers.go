package fdxapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxserver"
)

// handlers implements the generated strict server interface for one bank.
// The outer layer (bankAPI.ServeHTTP) has already authenticated the call,
// validated it against the spec and checked the consent's state and the
// operation's cluster; handlers check the account-level rules.
type handlers struct{ api *API }

var _ fdxserver.StrictServerInterface = (*handlers)(nil)

// page resolves the pagination parameters in the bank's style.
func (h *handlers) page(offset, pageKey *string, limit *int32) (cursor, size int, _ *apiError) {
	p := h.api.d.Paging
	size = p.Default
	if limit != nil {
		size = int(*limit)
		if size > p.Max {
			if p.OverMax == bankdesc.Reject {
				return 0, 0, fdxErr(fdxerr.InvalidInput, "limit exceeds the maximum of "+strconv.Itoa(p.Max))
			}
			size = p.Max
		}
	}
	var token *string
	switch p.Style {
	case bankdesc.PageKey:
		if offset != nil {
			return 0, 0, fdxErr(fdxerr.InvalidInput, "this provider paginates with pageKey, not offset")
		}
		token = pageKey
	default:
		if pageKey != nil {
			return 0, 0, fdxErr(fdxerr.InvalidInput, "this provider paginates with offset, not pageKey")
		}
		token = offset
	}
	if token == nil {
		return 0, size, nil
	}
	s := *token
	if p.Style == bankdesc.PageKey {
		var ok bool
		if s, ok = strings.CutPrefix(s, "pk"); !ok {
			return 0, 0, fdxErr(fdxerr.InvalidInput, "malformed pageKey")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, 0, fdxErr(fdxerr.InvalidInput, "malformed "+string(p.Style))
	}
	return n, size, nil
}

// meta builds page metadata pointing at cursor next (0: last page).
func (h *handlers) meta(next int, total *int64) *fdxclient.PageMetadata {
	m := &fdxclient.PageMetadata{TotalElements: total}
	if next > 0 {
		if h.api.d.Paging.Style == bankdesc.PageKey {
			m.NextPageKey = ptr("pk" + strconv.Itoa(next))
		} else {
			m.NextOffset = ptr(strconv.Itoa(next))
		}
	}
	return m
}

// account finds an account the consent grants. An account outside the
// consent is "not found", exactly like one that does not exist, so a
// consent reveals nothing beyond itself.
func (h *handlers) account(ctx context.Context, c *call, id string, closedOK, restrictedOK bool) (*store.Account, *apiError) {
	if slices.Contains(c.consent.RevokedAccounts, id) {
		return nil, h.api.revokedErr()
	}
	if !c.consent.GrantsAccount(id) || !c.info.HasAccount(id) {
		return nil, fdxErr(fdxerr.AccountNotFound, "")
	}
	a, err := h.api.st.Account(ctx, h.api.d.Name, id)
	if err != nil || a.UserID != c.consent.UserID {
		return nil, fdxErr(fdxerr.AccountNotFound, "")
	}
	switch a.Status {
	case store.StatusClosed:
		if !closedOK {
			return nil, fdxErr(fdxerr.AccountClosed, "")
		}
	case store.StatusRestricted:
		if !restrictedOK {
			return nil, fdxErr(fdxerr.AccountRestricted, "")
		}
	}
	return a, nil
}

// grantedAccounts lists the consent's accounts still granted, in the
// consent's order.
func grantedAccounts(c *call) []string {
	var out []string
	for _, id := range c.consent.AccountIDs {
		if c.consent.GrantsAccount(id) && c.info.HasAccount(id) {
			out = append(out, id)
		}
	}
	return out
}

func (h *handlers) SearchForAccounts(ctx context.Context, req fdxserver.SearchForAccountsRequestObject) (fdxserver.SearchForAccountsResponseObject, error) {
	c := callFrom(ctx)
	cursor, size, e := h.page(req.Params.Offset, req.Params.PageKey, req.Params.Limit)
	if e != nil {
		return h.api.bind(e), nil
	}
	ids := grantedAccounts(c)
	if req.Params.AccountIds != nil {
		want := strings.Split(*req.Params.AccountIds, ",")
		ids = slices.DeleteFunc(ids, func(id string) bool { return !slices.Contains(want, id) })
	}
	total := int64(len(ids))
	out := fdxclient.Accounts{Accounts: []fdxclient.AccountWithDetails{}}
	next := 0
	for i := cursor; i < len(ids); i++ {
		if len(out.Accounts) == size {
			next = i
			break
		}
		a, err := h.api.st.Account(ctx, h.api.d.Name, ids[i])
		if err != nil {
			continue
		}
		sum := accountSummary(a)
		if err := shapeFor(h.api.d.FDXVersion).shapeAccount(a, &sum); err != nil {
			return nil, err
		}
		out.Accounts = append(out.Accounts, sum)
	}
	out.Page = h.meta(next, &total)
	return fdxserver.SearchForAccounts200JSONResponse{Body: out}, nil
}

func (h *handlers) balances(ctx context.Context, a *store.Account, now time.Time) (*accountBalances, error) {
	st, bank := h.api.st, h.api.d.Name
	b, err := st.BalancesAt(ctx, bank, a.ID, now)
	if err != nil {
		return nil, err
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	open, err := st.BalancesAt(ctx, bank, a.ID, day.Add(-time.Nanosecond))
	if err != nil {
		return nil, err
	}
	ab := &accountBalances{now: b, openingDay: open.Current}
	if a.Kind == store.KindCreditCard {
		stmts, err := st.Statements(ctx, bank, a.ID, time.Time{}, now)
		if err == nil && len(stmts) > 0 {
			ab.statement = stmts[0].ClosingBalance
		}
	}
	return ab, nil
}

func (h *handlers) GetAccount(ctx context.Context, req fdxserver.GetAccountRequestObject) (fdxserver.GetAccountResponseObject, error) {
	c := callFrom(ctx)
	// The detail shows a closed or restricted account with its status.
	a, e := h.account(ctx, c, req.AccountId, true, true)
	if e != nil {
		return h.api.bind(e), nil
	}
	bal, err := h.balances(ctx, a, c.now)
	if err != nil {
		return nil, err
	}
	body, err := shapeFor(h.api.d.FDXVersion).accountBody(a, accountDetail(a, bal, c.now))
	if err != nil {
		return nil, err
	}
	return shapedAccountResponse{body: body}, nil
}

// window resolves the transaction filters against the history window and
// the consent's lookback period.
func (h *handlers) window(c *call, startTime, endTime *string, startDate, endDate *time.Time) (from, to time.Time, _ *apiError) {
	if (startTime != nil && startDate != nil) || (endTime != nil && endDate != nil) {
		return from, to, fdxErr(fdxerr.InvalidInput, "use startTime/endTime or startDate/endDate, not both")
	}
	var err error
	if startTime != nil {
		if from, err = parseBound(*startTime, false); err != nil {
			return from, to, fdxErr(fdxerr.InvalidDate, "startTime is not a valid date or date-time")
		}
	} else if startDate != nil {
		from = *startDate
	}
	if endTime != nil {
		if to, err = parseBound(*endTime, true); err != nil {
			return from, to, fdxErr(fdxerr.InvalidDate, "endTime is not a valid date or date-time")
		}
	} else if endDate != nil {
		to = endDate.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, fdxErr(fdxerr.InvalidDateRange, "the start is not before the end")
	}
	floor := c.now.AddDate(0, -h.api.d.HistoryMonths, 0)
	why := "before the provider's history window"
	if lb := c.consent.LookbackDays; lb > 0 {
		if l := c.now.AddDate(0, 0, -lb); l.After(floor) {
			floor, why = l, "before the consent's lookback period"
		}
	}
	switch {
	case from.IsZero():
		from = floor
	case from.Before(floor.Add(-24 * time.Hour)):
		// A day's grace lets a client ask from the window's first date.
		return from, to, fdxErr(fdxerr.InvalidDateRange, "the start is "+why)
	case from.Before(floor):
		from = floor
	}
	return from, to, nil
}

// parseBound reads a full-date or an RFC 3339 date-time; a date-only end
// bound means the end of that day.
func parseBound(s string, end bool) (time.Time, error) {
	if len(s) == len("2006-01-02") {
		t, err := time.Parse(time.DateOnly, s)
		if err == nil && end {
			t = t.AddDate(0, 0, 1)
		}
		return t, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

func dateTime(d *fdxclient.DateString) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time
	return &t
}

func (h *handlers) SearchForAccountTransactions(ctx context.Context, req fdxserver.SearchForAccountTransactionsRequestObject) (fdxserver.SearchForAccountTransactionsResponseObject, error) {
	c := callFrom(ctx)
	p := req.Params
	a, e := h.account(ctx, c, req.AccountId, false, false)
	if e != nil {
		return h.api.bind(e), nil
	}
	from, to, e := h.window(c, p.StartTime, p.EndTime, dateTime(p.StartDate), dateTime(p.EndDate))
	if e != nil {
		return h.api.bind(e), nil
	}
	cursor, size, e := h.page(p.Offset, p.PageKey, p.Limit)
	if e != nil {
		return h.api.bind(e), nil
	}
	txs, next, err := h.api.st.Transactions(ctx, h.api.d.Name, a.ID, store.TxQuery{From: from, To: to, Now: c.now, Cursor: cursor, Limit: size})
	if err != nil {
		return nil, err
	}
	return transactionsPage{shape: shapeFor(h.api.d.FDXVersion), kind: a.Kind, txs: txs, page: h.meta(next, nil)}, nil
}

func (h *handlers) statementHref(accountID, statementID string) string {
	return h.api.prefix + "/accounts/" + url.PathEscape(accountID) + "/statements/" + url.PathEscape(statementID)
}

func (h *handlers) SearchForAccountStatements(ctx context.Context, req fdxserver.SearchForAccountStatementsRequestObject) (fdxserver.SearchForAccountStatementsResponseObject, error) {
	c := callFrom(ctx)
	p := req.Params
	a, e := h.account(ctx, c, req.AccountId, true, false)
	if e != nil {
		return h.api.bind(e), nil
	}
	var from, to time.Time
	var err error
	if p.StartTime != nil {
		if from, err = parseBound(*p.StartTime, false); err != nil {
			return h.api.bind(fdxErr(fdxerr.InvalidDate, "startTime is not a valid date or date-time")), nil
		}
	}
	if p.EndTime != nil {
		if to, err = parseBound(*p.EndTime, true); err != nil {
			return h.api.bind(fdxErr(fdxerr.InvalidDate, "endTime is not a valid date or date-time")), nil
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return h.api.bind(fdxErr(fdxerr.InvalidDateRange, "the start is not before the end")), nil
	}
	cursor, size, e := h.page(p.Offset, p.PageKey, p.Limit)
	if e != nil {
		return h.api.bind(e), nil
	}
	// The filters apply to the statement date, the last day of the period,
	// and the store filters on the period's (exclusive) end: shift by a day.
	if !from.IsZero() {
		from = from.AddDate(0, 0, 1)
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	stmts, err := h.api.st.Statements(ctx, h.api.d.Name, a.ID, from, to)
	if err != nil {
		return nil, err
	}
	total := int64(len(stmts))
	out := fdxclient.Statements{Statements: []fdxclient.Statement{}}
	next := 0
	for i := cursor; i < len(stmts); i++ {
		if len(out.Statements) == size {
			next = i
			break
		}
		st := stmts[i]
		out.Statements = append(out.Statements, fdxclient.Statement{
			AccountId:     ptr(a.ID),
			StatementId:   st.ID,
			StatementDate: date(st.PeriodEnd.AddDate(0, 0, -1)),
			Description:   ptr(st.PeriodStart.Format("January 2006") + " statement"),
			Status:        ptr(fdxclient.StatementStatus("AVAILABLE")),
			Links: &[]fdxclient.HateoasLink{{
				Href: h.statementHref(a.ID, st.ID), Action: ptr(fdxclient.HateoasLinkAction("GET")),
				Types: &[]string{"application/pdf"},
			}},
		})
	}
	out.Page = h.meta(next, &total)
	return fdxserver.SearchForAccountStatements200JSONResponse{Body: out}, nil
}

func (h *handlers) GetAccountStatement(ctx context.Context, req fdxserver.GetAccountStatementRequestObject) (fdxserver.GetAccountStatementResponseObject, error) {
	c := callFrom(ctx)
	a, e := h.account(ctx, c, req.AccountId, true, false)
	if e != nil {
		return h.api.bind(e), nil
	}
	st, err := h.api.st.Statement(ctx, h.api.d.Name, a.ID, req.StatementId)
	if err != nil {
		return h.api.bind(fdxErr(fdxerr.StatementNotFound, "")), nil
	}
	txs, err := h.api.st.StatementTransactions(ctx, h.api.d.Name, a.ID, st)
	if err != nil {
		return nil, err
	}
	doc := renderStatement(h.api.label, c.user, a, st, txs)
	return fdxserver.GetAccountStatement200ApplicationpdfResponse{Body: bytes.NewReader(doc), ContentLength: int64(len(doc))}, nil
}

func (h *handlers) contact(u *store.User) (fdxclient.Name, []fdxclient.DeliveryAddress, []fdxclient.Telephone) {
	name := fdxclient.Name{First: ptr(u.FirstName), Last: ptr(u.LastName)}
	addr := []fdxclient.DeliveryAddress{{
		Line1: optString(u.Address.Line1), City: optString(u.Address.City), Region: optString(u.Address.Region),
		PostalCode: optString(u.Address.PostalCode), Country: optString(u.Address.Country),
		Type: ptr(fdxclient.DeliveryAddressType("HOME")),
	}}
	tel := []fdxclient.Telephone{{Type: ptr(fdxclient.TelephoneType("CELL")), Country: ptr("1"), Number: optString(u.Phone)}}
	return name, addr, tel
}

func (h *handlers) GetAccountContact(ctx context.Context, req fdxserver.GetAccountContactRequestObject) (fdxserver.GetAccountContactResponseObject, error) {
	c := callFrom(ctx)
	if _, e := h.account(ctx, c, req.AccountId, true, false); e != nil {
		return h.api.bind(e), nil
	}
	name, addr, tel := h.contact(c.user)
	out := fdxclient.AccountContact{
		Holders:    &[]fdxclient.AccountHolder{{Relationship: ptr(fdxclient.AccountHolderRelationship("PRIMARY")), Name: &name}},
		Emails:     &[]string{c.user.Email},
		Addresses:  &addr,
		Telephones: &tel,
	}
	return fdxserver.GetAccountContact200JSONResponse{Body: out}, nil
}

// tan derives the tokenized account number a payment network shows: stable
// for an account and a bank, and not the account number.
func tan(bank, accountID string) string {
	m := hmac.New(sha256.New, []byte("mockbank tan "+bank))
	m.Write([]byte(accountID))
	return "tan_" + hex.EncodeToString(m.Sum(nil)[:8])
}

func (h *handlers) GetAccountPaymentNetworks(ctx context.Context, req fdxserver.GetAccountPaymentNetworksRequestObject) (fdxserver.GetAccountPaymentNetworksResponseObject, error) {
	c := callFrom(ctx)
	a, e := h.account(ctx, c, req.AccountId, false, false)
	if e != nil {
		return h.api.bind(e), nil
	}
	if a.Kind != store.KindChecking && a.Kind != store.KindSavings {
		return h.api.bind(fdxErr(fdxerr.AccountTypeNotSupport, "payment networks exist for deposit accounts only")), nil
	}
	if _, _, e := h.page(req.Params.Offset, req.Params.PageKey, req.Params.Limit); e != nil {
		return h.api.bind(e), nil
	}
	one := int64(1)
	out := fdxclient.AccountPaymentNetworkList{
		Page: &fdxclient.PageMetadata{TotalElements: &one},
		PaymentNetworks: []fdxclient.PaymentNetwork{{
			BankId: optString(a.Routing), Identifier: ptr(tan(h.api.d.Name, a.ID)),
			IdentifierType: ptr(fdxclient.PaymentNetworkIdentifierType("TOKENIZED_ACCOUNT_NUMBER")),
			Type:           ptr(fdxclient.PaymentNetworkType("US_ACH")),
			TransferIn:     ptr(true), TransferOut: ptr(true),
		}},
	}
	return fdxserver.GetAccountPaymentNetworks200JSONResponse{Body: out}, nil
}

func (h *handlers) GetCurrentCustomer(ctx context.Context, req fdxserver.GetCurrentCustomerRequestObject) (fdxserver.GetCurrentCustomerResponseObject, error) {
	c := callFrom(ctx)
	name, addr, tel := h.contact(c.user)
	var rel []fdxclient.CustomerAccountRelationship
	for _, id := range grantedAccounts(c) {
		rel = append(rel, fdxclient.CustomerAccountRelationship{AccountId: ptr(id), Relationship: ptr(fdxclient.CustomerAccountRelationshipRelationship("PRIMARY"))})
	}
	out := fdxclient.Customer{
		CustomerId: c.user.ID, Type: ptr(fdxclient.CustomerType("INDIVIDUAL")), Name: &name,
		Email: &[]string{c.user.Email}, Addresses: &addr, Telephones: &tel, Accounts: &rel,
	}
	return fdxserver.GetCurrentCustomer200JSONResponse{Body: out}, nil
}

// consentGrant converts a consent as FDX shows it.
func (h *handlers) consentGrant(c *store.Consent, now time.Time) fdxclient.ConsentGrant {
	clusters := make([]fdxclient.DataCluster, len(c.Clusters))
	for i, x := range c.Clusters {
		clusters[i] = fdxclient.DataCluster(x)
	}
	recipient := c.ClientName
	if recipient == "" {
		recipient = c.ClientID
	}
	g := fdxclient.ConsentGrant{
		Id:     c.ID,
		Status: fdxclient.ConsentStatus(c.StatusAt(now)),
		Parties: []fdxclient.Party{
			{Name: recipient, Type: "DATA_RECIPIENT"},
			{Name: h.api.label, Type: "DATA_PROVIDER"},
		},
		CreatedTime:    c.CreatedAt,
		ExpirationTime: c.ExpiresAt,
		DurationType:   "TIME_BOUND",
		DurationPeriod: ptr(int32(c.DurationDays)),
		Resources:      []fdxclient.ConsentResource{},
	}
	if !c.UpdatedAt.IsZero() {
		g.UpdatedTime = ptr(c.UpdatedAt)
	}
	if c.LookbackDays > 0 {
		g.LookbackPeriod = ptr(int32(c.LookbackDays))
	}
	if c.Purpose != "" {
		g.Purpose = ptr(fdxclient.ConsentPurpose(c.Purpose))
	}
	if c.RevokeReason != "" {
		g.RevocationReason = ptr(fdxclient.ConsentRevocationReason(c.RevokeReason))
	}
	for _, id := range c.AccountIDs {
		r := fdxclient.ConsentResource{ResourceType: "ACCOUNT", ResourceId: id, DataClusters: clusters}
		if slices.Contains(c.RevokedAccounts, id) {
			r.Status = ptr(fdxclient.ConsentStatus(store.ConsentRevoked))
		}
		g.Resources = append(g.Resources, r)
	}
	return g
}

func (h *handlers) GetConsent(ctx context.Context, req fdxserver.GetConsentRequestObject) (fdxserver.GetConsentResponseObject, error) {
	c := callFrom(ctx)
	if req.ConsentId != c.consent.ID {
		// Another consent, even of the same client, is not this token's
		// business.
		return h.api.bind(consentNotFound()), nil
	}
	return fdxserver.GetConsent200JSONResponse{Body: h.consentGrant(c.consent, c.now)}, nil
}

func (h *handlers) RevokeConsent(ctx context.Context, req fdxserver.RevokeConsentRequestObject) (fdxserver.RevokeConsentResponseObject, error) {
	c := callFrom(ctx)
	if req.ConsentId != c.consent.ID {
		return h.api.bind(consentNotFound()), nil
	}
	if req.Body == nil {
		return h.api.bind(fdxErr(fdxerr.InvalidInput, "a revocation request body is required")), nil
	}
	var accounts []string
	if req.Body.AccountIds != nil {
		if !h.api.d.AccountRevocation {
			e := fdxErr(fdxerr.SubsystemUnavailable, "not supported by this provider: account-level revocation").withStatus(501)
			return h.api.bind(e), nil
		}
		accounts = *req.Body.AccountIds
	}
	_, err := h.api.st.RevokeConsent(ctx, h.api.d.Name, c.consent.ID, accounts, string(req.Body.Reason))
	switch {
	case errors.Is(err, store.ErrAlreadyRevoked):
		return h.api.bind(fdxErr(fdxerr.ConsentRevoked, "already revoked").withStatus(409)), nil
	case errors.Is(err, store.ErrNotFound):
		return h.api.bind(fdxErr(fdxerr.AccountNotFound, "")), nil
	case err != nil:
		return nil, err
	}
	return fdxserver.RevokeConsent204Response{}, nil
}

func subscriptionOut(s *store.Subscription) fdxclient.NotificationSubscription {
	types := make([]fdxclient.NotificationType, len(s.Types))
	for i, t := range s.Types {
		types[i] = fdxclient.NotificationType(t)
	}
	out := fdxclient.NotificationSubscription{SubscriptionId: s.ID, CallbackUrl: s.CallbackURL, NotificationTypes: types, CreatedTime: ptr(s.CreatedAt)}
	if s.EffectiveDate != "" {
		if t, err := time.Parse(time.DateOnly, s.EffectiveDate); err == nil {
			out.EffectiveDate = date(t)
		}
	}
	return out
}

// callbackAllowed is the store's rule, shared with the admin API.
func callbackAllowed(raw string) bool { return store.CallbackAllowed(raw) }

func (h *handlers) CreateNotificationSubscription(ctx context.Context, req fdxserver.CreateNotificationSubscriptionRequestObject) (fdxserver.CreateNotificationSubscriptionResponseObject, error) {
	c := callFrom(ctx)
	if req.Body == nil || !callbackAllowed(req.Body.CallbackUrl) {
		return h.api.bind(fdxErr(fdxerr.InvalidInput, "callbackUrl must be https (or http to a loopback host)")), nil
	}
	sub := store.Subscription{Bank: h.api.d.Name, ClientID: c.info.ClientID, CallbackURL: req.Body.CallbackUrl}
	for _, t := range req.Body.NotificationTypes {
		if !slices.Contains(sub.Types, string(t)) {
			sub.Types = append(sub.Types, string(t))
		}
	}
	if req.Body.EffectiveDate != nil {
		sub.EffectiveDate = req.Body.EffectiveDate.Format(time.DateOnly)
	}
	s, err := h.api.st.CreateSubscription(ctx, sub)
	if err != nil {
		return nil, err
	}
	return fdxserver.CreateNotificationSubscription201JSONResponse{Body: subscriptionOut(s)}, nil
}

func (h *handlers) ListNotificationSubscriptions(ctx context.Context, req fdxserver.ListNotificationSubscriptionsRequestObject) (fdxserver.ListNotificationSubscriptionsResponseObject, error) {
	c := callFrom(ctx)
	subs, err := h.api.st.Subscriptions(ctx, h.api.d.Name, c.info.ClientID)
	if err != nil {
		return nil, err
	}
	out := fdxserver.ListNotificationSubscriptions200JSONResponse{Subscriptions: []fdxclient.NotificationSubscription{}}
	for _, s := range subs {
		out.Subscriptions = append(out.Subscriptions, subscriptionOut(s))
	}
	return out, nil
}

func (h *handlers) GetNotificationSubscription(ctx context.Context, req fdxserver.GetNotificationSubscriptionRequestObject) (fdxserver.GetNotificationSubscriptionResponseObject, error) {
	c := callFrom(ctx)
	s, err := h.api.st.Subscription(ctx, h.api.d.Name, c.info.ClientID, req.SubscriptionId)
	if err != nil {
		return h.api.bind(fdxErr(fdxerr.InvalidInput, "no such subscription").withStatus(404)), nil
	}
	return fdxserver.GetNotificationSubscription200JSONResponse(subscriptionOut(s)), nil
}

func (h *handlers) DeleteNotificationSubscription(ctx context.Context, req fdxserver.DeleteNotificationSubscriptionRequestObject) (fdxserver.DeleteNotificationSubscriptionResponseObject, error) {
	c := callFrom(ctx)
	if err := h.api.st.DeleteSubscription(ctx, h.api.d.Name, c.info.ClientID, req.SubscriptionId); err != nil {
		return h.api.bind(fdxErr(fdxerr.InvalidInput, "no such subscription").withStatus(404)), nil
	}
	return fdxserver.DeleteNotificationSubscription204Response{}, nil
}

package dashboard

// The pages: each reads what it shows from the admin API and cuts long
// lists into pages.

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// clockSteps are the overview's one-click clock moves.
var clockSteps = []struct{ Label, By string }{
	{"+1 hour", "1h"}, {"+1 day", "24h"}, {"+7 days", "168h"}, {"+30 days", "720h"},
}

type bankRow struct {
	adminapi.Bank
	// Secret is the ready client's secret, masked: the full one is in
	// the banner and the admin API, where it is meant to be copied.
	Secret string
}

type overviewPage struct {
	Banks      []bankRow
	Steps      any
	Consents   map[string]int
	Deliveries map[string]int
	Faults     int
	Statuses   enums
}

func (d *Dashboard) bankNames(r *http.Request) ([]string, error) {
	bs, err := call(d.api.ListBanksWithResponse(r.Context()))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, b := range bs.JSON200.Banks {
		out = append(out, b.Name)
	}
	return out, nil
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	bs, err := call(d.api.ListBanksWithResponse(ctx))
	if err != nil {
		return err
	}
	cs, err := call(d.api.ListConsentsWithResponse(ctx, &adminapi.ListConsentsParams{}))
	if err != nil {
		return err
	}
	fs, err := call(d.api.ListFaultsWithResponse(ctx))
	if err != nil {
		return err
	}
	ds, err := call(d.api.ListDeliveriesWithResponse(ctx, &adminapi.ListDeliveriesParams{}))
	if err != nil {
		return err
	}
	p := overviewPage{Steps: clockSteps, Consents: map[string]int{}, Deliveries: map[string]int{}, Faults: len(fs.JSON200.Faults), Statuses: d.enums}
	for _, b := range bs.JSON200.Banks {
		row := bankRow{Bank: b}
		if b.ReadyClient != nil && b.ReadyClient.ClientSecret != nil {
			row.Secret = mask(*b.ReadyClient.ClientSecret)
		}
		p.Banks = append(p.Banks, row)
	}
	for _, c := range cs.JSON200.Consents {
		p.Consents[string(c.Status)]++
	}
	for _, dl := range ds.JSON200.Deliveries {
		p.Deliveries[string(dl.Status)]++
	}
	v.Title, v.Nav, v.Page = "Overview", "overview", p
	d.render(w, http.StatusOK, "overview", v)
	return nil
}

type usersPage struct {
	Filters []filter
	Users   []adminapi.User
	Pager   pager
}

func (d *Dashboard) users(w http.ResponseWriter, r *http.Request, v *view) error {
	banks, err := d.bankNames(r)
	if err != nil {
		return err
	}
	params := &adminapi.ListUsersParams{}
	if b := r.URL.Query().Get("bank"); b != "" {
		params.Bank = &b
	}
	us, err := call(d.api.ListUsersWithResponse(r.Context(), params))
	if err != nil {
		return err
	}
	rows, pg := paginate(r, us.JSON200.Users)
	v.Title, v.Nav, v.Page = "Users", "users", usersPage{Filters: filters(r, "bank", banks), Users: rows, Pager: pg}
	d.render(w, http.StatusOK, "users", v)
	return nil
}

type userPage struct {
	User     adminapi.User
	Consents []adminapi.Consent
}

func (d *Dashboard) user(w http.ResponseWriter, r *http.Request, v *view) error {
	u, err := call(d.api.GetUserWithResponse(r.Context(), r.PathValue("id")))
	if err != nil {
		return err
	}
	usr := *u.JSON200
	cs, err := call(d.api.ListConsentsWithResponse(r.Context(), &adminapi.ListConsentsParams{Bank: &usr.Bank}))
	if err != nil {
		return err
	}
	var mine []adminapi.Consent
	for _, c := range cs.JSON200.Consents {
		if c.UserId == usr.UserId {
			mine = append(mine, c)
		}
	}
	newestFirst(mine)
	v.Title, v.Nav, v.Page = "User "+usr.Username, "users", userPage{User: usr, Consents: mine}
	d.render(w, http.StatusOK, "user", v)
	return nil
}

type accountPage struct {
	Account      adminapi.Account
	Filters      []filter
	Transactions []adminapi.Transaction
	Pager        pager
}

func (d *Dashboard) account(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	a, err := call(d.api.GetAccountWithResponse(r.Context(), id))
	if err != nil {
		return err
	}
	params := &adminapi.ListTransactionsParams{}
	if s := r.URL.Query().Get("status"); s != "" {
		st := adminapi.ListTransactionsParamsStatus(s)
		params.Status = &st
	}
	ts, err := call(d.api.ListTransactionsWithResponse(r.Context(), id, params))
	if err != nil {
		return err
	}
	rows, pg := paginate(r, ts.JSON200.Transactions)
	v.Title, v.Nav = "Account "+id, "users"
	v.Page = accountPage{Account: *a.JSON200, Filters: filters(r, "status", d.enums.TransactionStatuses), Transactions: rows, Pager: pg}
	d.render(w, http.StatusOK, "account", v)
	return nil
}

type consentsPage struct {
	BankFilters, StatusFilters []filter
	Consents                   []adminapi.Consent
	Pager                      pager
}

func newestFirst(cs []adminapi.Consent) {
	slices.SortStableFunc(cs, func(a, b adminapi.Consent) int {
		return cmp.Or(b.CreatedTime.Compare(a.CreatedTime), cmp.Compare(a.ConsentId, b.ConsentId))
	})
}

func (d *Dashboard) consents(w http.ResponseWriter, r *http.Request, v *view) error {
	banks, err := d.bankNames(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	params := &adminapi.ListConsentsParams{}
	if b := q.Get("bank"); b != "" {
		params.Bank = &b
	}
	if s := q.Get("status"); s != "" {
		st := adminapi.ListConsentsParamsStatus(s)
		params.Status = &st
	}
	cs, err := call(d.api.ListConsentsWithResponse(r.Context(), params))
	if err != nil {
		return err
	}
	all := cs.JSON200.Consents
	newestFirst(all)
	rows, pg := paginate(r, all)
	v.Title, v.Nav = "Consents", "consents"
	v.Page = consentsPage{BankFilters: filters(r, "bank", banks), StatusFilters: filters(r, "status", d.enums.ConsentStatuses), Consents: rows, Pager: pg}
	d.render(w, http.StatusOK, "consents", v)
	return nil
}

type deliveryRow struct {
	adminapi.Delivery
	// Why is the last failed attempt's reason with the start of the
	// receiver's answer, the first thing to read about a delivery that is
	// not DELIVERED.
	Why string
}

type deliveriesPage struct {
	Banks                                   []string
	BankFilters, StatusFilters, TypeFilters []filter
	// Subscription is the subscription filter in force, if any.
	Subscription string
	Deliveries   []deliveryRow
	Pager        pager
	// Subscriptions are the first PageSize; MoreSubscriptions counts the
	// rest (a page of deliveries is what this page is for).
	Subscriptions     []adminapi.Subscription
	MoreSubscriptions int
}

// why says why a delivery is not DELIVERED: the last failed attempt's
// error and what the receiver answered.
func why(dl adminapi.Delivery) string {
	if dl.Status == adminapi.DeliveryStatusDELIVERED {
		return ""
	}
	for i := len(dl.Attempts) - 1; i >= 0; i-- {
		a := dl.Attempts[i]
		if a.Error == nil {
			continue
		}
		if a.Response != nil && *a.Response != "" && !strings.Contains(*a.Error, *a.Response) {
			return *a.Error + ": " + *a.Response
		}
		return *a.Error
	}
	return ""
}

func (d *Dashboard) deliveries(w http.ResponseWriter, r *http.Request, v *view) error {
	banks, err := d.bankNames(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	opt := func(key string) *string {
		if s := strings.TrimSpace(q.Get(key)); s != "" {
			return &s
		}
		return nil
	}
	params := &adminapi.ListDeliveriesParams{Bank: opt("bank"), Type: opt("type"), SubscriptionId: opt("subscriptionId")}
	if s := opt("status"); s != nil {
		st := adminapi.ListDeliveriesParamsStatus(*s)
		params.Status = &st
	}
	ds, err := call(d.api.ListDeliveriesWithResponse(r.Context(), params))
	if err != nil {
		return err
	}
	all := make([]deliveryRow, len(ds.JSON200.Deliveries))
	for i, dl := range ds.JSON200.Deliveries {
		all[i] = deliveryRow{Delivery: dl, Why: why(dl)}
	}
	rows, pg := paginate(r, all)
	subs, err := call(d.api.ListSubscriptionsWithResponse(r.Context(), &adminapi.ListSubscriptionsParams{Bank: params.Bank}))
	if err != nil {
		return err
	}
	ss := subs.JSON200.Subscriptions
	more := max(0, len(ss)-PageSize)
	v.Title, v.Nav = "Deliveries", "deliveries"
	v.Page = deliveriesPage{Banks: banks, BankFilters: filters(r, "bank", banks), StatusFilters: filters(r, "status", d.enums.DeliveryStatuses),
		TypeFilters: filters(r, "type", d.enums.NotificationTypes), Subscription: q.Get("subscriptionId"),
		Deliveries: rows, Pager: pg, Subscriptions: ss[:len(ss)-more], MoreSubscriptions: more}
	d.render(w, http.StatusOK, "deliveries", v)
	return nil
}

type faultsPage struct {
	Banks     []string
	Endpoints []string
	Meanings  []string
	Faults    []adminapi.Fault
	Pager     pager
}

func (d *Dashboard) faultsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	banks, err := d.bankNames(r)
	if err != nil {
		return err
	}
	fs, err := call(d.api.ListFaultsWithResponse(r.Context()))
	if err != nil {
		return err
	}
	rows, pg := paginate(r, fs.JSON200.Faults)
	v.Title, v.Nav = "Faults", "faults"
	v.Page = faultsPage{Banks: banks, Endpoints: append([]string{faults.AnyEndpoint}, faults.Endpoints()...), Meanings: faults.Meanings(),
		Faults: rows, Pager: pg}
	d.render(w, http.StatusOK, "faults", v)
	return nil
}

package dashboard

// The actions: each turns its form into one admin API call and says what
// happened in a flash message on the page it redirects to.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/openapi/adminapi"
)

func (d *Dashboard) advanceClock(w http.ResponseWriter, r *http.Request) (string, error) {
	f := r.PostForm
	var body adminapi.AdvanceClockJSONRequestBody
	switch by, custom, to := f.Get("step"), strings.TrimSpace(f.Get("by")), strings.TrimSpace(f.Get("to")); {
	case by != "":
		body.By = &by
	case custom != "":
		body.By = &custom
	case to != "":
		// A datetime-local field has no zone; the simulated clock is UTC.
		t, err := parseLocal(to)
		if err != nil {
			return "", formError(fmt.Sprintf("to: %q is not a date and time", to))
		}
		body.To = &t
	default:
		return "", formError("give a duration (such as 36h) or a date and time to advance to")
	}
	res, err := call(d.api.AdvanceClockWithResponse(r.Context(), body))
	if err != nil {
		return "", err
	}
	a := res.JSON200
	expired := 0
	if a.ExpiredConsents != nil {
		expired = *a.ExpiredConsents
	}
	d.ok(w, fmt.Sprintf("Clock advanced to %s: %d created, %d posted, %d dropped, %d consents expired, %d notifications.",
		fmtTime(a.Now), a.Created, a.Posted, a.Dropped, expired, a.Notifications))
	return "", nil
}

func parseLocal(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date and time")
}

// optString is a trimmed form value, nil when empty (left to the API's
// default).
func optString(f map[string][]string, key string) *string {
	if vs := f[key]; len(vs) > 0 {
		if s := strings.TrimSpace(vs[0]); s != "" {
			return &s
		}
	}
	return nil
}

func optInt(f map[string][]string, key string) (*int, error) {
	s := optString(f, key)
	if s == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(*s)
	if err != nil {
		return nil, formError(fmt.Sprintf("%s: %q is not a whole number", key, *s))
	}
	return &n, nil
}

func (d *Dashboard) addFault(w http.ResponseWriter, r *http.Request) (string, error) {
	f := r.PostForm
	back := d.opts.BasePath + "/faults"
	in := adminapi.FaultCreate{Bank: strings.TrimSpace(f.Get("bank")), Endpoint: optString(f, "endpoint"), Means: optString(f, "means"),
		Message: optString(f, "message"), ConsentId: optString(f, "consentId"), ClientId: optString(f, "clientId")}
	if m := optString(f, "mode"); m != nil {
		mode := adminapi.FaultCreateMode(*m)
		in.Mode = &mode
	}
	var err error
	for key, dst := range map[string]**int{"status": &in.Status, "fdxCode": &in.FdxCode, "latencyMs": &in.LatencyMs,
		"retryAfterSeconds": &in.RetryAfterSeconds, "times": &in.Times} {
		if *dst, err = optInt(f, key); err != nil {
			return back, err
		}
	}
	if s := optString(f, "fraction"); s != nil {
		x, err := strconv.ParseFloat(*s, 32)
		if err != nil {
			return back, formError(fmt.Sprintf("fraction: %q is not a number", *s))
		}
		fr := float32(x)
		in.Fraction = &fr
	}
	res, err := call(d.api.CreateFaultWithResponse(r.Context(), in))
	if err != nil {
		return back, err
	}
	d.ok(w, fmt.Sprintf("Fault %s added at %s (endpoint %s).", res.JSON201.FaultId, res.JSON201.Bank, fmtPtr(res.JSON201.Endpoint, func(s string) string { return s })))
	return back, nil
}

func (d *Dashboard) deleteFault(w http.ResponseWriter, r *http.Request) (string, error) {
	back := d.opts.BasePath + "/faults"
	id := r.PathValue("id")
	if _, err := call(d.api.DeleteFaultWithResponse(r.Context(), id)); err != nil {
		return back, err
	}
	d.ok(w, "Fault "+id+" deleted.")
	return back, nil
}

func (d *Dashboard) clearFaults(w http.ResponseWriter, r *http.Request) (string, error) {
	back := d.opts.BasePath + "/faults"
	if _, err := call(d.api.ClearFaultsWithResponse(r.Context())); err != nil {
		return back, err
	}
	d.ok(w, "Every fault cleared.")
	return back, nil
}

func (d *Dashboard) revokeConsent(w http.ResponseWriter, r *http.Request) (string, error) {
	id := r.PathValue("id")
	res, err := call(d.api.RevokeConsentWithResponse(r.Context(), id, adminapi.RevokeConsentJSONRequestBody{}))
	if err != nil {
		return "", err
	}
	d.ok(w, fmt.Sprintf("Consent %s revoked at %s: it is now %s.", id, res.JSON200.Bank, res.JSON200.Status))
	return "", nil
}

func (d *Dashboard) fireNotification(w http.ResponseWriter, r *http.Request) (string, error) {
	f := r.PostForm
	back := d.opts.BasePath + "/deliveries"
	in := adminapi.NotificationFire{Bank: strings.TrimSpace(f.Get("bank")), Type: adminapi.NotificationFireType(f.Get("type")),
		AccountId: optString(f, "accountId"), ConsentId: optString(f, "consentId"), TransactionId: optString(f, "transactionId")}
	var err error
	if in.Fields, err = fields(f.Get("fields")); err != nil {
		return back, err
	}
	in.Delivery = deliveryOptions(f)
	res, err := call(d.api.FireNotificationWithResponse(r.Context(), in))
	if err != nil {
		return back, err
	}
	n := len(res.JSON202.NotificationIds)
	if n == 0 {
		d.ok(w, fmt.Sprintf("%s fired at %s, but no subscription matches it: nothing to deliver.", in.Type, in.Bank))
	} else {
		d.ok(w, fmt.Sprintf("%s fired at %s: %d notification(s) queued for delivery.", in.Type, in.Bank, n))
	}
	return back, nil
}

func (d *Dashboard) expireConsent(w http.ResponseWriter, r *http.Request) (string, error) {
	id := r.PathValue("id")
	res, err := call(d.api.ExpireConsentWithResponse(r.Context(), id))
	if err != nil {
		return "", err
	}
	d.ok(w, fmt.Sprintf("Consent %s expired at %s: it is now %s.", id, fmtTime(res.JSON200.ExpirationTime), res.JSON200.Status))
	return "", nil
}

func (d *Dashboard) resetLogin(w http.ResponseWriter, r *http.Request) (string, error) {
	id := r.PathValue("id")
	if _, err := call(d.api.ResetLoginWithResponse(r.Context(), id)); err != nil {
		return "", err
	}
	d.ok(w, fmt.Sprintf("Consent %s stays active, but its tokens are refused until the user consents again.", id))
	return "", nil
}

// link records a consent the way the consent page would. The answer's
// tokens are dropped: a page is no place for an access token, and the
// admin API hands them out to whoever needs them.
func (d *Dashboard) link(w http.ResponseWriter, r *http.Request) (string, error) {
	f := r.PostForm
	in := adminapi.LinkCreate{Bank: strings.TrimSpace(f.Get("bank")), UserId: optString(f, "userId"), ClientId: optString(f, "clientId"),
		Duration: optString(f, "duration"), Lookback: optString(f, "lookback")}
	if cs := f["cluster"]; len(cs) > 0 {
		clusters := make([]adminapi.LinkCreateClusters, len(cs))
		for i, c := range cs {
			clusters[i] = adminapi.LinkCreateClusters(c)
		}
		in.Clusters = &clusters
	}
	if as := f["account"]; len(as) > 0 {
		in.AccountIds = &as
	}
	if p := optString(f, "purpose"); p != nil {
		purpose := adminapi.LinkCreatePurpose(*p)
		in.Purpose = &purpose
	}
	res, err := call(d.api.CreateLinkWithResponse(r.Context(), in))
	if err != nil {
		return "", err
	}
	l := res.JSON201
	d.ok(w, fmt.Sprintf("Linked at %s for client %s: consent %s, %d account(s), %s, until %s. Its tokens are not shown here (POST /admin/links answers with them).",
		l.Bank, l.ClientId, l.ConsentId, len(l.AccountIds), strings.Join(l.Clusters, ", "), fmtTime(l.ExpirationTime)))
	return "", nil
}

func (d *Dashboard) addSubscription(w http.ResponseWriter, r *http.Request) (string, error) {
	f := r.PostForm
	back := d.opts.BasePath + "/deliveries"
	in := adminapi.SubscriptionCreate{Bank: strings.TrimSpace(f.Get("bank")), ClientId: optString(f, "clientId"), CallbackUrl: strings.TrimSpace(f.Get("callbackUrl")),
		Delivery: deliveryOptions(f)}
	for _, t := range f["type"] {
		in.NotificationTypes = append(in.NotificationTypes, adminapi.SubscriptionCreateNotificationTypes(t))
	}
	if len(in.NotificationTypes) == 0 {
		return back, formError("tick at least one notification type")
	}
	res, err := call(d.api.CreateSubscriptionWithResponse(r.Context(), in))
	if err != nil {
		return back, err
	}
	s := res.JSON201
	d.ok(w, fmt.Sprintf("Subscription %s: %s's client %s hears %s at %s.", s.SubscriptionId, s.Bank, s.ClientId, strings.Join(s.NotificationTypes, ", "), s.CallbackUrl))
	return back, nil
}

func (d *Dashboard) deleteSubscription(w http.ResponseWriter, r *http.Request) (string, error) {
	back := d.opts.BasePath + "/deliveries"
	id := r.PathValue("id")
	if _, err := call(d.api.DeleteSubscriptionWithResponse(r.Context(), id)); err != nil {
		return back, err
	}
	d.ok(w, "Subscription "+id+" deleted.")
	return back, nil
}

// fields reads name=value lines (a notification's extra customFields).
func fields(text string) (*map[string]string, error) {
	out := map[string]string{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, formError(fmt.Sprintf("fields: %q is not name=value", line))
		}
		out[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out, nil
}

// deliveryOptions reads a form's deliberate misdelivery; none (or
// "normal" without a delay) leaves the API's default.
func deliveryOptions(f map[string][]string) *adminapi.DeliveryOptions {
	mode, delay := optString(f, "deliveryMode"), optString(f, "deliveryDelay")
	if mode == nil && delay == nil {
		return nil
	}
	o := &adminapi.DeliveryOptions{Delay: delay}
	if mode != nil {
		o.Mode = adminapi.DeliveryOptionsMode(*mode)
	}
	return o
}

func (d *Dashboard) setSubscriptionDelivery(w http.ResponseWriter, r *http.Request) (string, error) {
	back := d.opts.BasePath + "/deliveries"
	id := r.PathValue("id")
	o := deliveryOptions(r.PostForm)
	if o == nil {
		o = &adminapi.DeliveryOptions{Mode: "normal"}
	}
	res, err := call(d.api.UpdateSubscriptionWithResponse(r.Context(), id, adminapi.UpdateSubscriptionJSONRequestBody{Delivery: *o}))
	if err != nil {
		return back, err
	}
	mode := "normal"
	if dl := res.JSON200.Delivery; dl != nil {
		mode = string(dl.Mode)
		if dl.Delay != nil {
			mode += " (" + *dl.Delay + ")"
		}
	}
	d.ok(w, fmt.Sprintf("Deliveries to subscription %s are now %s.", id, mode))
	return back, nil
}

func (d *Dashboard) redeliver(w http.ResponseWriter, r *http.Request) (string, error) {
	id := r.PathValue("id")
	res, err := call(d.api.RedeliverWithResponse(r.Context(), id))
	if err != nil {
		return "", err
	}
	d.ok(w, fmt.Sprintf("%s %s is sent again as delivery %s.", res.JSON202.Type, res.JSON202.NotificationId, res.JSON202.DeliveryId))
	return "", nil
}

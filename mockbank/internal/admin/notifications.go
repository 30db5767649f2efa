package admin

// The notifications and deliveries resources: fire a notification, read the deliveries.

import (
	"context"
	"encoding/json"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// FireNotification sends a notification now.
func (s *Server) FireNotification(ctx context.Context, req adminapi.FireNotificationRequestObject) (adminapi.FireNotificationResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	in := req.Body
	r := notify.Request{Bank: in.Bank, Type: string(in.Type)}
	if in.AccountId != nil {
		r.AccountID = *in.AccountId
	}
	if in.ConsentId != nil {
		r.ConsentID = *in.ConsentId
	}
	if in.TransactionId != nil {
		r.TransactionID = *in.TransactionId
	}
	if in.Fields != nil && len(*in.Fields) > 0 {
		r.Fields = *in.Fields
	}
	var err error
	if r.Mode, r.Delay, err = deliveryOptions(in.Delivery); err != nil {
		return nil, err
	}
	ids, err := s.deps.Notify.Fire(ctx, r)
	if err != nil {
		return nil, err
	}
	s.changed()
	if ids == nil {
		ids = []string{}
	}
	return adminapi.FireNotification202JSONResponse{NotificationIds: ids}, nil
}

// ListDeliveries lists deliveries, newest first.
func (s *Server) ListDeliveries(ctx context.Context, req adminapi.ListDeliveriesRequestObject) (adminapi.ListDeliveriesResponseObject, error) {
	p := req.Params
	f := notify.Filter{Type: deref(p.Type), SubscriptionID: deref(p.SubscriptionId), NotificationID: deref(p.NotificationId), ClientID: deref(p.ClientId)}
	if p.Bank != nil {
		if err := s.checkBank(*p.Bank); err != nil {
			return nil, err
		}
		f.Bank = *p.Bank
	}
	if p.Status != nil {
		f.Status = string(*p.Status)
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	ds, _ := s.deps.Notify.Query(ctx, f)
	out := make([]adminapi.Delivery, 0, len(ds))
	for _, d := range ds {
		out = append(out, apiDelivery(d))
	}
	return adminapi.ListDeliveries200JSONResponse{Deliveries: out}, nil
}

func apiDelivery(d notify.Delivery) adminapi.Delivery {
	ad := adminapi.Delivery{DeliveryId: d.ID, NotificationId: d.NotificationID, SubscriptionId: ptr(d.SubscriptionID),
		Bank: d.Bank, Type: d.Type, CallbackUrl: d.CallbackURL, Status: adminapi.DeliveryStatus(d.Status)}
	if d.ClientID != "" {
		ad.ClientId = ptr(d.ClientID)
	}
	if d.Mode != "" {
		ad.Mode = ptr(d.Mode)
	}
	if d.RedeliveryOf != "" {
		ad.RedeliveryOf = ptr(d.RedeliveryOf)
	}
	var body map[string]any
	if json.Unmarshal(d.Body, &body) == nil {
		ad.Notification = &body
	}
	ad.Attempts = make([]struct {
		At         time.Time                      `json:"at"`
		DurationMs *float64                       `json:"durationMs,omitempty"`
		Error      *string                        `json:"error,omitempty"`
		HttpStatus *int                           `json:"httpStatus,omitempty"`
		Kind       *adminapi.DeliveryAttemptsKind `json:"kind,omitempty"`
		Response   *string                        `json:"response,omitempty"`
	}, len(d.Attempts))
	for i, a := range d.Attempts {
		x := &ad.Attempts[i]
		x.At = a.At
		if a.Error != "" {
			x.Error = ptr(a.Error)
		}
		if a.HTTPStatus != 0 {
			x.HttpStatus = ptr(a.HTTPStatus)
		}
		if a.Duration > 0 {
			x.DurationMs = ptr(float64(a.Duration.Microseconds()) / 1000)
		}
		if a.Response != "" {
			x.Response = ptr(a.Response)
		}
		if a.Kind != "" {
			x.Kind = ptr(adminapi.DeliveryAttemptsKind(a.Kind))
		}
	}
	if !d.NextAttemptAt.IsZero() {
		ad.NextAttemptAt = ptr(d.NextAttemptAt)
	}
	return ad
}

// Redeliver sends a delivery's notification again.
func (s *Server) Redeliver(ctx context.Context, req adminapi.RedeliverRequestObject) (adminapi.RedeliverResponseObject, error) {
	d, err := s.deps.Notify.Redeliver(ctx, req.DeliveryId)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.Redeliver202JSONResponse(apiDelivery(d)), nil
}

// deliveryOptions validates a delivery mode with its delay.
func deliveryOptions(in *adminapi.DeliveryOptions) (string, time.Duration, error) {
	if in == nil {
		return "", 0, nil
	}
	var delay time.Duration
	if in.Delay != nil {
		d, err := scenario.ParseDuration(*in.Delay)
		if err != nil {
			return "", 0, invalid("delivery.delay: %v", err)
		}
		delay = d
	}
	if err := notify.CheckMode(string(in.Mode), delay); err != nil {
		return "", 0, err
	}
	return string(in.Mode), delay, nil
}

func apiDeliveryOptions(mode string, delay time.Duration) *adminapi.DeliveryOptions {
	if mode == "" {
		return nil
	}
	out := &adminapi.DeliveryOptions{Mode: adminapi.DeliveryOptionsMode(mode)}
	if delay > 0 {
		out.Delay = ptr(scenario.FormatDuration(delay))
	}
	return out
}

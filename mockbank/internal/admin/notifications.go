package admin

// The notifications and deliveries resources: fire a notification, read the deliveries.

import (
	"context"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/notify"
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
	bank := ""
	if req.Params.Bank != nil {
		if err := s.checkBank(*req.Params.Bank); err != nil {
			return nil, err
		}
		bank = *req.Params.Bank
	}
	out := []adminapi.Delivery{}
	for _, d := range s.deps.Notify.Deliveries(ctx, bank) {
		ad := adminapi.Delivery{DeliveryId: d.ID, NotificationId: d.NotificationID, SubscriptionId: ptr(d.SubscriptionID),
			Bank: d.Bank, Type: d.Type, CallbackUrl: d.CallbackURL, Status: adminapi.DeliveryStatus(d.Status)}
		ad.Attempts = make([]struct {
			At         time.Time `json:"at"`
			Error      *string   `json:"error,omitempty"`
			HttpStatus *int      `json:"httpStatus,omitempty"`
		}, len(d.Attempts))
		for i, a := range d.Attempts {
			ad.Attempts[i].At = a.At
			if a.Error != "" {
				ad.Attempts[i].Error = ptr(a.Error)
			}
			if a.HTTPStatus != 0 {
				ad.Attempts[i].HttpStatus = ptr(a.HTTPStatus)
			}
		}
		if !d.NextAttemptAt.IsZero() {
			ad.NextAttemptAt = ptr(d.NextAttemptAt)
		}
		out = append(out, ad)
	}
	return adminapi.ListDeliveries200JSONResponse{Deliveries: out}, nil
}

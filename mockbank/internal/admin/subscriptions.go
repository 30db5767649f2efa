package admin

// The subscriptions resource: notification subscriptions, whoever made
// them (the client through FDX, or the admin API and scenarios for it).

import (
	"context"
	"slices"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func apiSubscription(sub *store.Subscription) adminapi.Subscription {
	return adminapi.Subscription{SubscriptionId: sub.ID, Bank: sub.Bank, ClientId: sub.ClientID, CallbackUrl: sub.CallbackURL,
		NotificationTypes: slices.Clone(sub.Types), CreatedTime: sub.CreatedAt.UTC(), Delivery: apiDeliveryOptions(sub.DeliveryMode, sub.DeliveryDelay)}
}

// planSubscription validates a subscription before anything is created.
func (s *Server) planSubscription(ctx context.Context, in adminapi.SubscriptionCreate) (store.Subscription, error) {
	if err := s.checkBank(in.Bank); err != nil {
		return store.Subscription{}, err
	}
	client := deref(in.ClientId)
	if client == "" && s.deps.ReadyClient != nil {
		client = s.deps.ReadyClient(in.Bank)
	}
	if client == "" {
		return store.Subscription{}, invalid("clientId is required")
	}
	if p := s.provider(in.Bank); p != nil {
		if _, ok := p.Client(ctx, client); !ok {
			return store.Subscription{}, invalid("client %q is not registered at %s", client, in.Bank)
		}
	}
	if !store.CallbackAllowed(in.CallbackUrl) {
		return store.Subscription{}, invalid("callbackUrl must be https (or http to a loopback host)")
	}
	mode, delay, err := deliveryOptions(in.Delivery)
	if err != nil {
		return store.Subscription{}, err
	}
	if mode == "normal" {
		mode = ""
	}
	sub := store.Subscription{Bank: in.Bank, ClientID: client, CallbackURL: in.CallbackUrl, DeliveryMode: mode, DeliveryDelay: delay}
	for _, t := range in.NotificationTypes {
		if !slices.Contains(sub.Types, string(t)) {
			sub.Types = append(sub.Types, string(t))
		}
	}
	return sub, nil
}

// ListSubscriptions lists subscriptions.
func (s *Server) ListSubscriptions(ctx context.Context, req adminapi.ListSubscriptionsRequestObject) (adminapi.ListSubscriptionsResponseObject, error) {
	banks := s.deps.Store.Banks()
	if req.Params.Bank != nil {
		if err := s.checkBank(*req.Params.Bank); err != nil {
			return nil, err
		}
		banks = []string{*req.Params.Bank}
	}
	out := adminapi.ListSubscriptions200JSONResponse{Subscriptions: []adminapi.Subscription{}}
	for _, b := range banks {
		subs, err := s.deps.Store.Subscriptions(ctx, b, deref(req.Params.ClientId))
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			out.Subscriptions = append(out.Subscriptions, apiSubscription(sub))
		}
	}
	return out, nil
}

// CreateSubscription subscribes a client.
func (s *Server) CreateSubscription(ctx context.Context, req adminapi.CreateSubscriptionRequestObject) (adminapi.CreateSubscriptionResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	plan, err := s.planSubscription(ctx, *req.Body)
	if err != nil {
		return nil, err
	}
	sub, err := s.deps.Store.CreateSubscription(ctx, plan)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.CreateSubscription201JSONResponse(apiSubscription(sub)), nil
}

// findSubscription finds a subscription by id at any bank.
func (s *Server) findSubscription(ctx context.Context, id string) (*store.Subscription, error) {
	for _, b := range s.deps.Store.Banks() {
		subs, err := s.deps.Store.Subscriptions(ctx, b, "")
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if sub.ID == id {
				return sub, nil
			}
		}
	}
	return nil, notFound("subscription %q not found", id)
}

// DeleteSubscription deletes a subscription.
func (s *Server) DeleteSubscription(ctx context.Context, req adminapi.DeleteSubscriptionRequestObject) (adminapi.DeleteSubscriptionResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, err := s.findSubscription(ctx, req.SubscriptionId)
	if err != nil {
		return nil, err
	}
	if err := s.deps.Store.DeleteSubscription(ctx, sub.Bank, sub.ClientID, sub.ID); err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.DeleteSubscription204Response{}, nil
}

// UpdateSubscription changes how deliveries to a subscription behave.
func (s *Server) UpdateSubscription(ctx context.Context, req adminapi.UpdateSubscriptionRequestObject) (adminapi.UpdateSubscriptionResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mode, delay, err := deliveryOptions(&req.Body.Delivery)
	if err != nil {
		return nil, err
	}
	if mode == "normal" {
		mode = ""
	}
	sub, err := s.findSubscription(ctx, req.SubscriptionId)
	if err != nil {
		return nil, err
	}
	nsub, err := s.deps.Store.SetDeliveryMode(ctx, sub.Bank, sub.ID, mode, delay)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.UpdateSubscription200JSONResponse(apiSubscription(nsub)), nil
}

package fdx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Subscriptions implements driver.NotificationSubscriber over FDX
// /notification-subscriptions. It is a separate type, not methods of
// Connector, so that a bank package declares the capability by embedding
// it (type connector struct{ *fdx.Connector; fdx.Subscriptions })
// only when its bank offers subscriptions: the sdk detects optional
// capabilities by type assertion, and a method that always answers
// "unsupported" would be a lie to it.
type Subscriptions struct{ c *Connector }

// Subscriptions returns the notification capability for embedding.
func (c *Connector) Subscriptions() Subscriptions { return Subscriptions{c: c} }

// Subscribe implements driver.NotificationSubscriber.
func (s Subscriptions) Subscribe(ctx context.Context, callbackURL string, types []string) (*driver.Subscription, error) {
	c := s.c
	op := c.op("Subscribe")
	req := fdxclient.NotificationSubscriptionRequest{CallbackUrl: callbackURL, NotificationTypes: make([]fdxclient.NotificationType, 0, len(types))}
	for _, t := range types {
		req.NotificationTypes = append(req.NotificationTypes, fdxclient.NotificationType(t))
	}
	resp, err := c.api.CreateNotificationSubscription(ctx, &fdxclient.CreateNotificationSubscriptionParams{}, req)
	var body fdxclient.NotificationSubscription
	if err := c.decode(op, resp, err, &body); err != nil {
		return nil, err
	}
	if body.SubscriptionId == "" {
		return nil, malformed(op, errors.New("subscription without subscriptionId"))
	}
	sub := &driver.Subscription{ID: body.SubscriptionId, CallbackURL: body.CallbackUrl, Created: utc(body.CreatedTime)}
	for _, t := range body.NotificationTypes {
		sub.Types = append(sub.Types, string(t))
	}
	return sub, nil
}

// Unsubscribe implements driver.NotificationSubscriber.
func (s Subscriptions) Unsubscribe(ctx context.Context, subscriptionID string) error {
	c := s.c
	op := c.op("Unsubscribe")
	resp, err := c.api.DeleteNotificationSubscription(ctx, subscriptionID, &fdxclient.DeleteNotificationSubscriptionParams{})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		// A 404 on the subscription's own URL means it does not exist,
		// whatever FDX code came with it (mockbank sends 401, "invalid
		// input", as some banks do for an id they do not know).
		return &obcerr.Error{Code: obcerr.NotFound, Op: op, Msg: "no such subscription", Err: bankError(resp, c.Now())}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %w", op, bankError(resp, c.Now()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}

// AccountRevocation implements driver.AccountRevoker over FDX's PUT
// /consents/{id}/revocation with accountIds, for banks that revoke single
// accounts of a consent. Like Subscriptions, it is embedded only by the
// connectors of banks that offer it.
type AccountRevocation struct{ c *Connector }

// AccountRevocation returns the account-revocation capability for
// embedding.
func (c *Connector) AccountRevocation() AccountRevocation { return AccountRevocation{c: c} }

// RevokeAccounts implements driver.AccountRevoker.
func (a AccountRevocation) RevokeAccounts(ctx context.Context, consentID string, accountIDs []string, reason driver.RevocationReason) error {
	op := a.c.op("RevokeAccounts")
	if len(accountIDs) == 0 {
		// An empty list would revoke the whole consent: never do that by
		// accident.
		return &obcerr.Error{Code: obcerr.InvalidArgument, Op: op, Msg: "no account ids to revoke"}
	}
	return a.c.Revoke(ctx, op, consentID, accountIDs, reason)
}

package usbank

import (
	"context"
	_ "embed"

	"github.com/obconnect/obconnect/connectors/fdx"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// usb is U.S. Bank's driver. Besides the shared FDX behaviour, its error
// table and notification subscriptions, it is a driver.AccountRevoker, the
// one bank of the four that revokes single accounts of a consent.
type usb struct {
	fdx.Subscriptions
	*fdx.Connector
}

// The capabilities the sdk will find by type assertion.
var (
	_ driver.AccountRevoker         = (*usb)(nil)
	_ driver.NotificationSubscriber = (*usb)(nil)
	_ driver.Connector              = (*usb)(nil)
)

func init() { sdk.Register(Name, Open) }

// Name is the registry name of this connector.
const Name = "usbank"

// Open is U.S. Bank's driver.Opener.
var Open = fdx.Opener(profileData, func(shared *fdx.Connector) driver.Connector {
	return &usb{Connector: shared, Subscriptions: shared.Subscriptions()}
})

//go:embed profile.json
var profileData []byte

// RevokeAccounts implements driver.AccountRevoker with U.S. Bank's
// extension of FDX revocation: the same PUT, with accountIds naming the
// accounts to drop; the consent stays active for the others.
func (c *usb) RevokeAccounts(ctx context.Context, consentID string, accountIDs []string, reason driver.RevocationReason) error {
	const op = "usbank.RevokeAccounts"
	if len(accountIDs) == 0 {
		// An empty list would revoke the whole consent: never do that by accident.
		return &obcerr.Error{Code: obcerr.InvalidArgument, Op: op, Msg: "no account ids to revoke"}
	}
	return c.Revoke(ctx, op, consentID, accountIDs, reason)
}

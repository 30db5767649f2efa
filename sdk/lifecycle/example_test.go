package lifecycle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/lifecycle"
	"github.com/obconnect/obconnect/sdk/txsync"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// The user revoked one account at the bank, then the rest: the webhook
// handler applies each CONSENT_REVOKED notification and deletes what the
// Outcome lists.
func ExampleForgetter_OnNotification() {
	ctx := context.Background()
	tokens := sdk.NewMemoryTokenStore()
	client, _ := open(&bank{}, tokens, nil) // a scripted bank standing in for sdk.Open
	grant := &sdk.Grant{Bank: fakeName, ConsentID: "cns-1", Clusters: []sdk.Cluster{sdk.Transactions}, AccountIDs: []string{"a1", "a2"}}
	_ = tokens.Put(ctx, grant.TokenKey(), &sdk.TokenRecord{AccessToken: "at", Expiry: time.Now().Add(time.Hour)})

	f, _ := lifecycle.New(client, &lifecycle.Options{Tokens: tokens, SyncState: txsync.NewMemoryStore()})
	for _, ev := range []*webhook.ConsentRevoked{
		{ConsentID: "cns-1", AccountID: "a2", Reason: "USER_ACTION"},
		{ConsentID: "cns-1", Reason: "USER_ACTION"},
	} {
		out, err := f.OnNotification(ctx, grant, ev)
		if err != nil {
			panic(err)
		}
		fmt.Printf("whole=%v delete data of %v, tokens deleted=%v\n", out.Whole, out.AccountIDs, out.TokensDeleted)
	}
	// Output:
	// whole=false delete data of [a2], tokens deleted=false
	// whole=true delete data of [a1 a2], tokens deleted=true
}

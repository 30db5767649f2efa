package txsync_test

import (
	"context"
	"fmt"
	"time"

	"github.com/obconnect/obconnect/sdk/txsync"
)

// A first sync reports the history; later syncs report only what changed:
// here a pending card payment posts with a tip under a new id, another is
// dropped, and a late posting appears.
func ExampleSyncer_Sync() {
	ctx := context.Background()
	bank, client, grant, err := openFake(50) // a scripted bank standing in for sdk.Open
	if err != nil {
		panic(err)
	}
	restaurant := bank.addPending(2*time.Hour, 4000)
	hotel := bank.addPending(3*time.Hour, 20000)

	syncer, err := txsync.New(txsync.NewMemoryStore(), &txsync.Options{Now: bank.clock})
	if err != nil {
		panic(err)
	}
	res, err := syncer.Sync(ctx, client, grant, acct, "")
	if err != nil {
		panic(err)
	}
	fmt.Println("first sync: added", len(res.Added))

	bank.advance(24 * time.Hour)
	bank.postNewID(restaurant, 4800, false) // posted with a tip
	bank.drop(hotel)                        // the hold is released
	bank.addPosted(4*24*time.Hour, 999)     // dated four days ago, posted today

	res, err = syncer.Sync(ctx, client, grant, acct, res.Next)
	if err != nil {
		panic(err)
	}
	for _, tx := range res.Added {
		fmt.Println("added", tx.ID, tx.Amount)
	}
	for _, m := range res.Modified {
		fmt.Println("modified", m.PreviousID, "->", m.Transaction.ID, m.Transaction.Status, m.Transaction.Amount)
	}
	for _, id := range res.Removed {
		fmt.Println("removed", id)
	}
	// Output:
	// first sync: added 2
	// added tx4 -9.99 USD
	// modified tx1 -> tx3 POSTED -48.00 USD
	// removed tx2
}

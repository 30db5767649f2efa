package txsync

import (
	"context"
	"slices"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// pass is one complete read of the window.
type pass struct {
	txs  []sdk.Transaction // first copy of each id, in the bank's order
	fps  map[string]string // id -> fingerprint
	seen map[string]int    // id -> index in txs
}

func readPass(ctx context.Context, client *sdk.Client, grant *sdk.Grant, accountID string, q sdk.TxQuery) (*pass, error) {
	p := &pass{fps: map[string]string{}, seen: map[string]int{}}
	for tx, err := range client.Transactions(ctx, grant, accountID, q) {
		if err != nil {
			return nil, err
		}
		if tx.ID == "" {
			// Without an id a transaction cannot be matched next time:
			// reporting it would duplicate it on every sync.
			return nil, fail(obcerr.Internal, nil, "the bank returned a transaction without an id")
		}
		if _, ok := p.seen[tx.ID]; ok {
			// Page boundaries moved, or the bank's pages overlap: the
			// second read tells which.
			continue
		}
		p.seen[tx.ID] = len(p.txs)
		p.fps[tx.ID] = fingerprint(tx)
		p.txs = append(p.txs, tx)
	}
	return p, nil
}

// newest is the latest date in the pass; the zero time when it is empty
// is replaced by the far future, so that it never lowers a floor.
func (p *pass) newest() time.Time {
	var n time.Time
	for _, tx := range p.txs {
		if d := earliest(tx); d.After(n) {
			n = d
		}
	}
	if n.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return n
}

// same reports whether two reads returned the same transactions with the
// same content.
func (p *pass) same(o *pass) bool {
	if len(p.fps) != len(o.fps) {
		return false
	}
	for id, fp := range p.fps {
		if o.fps[id] != fp {
			return false
		}
	}
	return true
}

// delta is what one pass changes relative to the base snapshot, and the
// snapshot to commit.
type delta struct {
	added    []sdk.Transaction
	modified []Modification
	removed  []string
	track    []entry
}

// diff compares a pass with what was reported before; floor is this
// pass's lookback floor.
//
// The visible set is the pass minus pending transactions that a posted
// one in the same pass replaces (some banks list both for a while). Each
// visible transaction is then: known (same id; Modified if its content
// changed), a posting of a known pending one under a new id (Modified with
// PreviousID), older than the window and unknown (ignored: it was either
// reported and forgotten, or is beyond the lookback guarantee), or new
// (Added). Known transactions left unclaimed are Removed. Posted
// transactions older than this pass's floor leave the snapshot; pending
// ones stay until they post or drop.
func diff(base *snapshot, p *pass, floor time.Time) *delta {
	// Empty lists rather than nil, so a Result marshals as [] not null.
	d := &delta{added: []sdk.Transaction{}, modified: []Modification{}, removed: []string{}}
	superseded := map[string]bool{}
	for _, tx := range p.txs {
		if r := tx.ReplacesID; r != "" && r != tx.ID {
			if _, listed := p.seen[r]; listed {
				superseded[r] = true
			}
		}
	}
	known := map[string]entry{}
	var seenFloor time.Time // unknown transactions dated before it may have been reported and forgotten
	if base != nil {
		seenFloor = base.Floor
		for _, e := range base.Entries {
			known[e.ID] = e
		}
	}
	claimed := map[string]bool{}
	for _, tx := range p.txs {
		if superseded[tx.ID] {
			continue
		}
		fp := p.fps[tx.ID]
		date := earliest(tx)
		switch e, ok := known[tx.ID]; {
		case ok:
			claimed[tx.ID] = true
			if e.FP != fp {
				d.modified = append(d.modified, Modification{Transaction: tx, PreviousID: tx.ID})
			}
		case tx.ReplacesID != "" && isKnownUnclaimed(known, claimed, tx.ReplacesID) && !p.listed(tx.ReplacesID, superseded):
			claimed[tx.ReplacesID] = true
			d.modified = append(d.modified, Modification{Transaction: tx, PreviousID: tx.ReplacesID})
		case base != nil && !date.IsZero() && date.Before(seenFloor):
			continue // not tracked, not reported
		default:
			d.added = append(d.added, tx)
		}
		pending := tx.Status != sdk.Posted
		if pending || date.IsZero() || !date.Before(floor) {
			d.track = append(d.track, entry{ID: tx.ID, Pending: pending, Date: date, FP: fp})
		}
	}
	for id := range known {
		if !claimed[id] {
			d.removed = append(d.removed, id)
		}
	}
	slices.Sort(d.removed)
	return d
}

func isKnownUnclaimed(known map[string]entry, claimed map[string]bool, id string) bool {
	_, ok := known[id]
	return ok && !claimed[id]
}

// listed reports whether id is itself visible in the pass (then it is
// matched as itself, not as the predecessor of another transaction).
func (p *pass) listed(id string, superseded map[string]bool) bool {
	_, ok := p.seen[id]
	return ok && !superseded[id]
}

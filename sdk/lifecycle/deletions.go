package lifecycle

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/obconnect/obconnect/sdk"
)

// DeletionStore keeps the outcomes of revocations whose data the
// integrator has not yet deleted: an outbox of deletions. The Forgetter
// adds one before it returns it (Options.Deletions); the integrator calls
// Done once the data listed is gone, and lists Pending at start-up to
// finish what a crash interrupted. Implementations must be safe for
// concurrent use.
type DeletionStore interface {
	// Add records a copy of o under o.ID, replacing any outcome of that id.
	Add(ctx context.Context, o *Outcome) error
	// Pending returns at most limit recorded outcomes, oldest (At) first;
	// limit <= 0 means all.
	Pending(ctx context.Context, limit int) ([]*Outcome, error)
	// Done removes the outcome id; removing a missing id is not an error.
	Done(ctx context.Context, id string) error
}

// MemoryDeletionStore is an in-memory DeletionStore, for tests: it does
// not survive the crash it exists for.
type MemoryDeletionStore struct {
	mu sync.Mutex
	m  map[string]*Outcome
}

var _ DeletionStore = (*MemoryDeletionStore)(nil)

// NewMemoryDeletionStore returns an empty store.
func NewMemoryDeletionStore() *MemoryDeletionStore {
	return &MemoryDeletionStore{m: map[string]*Outcome{}}
}

// Add implements DeletionStore.
func (s *MemoryDeletionStore) Add(_ context.Context, o *Outcome) error {
	if o == nil || o.ID == "" {
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle.MemoryDeletionStore.Add", Msg: "an outcome with an ID is required"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[o.ID] = o.Clone()
	return nil
}

// Pending implements DeletionStore.
func (s *MemoryDeletionStore) Pending(_ context.Context, limit int) ([]*Outcome, error) {
	s.mu.Lock()
	out := make([]*Outcome, 0, len(s.m))
	for _, o := range s.m {
		out = append(out, o.Clone())
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *Outcome) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Done implements DeletionStore.
func (s *MemoryDeletionStore) Done(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// Clone returns a deep copy of o; nil gives nil.
func (o *Outcome) Clone() *Outcome {
	if o == nil {
		return nil
	}
	cp := *o
	cp.AccountIDs = slices.Clone(o.AccountIDs)
	return &cp
}

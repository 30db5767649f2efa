package txsync

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// ErrNotFound is returned (wrapped or as is) by a StateStore's Get when the
// key has no value.
var ErrNotFound = errors.New("txsync: key not found")

// StateStore persists sync state. Values are opaque bytes that carry their
// own checksum; a store only needs to keep them intact. Implementations
// must be safe for concurrent use.
//
// Keys have the form "txsync/<bank>/<accountID>/<stream>", so every state
// kept for an account can be dropped with one DeletePrefix (what package
// sdk/lifecycle does when a consent is revoked).
type StateStore interface {
	// Get returns the value under key, or an error for which
	// errors.Is(err, ErrNotFound) holds.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put replaces the value under key atomically: a reader (or a process
	// restarting after a crash) sees the old value or the new one, never
	// a mix.
	Put(ctx context.Context, key string, value []byte) error
	// DeletePrefix removes every key starting with prefix and reports how
	// many it removed; removing nothing is not an error.
	DeletePrefix(ctx context.Context, prefix string) (int, error)
}

// MemoryStore is an in-memory StateStore: state is lost when the process
// exits, so a restarted process must start from an empty cursor. For
// tests and for integrators who keep their own state elsewhere.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ StateStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string][]byte{}} }

// Get implements StateStore; it returns a copy.
func (s *MemoryStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

// Put implements StateStore; it stores a copy.
func (s *MemoryStore) Put(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), value...)
	return nil
}

// DeletePrefix implements StateStore.
func (s *MemoryStore) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			delete(s.m, k)
			n++
		}
	}
	return n, nil
}

// Len reports how many keys the store holds (for tests and metrics).
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

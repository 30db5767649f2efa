package webhook

import (
	"context"
	"sync"
	"time"
)

// ReplayStore remembers which notifications have been accepted, so that a
// captured request replayed within the tolerance window is refused.
//
// Receivers that run several instances behind a load balancer need a shared
// implementation: store/sqlstore's (a database row with a unique key and an
// expiry, in SQLite or PostgreSQL; see docs/stores.md), or one of your own
// (Redis SET NX PX). The in-memory [MemoryReplayStore] protects one process
// only.
type ReplayStore interface {
	// Claim atomically records key for at least ttl and reports true, or
	// reports false without changing anything when key is already
	// recorded and its ttl has not run out. It is called only for
	// notifications whose signature and freshness have been verified.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Release forgets key. [Handler] calls it when the integrator's
	// function failed, so the bank's redelivery is processed rather than
	// acknowledged as a replay and lost.
	Release(ctx context.Context, key string) error
}

// MemoryReplayStore is an in-process [ReplayStore] with per-entry expiry.
// Expired entries are swept at most once a minute, in the Claim that finds
// the sweep due, so memory is bounded by the notifications accepted within
// one tolerance window plus a minute. Safe for concurrent use.
type MemoryReplayStore struct {
	now func() time.Time

	mu        sync.Mutex
	entries   map[string]time.Time // key → expiry
	nextSweep time.Time
}

// MemoryReplayStoreOptions configures a [MemoryReplayStore]. Nil or zero
// fields take the defaults documented on each.
type MemoryReplayStoreOptions struct {
	// Now is the store's clock, on which entry lifetimes are measured.
	// Default time.Now; a Verifier's default store uses the Verifier's
	// Options.Now.
	Now func() time.Time
}

// NewMemoryReplayStore returns an empty store; opts may be nil.
func NewMemoryReplayStore(opts *MemoryReplayStoreOptions) *MemoryReplayStore {
	var now func() time.Time
	if opts != nil {
		now = opts.Now
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayStore{now: now, entries: make(map[string]time.Time)}
}

// Claim implements [ReplayStore].
func (m *MemoryReplayStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		for k, exp := range m.entries {
			if !now.Before(exp) {
				delete(m.entries, k)
			}
		}
		m.nextSweep = now.Add(time.Minute)
	}
	if exp, ok := m.entries[key]; ok && now.Before(exp) {
		return false, nil
	}
	m.entries[key] = now.Add(ttl)
	return true, nil
}

// Release implements [ReplayStore].
func (m *MemoryReplayStore) Release(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
	return nil
}

// Len reports how many entries are held, expired or not yet swept.
func (m *MemoryReplayStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

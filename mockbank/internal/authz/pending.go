package authz

import (
	"container/list"
	"time"
)

// Bounds of the pending authorization state, per bank.
const (
	// maxPendingSessions and maxPendingPARs cap what unauthenticated (or
	// freely registered) callers can make the provider hold; the oldest
	// entry gives way. Each session is about 1 KB (4 KB at most with the
	// longest state, nonce and redirect URI), so a flood costs a bank at
	// most a few MB.
	maxPendingSessions = 4096
	maxPendingPARs     = 4096
)

// pending is short-lived flow state (sign-in sessions, pushed requests,
// authorization codes) keyed by an opaque id. An entry expires by
// simulated time, like everything the provider enforces, and also by
// wall-clock age: simulated time may stand still for days while
// unauthenticated requests keep adding entries, and nothing would ever
// free them. Entries are kept in insertion order, which is their
// wall-clock expiry order (one lifetime per map), so sweep pops expired
// entries off the front and costs O(expired), never a scan. The owner's
// lock guards it.
type pending[V any] struct {
	ttl   time.Duration // wall-clock lifetime
	limit int           // 0: no cap
	items map[string]*list.Element
	order list.List // of *pendingItem[V], oldest first
}

type pendingItem[V any] struct {
	key     string
	val     V
	simExp  time.Time
	wallExp time.Time
}

func newPending[V any](ttl time.Duration, limit int) *pending[V] {
	return &pending[V]{ttl: ttl, limit: limit, items: map[string]*list.Element{}}
}

// add stores val until simExp in simulated time or ttl of wall-clock time,
// whichever comes first, evicting the oldest entry when the map is full.
func (m *pending[V]) add(key string, val V, simExp, wall time.Time) {
	if el, ok := m.items[key]; ok {
		m.order.Remove(el)
	}
	m.items[key] = m.order.PushBack(&pendingItem[V]{key: key, val: val, simExp: simExp, wallExp: wall.Add(m.ttl)})
	for m.limit > 0 && len(m.items) > m.limit {
		m.removeElement(m.order.Front())
	}
}

// lookup returns the entry under key, and whether it has expired by either
// clock; ok is false when there is none. An expired entry stays until the
// caller removes it or a sweep does, so a caller can tell "expired" from
// "unknown" (and a used code's replay is still detected).
func (m *pending[V]) lookup(key string, sim, wall time.Time) (val V, expired, ok bool) {
	el, ok := m.items[key]
	if !ok {
		return val, false, false
	}
	it := el.Value.(*pendingItem[V])
	return it.val, it.expired(sim, wall), true
}

// take removes and returns a live entry; false when it is unknown or
// expired (and then gone too).
func (m *pending[V]) take(key string, sim, wall time.Time) (V, bool) {
	val, expired, ok := m.lookup(key, sim, wall)
	if ok {
		m.remove(key)
	}
	if !ok || expired {
		var zero V
		return zero, false
	}
	return val, true
}

// remove deletes key; false when it was not there.
func (m *pending[V]) remove(key string) bool {
	el, ok := m.items[key]
	if ok {
		m.removeElement(el)
	}
	return ok
}

func (m *pending[V]) removeElement(el *list.Element) {
	delete(m.items, el.Value.(*pendingItem[V]).key)
	m.order.Remove(el)
}

// sweep drops expired entries from the front and stops at the first live
// one. Simulated expiry follows insertion order too while simulated time
// only moves forward; if it was set back, a later entry that expired by
// it waits for its wall-clock deadline (lookups refuse it meanwhile).
func (m *pending[V]) sweep(sim, wall time.Time) {
	for el := m.order.Front(); el != nil && el.Value.(*pendingItem[V]).expired(sim, wall); el = m.order.Front() {
		m.removeElement(el)
	}
}

func (m *pending[V]) len() int { return len(m.items) }

func (m *pending[V]) clear() {
	clear(m.items)
	m.order.Init()
}

func (it *pendingItem[V]) expired(sim, wall time.Time) bool {
	return !sim.Before(it.simExp) || !wall.Before(it.wallExp)
}

package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/obconnect/obconnect/sdk/webhook"
)

// ReplayStore is the webhook.ReplayStore of a Store: one row per accepted
// notification in obconnect_webhook_claims, so receivers behind a load
// balancer accept each notification once between them. A claim is one
// upsert that succeeds only when the key is absent or its claim expired;
// expired rows are swept at most once a minute per Store.
type ReplayStore struct {
	s         *Store
	nextSweep atomic.Int64 // unix ms
}

var _ webhook.ReplayStore = (*ReplayStore)(nil)

// Claim implements webhook.ReplayStore.
func (r *ReplayStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := r.s.now()
	nowMS := now.UnixMilli()
	if next := r.nextSweep.Load(); nowMS >= next && r.nextSweep.CompareAndSwap(next, nowMS+time.Minute.Milliseconds()) {
		if _, err := r.s.db.ExecContext(ctx, r.s.q("DELETE FROM obconnect_webhook_claims WHERE expires_ms <= ?"), nowMS); err != nil {
			return false, fmt.Errorf("sqlstore: sweep webhook claims: %w", err)
		}
	}
	res, err := r.s.db.ExecContext(ctx, r.s.q(`INSERT INTO obconnect_webhook_claims (key, expires_ms) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET expires_ms = excluded.expires_ms WHERE obconnect_webhook_claims.expires_ms <= ?`),
		key, now.Add(ttl).UnixMilli(), nowMS)
	if err != nil {
		return false, fmt.Errorf("sqlstore: claim webhook: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: claim webhook: %w", err)
	}
	return n == 1, nil
}

// Release implements webhook.ReplayStore.
func (r *ReplayStore) Release(ctx context.Context, key string) error {
	if _, err := r.s.db.ExecContext(ctx, r.s.q("DELETE FROM obconnect_webhook_claims WHERE key = ?"), key); err != nil {
		return fmt.Errorf("sqlstore: release webhook claim: %w", err)
	}
	return nil
}

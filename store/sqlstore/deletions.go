package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/lifecycle"
)

// DeletionStore is the lifecycle.DeletionStore of a Store: one row per
// outcome still to carry out in obconnect_deletions.
type DeletionStore struct{ s *Store }

var _ lifecycle.DeletionStore = (*DeletionStore)(nil)

// Add implements lifecycle.DeletionStore.
func (d *DeletionStore) Add(ctx context.Context, o *lifecycle.Outcome) error {
	if o == nil || o.ID == "" {
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "sqlstore.DeletionStore.Add", Msg: "an outcome with an ID is required"}
	}
	body, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("sqlstore: encode deletion: %w", err)
	}
	_, err = d.s.db.ExecContext(ctx, d.s.q(`INSERT INTO obconnect_deletions (id, at_ms, body) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, body = excluded.body`), o.ID, o.At.UnixMilli(), string(body))
	if err != nil {
		return fmt.Errorf("sqlstore: write deletion: %w", err)
	}
	return nil
}

// Pending implements lifecycle.DeletionStore.
func (d *DeletionStore) Pending(ctx context.Context, limit int) ([]*lifecycle.Outcome, error) {
	query := "SELECT id, body FROM obconnect_deletions ORDER BY at_ms, id"
	var args []any
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := d.s.db.QueryContext(ctx, d.s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list deletions: %w", err)
	}
	defer rows.Close()
	var out []*lifecycle.Outcome
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("sqlstore: list deletions: %w", err)
		}
		var o lifecycle.Outcome
		if err := json.Unmarshal([]byte(body), &o); err != nil {
			return nil, &sdk.Error{Code: sdk.Internal, Op: "sqlstore.DeletionStore.Pending", Msg: "deletion " + id + " does not decode", Err: err}
		}
		out = append(out, &o)
	}
	return out, rows.Err()
}

// Done implements lifecycle.DeletionStore.
func (d *DeletionStore) Done(ctx context.Context, id string) error {
	if _, err := d.s.db.ExecContext(ctx, d.s.q("DELETE FROM obconnect_deletions WHERE id = ?"), id); err != nil {
		return fmt.Errorf("sqlstore: delete deletion: %w", err)
	}
	return nil
}

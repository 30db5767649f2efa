package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/obconnect/obconnect/sdk"
)

// GrantStore is the sdk.GrantStore of a Store: one row per grant in
// obconnect_grants, the JSON sdk.Grant with its bank, consent id and user
// reference in columns of their own. Grants hold no secrets and are not
// encrypted.
type GrantStore struct{ s *Store }

var _ sdk.GrantStore = (*GrantStore)(nil)

// Get implements sdk.GrantStore.
func (g *GrantStore) Get(ctx context.Context, key string) (*sdk.Grant, error) {
	var body string
	err := g.s.db.QueryRowContext(ctx, g.s.q("SELECT body FROM obconnect_grants WHERE key = ?"), key).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.GrantStore.Get")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read grant: %w", err)
	}
	var out sdk.Grant
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		return nil, &sdk.Error{Code: sdk.Internal, Op: "sqlstore.GrantStore.Get", Msg: "the grant " + key + " does not decode", Err: err}
	}
	return &out, nil
}

// Put implements sdk.GrantStore.
func (g *GrantStore) Put(ctx context.Context, gr *sdk.Grant) error {
	if gr == nil {
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "sqlstore.GrantStore.Put", Msg: "nil grant"}
	}
	body, err := json.Marshal(gr)
	if err != nil {
		return fmt.Errorf("sqlstore: encode grant: %w", err)
	}
	_, err = g.s.db.ExecContext(ctx, g.s.q(`INSERT INTO obconnect_grants (key, bank, consent_id, user_ref, body, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET bank = excluded.bank, consent_id = excluded.consent_id, user_ref = excluded.user_ref,
		body = excluded.body, updated_ms = excluded.updated_ms`),
		gr.TokenKey(), gr.Bank, gr.ConsentID, gr.UserRef, string(body), g.s.nowMS())
	if err != nil {
		return fmt.Errorf("sqlstore: write grant: %w", err)
	}
	return nil
}

// Delete implements sdk.GrantStore.
func (g *GrantStore) Delete(ctx context.Context, key string) error {
	if _, err := g.s.db.ExecContext(ctx, g.s.q("DELETE FROM obconnect_grants WHERE key = ?"), key); err != nil {
		return fmt.Errorf("sqlstore: delete grant: %w", err)
	}
	return nil
}

// List returns at most limit grants of bank whose keys sort after after,
// in key order: pass the last key of one page as after for the next
// ("" for the first page). limit <= 0 means 100.
func (g *GrantStore) List(ctx context.Context, bank, after string, limit int) ([]*sdk.Grant, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := g.s.db.QueryContext(ctx, g.s.q("SELECT key, body FROM obconnect_grants WHERE bank = ? AND key > ? ORDER BY key LIMIT ?"), bank, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list grants: %w", err)
	}
	defer rows.Close()
	var out []*sdk.Grant
	for rows.Next() {
		var key, body string
		if err := rows.Scan(&key, &body); err != nil {
			return nil, fmt.Errorf("sqlstore: list grants: %w", err)
		}
		var gr sdk.Grant
		if err := json.Unmarshal([]byte(body), &gr); err != nil {
			return nil, &sdk.Error{Code: sdk.Internal, Op: "sqlstore.GrantStore.List", Msg: "the grant " + key + " does not decode", Err: err}
		}
		out = append(out, &gr)
	}
	return out, rows.Err()
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/obconnect/obconnect/sdk"
)

// TokenStore is the sdk.TokenStore of a Store: one row per grant in
// obconnect_tokens, the JSON sdk.TokenRecord sealed with the keyring's
// primary key (the row's key bound in as additional data) and the key's
// id beside it for Reencrypt. Refresh holds the row's lock (PostgreSQL)
// or the database's write lock (SQLite) while the client asks the bank.
type TokenStore struct{ s *Store }

var _ sdk.TokenStore = (*TokenStore)(nil)

func tokenAAD(key string) []byte { return []byte("obconnect/token\x00" + key) }

func (t *TokenStore) seal(key string, rec *sdk.TokenRecord) ([]byte, error) {
	js, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode token record: %w", err)
	}
	return t.s.keys.Seal(js, tokenAAD(key)), nil
}

func (t *TokenStore) open(key string, sealed []byte) (*sdk.TokenRecord, error) {
	js, _, err := t.s.keys.Open(sealed, tokenAAD(key))
	if err != nil {
		return nil, &sdk.Error{Code: sdk.Internal, Op: "sqlstore.TokenStore", Msg: "the token record of " + key + " does not open", Err: err}
	}
	var rec sdk.TokenRecord
	if err := json.Unmarshal(js, &rec); err != nil {
		return nil, &sdk.Error{Code: sdk.Internal, Op: "sqlstore.TokenStore", Msg: "the token record of " + key + " does not decode"}
	}
	return &rec, nil
}

func notFound(op string) error {
	return &sdk.Error{Code: sdk.NotFound, Op: op, Msg: "no record under this key"}
}

// Get implements sdk.TokenStore.
func (t *TokenStore) Get(ctx context.Context, key string) (*sdk.TokenRecord, error) {
	var sealed []byte
	err := t.s.db.QueryRowContext(ctx, t.s.q("SELECT sealed FROM obconnect_tokens WHERE key = ?"), key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.TokenStore.Get")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read token: %w", err)
	}
	return t.open(key, sealed)
}

// Put implements sdk.TokenStore.
func (t *TokenStore) Put(ctx context.Context, key string, rec *sdk.TokenRecord) error {
	if rec == nil {
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "sqlstore.TokenStore.Put", Msg: "nil token record"}
	}
	return t.put(ctx, t.s.db, key, rec)
}

func (t *TokenStore) put(ctx context.Context, ex execer, key string, rec *sdk.TokenRecord) error {
	sealed, err := t.seal(key, rec)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, t.s.q(`INSERT INTO obconnect_tokens (key, key_id, sealed, updated_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, updated_ms = excluded.updated_ms`),
		key, t.s.keys.PrimaryID(), sealed, t.s.nowMS())
	if err != nil {
		return fmt.Errorf("sqlstore: write token: %w", err)
	}
	return nil
}

// Delete implements sdk.TokenStore.
func (t *TokenStore) Delete(ctx context.Context, key string) error {
	if _, err := t.s.db.ExecContext(ctx, t.s.q("DELETE FROM obconnect_tokens WHERE key = ?"), key); err != nil {
		return fmt.Errorf("sqlstore: delete token: %w", err)
	}
	return nil
}

// Refresh implements sdk.TokenStore: fn runs inside a transaction that
// holds the row's lock, and what it returns is written in that
// transaction. If the process dies while fn runs, the database rolls the
// transaction back and the lock goes with it.
func (t *TokenStore) Refresh(ctx context.Context, key string, fn func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error)) (*sdk.TokenRecord, error) {
	tx, forUpdate, err := t.s.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lock token: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.rollback(ctx)
		}
	}()
	var sealed []byte
	err = tx.QueryRowContext(ctx, t.s.q("SELECT sealed FROM obconnect_tokens WHERE key = ?"+forUpdate), key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("sqlstore.TokenStore.Refresh")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: lock token: %w", err)
	}
	cur, err := t.open(key, sealed)
	if err != nil {
		return nil, err
	}
	next, err := fn(cur.Clone())
	if err != nil {
		return nil, err
	}
	if next == nil {
		return cur, nil
	}
	if err := t.put(ctx, tx, key, next); err != nil {
		return nil, err
	}
	committed = true
	if err := tx.commit(ctx); err != nil {
		return nil, fmt.Errorf("sqlstore: commit token: %w", err)
	}
	return next.Clone(), nil
}

// Reencrypt seals again, with the keyring's primary key, every token
// record sealed with another key, so that an old key can be dropped from
// the keyring afterwards. It works in batches, each row under its lock
// (a row refreshed meanwhile was sealed with the primary key already),
// and reports how many rows it rewrote. A row that does not open (its
// key is no longer in the keyring) stops it with an error naming the
// grant key; nothing is lost by running it again.
func (s *Store) Reencrypt(ctx context.Context) (int, error) {
	n := 0
	after := ""
	for {
		keys, err := s.staleTokenKeys(ctx, after, 100)
		if err != nil {
			return n, err
		}
		if len(keys) == 0 {
			return n, nil
		}
		for _, key := range keys {
			_, err := s.tokens.Refresh(ctx, key, func(cur *sdk.TokenRecord) (*sdk.TokenRecord, error) {
				return cur, nil // written back: sealed with the primary key
			})
			switch {
			case err == nil:
				n++
			case sdk.ErrorCode(err) == sdk.NotFound: // deleted meanwhile
			default:
				return n, fmt.Errorf("sqlstore: reencrypt %s: %w", key, err)
			}
		}
		after = keys[len(keys)-1]
	}
}

func (s *Store) staleTokenKeys(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT key FROM obconnect_tokens WHERE key_id <> ? AND key > ? ORDER BY key LIMIT ?"),
		s.keys.PrimaryID(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tokens to reencrypt: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

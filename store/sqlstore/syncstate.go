package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/obconnect/obconnect/sdk/txsync"
)

// SyncStateStore is the txsync.StateStore of a Store: one row per sync
// stream in obconnect_sync_state. A DeletePrefix is a range of the
// primary key (keys compare bytewise in both engines).
type SyncStateStore struct{ s *Store }

var _ txsync.StateStore = (*SyncStateStore)(nil)

// Get implements txsync.StateStore.
func (st *SyncStateStore) Get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := st.s.db.QueryRowContext(ctx, st.s.q("SELECT value FROM obconnect_sync_state WHERE key = ?"), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, txsync.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read sync state: %w", err)
	}
	return v, nil
}

// Put implements txsync.StateStore: one statement, so readers see the old
// value or the new one.
func (st *SyncStateStore) Put(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return errors.New("sqlstore: empty sync state key")
	}
	if value == nil {
		value = []byte{}
	}
	_, err := st.s.db.ExecContext(ctx, st.s.q(`INSERT INTO obconnect_sync_state (key, value, updated_ms) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`), key, value, st.s.nowMS())
	if err != nil {
		return fmt.Errorf("sqlstore: write sync state: %w", err)
	}
	return nil
}

// DeletePrefix implements txsync.StateStore.
func (st *SyncStateStore) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	var res sql.Result
	var err error
	if end, ok := prefixEnd(prefix); ok {
		res, err = st.s.db.ExecContext(ctx, st.s.q("DELETE FROM obconnect_sync_state WHERE key >= ? AND key < ?"), prefix, end)
	} else {
		res, err = st.s.db.ExecContext(ctx, st.s.q("DELETE FROM obconnect_sync_state WHERE key >= ?"), prefix)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete sync state: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// prefixEnd returns the least string greater than every string that
// starts with prefix, in bytewise (= code point) order: prefix with its
// last rune incremented. ok is false when there is none (an empty prefix,
// or one of only U+10FFFF), and the range is open-ended.
func prefixEnd(prefix string) (string, bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		if r == utf8.MaxRune || r == utf8.RuneError && size == 1 {
			continue
		}
		r++
		if r >= 0xD800 && r <= 0xDFFF { // surrogates are not valid UTF-8
			r = 0xE000
		}
		return prefix + string(r), true
	}
	return "", false
}

package txsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var boltBucket = []byte("txsync")

// BoltStore is a StateStore in an embedded bbolt database file: one file,
// no server, crash-safe (each Put is a transaction fsynced before it
// returns, and bbolt's copy-on-write pages mean a crash leaves either the
// old or the new value). One process opens the file at a time (bbolt
// takes an exclusive lock; a second opener waits up to Timeout).
type BoltStore struct {
	db *bolt.DB
}

var _ StateStore = (*BoltStore)(nil)

// BoltOptions configures OpenBolt; nil means defaults.
type BoltOptions struct {
	// Timeout bounds the wait for the file lock held by another process;
	// 0 means 5 s.
	Timeout time.Duration
}

// OpenBolt opens (creating if needed, mode 0600: the state lists
// transaction ids) the database at path.
func OpenBolt(path string, opts *BoltOptions) (*BoltStore, error) {
	timeout := 5 * time.Second
	if opts != nil && opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("txsync: open state database: %w", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltBucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("txsync: prepare state database: %w", err)
	}
	return &BoltStore{db: db}, nil
}

// Close closes the database file.
func (s *BoltStore) Close() error { return s.db.Close() }

// Get implements StateStore.
func (s *BoltStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(boltBucket).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		// bbolt's slices are valid only inside the transaction.
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// Put implements StateStore.
func (s *BoltStore) Put(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return errors.New("txsync: empty key")
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(boltBucket).Put([]byte(key), value)
	})
}

// DeletePrefix implements StateStore.
func (s *BoltStore) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(boltBucket)
		c := b.Cursor()
		p := []byte(prefix)
		// Collect first: deleting under a moving bbolt cursor can skip keys.
		var keys [][]byte
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

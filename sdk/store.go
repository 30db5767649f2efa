package sdk

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenRecord is everything the SDK keeps of a grant's tokens: the tokens
// themselves and what the bank's token response said about the grant.
// It is a plain value with JSON tags, so a store can serialise it whole;
// encoding/json round-trips it without loss (AccountIDs keeps nil apart
// from empty). Its String, GoString and LogValue hide the tokens.
//
// The narrowing facts (Scope, AccountIDs, ConsentExpiresAt) are kept
// because a process that adopts a token another process refreshed must
// learn from it what the bank withdrew, as the refreshing process did
// (see [GrantChange]).
type TokenRecord struct {
	// AccessToken is the bearer token sent to the data API.
	AccessToken string `json:"access_token"`
	// TokenType is the response's token_type ("Bearer").
	TokenType string `json:"token_type,omitempty"`
	// RefreshToken is the current refresh token; banks rotate it on every
	// refresh.
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is when the access token expires (zero: the bank did not say).
	Expiry time.Time `json:"expiry,omitzero"`
	// Scope is the response's scope as sent ("" when absent).
	Scope string `json:"scope,omitempty"`
	// AccountIDs is the response's account_ids: nil when absent, empty
	// when the bank listed no account (every account withdrawn).
	AccountIDs []string `json:"account_ids,omitzero"`
	// ConsentExpiresAt is the response's consent_expires_at (zero when
	// absent or unreadable).
	ConsentExpiresAt time.Time `json:"consent_expires_at,omitzero"`
	// ConsentID is the response's consent_id, when sent.
	ConsentID string `json:"consent_id,omitempty"`
}

// String shows what the record says about the grant, never the tokens.
func (r *TokenRecord) String() string {
	if r == nil {
		return "sdk.TokenRecord(nil)"
	}
	return "sdk.TokenRecord{expiry: " + r.Expiry.UTC().Format(time.RFC3339) + " scope: " + r.Scope +
		" accounts: " + itoa(len(r.AccountIDs)) + " refresh_token: " + present(r.RefreshToken) + "}"
}

// GoString is String, so that %#v hides the tokens too.
func (r *TokenRecord) GoString() string { return r.String() }

// LogValue logs the record without its tokens.
func (r *TokenRecord) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.Time("expiry", r.Expiry), slog.String("scope", r.Scope),
		slog.Int("accounts", len(r.AccountIDs)), slog.Bool("refresh_token", r.RefreshToken != ""))
}

func present(s string) string {
	if s == "" {
		return "absent"
	}
	return "set"
}

// Clone returns a deep copy; nil gives nil.
func (r *TokenRecord) Clone() *TokenRecord {
	if r == nil {
		return nil
	}
	cp := *r
	if r.AccountIDs != nil {
		cp.AccountIDs = slices.Clone(r.AccountIDs)
	}
	return &cp
}

// recordOf keeps of an x/oauth2 token response what the SDK needs later.
func recordOf(tok *oauth2.Token) *TokenRecord {
	r := &TokenRecord{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	r.Scope, _ = tok.Extra("scope").(string)
	r.ConsentID, _ = tok.Extra("consent_id").(string)
	if exp, _ := tok.Extra("consent_expires_at").(string); exp != "" {
		if t, err := time.Parse(time.RFC3339, exp); err == nil {
			r.ConsentExpiresAt = t.UTC()
		}
	}
	if ids, ok := tok.Extra("account_ids").([]any); ok {
		r.AccountIDs = make([]string, 0, len(ids))
		for _, v := range ids {
			if id, ok := v.(string); ok {
				r.AccountIDs = append(r.AccountIDs, id)
			}
		}
	}
	return r
}

// TokenStore persists each grant's [TokenRecord] under Grant.TokenKey(),
// between calls and across restarts, and serialises refreshes. Keep
// records encrypted at rest: they are bearer credentials (the stores of
// package store/sqlstore are). Implementations must be safe for
// concurrent use, by several processes when they share one database.
type TokenStore interface {
	// Get returns a copy of the record under key, or an error for which
	// ErrorCode is NotFound when there is none. It does not wait for a
	// Refresh in progress: it returns the last record written.
	Get(ctx context.Context, key string) (*TokenRecord, error)
	// Put stores rec under key, replacing any previous record (after a
	// Refresh of key in progress, if any).
	Put(ctx context.Context, key string, rec *TokenRecord) error
	// Delete removes key (after a Refresh of key in progress, if any);
	// deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Refresh is the one place a grant's tokens are renewed. It takes an
	// exclusive lock on key that every other Refresh, Put and Delete of
	// the key waits for, across processes (a row lock, a database write
	// lock), calls fn once with a copy of the stored record, writes what
	// fn returns, and releases the lock.
	//
	//   - fn returning (nil, nil) writes nothing; Refresh returns the
	//     stored record (another process had refreshed already).
	//   - fn returning an error writes nothing; Refresh returns that error
	//     unchanged.
	//   - No record under key: Refresh returns an error for which
	//     ErrorCode is NotFound without calling fn.
	//
	// The lock must die with its holder (a process killed while fn runs
	// must not leave the key locked), and waiting for it must end when ctx
	// does.
	Refresh(ctx context.Context, key string, fn func(cur *TokenRecord) (*TokenRecord, error)) (*TokenRecord, error)
}

// GrantStore keeps [Grant] records, the consent facts of each link, under
// Grant.TokenKey(). With Options.GrantStore set, the Client saves a grant
// when a link completes and again when the bank narrows it, and deletes
// it on Revoke and Forget; integrators read grants back with Get.
// Implementations must be safe for concurrent use.
type GrantStore interface {
	// Get returns a copy of the grant under key, or an error for which
	// ErrorCode is NotFound.
	Get(ctx context.Context, key string) (*Grant, error)
	// Put stores a copy of g under g.TokenKey(), replacing any previous one.
	Put(ctx context.Context, g *Grant) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// MemoryTokenStore is an in-memory TokenStore, the default: tokens are
// lost when the process exits, and Refresh serialises this process only.
// For tests and single-process tools.
type MemoryTokenStore struct {
	keyLocks
	mu sync.Mutex
	m  map[string]*TokenRecord
}

var _ TokenStore = (*MemoryTokenStore)(nil)

// NewMemoryTokenStore returns an empty store.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{m: map[string]*TokenRecord{}}
}

// Get implements TokenStore; it returns a copy.
func (s *MemoryTokenStore) Get(_ context.Context, key string) (*TokenRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	if !ok {
		return nil, &Error{Code: NotFound, Op: "sdk.MemoryTokenStore.Get", Msg: "no token for this grant"}
	}
	return r.Clone(), nil
}

// Put implements TokenStore; it stores a copy.
func (s *MemoryTokenStore) Put(ctx context.Context, key string, rec *TokenRecord) error {
	if rec == nil {
		return &Error{Code: InvalidArgument, Op: "sdk.MemoryTokenStore.Put", Msg: "nil token record"}
	}
	if err := s.lock(ctx, key); err != nil {
		return err
	}
	defer s.unlock(key)
	s.mu.Lock()
	s.m[key] = rec.Clone()
	s.mu.Unlock()
	return nil
}

// Delete implements TokenStore.
func (s *MemoryTokenStore) Delete(ctx context.Context, key string) error {
	if err := s.lock(ctx, key); err != nil {
		return err
	}
	defer s.unlock(key)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

// Refresh implements TokenStore with a lock per key, for this process.
func (s *MemoryTokenStore) Refresh(ctx context.Context, key string, fn func(cur *TokenRecord) (*TokenRecord, error)) (*TokenRecord, error) {
	if err := s.lock(ctx, key); err != nil {
		return nil, err
	}
	defer s.unlock(key)
	cur, err := s.Get(ctx, key)
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
	s.mu.Lock()
	s.m[key] = next.Clone()
	s.mu.Unlock()
	return next.Clone(), nil
}

// keyLocks is a set of per-key locks whose waits end with the context.
type keyLocks struct {
	mu   sync.Mutex
	busy map[string]chan struct{} // closed on unlock
}

func (l *keyLocks) lock(ctx context.Context, key string) error {
	for {
		l.mu.Lock()
		if l.busy == nil {
			l.busy = map[string]chan struct{}{}
		}
		ch, held := l.busy[key]
		if !held {
			l.busy[key] = make(chan struct{})
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctxError("sdk.MemoryTokenStore", ctx.Err())
		}
	}
}

func (l *keyLocks) unlock(key string) {
	l.mu.Lock()
	ch := l.busy[key]
	delete(l.busy, key)
	l.mu.Unlock()
	close(ch)
}

// ctxError classifies a context's end.
func ctxError(op string, err error) *Error {
	return &Error{Code: ctxCode(err), Op: op, Err: err}
}

func ctxCode(err error) Code {
	if errors.Is(err, context.DeadlineExceeded) {
		return DeadlineExceeded
	}
	return Canceled
}

// MemoryGrantStore is an in-memory GrantStore, for tests.
type MemoryGrantStore struct {
	mu sync.Mutex
	m  map[string]*Grant
}

var _ GrantStore = (*MemoryGrantStore)(nil)

// NewMemoryGrantStore returns an empty store.
func NewMemoryGrantStore() *MemoryGrantStore { return &MemoryGrantStore{m: map[string]*Grant{}} }

// Get implements GrantStore; it returns a copy.
func (s *MemoryGrantStore) Get(_ context.Context, key string) (*Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.m[key]
	if !ok {
		return nil, &Error{Code: NotFound, Op: "sdk.MemoryGrantStore.Get", Msg: "no grant under this key"}
	}
	return g.Clone(), nil
}

// Put implements GrantStore; it stores a copy.
func (s *MemoryGrantStore) Put(_ context.Context, g *Grant) error {
	if g == nil {
		return &Error{Code: InvalidArgument, Op: "sdk.MemoryGrantStore.Put", Msg: "nil grant"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[g.TokenKey()] = g.Clone()
	return nil
}

// Delete implements GrantStore.
func (s *MemoryGrantStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

-- The state obconnect's sdk keeps, one table per store. Keys compare
-- bytewise (SQLite's BINARY collation) so that a prefix is a range of the
-- primary key. Times are Unix milliseconds, as in the PostgreSQL schema.

-- +goose Up
CREATE TABLE obconnect_tokens (
    key        TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,  -- the keyring key that sealed the record
    sealed     BLOB NOT NULL, -- AES-256-GCM of the JSON TokenRecord
    updated_ms INTEGER NOT NULL
);
CREATE INDEX obconnect_tokens_key_id ON obconnect_tokens (key_id);

CREATE TABLE obconnect_grants (
    key        TEXT PRIMARY KEY,
    bank       TEXT NOT NULL,
    consent_id TEXT NOT NULL,
    user_ref   TEXT NOT NULL,
    body       TEXT NOT NULL, -- the JSON sdk.Grant
    updated_ms INTEGER NOT NULL
);
CREATE INDEX obconnect_grants_user ON obconnect_grants (bank, user_ref);

CREATE TABLE obconnect_sync_state (
    key        TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE obconnect_webhook_claims (
    key        TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX obconnect_webhook_claims_expiry ON obconnect_webhook_claims (expires_ms);

CREATE TABLE obconnect_deletions (
    id    TEXT PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    body  TEXT NOT NULL -- the JSON lifecycle.Outcome
);
CREATE INDEX obconnect_deletions_at ON obconnect_deletions (at_ms, id);

-- +goose Down
DROP TABLE obconnect_deletions;
DROP TABLE obconnect_webhook_claims;
DROP TABLE obconnect_sync_state;
DROP TABLE obconnect_grants;
DROP TABLE obconnect_tokens;

-- The fleet's tables in SQLite (types as SQLite reads them; see the
-- PostgreSQL file for what each table is). River's own tables are migrated by
-- rivermigrate, not here.

-- +goose Up
-- obconnect_transactions is the integrator-facing copy of every synced
-- account's transactions: one row per transaction the bank lists now
-- (pending or posted; dropped pendings are deleted, a pending replaced by
-- a posted one becomes that posted row). data is the full
-- sdk.Transaction as JSON; the other columns are lifted for queries.
CREATE TABLE obconnect_transactions (
    bank             TEXT        NOT NULL,
    account_id       TEXT        NOT NULL,
    transaction_id   TEXT        NOT NULL,
    status           TEXT        NOT NULL,
    amount_minor     INTEGER     NOT NULL,
    currency         TEXT        NOT NULL,
    transaction_time TIMESTAMP,
    posted_time      TIMESTAMP,
    description      TEXT        NOT NULL,
    replaces_id      TEXT        NOT NULL,
    data             BLOB        NOT NULL,
    updated_at       TIMESTAMP   NOT NULL,
    PRIMARY KEY (bank, account_id, transaction_id)
);

-- A link is one grant (consent) at one bank. grant_json holds sdk.Grant,
-- which carries no secret (tokens live in the TokenStore).
CREATE TABLE obconnect_fleet_links (
    link_id     TEXT        PRIMARY KEY,
    bank        TEXT        NOT NULL,
    consent_id  TEXT        NOT NULL,
    grant_json  TEXT        NOT NULL,
    status      TEXT        NOT NULL,
    reason      TEXT        NOT NULL,
    created_at  TIMESTAMP   NOT NULL,
    updated_at  TIMESTAMP   NOT NULL
);
CREATE INDEX obconnect_fleet_links_consent ON obconnect_fleet_links (bank, consent_id);

-- One row per synced account: its txsync cursor, a version bumped by every
-- commit (the compare-and-swap that makes a stale sync's commit fail), and
-- requested, bumped by every sync request (a request that arrives while a
-- sync runs makes that sync enqueue a follow-up when it commits).
CREATE TABLE obconnect_fleet_accounts (
    bank           TEXT        NOT NULL,
    account_id     TEXT        NOT NULL,
    link_id        TEXT        NOT NULL REFERENCES obconnect_fleet_links (link_id),
    status         TEXT        NOT NULL,
    cursor         TEXT        NOT NULL,
    version        INTEGER     NOT NULL,
    requested      INTEGER     NOT NULL,
    last_synced_at TIMESTAMP,
    PRIMARY KEY (bank, account_id)
);
CREATE INDEX obconnect_fleet_accounts_link ON obconnect_fleet_accounts (link_id);

-- txsync's state (a txsync.StateStore), written in the same transaction
-- as the cursor that points into it.
CREATE TABLE obconnect_fleet_sync_state (
    key   TEXT  PRIMARY KEY,
    value BLOB  NOT NULL
);

-- The per-bank request budget shared by every process: a token bucket
-- (rate per second, burst) whose level and time stamp (seconds since the
-- epoch, on the database's clock) one UPDATE moves at a time.
CREATE TABLE obconnect_fleet_budget (
    bank    TEXT             PRIMARY KEY,
    rate    REAL             NOT NULL,
    burst   REAL             NOT NULL,
    tokens  REAL             NOT NULL,
    stamp   REAL             NOT NULL,
    granted INTEGER          NOT NULL
);

-- Fleet-wide counters that must survive a worker's death (rate-limit
-- refusals seen, ...).
CREATE TABLE obconnect_fleet_counters (
    bank  TEXT   NOT NULL,
    name  TEXT   NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (bank, name)
);

-- +goose Down
DROP TABLE obconnect_fleet_counters;
DROP TABLE obconnect_fleet_budget;
DROP TABLE obconnect_fleet_sync_state;
DROP TABLE obconnect_fleet_accounts;
DROP TABLE obconnect_fleet_links;
DROP TABLE obconnect_transactions;

-- The fleet's tables in PostgreSQL. River's own tables are migrated by
-- rivermigrate, not here.

-- +goose Up
-- obconnect_transactions is the integrator-facing copy of every synced
-- account's transactions: one row per transaction the bank lists now
-- (pending or posted; dropped pendings are deleted, a pending replaced by
-- a posted one becomes that posted row). data is the full
-- sdk.Transaction as JSON; the other columns are lifted for queries.
CREATE TABLE obconnect_transactions (
    bank             text        NOT NULL,
    account_id       text        NOT NULL,
    transaction_id   text        NOT NULL,
    status           text        NOT NULL,
    amount_minor     bigint      NOT NULL,
    currency         text        NOT NULL,
    transaction_time timestamptz,
    posted_time      timestamptz,
    description      text        NOT NULL,
    replaces_id      text        NOT NULL,
    data             jsonb       NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (bank, account_id, transaction_id)
);

-- A link is one grant (consent) at one bank. grant_json holds sdk.Grant,
-- which carries no secret (tokens live in the TokenStore).
CREATE TABLE obconnect_fleet_links (
    link_id     text        PRIMARY KEY,
    bank        text        NOT NULL,
    consent_id  text        NOT NULL,
    grant_json  text        NOT NULL,
    status      text        NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX obconnect_fleet_links_consent ON obconnect_fleet_links (bank, consent_id);

-- One row per synced account: its txsync cursor, a version bumped by every
-- commit (the compare-and-swap that makes a stale sync's commit fail), and
-- requested, bumped by every sync request (a request that arrives while a
-- sync runs makes that sync enqueue a follow-up when it commits).
CREATE TABLE obconnect_fleet_accounts (
    bank           text        NOT NULL,
    account_id     text        NOT NULL,
    link_id        text        NOT NULL REFERENCES obconnect_fleet_links (link_id),
    status         text        NOT NULL,
    cursor         text        NOT NULL,
    version        bigint      NOT NULL,
    requested      bigint      NOT NULL,
    last_synced_at timestamptz,
    PRIMARY KEY (bank, account_id)
);
CREATE INDEX obconnect_fleet_accounts_link ON obconnect_fleet_accounts (link_id);

-- txsync's state (a txsync.StateStore), written in the same transaction
-- as the cursor that points into it.
CREATE TABLE obconnect_fleet_sync_state (
    key   text  PRIMARY KEY,
    value bytea NOT NULL
);

-- The per-bank request budget shared by every process: a token bucket
-- (rate per second, burst) whose level and time stamp (seconds since the
-- epoch, on the database's clock) one UPDATE moves at a time.
CREATE TABLE obconnect_fleet_budget (
    bank    text             PRIMARY KEY,
    rate    double precision NOT NULL,
    burst   double precision NOT NULL,
    tokens  double precision NOT NULL,
    stamp   double precision NOT NULL,
    granted bigint           NOT NULL
);

-- Fleet-wide counters that must survive a worker's death (rate-limit
-- refusals seen, ...).
CREATE TABLE obconnect_fleet_counters (
    bank  text   NOT NULL,
    name  text   NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (bank, name)
);

-- +goose Down
DROP TABLE obconnect_fleet_counters;
DROP TABLE obconnect_fleet_budget;
DROP TABLE obconnect_fleet_sync_state;
DROP TABLE obconnect_fleet_accounts;
DROP TABLE obconnect_fleet_links;
DROP TABLE obconnect_transactions;

-- Idempotency keys of POST requests (api.md §6): the first response is kept
-- for 24 hours and replayed for the same key and body.
CREATE TABLE idempotency_keys (
    account_id   BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id   BIGINT  NOT NULL,
    key          TEXT    NOT NULL,
    method_path  TEXT    NOT NULL,
    body_hash    TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
    status       BIGINT  NOT NULL DEFAULT 0,
    headers      TEXT    NOT NULL DEFAULT '{}',
    body         BYTEA,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (account_id, api_key_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

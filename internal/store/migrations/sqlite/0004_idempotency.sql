-- Idempotency keys of POST requests (api.md §6): the first response is kept
-- for 24 hours and replayed for the same key and body.
CREATE TABLE idempotency_keys (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    api_key_id   INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    method_path  TEXT    NOT NULL,
    body_hash    TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
    status       INTEGER NOT NULL DEFAULT 0,
    headers      TEXT    NOT NULL DEFAULT '{}',
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, api_key_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

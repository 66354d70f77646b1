-- Inbound email (product.md §8). Every message received, by any of the three
-- ways in, is a row here whose raw bytes are a blob (fsynced) before the
-- sender is told it was taken; processing then moves it from new to
-- processed, ignored (loops, duplicates, with the reason) or failed (with
-- the error, kept for an administrator to retry or dismiss).
CREATE TABLE inbound_mail (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    blob_sha256  TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('smtp', 'imap', 'http')),
    mailbox_id   INTEGER,
    queue_id     INTEGER,
    envelope_from TEXT   NOT NULL DEFAULT '',
    recipients   TEXT    NOT NULL DEFAULT '',
    message_id   TEXT    NOT NULL DEFAULT '',
    sender       TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL CHECK (state IN ('new', 'processed', 'failed', 'ignored')),
    reason       TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    ticket_id    INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX inbound_mail_state ON inbound_mail (account_id, state, received_at);
-- The orphaned-blob cleanup asks whether any row still needs a blob.
CREATE INDEX inbound_mail_blob ON inbound_mail (blob_sha256);

-- IMAP mailboxes polled for mail. The password is needed to log in, so it is
-- stored as given; it is never returned by the API or logged.
CREATE TABLE mailboxes (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    host           TEXT    NOT NULL,
    port           INTEGER NOT NULL,
    security       TEXT    NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
    username       TEXT    NOT NULL,
    password       TEXT    NOT NULL,
    folder         TEXT    NOT NULL,
    move_to        TEXT    NOT NULL DEFAULT '',
    interval_secs  INTEGER NOT NULL,
    queue_id       INTEGER,
    active         BOOLEAN NOT NULL,
    last_polled_at INTEGER,
    last_error     TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX mailboxes_name_uq ON mailboxes (account_id, lower(name));

-- Tokens of the HTTP endpoint POST /app/desk/mail/inbound, stored as SHA-256
-- like API keys; unique in the deployment, so a token names its account.
CREATE TABLE inbound_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL,
    queue_id     INTEGER,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE UNIQUE INDEX inbound_tokens_token_hash_uq ON inbound_tokens (token_hash);
CREATE INDEX inbound_tokens_account ON inbound_tokens (account_id, id);

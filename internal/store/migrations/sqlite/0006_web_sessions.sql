-- Web sessions (ui.md): the browser holds a random token in an HttpOnly
-- cookie; the database holds only its SHA-256, so a copy of the table opens
-- no session. A session ends when it expires (idle or absolute, both checked
-- at query time), on logout (row deleted) or when it is revoked.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    addr         TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    flash        TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sessions_hash_uq ON sessions (hash);
-- Leads with user_id: it serves the foreign-key lookup when a user is
-- deleted as well as a user's own list (always also filtered by account).
CREATE INDEX sessions_user_fk ON sessions (user_id, account_id);

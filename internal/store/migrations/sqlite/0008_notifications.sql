-- Notifications (product.md §7, §8): the account's changed email templates
-- (the defaults live in code, so a new template name needs no migration),
-- its ticket action notifications (a stored row overrides the default of
-- its trigger), its outbound mail settings, and the outbox: every email the
-- desk sends, rendered in the transaction that caused it and delivered by a
-- background job that records the outcome here.
CREATE TABLE email_templates (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE action_notifications (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    on_action  TEXT    NOT NULL,
    enabled    BOOLEAN NOT NULL,
    recipients TEXT    NOT NULL, -- JSON array of {kind, user, address}
    template   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, on_action)
);

CREATE TABLE mail_settings (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    from_addr  TEXT    NOT NULL DEFAULT '',
    smtp_url   TEXT    NOT NULL DEFAULT '', -- holds a password: never returned in full
    updated_at INTEGER NOT NULL
);

CREATE TABLE outbound_messages (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    event_id   INTEGER,
    template   TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    from_addr  TEXT    NOT NULL,
    to_name    TEXT    NOT NULL,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    text_body  TEXT    NOT NULL,
    html_body  TEXT    NOT NULL,
    headers    TEXT    NOT NULL, -- JSON object of extra header fields
    status     TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);
-- Leads with ticket_id: the foreign-key lookup when a ticket is deleted.
CREATE INDEX outbound_messages_ticket_fk ON outbound_messages (ticket_id);
CREATE INDEX outbound_messages_account ON outbound_messages (account_id, created_at, id);

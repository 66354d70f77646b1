-- Tickets, their event log, tags, attachments, custom fields and canned
-- replies. List indexes lead with account_id and end with the sort key and
-- id, so every list is an index range scan.

CREATE TABLE counters (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    value      INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display_id      TEXT    NOT NULL,
    queue_id        INTEGER NOT NULL REFERENCES queues (id),
    topic_id        INTEGER REFERENCES topics (id) ON DELETE SET NULL,
    channel         INTEGER NOT NULL,
    priority        INTEGER NOT NULL,
    status          INTEGER NOT NULL,
    subject         TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    reported_by     TEXT    NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES users (id),
    assignee_id     INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    assigned_at     INTEGER,
    responded_at    INTEGER,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    deadline        INTEGER,
    minutes         INTEGER NOT NULL DEFAULT 0,
    rating          INTEGER NOT NULL DEFAULT 0,
    tags            TEXT    NOT NULL DEFAULT '',
    solution        TEXT    NOT NULL DEFAULT '',
    custom_fields   TEXT    NOT NULL DEFAULT '{}',
    has_attachments BOOLEAN NOT NULL DEFAULT FALSE,
    has_notes       BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into     INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    linked_from     INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    deleted_at      INTEGER,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tickets_display_uq ON tickets (account_id, display_id);
CREATE INDEX tickets_updated ON tickets (account_id, updated_at, id);
CREATE INDEX tickets_created ON tickets (account_id, created_at, id);
CREATE INDEX tickets_queue_status ON tickets (account_id, queue_id, status, updated_at, id);
CREATE INDEX tickets_status ON tickets (account_id, status, updated_at, id);
CREATE INDEX tickets_assignee ON tickets (account_id, assignee_id, status, updated_at, id);
CREATE INDEX tickets_customer ON tickets (account_id, customer_id, updated_at, id);
CREATE INDEX tickets_deadline ON tickets (account_id, deadline, id) WHERE deadline IS NOT NULL;
CREATE INDEX tickets_deleted ON tickets (account_id, deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE ticket_tags (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (account_id, tag, ticket_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (account_id, ticket_id, id);
CREATE INDEX attachments_blob ON attachments (sha256);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    action        TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    body          TEXT    NOT NULL DEFAULT '',
    applied_by    INTEGER REFERENCES users (id),
    applied_name  TEXT    NOT NULL DEFAULT '',
    billable      INTEGER NOT NULL DEFAULT 0,
    attachment_id INTEGER REFERENCES attachments (id) ON DELETE SET NULL,
    visibility    TEXT    NOT NULL CHECK (visibility IN ('public', 'internal')),
    rating        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_ticket ON events (account_id, ticket_id, id);

CREATE TABLE custom_fields (
    id                    INTEGER PRIMARY KEY,
    account_id            INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    label                 TEXT    NOT NULL,
    key                   TEXT    NOT NULL,
    type                  TEXT    NOT NULL,
    options               TEXT    NOT NULL DEFAULT '[]',
    required              BOOLEAN NOT NULL DEFAULT FALSE,
    customer_visible      BOOLEAN NOT NULL DEFAULT TRUE,
    customer_editable     BOOLEAN NOT NULL DEFAULT TRUE,
    topics                TEXT    NOT NULL DEFAULT '[]',
    sequence              INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX custom_fields_key_uq ON custom_fields (account_id, lower(key));
CREATE UNIQUE INDEX custom_fields_label_uq ON custom_fields (account_id, lower(label));

CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    queue_id   INTEGER REFERENCES queues (id) ON DELETE CASCADE,
    owner_id   INTEGER REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX canned_replies_account ON canned_replies (account_id, name);

-- Full-text index of each ticket: rowid is the ticket id. Internal text (notes,
-- calls) has its own column so that customers' searches never match it.
CREATE VIRTUAL TABLE ticket_fts USING fts5 (subject, body, customer, internal, tokenize = 'unicode61 remove_diacritics 2');

-- Accounts, users, API keys, settings items. Times are microseconds since the
-- epoch (UTC); unique indexes are named <table>_<field>_uq.

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_name_uq ON accounts (lower(name));

CREATE TABLE settings (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    data       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE customer_groups (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX customer_groups_name_uq ON customer_groups (account_id, lower(name));

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('agent', 'customer')),
    name          TEXT    NOT NULL,
    email         TEXT,
    username      TEXT,
    password_hash TEXT    NOT NULL DEFAULT '',
    avatar        TEXT    NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL,
    notifications BOOLEAN NOT NULL,
    administrator BOOLEAN NOT NULL DEFAULT FALSE,
    signature     TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL DEFAULT '',
    group_id      INTEGER REFERENCES customer_groups (id) ON DELETE SET NULL,
    company       TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL DEFAULT '',
    country       TEXT    NOT NULL DEFAULT '',
    region        TEXT    NOT NULL DEFAULT '',
    address       TEXT    NOT NULL DEFAULT '',
    postcode      TEXT    NOT NULL DEFAULT '',
    city          TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    mobile        TEXT    NOT NULL DEFAULT '',
    external_id   TEXT    NOT NULL DEFAULT '',
    registered    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username_uq ON users (account_id, lower(username));
CREATE UNIQUE INDEX users_email_uq ON users (account_id, lower(email));
CREATE INDEX users_kind_name ON users (account_id, kind, name, id);
CREATE INDEX users_kind_created ON users (account_id, kind, created_at, id);
CREATE INDEX users_group ON users (account_id, group_id);

CREATE TABLE queues (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX queues_name_uq ON queues (account_id, lower(name));

CREATE TABLE queue_permissions (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    queue_id   INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    agent_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('Queue Manager', 'Agent')),
    PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_permissions_agent ON queue_permissions (account_id, agent_id);

CREATE TABLE queue_addresses (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    queue_id   INTEGER NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    address    TEXT    NOT NULL
);
-- An inbound address routes mail to one queue of one account, deployment-wide.
CREATE UNIQUE INDEX queue_addresses_addresses_uq ON queue_addresses (lower(address));
CREATE INDEX queue_addresses_queue ON queue_addresses (account_id, queue_id);

CREATE TABLE topics (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    active     BOOLEAN NOT NULL,
    sequence   INTEGER NOT NULL DEFAULT 0,
    queue_id   INTEGER REFERENCES queues (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX topics_name_uq ON topics (account_id, lower(name));

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL
);
CREATE UNIQUE INDEX tags_name_uq ON tags (account_id, lower(name));

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    last_addr    TEXT    NOT NULL DEFAULT '',
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX api_keys_hash_uq ON api_keys (hash);
CREATE INDEX api_keys_user ON api_keys (account_id, user_id);

-- One-time tokens (registration, password reset): only their hashes.
CREATE TABLE user_tokens (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE UNIQUE INDEX user_tokens_hash_uq ON user_tokens (hash);
CREATE INDEX user_tokens_user ON user_tokens (account_id, user_id, purpose);

-- Automation (product.md §6–7): submission rules and scheduled actions,
-- the record of which scheduled action fired on which ticket version, and
-- the service-target columns of tickets (first-response due time, breach
-- times, latest agent and customer replies).
CREATE TABLE rules (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('submission', 'scheduled')),
    channel     INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    description TEXT    NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    system      BOOLEAN NOT NULL DEFAULT FALSE,
    data        TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX rules_list ON rules (account_id, kind, channel, system, priority, id);
-- One Catch all per channel.
CREATE UNIQUE INDEX rules_system_uq ON rules (account_id, kind, channel) WHERE system;

-- A scheduled action fires once per ticket per episode: it fires again only
-- when the ticket's version differs from the one recorded here.
CREATE TABLE rule_fires (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule_id    INTEGER NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    fired_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, ticket_id, rule_id)
);
CREATE INDEX rule_fires_ticket_fk ON rule_fires (ticket_id);

ALTER TABLE tickets ADD COLUMN response_due INTEGER;
ALTER TABLE tickets ADD COLUMN response_breached_at INTEGER;
ALTER TABLE tickets ADD COLUMN resolution_breached_at INTEGER;
ALTER TABLE tickets ADD COLUMN last_agent_reply_at INTEGER;
ALTER TABLE tickets ADD COLUMN last_customer_reply_at INTEGER;
-- The scheduler's breach queries: only tickets that can still breach.
CREATE INDEX tickets_response_due ON tickets (account_id, response_due, id)
    WHERE responded_at IS NULL AND response_breached_at IS NULL AND response_due IS NOT NULL;
CREATE INDEX tickets_resolution_due ON tickets (account_id, deadline, id)
    WHERE closed_at IS NULL AND resolution_breached_at IS NULL AND deadline IS NOT NULL;

-- Every existing account gets its four Catch all rules.
INSERT INTO rules (account_id, kind, channel, priority, description, active, system, data, created_at, updated_at)
SELECT a.id, 'submission', c.ch, 0, 'Catch all', TRUE, TRUE, '{"match":"all"}',
       CAST(strftime('%s', 'now') AS INTEGER) * 1000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000
FROM accounts a CROSS JOIN (SELECT 1 AS ch UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) c;

-- Analytics (product.md §10): daily rollups of the reports, and the days
-- whose rollups a ticket write made stale.
--
-- report_dirty holds UTC days (microseconds / 86400000000) that need their
-- rollups recomputed. Triggers on tickets write it in the same transaction
-- as every ticket change, so no write path can forget it; the rollup job
-- turns each UTC day into the one or two days of the account's time zone it
-- overlaps, recomputes them and deletes the marker in one transaction.
CREATE TABLE report_dirty (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    PRIMARY KEY (account_id, day)
);

-- One row per account, day of the account's zone (days since 1970-01-01),
-- queue and one scope dimension (dim 0: the whole queue; 1 agent, 2 topic,
-- 3 channel, 4 priority, 5 customer group; value 0 is "none"). Every measure
-- is attributed to the day it happened on: created, closed (resolution
-- times), first response (response times), billable minutes by event day,
-- the ticket's latest rating by the day it was given. The histograms are
-- working minutes in buckets ("bucket:count,…", see internal/desk/reports.go).
CREATE TABLE report_days (
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dim               INTEGER NOT NULL,
    value             INTEGER NOT NULL,
    day               INTEGER NOT NULL,
    queue_id          INTEGER NOT NULL,
    created           INTEGER NOT NULL DEFAULT 0,
    closed            INTEGER NOT NULL DEFAULT 0,
    minutes           INTEGER NOT NULL DEFAULT 0,
    responded         INTEGER NOT NULL DEFAULT 0,
    response_within   INTEGER NOT NULL DEFAULT 0,
    resolved          INTEGER NOT NULL DEFAULT 0,
    resolution_within INTEGER NOT NULL DEFAULT 0,
    rating_1          INTEGER NOT NULL DEFAULT 0,
    rating_2          INTEGER NOT NULL DEFAULT 0,
    rating_3          INTEGER NOT NULL DEFAULT 0,
    rating_4          INTEGER NOT NULL DEFAULT 0,
    rating_5          INTEGER NOT NULL DEFAULT 0,
    response_hist     TEXT    NOT NULL DEFAULT '',
    resolution_hist   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, dim, value, day, queue_id)
);
CREATE INDEX report_days_day ON report_days (account_id, day);

-- The rollup reads a day's closes, first responses, billable events and
-- ratings by time.
CREATE INDEX tickets_closed ON tickets (account_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_responded ON tickets (account_id, responded_at) WHERE responded_at IS NOT NULL;
CREATE INDEX events_billable ON events (account_id, created_at) WHERE billable <> 0;
CREATE INDEX events_rate ON events (account_id, created_at) WHERE action = 'Rate';

-- The backlog counts open tickets live: this index holds only them and every
-- column a scope filters by, so the count never reads the table (most demo
-- tickets are open, so without it the count read ~700,000 rows at a million).
-- Its WHERE is the backlog query's, word for word, so that SQLite uses it, and
-- deleted_at is a column too, so that SQLite sees it needs no table row.
CREATE INDEX tickets_backlog ON tickets (account_id, status, queue_id, assignee_id, topic_id, channel, priority, customer_id, deleted_at)
    WHERE status IN (1, 2, 3) AND deleted_at IS NULL;

CREATE TRIGGER tickets_report_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO report_dirty (account_id, day)
    SELECT NEW.account_id, d FROM (SELECT NEW.created_at / 86400000000 AS d
        UNION SELECT NEW.updated_at / 86400000000 UNION SELECT NEW.closed_at / 86400000000
        UNION SELECT NEW.responded_at / 86400000000)
    WHERE d IS NOT NULL ON CONFLICT DO NOTHING;
END;

-- An update marks the days of the ticket before and after (a move, a
-- reopen or a trash changes days long past), today (updated_at: the day of
-- the events written with it) and, for a rated ticket, every day it was
-- rated on, since only its latest rating counts.
CREATE TRIGGER tickets_report_update AFTER UPDATE ON tickets BEGIN
    INSERT INTO report_dirty (account_id, day)
    SELECT NEW.account_id, d FROM (SELECT NEW.created_at / 86400000000 AS d
        UNION SELECT NEW.updated_at / 86400000000 UNION SELECT NEW.closed_at / 86400000000
        UNION SELECT NEW.responded_at / 86400000000 UNION SELECT OLD.closed_at / 86400000000
        UNION SELECT OLD.responded_at / 86400000000 UNION SELECT OLD.created_at / 86400000000)
    WHERE d IS NOT NULL ON CONFLICT DO NOTHING;
    INSERT INTO report_dirty (account_id, day)
    SELECT DISTINCT account_id, created_at / 86400000000 FROM events
    WHERE NEW.rating > 0 AND account_id = NEW.account_id AND ticket_id = NEW.id AND action = 'Rate'
    ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER tickets_report_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO report_dirty (account_id, day)
    SELECT OLD.account_id, d FROM (SELECT OLD.created_at / 86400000000 AS d
        UNION SELECT OLD.updated_at / 86400000000 UNION SELECT OLD.closed_at / 86400000000
        UNION SELECT OLD.responded_at / 86400000000)
    WHERE d IS NOT NULL ON CONFLICT DO NOTHING;
END;

-- Tickets written before this migration: every day they touch.
INSERT INTO report_dirty (account_id, day)
SELECT account_id, created_at / 86400000000 FROM tickets
UNION SELECT account_id, updated_at / 86400000000 FROM tickets
UNION SELECT account_id, closed_at / 86400000000 FROM tickets WHERE closed_at IS NOT NULL
UNION SELECT account_id, responded_at / 86400000000 FROM tickets WHERE responded_at IS NOT NULL
UNION SELECT account_id, created_at / 86400000000 FROM events WHERE billable <> 0 OR action = 'Rate';

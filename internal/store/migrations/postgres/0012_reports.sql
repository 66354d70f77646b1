-- Analytics (product.md §10): daily rollups of the reports, and the days
-- whose rollups a ticket write made stale. See the SQLite file of the same
-- number for what each column means.
CREATE TABLE report_dirty (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);

CREATE TABLE report_days (
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dim               INTEGER NOT NULL,
    value             BIGINT  NOT NULL,
    day               INTEGER NOT NULL,
    queue_id          BIGINT  NOT NULL,
    created           INTEGER NOT NULL DEFAULT 0,
    closed            INTEGER NOT NULL DEFAULT 0,
    minutes           BIGINT  NOT NULL DEFAULT 0,
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

-- Marks the UTC days a ticket change touches: the ticket's days before and
-- after, today (updated_at: the day of the events written with it) and, for
-- a rated ticket, every day it was rated on, since only its latest rating
-- counts. DO NOTHING takes no row lock on an existing marker, so concurrent
-- writes of one day do not queue behind each other.
CREATE FUNCTION report_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO report_dirty (account_id, day)
        SELECT OLD.account_id, d FROM (VALUES (OLD.created_at / 86400000000), (OLD.updated_at / 86400000000),
            (OLD.closed_at / 86400000000), (OLD.responded_at / 86400000000)) AS v (d)
        WHERE d IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO report_dirty (account_id, day)
        SELECT NEW.account_id, d FROM (VALUES (NEW.created_at / 86400000000), (NEW.updated_at / 86400000000),
            (NEW.closed_at / 86400000000), (NEW.responded_at / 86400000000)) AS v (d)
        WHERE d IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.rating > 0 THEN
        INSERT INTO report_dirty (account_id, day)
        SELECT DISTINCT account_id, created_at / 86400000000 FROM events
        WHERE account_id = NEW.account_id AND ticket_id = NEW.id AND action = 'Rate'
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_report AFTER INSERT OR UPDATE OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION report_mark_ticket();

INSERT INTO report_dirty (account_id, day)
SELECT account_id, created_at / 86400000000 FROM tickets
UNION SELECT account_id, updated_at / 86400000000 FROM tickets
UNION SELECT account_id, closed_at / 86400000000 FROM tickets WHERE closed_at IS NOT NULL
UNION SELECT account_id, responded_at / 86400000000 FROM tickets WHERE responded_at IS NOT NULL
UNION SELECT account_id, created_at / 86400000000 FROM events WHERE billable <> 0 OR action = 'Rate';

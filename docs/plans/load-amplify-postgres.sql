-- Makes a load-test database of about a million tickets out of a demo seed
-- of about 20,000 (`sympoq-load -tickets 20000 -seed-only`): every ticket,
-- its events (with their bodies), tags and search vectors are copied COPIES
-- times. Copy k is shifted k × 15 s later, so the copies interleave with the
-- originals inside the demo's 180 days instead of stretching the calendar,
-- and the result has the density of a million-ticket demo. Display ids get
-- the suffix -k to stay unique.
--
-- Triggers are off while copying (session_replication_role = replica), so
-- the copy does not mark every report day stale: the report rollups then
-- describe the original seed only. This database is for the load tool, not
-- for the reports.
--
--   psql -h 127.0.0.1 -U postgres -d sympoq_load_1m -f docs/plans/load-amplify-postgres.sql
\set copies 49
\set shift 15000000
SET session_replication_role = replica;
SELECT max(id) AS n, (SELECT max(id) FROM events) AS e FROM tickets \gset
INSERT INTO tickets (id, account_id, display_id, queue_id, topic_id, channel, priority, status, subject, description,
    reported_by, customer_id, assignee_id, created_at, assigned_at, responded_at, updated_at, closed_at, deadline,
    minutes, rating, tags, solution, custom_fields, has_attachments, has_notes, deleted_at, version, search,
    search_internal, response_due, response_breached_at, resolution_breached_at, last_agent_reply_at,
    last_customer_reply_at)
SELECT t.id + k * :n, account_id, display_id || '-' || k, queue_id, topic_id, channel, priority, status, subject,
    description, reported_by, customer_id, assignee_id, created_at + k * :shift, assigned_at + k * :shift,
    responded_at + k * :shift, updated_at + k * :shift, closed_at + k * :shift, deadline + k * :shift,
    minutes, rating, tags, solution, custom_fields, has_attachments, has_notes, deleted_at, version, search,
    search_internal, response_due + k * :shift, response_breached_at + k * :shift,
    resolution_breached_at + k * :shift, last_agent_reply_at + k * :shift, last_customer_reply_at + k * :shift
FROM tickets t, generate_series(1, :copies) AS k WHERE t.id <= :n;
INSERT INTO events (id, account_id, ticket_id, created_at, action, description, body, applied_by, applied_name,
    billable, visibility, rating)
SELECT e.id + k * :e, account_id, ticket_id + k * :n, created_at + k * :shift, action, description, body,
    applied_by, applied_name, billable, visibility, rating
FROM events e, generate_series(1, :copies) AS k WHERE e.id <= :e AND e.attachment_id IS NULL;
INSERT INTO ticket_tags (account_id, ticket_id, tag)
SELECT account_id, ticket_id + k * :n, tag FROM ticket_tags, generate_series(1, :copies) AS k WHERE ticket_id <= :n;
SET session_replication_role = DEFAULT;
SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets));
SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events));
VACUUM ANALYZE;
SELECT count(*) AS tickets, (SELECT count(*) FROM events) AS events FROM tickets;

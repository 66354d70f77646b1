-- Copies the tickets and events seeded so far COPIES times, each copy shifted
-- in time by the span the originals cover, so the result has the demo's
-- density spread over a longer range.
\set copies 50
SELECT max(id) AS n, (SELECT max(id) FROM events) AS e,
       max(created_at) - min(created_at) + 15552000 AS span FROM tickets \gset
INSERT INTO tickets (id, account_id, display_id, queue_id, topic_id, channel, priority, status, subject, description,
    reported_by, customer_id, assignee_id, created_at, assigned_at, responded_at, updated_at, closed_at, deadline,
    minutes, rating, tags, solution, custom_fields, has_attachments, has_notes, deleted_at, version)
SELECT t.id + k * :n, account_id, display_id || '-' || k, queue_id, topic_id, channel, priority, status, subject,
    description, reported_by, customer_id, assignee_id, created_at + k * :span, assigned_at + k * :span,
    responded_at + k * :span, updated_at + k * :span, closed_at + k * :span, deadline + k * :span,
    minutes, rating, tags, solution, custom_fields, has_attachments, has_notes, deleted_at, version
FROM tickets t, generate_series(1, :copies) AS k WHERE t.id <= :n;
INSERT INTO events (id, account_id, ticket_id, created_at, action, description, body, applied_by, applied_name,
    billable, visibility, rating)
SELECT e.id + k * :e, account_id, ticket_id + k * :n, created_at + k * :span, action, description, '', applied_by,
    applied_name, billable, visibility, rating
FROM events e, generate_series(1, :copies) AS k WHERE e.id <= :e;
SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets));
SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events));
ANALYZE;
SELECT count(*) AS tickets FROM tickets;

-- Indexes that the query plans of GET /tickets at a million tickets showed
-- missing (docs/queries.md has the plans before and after).

-- Every ticket create and update rewrites the ticket's tags with
-- "DELETE FROM ticket_tags WHERE account_id = ? AND ticket_id = ?". With only
-- the primary key (ticket_id, tag) and ticket_tags_tag (account_id, tag,
-- ticket_id), SQLite chose ticket_tags_tag on account_id alone and read every
-- tag row of the account, so each write cost more the more tickets there were.
CREATE INDEX ticket_tags_ticket ON ticket_tags (account_id, ticket_id);

-- sort=priority and sort=deadline sorted every ticket of the account; these
-- give them an index in sort order (the deadline sort key is this expression
-- in ticketlist.go, so tickets without a deadline come last).
CREATE INDEX tickets_priority ON tickets (account_id, priority, id);
CREATE INDEX tickets_deadline_order ON tickets (account_id, coalesce(deadline, 9000000000000000000), id);

-- assignee=… and a queue manager's own queue, in the default sort: the
-- indexes with status before updated_at could not give the order, so
-- the list walked tickets_updated until it found a page, which for an
-- agent with few tickets is every ticket of the account.
-- tickets_assignee_updated replaces tickets_assignee: with status as a
-- filter after it, "assignee=me&status=…" stays a range scan.
CREATE INDEX tickets_assignee_updated ON tickets (account_id, assignee_id, updated_at, id);
DROP INDEX tickets_assignee;
CREATE INDEX tickets_queue_updated ON tickets (account_id, queue_id, updated_at, id);

-- Deleting a ticket (the purge job) makes the foreign keys look for the rows
-- that point at it: its events and attachments, and the tickets merged into
-- or linked from it; deleting an attachment looks for its event. Those
-- lookups name the referencing column alone, so these indexes lead with it
-- instead of account_id. Without them every purged ticket read every event
-- and every ticket of the database (seconds per ticket at a million tickets,
-- holding the write lock). events_attachment also serves AttachmentEvent.
CREATE INDEX events_ticket_fk ON events (ticket_id);
CREATE INDEX events_attachment ON events (attachment_id) WHERE attachment_id IS NOT NULL;
CREATE INDEX attachments_ticket_fk ON attachments (ticket_id);
CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX tickets_linked_from ON tickets (linked_from) WHERE linked_from IS NOT NULL;

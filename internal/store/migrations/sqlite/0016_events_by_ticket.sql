-- Every event is written to every index of events, and two served the
-- same reads: events_ticket (account_id, ticket_id, id) the event log,
-- events_ticket_fk (ticket_id) the cascade when a ticket is deleted. A
-- ticket id belongs to one account, so one index (ticket_id, id) serves
-- both; the event log still names the account, checked on each row it
-- reads anyway.
DROP INDEX events_ticket;
DROP INDEX events_ticket_fk;
CREATE INDEX events_ticket ON events (ticket_id, id);

-- Every ticket write updates every index of tickets, so indexes that no
-- query needs any more go:
-- * tickets_response_due and tickets_resolution_due served the scheduler's
--   breach lookup, which reads tickets_response_pending and
--   tickets_resolution_pending since 0014.
-- tickets_updated gains deleted_at: a list of live tickets in update order
-- (the default order, and the head that a search walks or reads as its
-- window) then reads the index alone, where it read each ticket's row to
-- see that it is not in the trash.
DROP INDEX tickets_response_due;
DROP INDEX tickets_resolution_due;
DROP INDEX tickets_updated;
CREATE INDEX tickets_updated ON tickets (account_id, updated_at, id, deleted_at);

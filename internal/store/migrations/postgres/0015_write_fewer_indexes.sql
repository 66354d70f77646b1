-- Every ticket write updates every index of tickets, so indexes that no
-- query needs any more go: tickets_response_due and tickets_resolution_due
-- served the scheduler's breach lookup, which reads
-- tickets_response_pending and tickets_resolution_pending since 0014.
DROP INDEX tickets_response_due;
DROP INDEX tickets_resolution_due;

-- The scheduler looks every minute for tickets whose first-response or
-- resolution target passed without a recorded breach (BreachCandidates).
-- These partial indexes hold only the live tickets whose target is still
-- pending, in id order (the order the scheduler pages in) with the due
-- time beside it, so that lookup reads them instead of every ticket of the
-- account (about 1.2 cores, all the time, at a million tickets on SQLite).
CREATE INDEX tickets_response_pending ON tickets (account_id, id, response_due)
    WHERE deleted_at IS NULL AND responded_at IS NULL AND response_breached_at IS NULL AND response_due IS NOT NULL;
CREATE INDEX tickets_resolution_pending ON tickets (account_id, id, deadline)
    WHERE deleted_at IS NULL AND closed_at IS NULL AND resolution_breached_at IS NULL AND deadline IS NOT NULL;

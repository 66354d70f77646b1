-- The outbox dispatcher (jobs.Dispatcher) delivers queued outbound messages
-- straight from this table: the row the action's transaction wrote is the
-- durable record of the email, and no job is enqueued per message.
--
-- next_attempt_at is when the next delivery attempt is due (microseconds;
-- a temporary failure moves it by the retry backoff). claimed_until is the
-- lease of the dispatcher sending the message: until then no other process
-- claims it, and a dispatcher that died mid-send loses it when it ends.
-- Both default to 0, "due now" and "not claimed", so the messages that were
-- queued before this migration are delivered by the dispatcher as they are
-- (attempts keeps counting the attempts already made).
ALTER TABLE outbound_messages ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbound_messages ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;

-- The dispatcher's claim: the due queued rows, oldest due first. Partial, so
-- it holds only the few messages not yet sent, whatever the table's size.
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at, claimed_until, id) WHERE status = 'queued';

-- Email messages of tickets, in both directions (product.md §8): the
-- Message-ID of every message received into a ticket and of every message
-- sent from one. Inbound threading looks replies up here by In-Reply-To and
-- References; outbound mail builds its In-Reply-To/References from here; a
-- re-delivered message is recognised by its primary key.
CREATE TABLE ticket_messages (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id  TEXT    NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    event_id    BIGINT,
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, message_id)
);
-- Leads with ticket_id: it serves the foreign-key lookup when a ticket is
-- deleted as well as a ticket's own list (always also filtered by account).
CREATE INDEX ticket_messages_ticket_fk ON ticket_messages (ticket_id, created_at);

package store

import (
	"context"
	"strings"

	"github.com/sympoq/sympoq"
)

// RecordMessage stores the Message-ID of an email of a ticket. It reports
// false, changing nothing, when the account already has that Message-ID (a
// re-delivered message).
func (tx *Tx) RecordMessage(ctx context.Context, m *sympoq.TicketMessage) (bool, error) {
	m.MessageID = strings.Trim(strings.TrimSpace(m.MessageID), "<>")
	if m.MessageID == "" {
		return false, sympoq.Errorf(sympoq.EInvalid, "a message needs a Message-ID")
	}
	m.Created = tx.now
	res, err := tx.exec(ctx, `INSERT INTO ticket_messages (account_id, message_id, ticket_id, event_id, direction, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, message_id) DO NOTHING`,
		m.AccountID, m.MessageID, m.Ticket, nullID(m.Event), string(m.Direction), micros(m.Created))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MessageTicket returns the ticket holding the first of ids (Message-IDs,
// with or without angle brackets) that the account knows, or ENotFound.
func (tx *Tx) MessageTicket(ctx context.Context, accountID int64, ids []string) (int64, error) {
	for _, id := range ids {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" {
			continue
		}
		var ticket int64
		err := tx.q.QueryRowContext(ctx, `SELECT ticket_id FROM ticket_messages WHERE account_id = $1 AND message_id = $2`,
			accountID, id).Scan(&ticket)
		if err == nil {
			return ticket, nil
		}
		if err = mapErr(err, "message"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			return 0, err
		}
	}
	return 0, sympoq.Errorf(sympoq.ENotFound, "no ticket holds these messages")
}

// TicketMessages lists a ticket's messages, oldest first (for References).
func (tx *Tx) TicketMessages(ctx context.Context, accountID, ticketID int64) ([]sympoq.TicketMessage, error) {
	rows, err := tx.queryAtOnce(ctx, `SELECT message_id, event_id, direction, created_at FROM ticket_messages
		WHERE ticket_id = $1 AND account_id = $2 ORDER BY created_at, message_id`, ticketID, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sympoq.TicketMessage
	for rows.Next() {
		m := sympoq.TicketMessage{AccountID: accountID, Ticket: ticketID}
		var ev, created nullInt
		var dir string
		if err := rows.Scan(&m.MessageID, &ev, &dir, &created); err != nil {
			return nil, err
		}
		m.Event, m.Direction, m.Created = ev.Int64, sympoq.MessageDirection(dir), fromMicros(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

// The outbox: every email the desk sends is a row of outbound_messages,
// written in the transaction that caused it and due at once. The
// dispatcher (jobs.Dispatcher) claims due rows for a lease, sends them and
// records each attempt here; the row is the only record of the email, so
// it is never lost with a job.

// CreateOutbound stores a rendered email, queued and due now, and sets m.ID.
func (tx *Tx) CreateOutbound(ctx context.Context, m *sympoq.OutboundMessage) error {
	m.MessageID = strings.Trim(strings.TrimSpace(m.MessageID), "<>")
	h, err := json.Marshal(m.Headers)
	if err != nil {
		return err
	}
	m.Status, m.Created, m.NextAttempt = sympoq.OutQueued, tx.now, tx.now
	m.ID, err = tx.insert(ctx, `INSERT INTO outbound_messages (account_id, ticket_id, event_id, template, message_id, from_addr,
		to_name, to_addr, subject, text_body, html_body, headers, status, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
		m.AccountID, nullID(m.Ticket), nullID(m.Event), m.Template, m.MessageID, m.From, m.ToName, m.ToAddr, m.Subject,
		m.Text, m.HTML, string(h), string(m.Status), micros(m.Created))
	return err
}

const outboundColumns = `id, account_id, ticket_id, event_id, template, message_id, from_addr, to_name, to_addr, subject,
	text_body, html_body, headers, status, attempts, last_error, created_at, sent_at, next_attempt_at`

func scanOutbound(sc interface{ Scan(...any) error }) (*sympoq.OutboundMessage, error) {
	m := &sympoq.OutboundMessage{}
	var ticket, event, created, sent nullInt
	var next int64
	var headers, status string
	err := sc.Scan(&m.ID, &m.AccountID, &ticket, &event, &m.Template, &m.MessageID, &m.From, &m.ToName, &m.ToAddr, &m.Subject,
		&m.Text, &m.HTML, &headers, &status, &m.Attempts, &m.LastError, &created, &sent, &next)
	if err != nil {
		return nil, err
	}
	m.Ticket, m.Event, m.Status = ticket.Int64, event.Int64, sympoq.OutboundStatus(status)
	m.Created, m.Sent = fromMicros(created), fromMicros(sent)
	if m.Status == sympoq.OutQueued {
		m.NextAttempt = time.UnixMicro(next).UTC()
	}
	if err := json.Unmarshal([]byte(headers), &m.Headers); err != nil {
		return nil, fmt.Errorf("outbound message %d: headers: %w", m.ID, err)
	}
	return m, nil
}

// Outbound returns one outbound email.
func (tx *Tx) Outbound(ctx context.Context, accountID, id int64) (*sympoq.OutboundMessage, error) {
	m, err := scanOutbound(tx.q.QueryRowContext(ctx, `SELECT `+outboundColumns+`
		FROM outbound_messages WHERE account_id = $1 AND id = $2`, accountID, id))
	if err != nil {
		return nil, mapErr(err, "outbound message")
	}
	return m, nil
}

// OutboundMessages lists a ticket's outbound emails, oldest first.
func (tx *Tx) OutboundMessages(ctx context.Context, accountID, ticketID int64) ([]*sympoq.OutboundMessage, error) {
	rows, err := tx.queryAtOnce(ctx, `SELECT `+outboundColumns+`
		FROM outbound_messages WHERE ticket_id = $1 AND account_id = $2 ORDER BY id`, ticketID, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.OutboundMessage
	for rows.Next() {
		m, err := scanOutbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ClaimOutbound claims up to limit queued messages that are due and not
// held by another claim, oldest due first, and holds them until until: no
// other claim takes them before, whichever process asks. until, to the
// microsecond, is the claim's token for OutboundAttempt and
// ReleaseOutbound. A claim that is never settled (its process died) lapses
// at until, and the messages are due again.
//
// On PostgreSQL concurrent claims skip each other's rows (FOR UPDATE SKIP
// LOCKED) instead of waiting for them; SQLite has one writer, so claims
// never overlap.
func (tx *Tx) ClaimOutbound(ctx context.Context, limit int, until time.Time) ([]*sympoq.OutboundMessage, error) {
	lock := ""
	if tx.db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := micros(tx.now)
	rows, err := tx.queryAtOnce(ctx, `UPDATE outbound_messages SET claimed_until = $1 WHERE id IN (
		SELECT id FROM outbound_messages WHERE status = 'queued' AND next_attempt_at <= $2 AND claimed_until <= $2
		ORDER BY next_attempt_at, id LIMIT $3`+lock+`)
		RETURNING `+outboundColumns, micros(until), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbound: %w", err)
	}
	defer rows.Close()
	var out []*sympoq.OutboundMessage
	for rows.Next() {
		m, err := scanOutbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim outbound: %w", err)
	}
	slices.SortFunc(out, func(a, b *sympoq.OutboundMessage) int {
		if c := a.NextAttempt.Compare(b.NextAttempt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// OutboundAttempt records the outcome of one delivery attempt of a message
// claimed until claimed, and ends the claim: status sent or failed is
// final, queued makes the next attempt due at next. A sent message without
// a ticket (a one-time link) loses its bodies: they were only kept until
// delivery. ENotFound: the message is gone (its ticket was purged) or no
// longer held by that claim.
func (tx *Tx) OutboundAttempt(ctx context.Context, accountID, id int64, claimed time.Time, status sympoq.OutboundStatus,
	lastError string, next time.Time) error {
	var sent any
	clear := ""
	if status == sympoq.OutSent {
		sent = micros(tx.now)
		clear = `, text_body = CASE WHEN ticket_id IS NULL THEN '' ELSE text_body END,
			html_body = CASE WHEN ticket_id IS NULL THEN '' ELSE html_body END`
	}
	var due int64
	if status == sympoq.OutQueued {
		due = next.UnixMicro()
	}
	res, err := tx.exec(ctx, `UPDATE outbound_messages SET status = $1, attempts = attempts + 1, last_error = $2, sent_at = $3,
		next_attempt_at = $4, claimed_until = 0`+clear+`
		WHERE account_id = $5 AND id = $6 AND status = 'queued' AND claimed_until = $7`,
		string(status), lastError, sent, due, accountID, id, micros(claimed))
	return checkAffected(res, err, "claimed outbound message")
}

// ReleaseOutbound ends a claim without an attempt (the sender was stopped
// before it could tell), so that the message is due again at once.
func (tx *Tx) ReleaseOutbound(ctx context.Context, accountID, id int64, claimed time.Time) error {
	res, err := tx.exec(ctx, `UPDATE outbound_messages SET claimed_until = 0
		WHERE account_id = $1 AND id = $2 AND status = 'queued' AND claimed_until = $3`, accountID, id, micros(claimed))
	return checkAffected(res, err, "claimed outbound message")
}

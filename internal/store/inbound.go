package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

const inboundColumns = `id, account_id, blob_sha256, size, source, mailbox_id, queue_id, envelope_from, recipients, message_id, sender, subject,
	state, reason, error, ticket_id, attempts, received_at, processed_at`

// CreateInboundMail stores a received message's row (its blob is already
// durable) in state new and sets m.ID and m.Received.
func (tx *Tx) CreateInboundMail(ctx context.Context, m *sympoq.InboundMail) error {
	m.Received, m.State = tx.now, sympoq.InboundNew
	id, err := tx.insert(ctx, `INSERT INTO inbound_mail (account_id, blob_sha256, size, source, mailbox_id, queue_id,
		envelope_from, recipients, message_id, sender, subject, state, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		m.AccountID, m.SHA256, m.Size, string(m.Source), nullID(m.Mailbox), nullID(m.Queue), m.EnvelopeFrom, m.Recipients,
		m.MessageID, m.Sender,
		m.Subject, string(m.State), micros(m.Received))
	m.ID = id
	return mapErr(err, "inbound mail")
}

func scanInbound(s scanner) (*sympoq.InboundMail, error) {
	var m sympoq.InboundMail
	var src, state string
	var mailbox, queue, ticket, received, processed nullInt
	if err := s.Scan(&m.ID, &m.AccountID, &m.SHA256, &m.Size, &src, &mailbox, &queue, &m.EnvelopeFrom, &m.Recipients, &m.MessageID, &m.Sender,
		&m.Subject, &state, &m.Reason, &m.Error, &ticket, &m.Attempts, &received, &processed); err != nil {
		return nil, mapErr(err, "inbound mail")
	}
	m.Source, m.State = sympoq.InboundSource(src), sympoq.InboundState(state)
	m.Mailbox, m.Queue, m.Ticket = mailbox.Int64, queue.Int64, ticket.Int64
	m.Received, m.Processed = fromMicros(received), fromMicros(processed)
	return &m, nil
}

// InboundMail returns one received message of the account.
func (tx *Tx) InboundMail(ctx context.Context, accountID, id int64) (*sympoq.InboundMail, error) {
	return scanInbound(tx.q.QueryRowContext(ctx, `SELECT `+inboundColumns+` FROM inbound_mail WHERE account_id = $1 AND id = $2`,
		accountID, id))
}

// LockInboundMail returns a received message for processing, locked (on
// PostgreSQL; SQLite's writer is exclusive anyway) until tx ends.
func (tx *Tx) LockInboundMail(ctx context.Context, accountID, id int64) (*sympoq.InboundMail, error) {
	q := `SELECT ` + inboundColumns + ` FROM inbound_mail WHERE account_id = $1 AND id = $2`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	return scanInbound(tx.q.QueryRowContext(ctx, q, accountID, id))
}

// InboundFilter selects received messages: by state (empty: all), newest
// first, before an id for paging.
type InboundFilter struct {
	States []sympoq.InboundState
	Before int64
	Limit  int
}

// InboundMails lists the account's received messages.
func (tx *Tx) InboundMails(ctx context.Context, accountID int64, f InboundFilter) ([]*sympoq.InboundMail, error) {
	q := `SELECT ` + inboundColumns + ` FROM inbound_mail WHERE account_id = $1 AND (id < $2 OR $2 = 0)`
	args := []any{accountID, f.Before}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			args = append(args, string(s))
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		q += ` AND state IN (` + strings.Join(ph, ", ") + `)`
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*sympoq.InboundMail
	for rows.Next() {
		m, err := scanInbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// FinishInboundMail records the outcome of processing m: its state, reason,
// error and ticket, the headers read from it, and one more attempt.
func (tx *Tx) FinishInboundMail(ctx context.Context, m *sympoq.InboundMail) error {
	m.Processed = tx.now
	m.Attempts++
	res, err := tx.exec(ctx, `UPDATE inbound_mail SET state = $1, reason = $2, error = $3, ticket_id = $4, attempts = $5,
		processed_at = $6, message_id = $7, sender = $8, subject = $9 WHERE account_id = $10 AND id = $11`,
		string(m.State), m.Reason, m.Error, nullID(m.Ticket), m.Attempts, micros(m.Processed), m.MessageID, m.Sender,
		m.Subject, m.AccountID, m.ID)
	return checkAffected(res, err, "inbound mail")
}

// ResetInboundMail puts a failed message back to new, for a retry.
func (tx *Tx) ResetInboundMail(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `UPDATE inbound_mail SET state = 'new', error = '', reason = ''
		WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "inbound mail")
}

// QueueByAddress finds the account and queue that own an inbound address;
// addresses are unique in the deployment.
func (tx *Tx) QueueByAddress(ctx context.Context, address string) (accountID, queueID int64, err error) {
	err = tx.q.QueryRowContext(ctx, `SELECT account_id, queue_id FROM queue_addresses WHERE address = $1`,
		strings.ToLower(strings.TrimSpace(address))).Scan(&accountID, &queueID)
	return accountID, queueID, mapErr(err, "address")
}

// QueueOfAddress finds the queue of the account that owns address.
func (tx *Tx) QueueOfAddress(ctx context.Context, accountID int64, address string) (int64, error) {
	var q int64
	err := tx.q.QueryRowContext(ctx, `SELECT queue_id FROM queue_addresses WHERE account_id = $1 AND address = $2`,
		accountID, strings.ToLower(strings.TrimSpace(address))).Scan(&q)
	return q, mapErr(err, "address")
}

// MessageKnown reports the direction and ticket of a Message-ID the account
// has recorded, or ENotFound.
func (tx *Tx) MessageKnown(ctx context.Context, accountID int64, messageID string) (sympoq.MessageDirection, int64, error) {
	var dir string
	var ticket int64
	err := tx.q.QueryRowContext(ctx, `SELECT direction, ticket_id FROM ticket_messages WHERE account_id = $1 AND message_id = $2`,
		accountID, strings.Trim(strings.TrimSpace(messageID), "<>")).Scan(&dir, &ticket)
	return sympoq.MessageDirection(dir), ticket, mapErr(err, "message")
}

// MarkHasAttachments sets a ticket's has-attachments flag, inside the
// transaction that added the files.
func (tx *Tx) MarkHasAttachments(ctx context.Context, accountID, ticketID int64) error {
	res, err := tx.exec(ctx, `UPDATE tickets SET has_attachments = $1 WHERE account_id = $2 AND id = $3`, true, accountID, ticketID)
	return checkAffected(res, err, "ticket")
}

// Mailboxes.

const mailboxColumns = `id, account_id, name, host, port, security, username, password, folder, move_to, interval_secs,
	queue_id, active, last_polled_at, last_error, created_at`

func scanMailbox(s scanner) (*sympoq.Mailbox, error) {
	var m sympoq.Mailbox
	var sec string
	var secs int64
	var queue, polled, created nullInt
	if err := s.Scan(&m.ID, &m.AccountID, &m.Name, &m.Host, &m.Port, &sec, &m.Username, &m.Password, &m.Folder, &m.MoveTo,
		&secs, &queue, &m.Active, &polled, &m.LastError, &created); err != nil {
		return nil, mapErr(err, "mailbox")
	}
	m.Security, m.Interval, m.Queue = sympoq.MailSecurity(sec), time.Duration(secs)*time.Second, queue.Int64
	m.LastPolled, m.Created = fromMicros(polled), fromMicros(created)
	return &m, nil
}

// CreateMailbox inserts m and sets m.ID.
func (tx *Tx) CreateMailbox(ctx context.Context, m *sympoq.Mailbox) error {
	m.Created = tx.now
	id, err := tx.insert(ctx, `INSERT INTO mailboxes (account_id, name, host, port, security, username, password, folder,
		move_to, interval_secs, queue_id, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		m.AccountID, m.Name, m.Host, m.Port, string(m.Security), m.Username, m.Password, m.Folder, m.MoveTo,
		int64(m.Interval/time.Second), nullID(m.Queue), m.Active, micros(m.Created))
	m.ID = id
	return mapErr(err, "mailbox")
}

// UpdateMailbox saves m's settings.
func (tx *Tx) UpdateMailbox(ctx context.Context, m *sympoq.Mailbox) error {
	res, err := tx.exec(ctx, `UPDATE mailboxes SET name = $1, host = $2, port = $3, security = $4, username = $5, password = $6,
		folder = $7, move_to = $8, interval_secs = $9, queue_id = $10, active = $11 WHERE account_id = $12 AND id = $13`,
		m.Name, m.Host, m.Port, string(m.Security), m.Username, m.Password, m.Folder, m.MoveTo, int64(m.Interval/time.Second),
		nullID(m.Queue), m.Active, m.AccountID, m.ID)
	return checkAffected(res, err, "mailbox")
}

// Mailbox returns one mailbox of the account.
func (tx *Tx) Mailbox(ctx context.Context, accountID, id int64) (*sympoq.Mailbox, error) {
	return scanMailbox(tx.q.QueryRowContext(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE account_id = $1 AND id = $2`,
		accountID, id))
}

// Mailboxes lists the account's mailboxes by name.
func (tx *Tx) Mailboxes(ctx context.Context, accountID int64) ([]*sympoq.Mailbox, error) {
	return tx.mailboxes(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE account_id = $1 ORDER BY lower(name), id`, accountID)
}

// ActiveMailboxes lists the active mailboxes of every account, for the
// poll scheduler.
func (tx *Tx) ActiveMailboxes(ctx context.Context) ([]*sympoq.Mailbox, error) {
	return tx.mailboxes(ctx, `SELECT `+mailboxColumns+` FROM mailboxes WHERE active = $1 ORDER BY account_id, id`, true)
}

func (tx *Tx) mailboxes(ctx context.Context, q string, args ...any) ([]*sympoq.Mailbox, error) {
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.Mailbox{}
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteMailbox removes a mailbox (its received messages stay).
func (tx *Tx) DeleteMailbox(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM mailboxes WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "mailbox")
}

// MailboxPolled records the end of a poll and its error ("" when it worked).
func (tx *Tx) MailboxPolled(ctx context.Context, accountID, id int64, errText string) error {
	_, err := tx.exec(ctx, `UPDATE mailboxes SET last_polled_at = $1, last_error = $2 WHERE account_id = $3 AND id = $4`,
		micros(tx.now), errText, accountID, id)
	return err
}

// Inbound tokens.

// CreateInboundToken inserts t (its hash only) and sets t.ID.
func (tx *Tx) CreateInboundToken(ctx context.Context, t *sympoq.InboundToken) error {
	t.Created = tx.now
	id, err := tx.insert(ctx, `INSERT INTO inbound_tokens (account_id, name, token_hash, queue_id, created_at)
		VALUES ($1, $2, $3, $4, $5)`, t.AccountID, t.Name, t.Hash, nullID(t.Queue), micros(t.Created))
	t.ID = id
	return mapErr(err, "inbound token")
}

const tokenColumns = `id, account_id, name, token_hash, queue_id, created_at, last_used_at`

func scanToken(s scanner) (*sympoq.InboundToken, error) {
	var t sympoq.InboundToken
	var queue, created, used nullInt
	if err := s.Scan(&t.ID, &t.AccountID, &t.Name, &t.Hash, &queue, &created, &used); err != nil {
		return nil, mapErr(err, "inbound token")
	}
	t.Queue, t.Created, t.LastUsed = queue.Int64, fromMicros(created), fromMicros(used)
	return &t, nil
}

// InboundTokenByHash finds a token of the account by its hash.
func (tx *Tx) InboundTokenByHash(ctx context.Context, accountID int64, hash string) (*sympoq.InboundToken, error) {
	return scanToken(tx.q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM inbound_tokens WHERE token_hash = $1 AND account_id = $2`,
		hash, accountID))
}

// InboundTokens lists the account's tokens.
func (tx *Tx) InboundTokens(ctx context.Context, accountID int64) ([]*sympoq.InboundToken, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+tokenColumns+` FROM inbound_tokens WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.InboundToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteInboundToken revokes a token.
func (tx *Tx) DeleteInboundToken(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM inbound_tokens WHERE account_id = $1 AND id = $2`, accountID, id)
	return checkAffected(res, err, "inbound token")
}

// TouchInboundToken records a token's use.
func (tx *Tx) TouchInboundToken(ctx context.Context, accountID, id int64) error {
	_, err := tx.exec(ctx, `UPDATE inbound_tokens SET last_used_at = $1 WHERE account_id = $2 AND id = $3`, micros(tx.now), accountID, id)
	return err
}

package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sympoq/sympoq"
)

// NextCounter increments and returns the account's counter name (ticket
// sequence numbers), inside the caller's transaction.
func (tx *Tx) NextCounter(ctx context.Context, accountID int64, name string) (int64, error) {
	var v int64
	err := tx.q.QueryRowContext(ctx, `INSERT INTO counters (account_id, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (account_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value`, accountID, name).Scan(&v)
	return v, err
}

const ticketColumns = `t.id, t.account_id, t.display_id, t.queue_id, t.topic_id, t.channel, t.priority, t.status,
	t.subject, t.description, t.reported_by, t.customer_id, t.assignee_id, t.created_at, t.assigned_at,
	t.responded_at, t.updated_at, t.closed_at, t.deadline, t.minutes, t.rating, t.tags, t.solution,
	t.custom_fields, t.has_attachments, t.has_notes, t.merged_into, t.linked_from, t.deleted_at, t.version,
	t.response_due, t.response_breached_at, t.resolution_breached_at, t.last_agent_reply_at, t.last_customer_reply_at`

func scanTicket(s scanner) (*sympoq.Ticket, error) {
	var t sympoq.Ticket
	var ts ticketScan
	if err := s.Scan(ts.dests(&t)...); err != nil {
		return nil, mapErr(err, "ticket")
	}
	return &t, ts.finish(&t)
}

// ticketScan holds what scanning ticketColumns into a ticket needs besides
// the ticket, so that a query can select those columns next to others.
type ticketScan struct {
	topic, assignee, merged, linked                                  nullInt
	created, assigned, responded, updated, closed, deadline, deleted nullInt
	tags, custom                                                     string
	due, rspBreach, resBreach, lastAgent, lastCust                   nullInt
}

func (s *ticketScan) dests(t *sympoq.Ticket) []any {
	return []any{&t.ID, &t.AccountID, &t.DisplayID, &t.Queue, &s.topic, &t.Channel, &t.Priority, &t.Status,
		&t.Subject, &t.Description, &t.ReportedBy, &t.Customer, &s.assignee, &s.created, &s.assigned, &s.responded,
		&s.updated, &s.closed, &s.deadline, &t.Minutes, &t.Rating, &s.tags, &t.Solution, &s.custom, &t.HasAttach,
		&t.HasNotes, &s.merged, &s.linked, &s.deleted, &t.Version, &s.due, &s.rspBreach, &s.resBreach, &s.lastAgent, &s.lastCust}
}

func (s *ticketScan) finish(t *sympoq.Ticket) error {
	t.Topic, t.Assignee, t.MergedInto, t.LinkedFrom = s.topic.Int64, s.assignee.Int64, s.merged.Int64, s.linked.Int64
	t.Created, t.AssignedOn, t.Responded = fromMicros(s.created), fromMicros(s.assigned), fromMicros(s.responded)
	t.Updated, t.ClosedOn, t.Deadline, t.Deleted = fromMicros(s.updated), fromMicros(s.closed), fromMicros(s.deadline), fromMicros(s.deleted)
	t.ResponseDue, t.ResponseBreached, t.ResolutionBreached = fromMicros(s.due), fromMicros(s.rspBreach), fromMicros(s.resBreach)
	t.LastAgentReply, t.LastCustomerReply = fromMicros(s.lastAgent), fromMicros(s.lastCust)
	t.Tags = splitTags(s.tags)
	t.CustomFields = map[string]string{}
	if s.custom == "{}" {
		// Most tickets have none: no decoder needed.
		return nil
	}
	if err := json.Unmarshal([]byte(s.custom), &t.CustomFields); err != nil {
		return fmt.Errorf("ticket %d custom fields: %w", t.ID, err)
	}
	return nil
}

// TicketAndCustomer returns the ticket whose display id is display or,
// when none is, whose number is id (0: by display id only; api.md §4.3
// tries display ids first), with its customer, in one query: what reading
// a ticket needs before the access check.
func (tx *Tx) TicketAndCustomer(ctx context.Context, accountID int64, display string, id int64) (*sympoq.Ticket, *sympoq.User, error) {
	cond, args := `t.display_id = $2`, []any{accountID, display}
	if id > 0 {
		cond, args = `(t.display_id = $2 OR t.id = $3)`, append(args, id)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ticketColumns+`, `+userColumns+` FROM tickets t
		JOIN users u ON u.id = t.customer_id AND u.account_id = t.account_id
		WHERE t.account_id = $1 AND `+cond, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var t, byID *sympoq.Ticket
	var u, byIDUser *sympoq.User
	for rows.Next() {
		var rt sympoq.Ticket
		var ru sympoq.User
		var ts ticketScan
		var us userScan
		if err := rows.Scan(append(ts.dests(&rt), us.dests(&ru)...)...); err != nil {
			return nil, nil, err
		}
		if err := ts.finish(&rt); err != nil {
			return nil, nil, err
		}
		us.finish(&ru)
		if rt.DisplayID == display {
			t, u = &rt, &ru
		} else {
			byID, byIDUser = &rt, &ru
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if t == nil {
		t, u = byID, byIDUser
	}
	if t == nil {
		return nil, nil, sympoq.NotFound("ticket")
	}
	return t, u, tx.loadPermissions(ctx, u)
}

// TicketWithEvents is TicketAndCustomer with the ticket's events that f
// selects (all of them, newest first: f's paging is ignored). On
// PostgreSQL it is one query, a round trip fewer on the path of every
// GET /ticket with its event log; SQLite, in process, runs the two.
func (tx *Tx) TicketWithEvents(ctx context.Context, accountID int64, display string, id int64, f EventFilter) (*sympoq.Ticket, *sympoq.User, []*sympoq.Event, error) {
	if tx.db.dialect == SQLite {
		t, u, err := tx.TicketAndCustomer(ctx, accountID, display, id)
		if err != nil {
			return nil, nil, nil, err
		}
		evs, err := tx.Events(ctx, accountID, t.ID, EventFilter{Internal: f.Internal})
		return t, u, evs, err
	}
	cond, args := `t.display_id = $2`, []any{accountID, display, f.Internal}
	if id > 0 {
		cond, args = `(t.display_id = $2 OR t.id = $4)`, append(args, id)
	}
	// The events as one JSON array beside the ticket and its customer.
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ticketColumns+`, `+userColumns+`,
		(SELECT coalesce(json_agg(json_build_array(`+eventColumns+`) ORDER BY e.id DESC), '[]')
		 FROM events e WHERE e.account_id = t.account_id AND e.ticket_id = t.id AND ($3 OR e.visibility = 'public'))
		FROM tickets t JOIN users u ON u.id = t.customer_id AND u.account_id = t.account_id
		WHERE t.account_id = $1 AND `+cond, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	type found struct {
		t   *sympoq.Ticket
		u   *sympoq.User
		evs []*sympoq.Event
	}
	var all []*found
	for rows.Next() {
		fd := &found{t: &sympoq.Ticket{}, u: &sympoq.User{}}
		var ts ticketScan
		var us userScan
		var evJSON []byte
		if err := rows.Scan(append(append(ts.dests(fd.t), us.dests(fd.u)...), &evJSON)...); err != nil {
			return nil, nil, nil, err
		}
		if err := ts.finish(fd.t); err != nil {
			return nil, nil, nil, err
		}
		us.finish(fd.u)
		var err error
		if fd.evs, err = decodeEvents(accountID, evJSON); err != nil {
			return nil, nil, nil, err
		}
		all = append(all, fd)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	// A display id wins over a number (api.md §4.3).
	var pick *found
	for _, fd := range all {
		if fd.t.DisplayID == display || pick == nil {
			pick = fd
		}
	}
	if pick == nil {
		return nil, nil, nil, sympoq.NotFound("ticket")
	}
	return pick.t, pick.u, pick.evs, tx.loadPermissions(ctx, pick.u)
}

// Tags are kept twice: as a tab-separated column for reading a ticket in one
// row, and as ticket_tags rows for filtering by tag.
func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\t")
}

// CreateTicket inserts t unless its display id is taken, in which case it
// reports false so the caller can draw another id (without aborting the
// transaction). The ticket has no search entry until IndexTicket.
func (tx *Tx) CreateTicket(ctx context.Context, t *sympoq.Ticket) (bool, error) {
	return tx.createTicket(ctx, t, false, "")
}

// CreateIndexedTicket is CreateTicket and IndexTicket in one: on
// PostgreSQL the search entry is part of the INSERT, where a separate
// UPDATE would write the new row, and every index of it, twice.
func (tx *Tx) CreateIndexedTicket(ctx context.Context, t *sympoq.Ticket, customer string) (bool, error) {
	ok, err := tx.createTicket(ctx, t, true, customer)
	if err != nil || !ok || tx.db.dialect != SQLite {
		return ok, err
	}
	return true, tx.IndexTicket(ctx, t, customer)
}

func (tx *Tx) createTicket(ctx context.Context, t *sympoq.Ticket, indexed bool, customer string) (bool, error) {
	custom, err := json.Marshal(t.CustomFields)
	if err != nil {
		return false, err
	}
	if t.CustomFields == nil {
		custom = []byte("{}")
	}
	t.Version = 1
	args := []any{t.AccountID, t.DisplayID, t.Queue, nullID(t.Topic), int(t.Channel), int(t.Priority), int(t.Status),
		t.Subject, t.Description, t.ReportedBy, t.Customer, nullID(t.Assignee), micros(t.Created),
		micros(t.AssignedOn), micros(t.Responded), micros(t.Updated), micros(t.ClosedOn), micros(t.Deadline),
		t.Minutes, t.Rating, strings.Join(t.Tags, "\t"), t.Solution, string(custom), t.HasAttach, t.HasNotes,
		nullID(t.MergedInto), nullID(t.LinkedFrom), micros(t.Deleted), micros(t.ResponseDue), micros(t.ResponseBreached),
		micros(t.ResolutionBreached), micros(t.LastAgentReply), micros(t.LastCustomerReply)}
	searchCol, searchVal := "", ""
	if indexed && tx.db.dialect != SQLite {
		// searchVector's $1–$3 become $8 (the subject), $34 and $35.
		searchCol = ", search"
		searchVal = ", " + strings.NewReplacer("$1", "$8", "$2", "$34", "$3", "$35").Replace(searchVector)
		args = append(args, clipText(t.Description), customer)
	}
	err = tx.q.QueryRowContext(ctx, `INSERT INTO tickets (account_id, display_id, queue_id, topic_id, channel, priority,
		status, subject, description, reported_by, customer_id, assignee_id, created_at, assigned_at, responded_at,
		updated_at, closed_at, deadline, minutes, rating, tags, solution, custom_fields, has_attachments, has_notes,
		merged_into, linked_from, deleted_at, version, response_due, response_breached_at, resolution_breached_at,
		last_agent_reply_at, last_customer_reply_at`+searchCol+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25, $26, $27, $28, 1, $29, $30, $31, $32, $33`+searchVal+`)
		ON CONFLICT (account_id, display_id) DO NOTHING RETURNING id`, args...).Scan(&t.ID)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, tx.addTicketTags(ctx, t)
}

// UpdateTicket saves every mutable field of t and bumps its version, but
// only if its version is still expected (optimistic concurrency); otherwise
// it returns a conflict.
func (tx *Tx) UpdateTicket(ctx context.Context, t *sympoq.Ticket, expected int64) error {
	custom, err := json.Marshal(t.CustomFields)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE tickets SET queue_id = $1, topic_id = $2, priority = $3, status = $4, assignee_id = $5,
		assigned_at = $6, responded_at = $7, updated_at = $8, closed_at = $9, deadline = $10, minutes = $11, rating = $12,
		tags = $13, solution = $14, custom_fields = $15, has_attachments = $16, has_notes = $17, merged_into = $18,
		deleted_at = $19, version = version + 1, response_due = $23, response_breached_at = $24,
		resolution_breached_at = $25, last_agent_reply_at = $26, last_customer_reply_at = $27
		WHERE account_id = $20 AND id = $21 AND version = $22`,
		t.Queue, nullID(t.Topic), int(t.Priority), int(t.Status), nullID(t.Assignee), micros(t.AssignedOn),
		micros(t.Responded), micros(t.Updated), micros(t.ClosedOn), micros(t.Deadline), t.Minutes, t.Rating,
		strings.Join(t.Tags, "\t"), t.Solution, string(custom), t.HasAttach, t.HasNotes, nullID(t.MergedInto),
		micros(t.Deleted), t.AccountID, t.ID, expected, micros(t.ResponseDue), micros(t.ResponseBreached),
		micros(t.ResolutionBreached), micros(t.LastAgentReply), micros(t.LastCustomerReply))
	if err := checkAffected(res, err, "ticket"); err != nil {
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return sympoq.Errorf(sympoq.EConflict, "the ticket was changed by someone else; reload it and try again")
		}
		return err
	}
	t.Version = expected + 1
	return tx.setTicketTags(ctx, t)
}

func (tx *Tx) setTicketTags(ctx context.Context, t *sympoq.Ticket) error {
	if _, err := tx.exec(ctx, `DELETE FROM ticket_tags WHERE account_id = $1 AND ticket_id = $2`, t.AccountID, t.ID); err != nil {
		return err
	}
	return tx.addTicketTags(ctx, t)
}

// addTicketTags stores t's tags; a new ticket has none stored yet.
func (tx *Tx) addTicketTags(ctx context.Context, t *sympoq.Ticket) error {
	for _, tag := range t.Tags {
		if _, err := tx.exec(ctx, `INSERT INTO ticket_tags (account_id, ticket_id, tag) VALUES ($1, $2, $3)`,
			t.AccountID, t.ID, strings.ToLower(tag)); err != nil {
			return err
		}
	}
	return nil
}

// Ticket returns a ticket by its numeric id.
func (tx *Tx) Ticket(ctx context.Context, accountID, id int64) (*sympoq.Ticket, error) {
	return scanTicket(tx.q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.account_id = $1 AND t.id = $2`, accountID, id))
}

// TicketByDisplayID returns a ticket by its display id.
func (tx *Tx) TicketByDisplayID(ctx context.Context, accountID int64, display string) (*sympoq.Ticket, error) {
	return scanTicket(tx.q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.account_id = $1 AND t.display_id = $2`, accountID, display))
}

// LockTicket re-reads a ticket inside a write transaction (FOR UPDATE on
// PostgreSQL; SQLite's write lock is already held).
func (tx *Tx) LockTicket(ctx context.Context, accountID, id int64) (*sympoq.Ticket, error) {
	q := `SELECT ` + ticketColumns + ` FROM tickets t WHERE t.account_id = $1 AND t.id = $2`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	return scanTicket(tx.q.QueryRowContext(ctx, q, accountID, id))
}

// AddEvent appends e to its ticket's log and sets e.ID.
func (tx *Tx) AddEvent(ctx context.Context, e *sympoq.Event) error {
	id, err := tx.insert(ctx, `INSERT INTO events (account_id, ticket_id, created_at, action, description, body, applied_by,
		applied_name, billable, attachment_id, visibility, rating) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.AccountID, e.Ticket, micros(e.Date), string(e.Action), e.Description, e.Body, nullID(e.AppliedBy),
		e.AppliedName, e.Billable, nullID(e.Attachment), string(e.Visibility), e.Rating)
	e.ID = id
	return err
}

// EventFilter selects events of one ticket, newest first.
type EventFilter struct {
	Internal bool  // include internal events
	Before   int64 // event id cursor: only older events
	Limit    int   // 0: all
}

// Events lists a ticket's events newest first.
func (tx *Tx) Events(ctx context.Context, accountID, ticketID int64, f EventFilter) ([]*sympoq.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events e WHERE e.account_id = $1 AND e.ticket_id = $2`
	args := []any{accountID, ticketID}
	if !f.Internal {
		q += ` AND e.visibility = 'public'`
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += fmt.Sprintf(` AND e.id < $%d`, len(args))
	}
	q += ` ORDER BY e.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.Event{}
	for rows.Next() {
		e := &sympoq.Event{AccountID: accountID}
		var es eventScan
		if err := rows.Scan(es.dests(e)...); err != nil {
			return nil, err
		}
		es.finish(e)
		out = append(out, e)
	}
	return out, rows.Err()
}

const eventColumns = `e.id, e.ticket_id, e.created_at, e.action, e.description, e.body, e.applied_by, e.applied_name,
	e.billable, e.attachment_id, e.visibility, e.rating`

// decodeEvents reads events from a JSON array of arrays of eventColumns.
func decodeEvents(accountID int64, b []byte) ([]*sympoq.Event, error) {
	// One decoding of the whole array, the scalars as they come (numbers
	// as json.Number): decoding each value on its own cost the read of a
	// ticket a sixth of its CPU.
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var rows [][]any
	if err := d.Decode(&rows); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	out := make([]*sympoq.Event, len(rows))
	for i, r := range rows {
		e := &sympoq.Event{AccountID: accountID}
		var es eventScan
		dests := es.dests(e)
		if len(r) != len(dests) {
			return nil, fmt.Errorf("events: a row of %d values, want %d", len(r), len(dests))
		}
		for j, dest := range dests {
			if err := setScalar(dest, r[j]); err != nil {
				return nil, fmt.Errorf("events: %w", err)
			}
		}
		es.finish(e)
		out[i] = e
	}
	return out, nil
}

// setScalar stores v, a scalar decoded with UseNumber (a string, a
// json.Number or nil), in dest, one of the destinations of eventScan.dests.
func setScalar(dest, v any) error {
	if d, ok := dest.(*string); ok {
		s, ok := v.(string)
		if !ok && v != nil {
			return fmt.Errorf("%v is not a string", v)
		}
		*d = s
		return nil
	}
	if d, ok := dest.(*nullInt); ok && v == nil {
		*d = nullInt{}
		return nil
	}
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("%v is not a number", v)
	}
	n, err := num.Int64()
	if err != nil {
		return err
	}
	switch d := dest.(type) {
	case *int64:
		*d = n
	case *int:
		*d = int(n)
	case *nullInt:
		*d = nullInt{Int64: n, Valid: true}
	default:
		return fmt.Errorf("no place for a number in %T", dest)
	}
	return nil
}

// eventScan holds what scanning eventColumns into an event needs besides
// the event.
type eventScan struct {
	date, by, att nullInt
	action, vis   string
}

func (s *eventScan) dests(e *sympoq.Event) []any {
	return []any{&e.ID, &e.Ticket, &s.date, &s.action, &e.Description, &e.Body, &s.by, &e.AppliedName,
		&e.Billable, &s.att, &s.vis, &e.Rating}
}

func (s *eventScan) finish(e *sympoq.Event) {
	e.Date, e.AppliedBy, e.Attachment = fromMicros(s.date), s.by.Int64, s.att.Int64
	e.Action, e.Visibility = sympoq.EventAction(s.action), sympoq.Visibility(s.vis)
}

// CountEvents counts a ticket's events the filter selects (paging aside).
func (tx *Tx) CountEvents(ctx context.Context, accountID, ticketID int64, f EventFilter) (int, error) {
	q := `SELECT count(*) FROM events WHERE account_id = $1 AND ticket_id = $2`
	if !f.Internal {
		q += ` AND visibility = 'public'`
	}
	var n int
	err := tx.q.QueryRowContext(ctx, q, accountID, ticketID).Scan(&n)
	return n, err
}

// Event returns one event of a ticket.
func (tx *Tx) Event(ctx context.Context, accountID, ticketID, id int64) (*sympoq.Event, error) {
	es, err := tx.Events(ctx, accountID, ticketID, EventFilter{Internal: true, Before: id + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 || es[0].ID != id {
		return nil, sympoq.NotFound("event")
	}
	return es[0], nil
}

// maxIndexedText bounds what one message adds to a ticket's search index.
const maxIndexedText = 32 << 10

func clipText(s string) string {
	if len(s) > maxIndexedText {
		s = s[:maxIndexedText]
	}
	return s
}

// IndexTicket creates the search entry of a new ticket.
func (tx *Tx) IndexTicket(ctx context.Context, t *sympoq.Ticket, customer string) error {
	if tx.db.dialect == SQLite {
		return tx.searchWrite(ctx, `INSERT INTO ticket_fts (rowid, subject, body, customer, internal) VALUES ($1, $2, $3, $4, '')`,
			t.ID, t.Subject, clipText(t.Description), customer)
	}
	_, err := tx.exec(ctx, `UPDATE tickets SET search = `+searchVector+` WHERE account_id = $4 AND id = $5`,
		t.Subject, clipText(t.Description), customer, t.AccountID, t.ID)
	return err
}

// searchVector is a new ticket's search entry on PostgreSQL from its
// subject ($1), description ($2) and customer ($3).
const searchVector = `setweight(to_tsvector('simple', $1), 'A') || to_tsvector('simple', $2) || setweight(to_tsvector('simple', $3), 'B')`

// IndexText adds a message to a ticket's search entry.
func (tx *Tx) IndexText(ctx context.Context, accountID, ticketID int64, text string) error {
	if tx.db.dialect == SQLite {
		return tx.searchWrite(ctx, `UPDATE ticket_fts SET body = body || char(10) || $1 WHERE rowid = $2`, clipText(text), ticketID)
	}
	// A tsvector holds at most 1 MB; a very long conversation stops growing it.
	_, err := tx.exec(ctx, `UPDATE tickets SET search = CASE WHEN length(search) < 200000
		THEN search || to_tsvector('simple', $1) ELSE search END WHERE account_id = $2 AND id = $3`,
		clipText(text), accountID, ticketID)
	return err
}

// IndexInternalText adds internal text (a note, a call) to a ticket's
// search entry, where only agents' searches look.
func (tx *Tx) IndexInternalText(ctx context.Context, accountID, ticketID int64, text string) error {
	if tx.db.dialect == SQLite {
		return tx.searchWrite(ctx, `UPDATE ticket_fts SET internal = internal || char(10) || $1 WHERE rowid = $2`, clipText(text), ticketID)
	}
	_, err := tx.exec(ctx, `UPDATE tickets SET search_internal = CASE WHEN length(search_internal) < 200000
		THEN search_internal || to_tsvector('simple', $1) ELSE search_internal END WHERE account_id = $2 AND id = $3`,
		clipText(text), accountID, ticketID)
	return err
}

// searchWrite is one write of SQLite's search index (ticket_fts), held
// back until the transaction commits.
type searchWrite struct {
	q    string
	args []any
}

// searchWrite queues a write of ticket_fts for flushSearch. FTS5 keeps a
// transaction's new entries in memory and writes them out at commit, but
// also whenever a savepoint opens: in a group commit, where every write
// runs in a savepoint, writing the index in place flushed it once per
// ticket, into one small segment each, which FTS5 then had to merge. Held
// back to the end, a whole group's entries are written out once. On the
// read pool (no transaction) the write runs at once.
func (tx *Tx) searchWrite(ctx context.Context, q string, args ...any) error {
	if tx.tx == nil {
		_, err := tx.exec(ctx, q, args...)
		return err
	}
	tx.pendingSearch = append(tx.pendingSearch, searchWrite{q: q, args: args})
	return nil
}

// flushSearch runs the queued search-index writes, in order; DB.Tx calls
// it after the transaction's work and before the commit.
func (tx *Tx) flushSearch(ctx context.Context) error {
	for _, w := range tx.pendingSearch {
		if _, err := tx.exec(ctx, w.q, w.args...); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	tx.pendingSearch = nil
	return nil
}

// PurgeTickets removes tickets deleted before cutoff with everything they
// own, at most limit at a time, and returns how many went.
func (tx *Tx) PurgeTickets(ctx context.Context, accountID int64, cutoff int64, limit int) ([]int64, error) {
	rows, err := tx.q.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM tickets WHERE account_id = $1 AND deleted_at IS NOT NULL
		AND deleted_at < $2 ORDER BY id LIMIT %d`, limit), accountID, cutoff)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := tx.exec(ctx, `UPDATE tickets SET merged_into = NULL WHERE account_id = $1 AND merged_into = $2`, accountID, id); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, `DELETE FROM tickets WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
			return nil, err
		}
		if tx.db.dialect == SQLite {
			if err := tx.searchWrite(ctx, `DELETE FROM ticket_fts WHERE rowid = $1`, id); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

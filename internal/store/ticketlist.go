package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/sympoq/sympoq"
)

// TicketScope is the part of an account's tickets a user may see, as
// sympoq.Can decides it, expressed so that lists filter in SQL.
type TicketScope struct {
	All           bool    // administrators
	ManagedQueues []int64 // queue manager: every ticket of these queues
	AgentQueues   []int64 // agent: own tickets of these queues…
	Me            int64
	SelfAssign    bool  // …and unassigned ones when self-assignment is on
	Customer      int64 // customers: their own tickets…
	Group         int64 // …and, for customer managers, their group's
	// SeesInternal lets a search match internal text (agents only).
	SeesInternal bool
}

// TicketFilter selects and orders a ticket list (api.md §7 GET /tickets).
type TicketFilter struct {
	Status         []sympoq.Status
	Priority       []sympoq.Priority
	Queue          []int64
	Topic          []int64
	Channel        []sympoq.Channel
	Assignee       []int64 // -1: unassigned
	Customer       int64
	Group          int64
	Tag            string
	CreatedFrom    time.Time
	CreatedTo      time.Time
	UpdatedFrom    time.Time
	UpdatedTo      time.Time
	DeadlineBefore time.Time
	Q              string
	Trash          bool   // deleted tickets instead of live ones
	Sort           string // created, updated, priority, deadline
	Desc           bool
	Limit          int
	Cursor         string
}

// TicketSorts are the sort keys of ticket lists.
var TicketSorts = []string{"created", "updated", "priority", "deadline"}

var ticketSortExpr = map[string]string{
	"created":  "t.created_at",
	"updated":  "t.updated_at",
	"priority": "t.priority",
	"deadline": "coalesce(t.deadline, 9000000000000000000)",
}

type ticketCursor struct {
	V  int64 `json:"v"`
	ID int64 `json:"id"`
}

func ticketSortValue(t *sympoq.Ticket, sort string) int64 {
	switch sort {
	case "created":
		return t.Created.UnixMicro()
	case "priority":
		return int64(t.Priority)
	case "deadline":
		if t.Deadline.IsZero() {
			return 9000000000000000000
		}
		return t.Deadline.UnixMicro()
	}
	return t.Updated.UnixMicro()
}

// Tickets returns one page of the tickets f selects within scope, and the
// cursor of the next page ("" on the last).
func (tx *Tx) Tickets(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter) ([]*sympoq.Ticket, string, error) {
	if f.Sort == "" {
		f.Sort, f.Desc = "updated", true
	}
	expr, ok := ticketSortExpr[f.Sort]
	if !ok {
		return nil, "", sympoq.FieldErr("sort", sympoq.FieldInvalid, "must be one of %s", strings.Join(TicketSorts, ", "))
	}
	w := tx.ticketWhere(accountID, scope, f)
	if f.Cursor != "" {
		var c ticketCursor
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil || c.ID <= 0 {
			return nil, "", sympoq.FieldErr("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
		}
		op := ">"
		if f.Desc {
			op = "<"
		}
		// A row comparison, not "a < v OR (a = v AND id < i)": PostgreSQL
		// can start an index scan at a row value but only filters the OR
		// form, which read every ticket before the cursor.
		w.and(fmt.Sprintf("(%s, t.id) %s (%s, %s)", expr, op, w.arg(c.V), w.arg(c.ID)))
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s %s, t.id %s LIMIT %d`,
		ticketColumns, tx.ticketsFrom(scope, f), w.String(), expr, dir, dir, limit+1)
	rows, err := tx.q.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []*sympoq.Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		b, _ := json.Marshal(ticketCursor{V: ticketSortValue(last, f.Sort), ID: last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, next, nil
}

// CountTickets counts what f selects within scope, ignoring paging.
func (tx *Tx) CountTickets(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter) (int, error) {
	w := tx.ticketWhere(accountID, scope, f)
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM `+tx.ticketsFrom(scope, f)+` WHERE `+w.String(), w.args...).Scan(&n)
	return n, err
}

// ticketsFrom names the table of a ticket list. One customer's tickets are
// few, so their index is the place to start whatever the sort; SQLite, which
// has no statistics to know that, would rather walk the sort's index until it
// has a page, and for a customer with few tickets that is every ticket of the
// account. (PostgreSQL's statistics tell it.)
func (tx *Tx) ticketsFrom(scope TicketScope, f TicketFilter) string {
	oneCustomer := f.Customer > 0 || (!scope.All && scope.Customer > 0 && scope.Group == 0 &&
		len(scope.ManagedQueues) == 0 && len(scope.AgentQueues) == 0)
	if tx.db.dialect == SQLite && oneCustomer {
		return "tickets t INDEXED BY tickets_customer"
	}
	return "tickets t"
}

// where builds a conjunction with numbered arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

func (w *where) and(cond string) { w.conds = append(w.conds, cond) }

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

func in[T ~int | ~int64](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = w.arg(int64(v))
	}
	if len(ps) == 1 {
		w.and(col + " = " + ps[0])
		return
	}
	w.and(col + " IN (" + strings.Join(ps, ", ") + ")")
}

func (tx *Tx) ticketWhere(accountID int64, scope TicketScope, f TicketFilter) *where {
	w := &where{}
	acc := w.arg(accountID)
	w.and("t.account_id = " + acc)
	if f.Trash {
		w.and("t.deleted_at IS NOT NULL")
	} else {
		w.and("t.deleted_at IS NULL")
	}
	if !scope.All {
		var or []string
		if len(scope.ManagedQueues) > 0 {
			sub := &where{args: w.args}
			in(sub, "t.queue_id", scope.ManagedQueues)
			w.args = sub.args
			or = append(or, sub.String())
		}
		if len(scope.AgentQueues) > 0 {
			sub := &where{args: w.args}
			in(sub, "t.queue_id", scope.AgentQueues)
			me := sub.arg(scope.Me)
			own := "t.assignee_id = " + me
			if scope.SelfAssign {
				own = "(" + own + " OR t.assignee_id IS NULL)"
			}
			sub.and(own)
			w.args = sub.args
			or = append(or, "("+sub.String()+")")
		}
		if scope.Customer > 0 {
			or = append(or, "t.customer_id = "+w.arg(scope.Customer))
		}
		if scope.Group > 0 {
			or = append(or, "t.customer_id IN (SELECT id FROM users WHERE account_id = "+acc+" AND group_id = "+w.arg(scope.Group)+")")
		}
		if len(or) == 0 {
			w.and("1 = 0") // sees nothing
		} else {
			w.and("(" + strings.Join(or, " OR ") + ")")
		}
	}
	in(w, "t.status", f.Status)
	in(w, "t.priority", f.Priority)
	in(w, "t.queue_id", f.Queue)
	in(w, "t.topic_id", f.Topic)
	in(w, "t.channel", f.Channel)
	if len(f.Assignee) > 0 {
		var ids []int64
		none := false
		for _, a := range f.Assignee {
			if a < 0 {
				none = true
			} else {
				ids = append(ids, a)
			}
		}
		sub := &where{args: w.args}
		in(sub, "t.assignee_id", ids)
		w.args = sub.args
		switch {
		case none && len(ids) > 0:
			w.and("(t.assignee_id IS NULL OR " + sub.String() + ")")
		case none:
			w.and("t.assignee_id IS NULL")
		default:
			w.and(sub.String())
		}
	}
	if f.Customer > 0 {
		w.and("t.customer_id = " + w.arg(f.Customer))
	}
	if f.Group > 0 {
		w.and("t.customer_id IN (SELECT id FROM users WHERE account_id = " + acc + " AND group_id = " + w.arg(f.Group) + ")")
	}
	if f.Tag != "" {
		w.and("t.id IN (SELECT ticket_id FROM ticket_tags WHERE account_id = " + acc + " AND tag = " + w.arg(strings.ToLower(f.Tag)) + ")")
	}
	for _, r := range []struct {
		col string
		op  string
		t   time.Time
	}{{"t.created_at", ">=", f.CreatedFrom}, {"t.created_at", "<", f.CreatedTo}, {"t.updated_at", ">=", f.UpdatedFrom},
		{"t.updated_at", "<", f.UpdatedTo}, {"t.deadline", "<", f.DeadlineBefore}} {
		if !r.t.IsZero() {
			w.and(r.col + " " + r.op + " " + w.arg(r.t.UnixMicro()))
		}
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if tx.db.dialect == SQLite {
			match := ftsQuery(q)
			if !scope.SeesInternal {
				match = "{subject body customer} : (" + match + ")"
			}
			w.and("t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH " + w.arg(match) + ")")
		} else {
			arg := w.arg(q)
			if scope.SeesInternal {
				w.and("(t.search @@ plainto_tsquery('simple', " + arg + ") OR t.search_internal @@ plainto_tsquery('simple', " + arg + "))")
			} else {
				w.and("t.search @@ plainto_tsquery('simple', " + arg + ")")
			}
		}
	}
	return w
}

// ftsQuery turns user text into an FTS5 query that matches every word,
// with no operator syntax of FTS5 reaching the engine.
func ftsQuery(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return `""`
	}
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " ")
}

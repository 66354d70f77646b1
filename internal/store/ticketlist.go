package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
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
//
// A full-text search (f.Q) has up to three plans; see searchPlan.
func (tx *Tx) Tickets(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter) ([]*sympoq.Ticket, string, error) {
	return tx.tickets(ctx, accountID, scope, f, nil)
}

// tickets is Tickets with the search plan fixed (for tests), or nil to let
// the store choose it.
func (tx *Tx) tickets(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter, plan *searchPlan) ([]*sympoq.Ticket, string, error) {
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
	l := ticketList{from: tx.ticketsFrom(scope, f), sort: f.Sort, expr: expr, dir: dir, limit: limit}
	q := strings.TrimSpace(f.Q)
	if q == "" {
		ts, err := tx.ticketRows(ctx, l.plainSQL(w))
		if err != nil {
			return nil, "", err
		}
		return l.page(ts)
	}
	s := tx.search(scope, q)
	if plan == nil {
		var err error
		if plan, err = tx.planSearch(ctx, s, limit); err != nil {
			return nil, "", err
		}
	}
	// The first two plans look at the head of the list only; a short page
	// from them says nothing about the matches beyond it, which are for the
	// plan that collects them all.
	if plan.walk > 0 {
		ts, err := tx.ticketRows(ctx, l.walkSQL(w.clone(), s, plan.walk))
		if err != nil || len(ts) > limit {
			return l.pageErr(ts, err)
		}
	}
	if plan.window > 0 && s.dialect == SQLite {
		ts, done, err := tx.slide(ctx, l, w, s, plan.window, plan.slide)
		if err != nil || done {
			return l.pageErr(ts, err)
		}
	}
	if plan.wide > 0 && s.dialect == Postgres {
		ts, done, err := tx.slide(ctx, l, w, s, plan.wide, plan.slide)
		if err != nil || done {
			return l.pageErr(ts, err)
		}
	}
	return l.pageErr(tx.ticketRows(ctx, l.collectSQL(w, s)))
}

// slide reads the list a slice at a time, as long as the slices cover at
// most size+budget tickets in all, and keeps each slice's matches, in list
// order. On PostgreSQL each slice is walked (walkSQL), the first size
// tickets and then four times as many each time. On SQLite a slice is
// read as a window (windowSQL) only if FTS5 has a match anywhere in its id
// range; otherwise it is passed over having read its ids alone (about a
// third of a microsecond a ticket, against a window's microsecond or the
// collection of every match), and the next slice is four times larger; a
// slice grown so with a match is not read but tried again a quarter as
// large, down to size, so that a window never reads much more than a page
// needs. After a window the next slice is twice as large.
// Either way a burst of new tickets without the word, a run of one kind at
// the head of the list, is crossed at a bounded cost per ticket, and a
// walk or window that starts again at the head never re-reads it. It
// reports done when the page is full or the list ended; otherwise the
// matches must be collected.
func (tx *Tx) slide(ctx context.Context, l ticketList, w *where, s *search, size, budget int) ([]*sympoq.Ticket, bool, error) {
	var found []*sympoq.Ticket
	var bound *ticketCursor
	op := ">"
	if l.dir == "DESC" {
		op = "<"
	}
	n := size
	grown := false // n grew over slices without a match
	for covered := 0; covered < size+budget; {
		ws := w.clone()
		if bound != nil {
			ws.and(fmt.Sprintf("(%s, t.id) %s (%s, %s)", l.expr, op, ws.arg(bound.V), ws.arg(bound.ID)))
		}
		var ts []*sympoq.Ticket
		next := 4 * n
		if s.dialect == Postgres {
			var err error
			if ts, err = tx.ticketRows(ctx, l.walkSQL(ws.clone(), s, n)); err != nil {
				return nil, false, err
			}
		} else {
			head := fmt.Sprintf(`SELECT t.id FROM %s WHERE %s ORDER BY %s LIMIT %d`, l.from, ws.String(), l.order(l.expr), n)
			var got int
			var lo, hi nullInt
			if err := tx.q.QueryRowContext(ctx, `SELECT count(*), min(id), max(id) FROM (`+head+`) h`, ws.args...).Scan(&got, &lo, &hi); err != nil {
				return nil, false, err
			}
			if got == 0 {
				return found, true, nil // the list ended
			}
			var match bool
			if err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH $1 AND rowid BETWEEN $2 AND $3)`,
				s.text, lo.Int64, hi.Int64).Scan(&match); err != nil {
				return nil, false, err
			}
			if match && grown && n > size {
				n = max(size, n/4) // a smaller slice from the same place
				continue
			}
			grown = !match
			if match {
				var err error
				if ts, err = tx.ticketRows(ctx, l.windowSQL(ws.clone(), s, n)); err != nil {
					return nil, false, err
				}
				next = 2 * n
			}
		}
		if found = append(found, ts...); len(found) > l.limit {
			return found, true, nil
		}
		// The slice's last ticket bounds the next; none: the list ended
		// within this slice, and every ticket has been looked at.
		var last ticketCursor
		err := tx.q.QueryRowContext(ctx, fmt.Sprintf(`SELECT %s, t.id FROM %s WHERE %s ORDER BY %s LIMIT 1 OFFSET %d`,
			l.expr, l.from, ws.String(), l.order(l.expr), n-1), ws.args...).Scan(&last.V, &last.ID)
		if err == sql.ErrNoRows {
			return found, true, nil
		} else if err != nil {
			return nil, false, err
		}
		bound = &last
		covered += n
		n = next
	}
	return nil, false, nil
}

// ticketList is the shape of one list query: its table, order and page.
type ticketList struct {
	from, sort, expr, dir string
	limit                 int
}

func (l ticketList) order(expr string) string {
	return fmt.Sprintf("%s %s, t.id %s", expr, l.dir, l.dir)
}

// The search plans, and what decides between them. Let share be the part
// of the tickets a search matches.
//
//   - walk: walk the list's index in its order and test each ticket, until
//     the page is full: about (limit+1)/share tests.
//   - window (SQLite): take the list's first tickets, enough to hold a page
//     of matches, then stream the FTS5 matches within their rowid range and
//     keep those among them: the cost of the stream, about share × tickets
//     matches, which FTS5 reads far faster than it looks rowids up.
//   - collect: every match, then the filters, then a sort of what is left:
//     also in proportion to the matches, but slower per match. It is the
//     only plan that does not depend on where the matches are, so it is
//     what the others fall back to.
//
// On PostgreSQL a test is cheap (the tsvectors are in the ticket row), so
// the walk goes first, bounded, and a word too rare for it to fill the
// page within the bound has its matches collected; the word's statistics
// play no part. Only a table never analyzed at all skips the walk (see
// planSearch).
//
// On SQLite a test is an FTS5 lookup of one rowid, which costs about
// sqliteProbeCost streamed matches (each lookup reads every segment of the
// FTS5 index: 120-160 µs at a million tickets, against about 0.15 µs a
// streamed match). So the share is estimated first, from searchSample
// tickets in a few id ranges spread up to the newest (sampleSQL), and the
// walk is taken only where it should beat the window.
const (
	walkSlack       = 3    // the walk and the window read up to walkSlack × (limit+1) / share tickets
	walkMaxPages    = 40   // …and never more than walkMaxPages × (limit+1)
	sqliteProbeCost = 1500 // an FTS5 rowid lookup, in streamed FTS5 matches
	searchSample    = 4000 // the tickets that estimate a share on SQLite
)

// searchPlan is how a search reads its page: walk at most walk tickets
// (0: do not); on SQLite, read a window of that many tickets (0: do not)
// and slide on over at most slide more (see Tx.slide); on PostgreSQL a
// wide walk of wide tickets (0: do not); then collect.
type searchPlan struct {
	walk, window, slide, wide int
}

// slideMatches is how many head tickets the SQLite slide may cover for
// each match the sample predicts: passing over a ticket costs about a
// third of collecting a match, reading a slice with matches about twice.
const slideMatches = 2

// wideWalk bounds PostgreSQL's wide walk: a ticket's test is its own
// tsvector, so 50,000 tickets cost some tens of milliseconds.
const wideWalk = 50000

// estimateRows is PostgreSQL's estimate of how many rows query returns
// (EXPLAIN, without running it).
func (tx *Tx) estimateRows(ctx context.Context, query string, args ...any) (float64, error) {
	var plan string
	if err := tx.q.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+query, args...).Scan(&plan); err != nil {
		return 0, err
	}
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &out); err != nil || len(out) == 0 {
		return 0, fmt.Errorf("explain: %q: %v", plan, err)
	}
	return out[0].Plan.Rows, nil
}

// wideMatches is how many matches (estimated) make collecting dearer than
// a wide window that fails first (60 ms): collecting costs about 0.6 µs a
// match, or 30 ms for 50,000.
const wideMatches = 50000

func (tx *Tx) planSearch(ctx context.Context, s *search, limit int) (*searchPlan, error) {
	if s.dialect == Postgres {
		// Never analyzed, PostgreSQL takes an account for 0.5% of the table
		// and its live tickets for 0.5% of that, and sorts them all rather
		// than walk an index, which would make the walk's head a sort of
		// the whole account (1.3-2.9 s at a million tickets). Collecting the
		// matches costs less then. Statistics of any age are enough.
		var analyzed bool
		if err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'tickets')`).Scan(&analyzed); err != nil || !analyzed {
			return &searchPlan{}, err
		}
		p := &searchPlan{walk: walkMaxPages * (limit + 1)}
		// A common word missing from the head of the list (the newest
		// tickets came in a burst of one kind) fails the walk, and
		// collecting a word in most of a million tickets takes seconds; a
		// wide walk finds its page in a fraction of that. The planner's
		// estimate from the tsvector statistics says which words are
		// common, for the price of planning one query.
		ew := &where{}
		if n, err := tx.estimateRows(ctx, `SELECT 1 FROM tickets t WHERE `+s.probe(ew), ew.args...); err != nil {
			return nil, err
		} else if n >= wideMatches {
			// Walking on costs about a microsecond a ticket, collecting
			// several a match and a sort: walk on over up to twice the
			// matches.
			p.wide, p.slide = wideWalk, int(2*n)
		}
		return p, nil
	}
	var top int64
	if err := tx.q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM tickets`).Scan(&top); err != nil {
		return nil, err
	}
	// The sample is searchSlices ranges of ids spread evenly up to the
	// newest, not the newest alone: the newest tickets may all be of one
	// kind (a burst from one integration, a mail loop), and a word absent
	// from them would be taken for a rare one, whose matches are all
	// collected (seconds for a common word at a million tickets).
	var hits int
	q, args := sampleSQL(s.text, top)
	if err := tx.q.QueryRowContext(ctx, q, args...).Scan(&hits); err != nil {
		return nil, err
	}
	return sqlitePlan(limit, top, hits), nil
}

// searchSlices is how many id ranges the SQLite sample reads.
const searchSlices = 4

// sampleSQL counts the matches of text among searchSample ticket ids in
// searchSlices ranges, the last ending at top; each range is one FTS5
// rowid range read.
func sampleSQL(text string, top int64) (string, []any) {
	n, slice := int64(searchSlices), int64(searchSample/searchSlices)
	if top <= searchSample {
		n, slice = 1, top // every ticket, in one range
	}
	args := []any{text}
	parts := make([]string, 0, n)
	for k := int64(1); k <= n; k++ {
		hi := top * k / n // the ranges are top/n apart, more than slice: disjoint
		args = append(args, hi-slice, hi)
		parts = append(parts, fmt.Sprintf(`(SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH $1 AND rowid > $%d AND rowid <= $%d)`,
			len(args)-1, len(args)))
	}
	return `SELECT ` + strings.Join(parts, " + "), args
}

// sqlitePlan decides from a sample of the newest tickets: hits matches
// among min(top, searchSample) of them, top being the highest ticket id
// (the number of tickets, as far as the account-wide FTS5 table knows).
// It walks when (limit+1)/share × sqliteProbeCost < share × top, and
// otherwise tries a window when the sample found any match at all.
func sqlitePlan(limit int, top int64, hits int) *searchPlan {
	n := min(top, searchSample)
	if hits == 0 || n == 0 {
		return &searchPlan{}
	}
	share := float64(hits) / float64(n)
	page := float64(limit + 1)
	size := int(min(walkSlack*page/share, walkMaxPages*page))
	// The slide covers what collecting would cost at most; a word the
	// sample found among the head (where the window finds it) never gets
	// far.
	slide := int(min(slideMatches*share*float64(top), float64(top)))
	if page/share*sqliteProbeCost < share*float64(top) {
		return &searchPlan{walk: size, window: size, slide: slide}
	}
	return &searchPlan{window: size, slide: slide}
}

// plainSQL reads the page in the sort's index order.
func (l ticketList) plainSQL(w *where) stmt {
	return stmt{fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d`,
		ticketColumns, l.from, w.String(), l.order(l.expr), l.limit+1), w.args}
}

// walkSQL walks the list's index in sort order, at most n tickets, and
// tests each against the search. The subquery's LIMIT bounds the walk; both
// engines read it lazily in its own order (SQLite as a co-routine,
// PostgreSQL through a Limit node), so the outer LIMIT stops the walk as
// soon as the page is full and neither sorts. The sort key is a column of
// the subquery so that the outer ORDER BY names what it is ordered by.
func (l ticketList) walkSQL(w *where, s *search, n int) stmt {
	probe := s.probe(w)
	return stmt{fmt.Sprintf(`SELECT %s FROM (SELECT t.*, %s AS list_key FROM %s WHERE %s ORDER BY %s LIMIT %d) t WHERE %s ORDER BY %s LIMIT %d`,
		ticketColumns, l.expr, l.from, w.String(), l.order(l.expr), n, probe, l.order("t.list_key"), l.limit+1), w.args}
}

// windowSQL (SQLite) takes the list's first n tickets, streams the FTS5
// matches between their lowest and highest id, keeps the matches that are
// among them (the unary + keeps SQLite from turning that IN into one FTS5
// lookup per ticket) and sorts those few.
func (l ticketList) windowSQL(w *where, s *search, n int) stmt {
	match := w.arg(s.text)
	return stmt{fmt.Sprintf(`WITH head AS MATERIALIZED (SELECT t.id FROM %s WHERE %s ORDER BY %s LIMIT %d)
		SELECT %s FROM (SELECT rowid AS id FROM ticket_fts WHERE ticket_fts MATCH %s
			AND rowid BETWEEN (SELECT min(id) FROM head) AND (SELECT max(id) FROM head) AND +rowid IN (SELECT id FROM head)) m
		CROSS JOIN tickets t ON t.id = m.id ORDER BY %s LIMIT %d`,
		l.from, w.String(), l.order(l.expr), n, ticketColumns, match, l.order(l.expr), l.limit+1), w.args}
}

// collectSQL reads every match first, then filters and sorts them. On
// SQLite the CROSS JOIN makes FTS5 the outer loop, with each match's
// ticket read by its primary key (so not through INDEXED BY). On
// PostgreSQL the MATERIALIZED CTE keeps the planner from walking an index
// in sort order with the text as a filter, which reads the whole account
// for a word that few or no tickets hold, whatever the statistics say.
func (l ticketList) collectSQL(w *where, s *search) stmt {
	if s.dialect == SQLite {
		match := w.arg(s.text)
		return stmt{fmt.Sprintf(`SELECT %s FROM ticket_fts CROSS JOIN tickets t ON t.id = ticket_fts.rowid
			WHERE ticket_fts MATCH %s AND %s ORDER BY %s LIMIT %d`,
			ticketColumns, match, w.String(), l.order(l.expr), l.limit+1), w.args}
	}
	w.and(s.filter(w))
	return stmt{fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT %s, %s AS list_key FROM %s WHERE %s) SELECT %s FROM m t ORDER BY %s LIMIT %d`,
		ticketColumns, l.expr, l.from, w.String(), ticketColumns, l.order("t.list_key"), l.limit+1), w.args}
}

func (l ticketList) pageErr(out []*sympoq.Ticket, err error) ([]*sympoq.Ticket, string, error) {
	if err != nil {
		return nil, "", err
	}
	return l.page(out)
}

// page cuts the extra row a list query reads into the next page's cursor.
func (l ticketList) page(out []*sympoq.Ticket) ([]*sympoq.Ticket, string, error) {
	next := ""
	if len(out) > l.limit {
		out = out[:l.limit]
		last := out[len(out)-1]
		b, _ := json.Marshal(ticketCursor{V: ticketSortValue(last, l.sort), ID: last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, next, nil
}

// stmt is a statement with its arguments.
type stmt struct {
	q    string
	args []any
}

func (tx *Tx) ticketRows(ctx context.Context, st stmt) ([]*sympoq.Ticket, error) {
	rows, err := tx.q.QueryContext(ctx, st.q, st.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sympoq.Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountTickets counts what f selects within scope, ignoring paging. With
// f.Q it reads every match (SQLite: every FTS5 match of the words), so its
// cost grows with how common the words are.
func (tx *Tx) CountTickets(ctx context.Context, accountID int64, scope TicketScope, f TicketFilter) (int, error) {
	w := tx.ticketWhere(accountID, scope, f)
	if q := strings.TrimSpace(f.Q); q != "" {
		w.and(tx.search(scope, q).filter(w))
	}
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

// id is arg for an integer that a condition compares a column with for
// equality (an account, a queue, a status). SQLite's planner reads such a
// bound value to guess how selective the condition is, and then prepares
// the statement again whenever the next binding crosses between 0–1 and
// any other value: queue 1 and then queue 2, say. That was 6–7% of the
// server's CPU in a load of ticket lists. Behind a CAST it reads no value,
// and the plan is the same.
func (w *where) id(v int64) string { return "CAST(" + w.arg(v) + " AS BIGINT)" }

func (w *where) clone() *where {
	return &where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

func in[T ~int | ~int64](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = w.id(int64(v))
	}
	if len(ps) == 1 {
		w.and(col + " = " + ps[0])
		return
	}
	w.and(col + " IN (" + strings.Join(ps, ", ") + ")")
}

func (tx *Tx) ticketWhere(accountID int64, scope TicketScope, f TicketFilter) *where {
	w := &where{}
	acc := w.id(accountID)
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
			me := sub.id(scope.Me)
			own := "t.assignee_id = " + me
			if scope.SelfAssign {
				own = "(" + own + " OR t.assignee_id IS NULL)"
			}
			sub.and(own)
			w.args = sub.args
			or = append(or, "("+sub.String()+")")
		}
		if scope.Customer > 0 {
			or = append(or, "t.customer_id = "+w.id(scope.Customer))
		}
		if scope.Group > 0 {
			or = append(or, "t.customer_id IN (SELECT id FROM users WHERE account_id = "+acc+" AND group_id = "+w.id(scope.Group)+")")
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
		w.and("t.customer_id = " + w.id(f.Customer))
	}
	if f.Group > 0 {
		w.and("t.customer_id IN (SELECT id FROM users WHERE account_id = " + acc + " AND group_id = " + w.id(f.Group) + ")")
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
	return w
}

// search is the full-text part of a list: the FTS5 query (SQLite) or the
// user's text for plainto_tsquery (PostgreSQL), and whether internal text
// may match.
type search struct {
	dialect  Dialect
	text     string
	internal bool
}

func (tx *Tx) search(scope TicketScope, q string) *search {
	s := &search{dialect: tx.db.dialect, text: q, internal: scope.SeesInternal}
	if s.dialect == SQLite {
		s.text = ftsQuery(q)
		if !scope.SeesInternal {
			s.text = "{subject body customer} : (" + s.text + ")"
		}
	}
	return s
}

// filter is the search as a condition on tickets t that collects the
// matches first: SQLite gathers the FTS5 rowids into a list before it walks
// the list's index.
func (s *search) filter(w *where) string {
	if s.dialect == SQLite {
		return "t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH " + w.arg(s.text) + ")"
	}
	return s.probe(w)
}

// probe is the search as a test of one ticket t: an FTS5 lookup of that
// rowid (SQLite), or the ticket's own tsvectors (PostgreSQL).
func (s *search) probe(w *where) string {
	arg := w.arg(s.text)
	if s.dialect == SQLite {
		return "EXISTS (SELECT 1 FROM ticket_fts WHERE ticket_fts MATCH " + arg + " AND ticket_fts.rowid = t.id)"
	}
	if s.internal {
		return "(t.search @@ plainto_tsquery('simple', " + arg + ") OR t.search_internal @@ plainto_tsquery('simple', " + arg + "))"
	}
	return "t.search @@ plainto_tsquery('simple', " + arg + ")"
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

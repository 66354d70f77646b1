package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

// MicrosPerDay turns stored microseconds into the UTC days of report_dirty.
const MicrosPerDay = 86400_000_000

// Report dimensions: the scopes a rollup row is kept for besides its queue.
const (
	DimAll      = 0
	DimAgent    = 1
	DimTopic    = 2
	DimChannel  = 3
	DimPriority = 4
	DimGroup    = 5
)

// DirtyDays returns up to limit accounts' stale UTC days (from the triggers
// of migration 0012), oldest account and day first.
func (tx *Tx) DirtyDays(ctx context.Context, limit int) (map[int64][]int64, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT account_id, day FROM report_dirty ORDER BY account_id, day LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var acc, day int64
		if err := rows.Scan(&acc, &day); err != nil {
			return nil, err
		}
		out[acc] = append(out[acc], day)
	}
	return out, rows.Err()
}

// ClearDirtyDays deletes the markers of the given UTC days. Called before
// the days are recomputed in the same transaction: a ticket write that
// commits meanwhile writes its marker again (on PostgreSQL it waits for
// this delete), so no change is lost.
func (tx *Tx) ClearDirtyDays(ctx context.Context, accountID int64, days []int64) error {
	if len(days) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `DELETE FROM report_dirty WHERE account_id = $1 AND day IN (`+intList(days)+`)`, accountID)
	return err
}

// MarkAllReportDays marks every day that holds report data of the account
// stale, for a full rebuild (after a change of time zone, working time or
// service targets).
func (tx *Tx) MarkAllReportDays(ctx context.Context, accountID int64) error {
	_, err := tx.exec(ctx, `INSERT INTO report_dirty (account_id, day)
		SELECT account_id, created_at / 86400000000 FROM tickets WHERE account_id = $1
		UNION SELECT account_id, updated_at / 86400000000 FROM tickets WHERE account_id = $1
		UNION SELECT account_id, closed_at / 86400000000 FROM tickets WHERE account_id = $1 AND closed_at IS NOT NULL
		UNION SELECT account_id, responded_at / 86400000000 FROM tickets WHERE account_id = $1 AND responded_at IS NOT NULL
		UNION SELECT account_id, created_at / 86400000000 FROM events WHERE account_id = $1 AND billable <> 0
		UNION SELECT account_id, created_at / 86400000000 FROM events WHERE account_id = $1 AND action = 'Rate'
		ON CONFLICT DO NOTHING`, accountID)
	return err
}

// FactKind says what a ReportFact counts.
type FactKind int

// The fact kinds.
const (
	FactCreated   FactKind = iota + 1 // a ticket created (At = created)
	FactClosed                        // a ticket closed (At = closed on)
	FactResponded                     // a first agent reply (At = responded)
	FactBillable                      // billable minutes of an event (Value)
	FactRating                        // a ticket's latest rating (Value)
)

// ReportFact is one thing that happened to a ticket, with the ticket's
// scope dimensions as they are now.
type ReportFact struct {
	Kind     FactKind
	At       time.Time
	Created  time.Time // the ticket's creation, for durations
	Value    int64
	Priority sympoq.Priority
	// Dims are the scope values by dimension (DimAgent…DimGroup; 0 none).
	Queue int64
	Dims  [6]int64
}

// ReportFacts returns everything of the account that happened in [from,
// to): creations, closes, first responses, billable minutes, and ratings
// that are still their ticket's latest. Tickets in the trash are left out.
func (tx *Tx) ReportFacts(ctx context.Context, accountID int64, from, to time.Time) ([]ReportFact, error) {
	const dims = `t.queue_id, coalesce(t.assignee_id, 0), coalesce(t.topic_id, 0), t.channel, t.priority, coalesce(u.group_id, 0), t.created_at`
	const join = ` JOIN users u ON u.account_id = t.account_id AND u.id = t.customer_id`
	queries := []struct {
		kind FactKind
		q    string
	}{
		{FactCreated, `SELECT ` + dims + `, t.created_at, 0 FROM tickets t` + join +
			` WHERE t.account_id = $1 AND t.created_at >= $2 AND t.created_at < $3 AND t.deleted_at IS NULL`},
		{FactClosed, `SELECT ` + dims + `, t.closed_at, 0 FROM tickets t` + join +
			` WHERE t.account_id = $1 AND t.closed_at >= $2 AND t.closed_at < $3 AND t.deleted_at IS NULL`},
		{FactResponded, `SELECT ` + dims + `, t.responded_at, 0 FROM tickets t` + join +
			` WHERE t.account_id = $1 AND t.responded_at >= $2 AND t.responded_at < $3 AND t.deleted_at IS NULL`},
		{FactBillable, `SELECT ` + dims + `, e.created_at, e.billable FROM events e
			JOIN tickets t ON t.account_id = e.account_id AND t.id = e.ticket_id` + join + `
			WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3 AND e.billable <> 0 AND t.deleted_at IS NULL`},
		{FactRating, `SELECT ` + dims + `, e.created_at, e.rating FROM events e
			JOIN tickets t ON t.account_id = e.account_id AND t.id = e.ticket_id` + join + `
			WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3 AND e.action = 'Rate' AND e.rating > 0
			AND t.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM events l WHERE l.account_id = e.account_id
				AND l.ticket_id = e.ticket_id AND l.action = 'Rate' AND l.id > e.id)`},
	}
	var out []ReportFact
	for _, q := range queries {
		rows, err := tx.q.QueryContext(ctx, q.q, accountID, from.UnixMicro(), to.UnixMicro())
		if err != nil {
			return nil, fmt.Errorf("report facts: %w", err)
		}
		for rows.Next() {
			f := ReportFact{Kind: q.kind}
			var created, at int64
			var prio int
			if err := rows.Scan(&f.Queue, &f.Dims[DimAgent], &f.Dims[DimTopic], &f.Dims[DimChannel], &prio,
				&f.Dims[DimGroup], &created, &at, &f.Value); err != nil {
				rows.Close()
				return nil, err
			}
			f.Priority = sympoq.Priority(prio)
			f.Dims[DimPriority] = int64(prio)
			f.Created, f.At = time.UnixMicro(created).UTC(), time.UnixMicro(at).UTC()
			out = append(out, f)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReportRow is one rollup row: the measures of one day, queue and scope
// value. Histograms are encoded by the caller.
type ReportRow struct {
	Dim, Day         int
	Value, Queue     int64
	Created, Closed  int64
	Minutes          int64
	Responded        int64
	ResponseWithin   int64
	Resolved         int64
	ResolutionWithin int64
	Ratings          [5]int64
	ResponseHist     string
	ResolutionHist   string
}

const reportColumns = `dim, value, day, queue_id, created, closed, minutes, responded, response_within, resolved,
	resolution_within, rating_1, rating_2, rating_3, rating_4, rating_5, response_hist, resolution_hist`

// ReplaceReportDays replaces the account's rollup rows of the given days
// (days of the account's zone since 1970-01-01) with rows.
func (tx *Tx) ReplaceReportDays(ctx context.Context, accountID int64, days []int, rows []ReportRow) error {
	if len(days) == 0 {
		return nil
	}
	list := make([]int64, len(days))
	for i, d := range days {
		list[i] = int64(d)
	}
	if _, err := tx.exec(ctx, `DELETE FROM report_days WHERE account_id = $1 AND day IN (`+intList(list)+`)`, accountID); err != nil {
		return fmt.Errorf("delete report days: %w", err)
	}
	for _, r := range rows {
		_, err := tx.exec(ctx, `INSERT INTO report_days (account_id, `+reportColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			accountID, r.Dim, r.Value, r.Day, r.Queue, r.Created, r.Closed, r.Minutes, r.Responded, r.ResponseWithin,
			r.Resolved, r.ResolutionWithin, r.Ratings[0], r.Ratings[1], r.Ratings[2], r.Ratings[3], r.Ratings[4],
			r.ResponseHist, r.ResolutionHist)
		if err != nil {
			return fmt.Errorf("insert report day: %w", err)
		}
	}
	return nil
}

// ReportQuery selects rollup rows: one scope dimension and value, the
// queues (nil: every queue) and an inclusive range of days.
type ReportQuery struct {
	Dim      int
	Value    int64
	Queues   []int64
	From, To int
}

func (q ReportQuery) where() (string, []any) {
	w := `account_id = $1 AND dim = $2 AND value = $3`
	if q.Queues != nil {
		if len(q.Queues) == 0 {
			w += ` AND FALSE`
		} else {
			w += ` AND queue_id IN (` + intList(q.Queues) + `)`
		}
	}
	return w, []any{q.Dim, q.Value}
}

// ReportRows returns the rollup rows of q, in day order.
func (tx *Tx) ReportRows(ctx context.Context, accountID int64, q ReportQuery) ([]ReportRow, error) {
	w, args := q.where()
	rows, err := tx.q.QueryContext(ctx, `SELECT `+reportColumns+` FROM report_days WHERE `+w+
		` AND day >= $4 AND day <= $5 ORDER BY day`, append([]any{accountID}, append(args, q.From, q.To)...)...)
	if err != nil {
		return nil, fmt.Errorf("report rows: %w", err)
	}
	defer rows.Close()
	var out []ReportRow
	for rows.Next() {
		var r ReportRow
		if err := rows.Scan(&r.Dim, &r.Value, &r.Day, &r.Queue, &r.Created, &r.Closed, &r.Minutes, &r.Responded,
			&r.ResponseWithin, &r.Resolved, &r.ResolutionWithin, &r.Ratings[0], &r.Ratings[1], &r.Ratings[2],
			&r.Ratings[3], &r.Ratings[4], &r.ResponseHist, &r.ResolutionHist); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReportOpenBefore is the number of tickets of q's scope created before day
// q.From and not closed before it: every ticket is closed at most once and
// after it was created, so this is created minus closed over the earlier
// days.
func (tx *Tx) ReportOpenBefore(ctx context.Context, accountID int64, q ReportQuery) (int64, error) {
	w, args := q.where()
	var n sql.NullInt64
	err := tx.q.QueryRowContext(ctx, `SELECT SUM(created) - SUM(closed) FROM report_days WHERE `+w+` AND day < $4`,
		append([]any{accountID}, append(args, q.From)...)...).Scan(&n)
	return n.Int64, err
}

// BacklogFilter scopes the backlog: queues (nil: all) and one dimension.
type BacklogFilter struct {
	Queues []int64
	Dim    int
	Value  int64
}

// Backlog counts the account's open tickets (not closed, not in the trash)
// by status, now.
func (tx *Tx) Backlog(ctx context.Context, accountID int64, f BacklogFilter) (map[sympoq.Status]int64, error) {
	w := `t.account_id = $1 AND t.status IN (1, 2, 3) AND t.deleted_at IS NULL`
	args := []any{accountID}
	if f.Queues != nil {
		if len(f.Queues) == 0 {
			w += ` AND FALSE`
		} else {
			w += ` AND t.queue_id IN (` + intList(f.Queues) + `)`
		}
	}
	switch f.Dim {
	case DimAgent:
		if f.Value == 0 {
			w += ` AND t.assignee_id IS NULL`
		} else {
			w += ` AND t.assignee_id = $2`
			args = append(args, f.Value)
		}
	case DimTopic:
		if f.Value == 0 {
			w += ` AND t.topic_id IS NULL`
		} else {
			w += ` AND t.topic_id = $2`
			args = append(args, f.Value)
		}
	case DimChannel:
		w += ` AND t.channel = $2`
		args = append(args, f.Value)
	case DimPriority:
		w += ` AND t.priority = $2`
		args = append(args, f.Value)
	case DimGroup:
		w += ` AND t.customer_id IN (SELECT id FROM users WHERE account_id = $1 AND group_id = $2)`
		args = append(args, f.Value)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT t.status, COUNT(*) FROM tickets t WHERE `+w+` GROUP BY t.status`, args...)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	defer rows.Close()
	out := map[sympoq.Status]int64{}
	for rows.Next() {
		var s int
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[sympoq.Status(s)] = n
	}
	return out, rows.Err()
}

// intList renders integers for an IN list; they are numbers, safe to inline.
func intList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// LockReports makes rollup runs of several processes take turns: on
// PostgreSQL an advisory lock until the transaction ends; SQLite's write
// transaction is exclusive already.
func (tx *Tx) LockReports(ctx context.Context) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(7263542)`)
	return err
}

package desk

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// The reports of product.md §10, by name.
const (
	ReportCreatedClosed   = "created-closed"
	ReportBacklog         = "backlog"
	ReportResponseTimes   = "response-times"
	ReportResolutionTimes = "resolution-times"
	ReportBillable        = "billable"
	ReportRatings         = "ratings"
)

// ReportNames lists the reports in the order the desk shows them.
var ReportNames = []string{ReportCreatedClosed, ReportBacklog, ReportResponseTimes, ReportResolutionTimes,
	ReportBillable, ReportRatings}

// MaxReportDays bounds a report's range. The rollups answer three years in
// well under a second (docs/reports.md); beyond that a request is refused
// rather than left to run long.
const MaxReportDays = 3 * 366

// DefaultReportDays is the range when none is given: the last 30 days.
const DefaultReportDays = 30

// ReportInput is a report request as the transports read it: the range
// (dates in the account's zone, inclusive) and at most one scope besides
// the queue. Values are the raw parameters, checked here.
type ReportInput struct {
	From, To                                      string
	Queue, Agent, Topic, Channel, Priority, Group string
}

// Report is one analytics table: named columns, one row per day (or per
// status, per rating) and a total row. Cells are strings (dates, names),
// integers, floats (shares) or nil (no data, e.g. the median of no tickets).
type Report struct {
	Name     string
	From, To string // YYYY-MM-DD
	TimeZone string
	Columns  []string
	Rows     [][]any
	Total    []any
	// Average is the mean rating (ratings only; nil without ratings).
	Average *float64
}

// reportScope is a checked ReportInput.
type reportScope struct {
	from, to int // day numbers
	queues   []int64
	dim      int
	value    int64
}

// Report computes the named report for a. Administrators see every queue,
// queue managers the queues they manage (all of them when no queue is
// given); everyone else is refused.
func (s *Service) Report(ctx context.Context, a Actor, name string, in ReportInput) (*Report, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	tx := s.db.Read()
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	managed := managedQueues(a)
	if !a.IsAdmin() && len(managed) == 0 {
		return nil, sympoq.Forbidden("reports are for administrators and queue managers")
	}
	if !slices.Contains(ReportNames, name) {
		return nil, sympoq.Errorf(sympoq.ENotFound, "no report %q; the reports are %v", clipName(name), ReportNames)
	}
	sc, err := s.reportScope(ctx, tx, a, set, managed, in)
	if err != nil {
		return nil, err
	}
	loc := set.Location()
	r := &Report{Name: name, From: dayDate(sc.from).Format(time.DateOnly), To: dayDate(sc.to).Format(time.DateOnly),
		TimeZone: loc.String()}
	if name == ReportBacklog {
		return r, s.backlog(ctx, tx, a.AccountID, sc, r)
	}
	q := store.ReportQuery{Dim: sc.dim, Value: sc.value, Queues: sc.queues, From: sc.from, To: sc.to}
	rows, err := tx.ReportRows(ctx, a.AccountID, q)
	if err != nil {
		return nil, err
	}
	days, err := sumDays(sc, rows)
	if err != nil {
		return nil, err
	}
	switch name {
	case ReportCreatedClosed:
		open, err := tx.ReportOpenBefore(ctx, a.AccountID, q)
		if err != nil {
			return nil, err
		}
		r.Columns = []string{"day", "created", "closed", "open"}
		var created, closed int64
		for i, d := range days {
			open += d.Created - d.Closed
			created += d.Created
			closed += d.Closed
			r.Rows = append(r.Rows, []any{date(sc.from + i), d.Created, d.Closed, open})
		}
		r.Total = []any{"total", created, closed, open}
	case ReportResponseTimes, ReportResolutionTimes:
		r.Columns = []string{"day", "tickets", "median_minutes", "p90_minutes", "within_target", "within_target_share"}
		all := histogram{}
		var n, within int64
		for i, d := range days {
			h, dn, dw := d.response, d.Responded, d.ResponseWithin
			if name == ReportResolutionTimes {
				h, dn, dw = d.resolution, d.Resolved, d.ResolutionWithin
			}
			all.merge(h)
			n += dn
			within += dw
			r.Rows = append(r.Rows, timesRow(date(sc.from+i), h, dn, dw))
		}
		r.Total = timesRow("total", all, n, within)
	case ReportBillable:
		r.Columns = []string{"day", "minutes"}
		var total int64
		for i, d := range days {
			total += d.Minutes
			r.Rows = append(r.Rows, []any{date(sc.from + i), d.Minutes})
		}
		r.Total = []any{"total", total}
	case ReportRatings:
		r.Columns = []string{"rating", "ratings", "share"}
		var counts [5]int64
		for _, d := range days {
			for i, c := range d.Ratings {
				counts[i] += c
			}
		}
		var n, sum int64
		for i, c := range counts {
			n += c
			sum += int64(i+1) * c
		}
		for i, c := range counts {
			r.Rows = append(r.Rows, []any{strconv.Itoa(i + 1), c, share(c, n)})
		}
		r.Total = []any{"total", n, share(n, n)}
		if n > 0 {
			avg := round(float64(sum)/float64(n), 2)
			r.Average = &avg
		}
	}
	return r, nil
}

// managedQueues are the queues a manages as Queue Manager.
func managedQueues(a Actor) []int64 {
	var out []int64
	for q, role := range a.Roles {
		if role == sympoq.RoleQueueManager {
			out = append(out, q)
		}
	}
	slices.Sort(out)
	return out
}

// reportScope checks the range and the scope of in.
func (s *Service) reportScope(ctx context.Context, tx *store.Tx, a Actor, set *sympoq.Settings, managed []int64, in ReportInput) (reportScope, error) {
	var p sympoq.Problems
	var sc reportScope
	loc := set.Location()
	today := dayNumber(tx.Now().In(loc))
	parseDay := func(field, v string, def int) int {
		if v == "" {
			return def
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.Add(field, sympoq.FieldInvalid, "must be a date YYYY-MM-DD in the account's time zone, not %q", clipName(v))
			return def
		}
		return dayNumber(t)
	}
	sc.to = parseDay("to", in.To, today)
	sc.from = parseDay("from", in.From, sc.to-DefaultReportDays+1)
	if p.Len() == 0 && sc.from > sc.to {
		p.Add("from", sympoq.FieldInvalid, "must not be after to (%s)", dayDate(sc.to).Format(time.DateOnly))
	}
	id := func(field, v string) int64 {
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.Add(field, sympoq.FieldInvalid, "must be a positive whole number, not %q", clipName(v))
			return 0
		}
		return n
	}
	queue := id("queue", in.Queue)
	scopes := []struct {
		field string
		dim   int
		value int64
	}{
		{"agent", store.DimAgent, id("agent", in.Agent)},
		{"topic", store.DimTopic, id("topic", in.Topic)},
		{"channel", store.DimChannel, id("channel", in.Channel)},
		{"priority", store.DimPriority, id("priority", in.Priority)},
		{"group", store.DimGroup, id("group", in.Group)},
	}
	var named []string
	for _, c := range scopes {
		if c.value == 0 {
			continue
		}
		named = append(named, c.field)
		sc.dim, sc.value = c.dim, c.value
		if err := checkScopeValue(ctx, tx, a.AccountID, c.field, c.value); err != nil {
			if !p.Merge(err) {
				return sc, err
			}
		}
	}
	if len(named) > 1 {
		p.Add(named[1], sympoq.FieldInvalid, "combine a queue with at most one of agent, topic, channel, priority and group (%s is given too)", named[0])
	}
	if err := p.Err(); err != nil {
		return sc, err
	}
	if n := sc.to - sc.from + 1; n > MaxReportDays {
		return sc, &sympoq.Error{Code: sympoq.ETooBroad, Message: "the range is too large for one report",
			Fields: []sympoq.FieldError{{Field: "from", Code: sympoq.FieldInvalid,
				Message: "the range has " + strconv.Itoa(n) + " days; a report covers at most " + strconv.Itoa(MaxReportDays)}}}
	}
	switch {
	case queue != 0:
		if _, err := tx.Queue(ctx, a.AccountID, queue); err != nil {
			if sympoq.ErrorCode(err) == sympoq.ENotFound {
				return sc, sympoq.Errorf(sympoq.ENotFound, "queue %d not found", queue)
			}
			return sc, err
		}
		if !a.IsAdmin() && !slices.Contains(managed, queue) {
			return sc, sympoq.Forbidden("you do not manage queue %d; reports cover only the queues you manage", queue)
		}
		sc.queues = []int64{queue}
	case !a.IsAdmin():
		sc.queues = managed
	}
	return sc, nil
}

// checkScopeValue makes sure a scope filter names something of the account.
func checkScopeValue(ctx context.Context, tx *store.Tx, accountID int64, field string, v int64) error {
	var err error
	switch field {
	case "agent":
		var u *sympoq.User
		if u, err = tx.User(ctx, accountID, v); err == nil && !u.IsAgent() {
			err = sympoq.NotFound("agent")
		}
	case "topic":
		_, err = tx.Topic(ctx, accountID, v)
	case "group":
		_, err = tx.Group(ctx, accountID, v)
	case "channel":
		if v > int64(len(sympoq.Channels)) {
			return sympoq.FieldErr(field, sympoq.FieldInvalid, "must be a channel id, 1 to %d", len(sympoq.Channels))
		}
	case "priority":
		if v > int64(len(sympoq.Priorities)) {
			return sympoq.FieldErr(field, sympoq.FieldInvalid, "must be a priority id, 1 to %d", len(sympoq.Priorities))
		}
	}
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return sympoq.FieldErr(field, sympoq.FieldInvalid, "no %s %d in this account", field, v)
	}
	return err
}

// daySum is the rollup rows of one day added up over the queues in scope.
type daySum struct {
	store.ReportRow
	response, resolution histogram
}

// sumDays adds the rows up per day, one entry for every day of the range.
func sumDays(sc reportScope, rows []store.ReportRow) ([]daySum, error) {
	days := make([]daySum, sc.to-sc.from+1)
	for i := range days {
		days[i].response, days[i].resolution = histogram{}, histogram{}
	}
	for _, r := range rows {
		i := r.Day - sc.from
		if i < 0 || i >= len(days) {
			continue
		}
		d := &days[i]
		d.Created += r.Created
		d.Closed += r.Closed
		d.Minutes += r.Minutes
		d.Responded += r.Responded
		d.ResponseWithin += r.ResponseWithin
		d.Resolved += r.Resolved
		d.ResolutionWithin += r.ResolutionWithin
		for j, c := range r.Ratings {
			d.Ratings[j] += c
		}
		if err := d.response.parse(r.ResponseHist); err != nil {
			return nil, err
		}
		if err := d.resolution.parse(r.ResolutionHist); err != nil {
			return nil, err
		}
	}
	return days, nil
}

// backlog fills r with the open tickets in scope by status, now.
func (s *Service) backlog(ctx context.Context, tx *store.Tx, accountID int64, sc reportScope, r *Report) error {
	counts, err := tx.Backlog(ctx, accountID, store.BacklogFilter{Queues: sc.queues, Dim: sc.dim, Value: sc.value})
	if err != nil {
		return err
	}
	r.Columns = []string{"status", "tickets"}
	var total int64
	for _, st := range []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking, sympoq.StatusPending} {
		r.Rows = append(r.Rows, []any{st.String(), counts[st]})
		total += counts[st]
	}
	r.Total = []any{"total", total}
	return nil
}

func timesRow(label string, h histogram, n, within int64) []any {
	row := []any{label, n, nil, nil, within, share(within, n)}
	if m, ok := h.quantile(0.5); ok {
		row[2] = m
	}
	if m, ok := h.quantile(0.9); ok {
		row[3] = m
	}
	return row
}

// share is part/whole rounded to four places, nil when whole is zero.
func share(part, whole int64) any {
	if whole == 0 {
		return nil
	}
	return round(float64(part)/float64(whole), 4)
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func date(day int) string { return dayDate(day).Format(time.DateOnly) }

func clipName(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

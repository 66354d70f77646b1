package desk_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// reportFixture is a small account with known answers: times in New York
// (UTC-5 in November 2026), working time 24/7, Normal targets 30m / 1h.
type reportFixture struct {
	d                  *desk.Service
	db                 *store.DB
	sys, mgr, ag2, cus desk.Actor
	acc                int64
	q1, q2             int64
	ag1                int64
	tickets            map[string]string // name → display id
	now                *time.Time
}

func newReportFixture(t *testing.T, db *store.DB) *reportFixture {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 8, 0, 0, 0, ny)
	db.Now = func() time.Time { return now }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := jobs.New(db, logger)
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(db, r, logger)
	c, err := d.CreateAccount(ctx, "default", "", "")
	if err != nil {
		t.Fatal(err)
	}
	f := &reportFixture{d: d, db: db, acc: c.Account.ID, sys: desk.System(c.Account.ID), tickets: map[string]string{}, now: &now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = d.UpdateSettings(ctx, f.sys, func(s *sympoq.Settings) error {
		s.General.TimeZone = "America/New_York"
		s.General.WorkingTime = sympoq.WorkingTime{Always: true}
		s.ServiceTargets.Normal = sympoq.ServiceTarget{FirstResponse: "30m", Resolution: "1h"}
		s.Automation.DefaultBillableMinutes = 0
		return nil
	})
	must(err)
	q1, err := d.SaveQueue(ctx, f.sys, 0, desk.ItemInput{Name: desk.Some("Support")})
	must(err)
	q2, err := d.SaveQueue(ctx, f.sys, 0, desk.ItemInput{Name: desk.Some("Billing")})
	must(err)
	f.q1, f.q2 = q1.ID, q2.ID
	ag1, err := d.CreateUser(ctx, f.sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some("Manager One"), Email: desk.Some("m1@example.com"),
		Permissions: desk.Some([]desk.Permission{{Queue: q1.ID, Role: sympoq.RoleQueueManager}, {Queue: q2.ID, Role: sympoq.RoleAgent}})})
	must(err)
	ag2, err := d.CreateUser(ctx, f.sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some("Agent Two"), Email: desk.Some("a2@example.com"),
		Permissions: desk.Some([]desk.Permission{{Queue: q1.ID, Role: sympoq.RoleAgent}})})
	must(err)
	cus, err := d.CreateUser(ctx, f.sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Cora Customer"), Email: desk.Some("cora@example.com")})
	must(err)
	f.ag1 = ag1.ID
	for _, u := range []struct {
		id int64
		a  *desk.Actor
	}{{ag1.ID, &f.mgr}, {ag2.ID, &f.ag2}, {cus.ID, &f.cus}} {
		*u.a, err = d.ActorOf(ctx, f.acc, u.id)
		must(err)
	}
	at := func(day, hour, minute int) {
		now = time.Date(2026, 11, day, hour, minute, 0, 0, ny)
	}
	submit := func(name string, queue int64, prio sympoq.Priority) {
		t.Helper()
		v, err := d.Submit(ctx, f.sys, desk.SubmitInput{Subject: desk.Some(name), Description: desk.Some("about " + name),
			Queue: desk.Some(queue), Priority: desk.Some(prio), Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cus.ID)})})
		must(err)
		f.tickets[name] = v.DisplayID
	}
	reply := func(name string, billable int) int64 {
		t.Helper()
		v, err := d.Reply(ctx, f.mgr, f.tickets[name], desk.MessageInput{Message: desk.Some("answer"), Billable: desk.Some(billable)})
		must(err)
		evs, err := db.Read().Events(ctx, f.acc, v.ID, store.EventFilter{})
		must(err)
		for _, e := range evs {
			if e.Action == sympoq.EvReply {
				return e.ID
			}
		}
		t.Fatalf("reply to %s: no reply event", name)
		return 0
	}
	closeT := func(name string) {
		t.Helper()
		_, err := d.Close(ctx, f.mgr, f.tickets[name], desk.CloseInput{Billable: desk.Some(0)})
		must(err)
	}
	rate := func(name string, event int64, r int) {
		t.Helper()
		_, err := d.Rate(ctx, f.cus, f.tickets[name], desk.RateInput{Event: desk.Some(event), Rating: desk.Some(r)})
		must(err)
	}
	assign := func(name string) {
		t.Helper()
		_, err := d.Assign(ctx, f.mgr, f.tickets[name], desk.AssignInput{Agent: desk.Some(ag1.ID), Billable: desk.Some(0)})
		must(err)
	}

	at(2, 9, 0)
	submit("T1", q1.ID, sympoq.PriorityNormal)
	assign("T1")
	at(2, 9, 30)
	r1 := reply("T1", 10) // response 30 min: within 30m
	at(2, 10, 0)
	closeT("T1") // resolution 60 min: within 1h
	at(2, 23, 30)
	submit("T2", q1.ID, sympoq.PriorityNormal) // 04:30 UTC on the 3rd: the 2nd in New York
	at(3, 0, 15)
	r2 := reply("T2", 5) // response 45 min: missed
	at(3, 0, 32)
	closeT("T2") // resolution 62 min: missed
	at(3, 1, 0)
	rate("T2", r2, 2) // replaced by the rating of the 4th
	at(3, 10, 0)
	rate("T1", r1, 5)
	submit("T3", q2.ID, sympoq.PriorityNormal)
	at(3, 10, 5)
	_, err = d.Note(ctx, f.sys, f.tickets["T3"], desk.MessageInput{Message: desk.Some("looking"), Billable: desk.Some(15)})
	must(err)
	at(3, 12, 0)
	submit("T4", q1.ID, sympoq.PriorityNormal)
	at(3, 12, 10)
	assign("T4")
	at(4, 9, 0)
	rate("T2", r2, 4)
	submit("T5", q1.ID, sympoq.PriorityHigh)
	at(5, 8, 0)
	return f
}

func (f *reportFixture) refresh(t *testing.T) int {
	t.Helper()
	n, err := desk.RefreshReports(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *reportFixture) report(t *testing.T, a desk.Actor, name string, in desk.ReportInput) *desk.Report {
	t.Helper()
	r, err := f.d.Report(context.Background(), a, name, in)
	if err != nil {
		t.Fatalf("Report(%s, %+v) = %v", name, in, err)
	}
	return r
}

func rows(r *desk.Report) [][]any { return append(append([][]any{}, r.Rows...), r.Total) }

// TestReportsKnownAnswers checks every report over the hand-built account
// against answers worked out by hand, on both engines.
func TestReportsKnownAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReportFixture(t, db)
		f.refresh(t)
		rng := desk.ReportInput{From: "2026-11-02", To: "2026-11-04"}
		i64 := func(v ...any) []any {
			for i, x := range v {
				if n, ok := x.(int); ok {
					v[i] = int64(n)
				}
			}
			return v
		}
		tests := []struct {
			name   string
			actor  desk.Actor
			in     desk.ReportInput
			report string
			want   [][]any
		}{
			{"created-closed", f.sys, rng, desk.ReportCreatedClosed, [][]any{
				i64("2026-11-02", 2, 1, 1), i64("2026-11-03", 2, 1, 2), i64("2026-11-04", 1, 0, 3), i64("total", 5, 2, 3)}},
			{"created-closed of the manager's queue", f.mgr, rng, desk.ReportCreatedClosed, [][]any{
				i64("2026-11-02", 2, 1, 1), i64("2026-11-03", 1, 1, 1), i64("2026-11-04", 1, 0, 2), i64("total", 4, 2, 2)}},
			{"created-closed of one agent", f.sys, desk.ReportInput{From: rng.From, To: rng.To, Agent: itoa(f.ag1)}, desk.ReportCreatedClosed, [][]any{
				i64("2026-11-02", 1, 1, 0), i64("2026-11-03", 1, 0, 1), i64("2026-11-04", 0, 0, 1), i64("total", 2, 1, 1)}},
			{"created-closed of High", f.sys, desk.ReportInput{From: rng.From, To: rng.To, Priority: "3"}, desk.ReportCreatedClosed, [][]any{
				i64("2026-11-02", 0, 0, 0), i64("2026-11-03", 0, 0, 0), i64("2026-11-04", 1, 0, 1), i64("total", 1, 0, 1)}},
			{"open before the range", f.sys, desk.ReportInput{From: "2026-11-04", To: "2026-11-04"}, desk.ReportCreatedClosed, [][]any{
				i64("2026-11-04", 1, 0, 3), i64("total", 1, 0, 3)}},
			{"response-times", f.sys, rng, desk.ReportResponseTimes, [][]any{
				i64("2026-11-02", 1, 30, 30, 1, 1.0), i64("2026-11-03", 1, 45, 45, 0, 0.0), i64("2026-11-04", 0, nil, nil, 0, nil),
				i64("total", 2, 30, 45, 1, 0.5)}},
			{"resolution-times", f.sys, rng, desk.ReportResolutionTimes, [][]any{
				i64("2026-11-02", 1, 60, 60, 1, 1.0), i64("2026-11-03", 1, 62, 62, 0, 0.0), i64("2026-11-04", 0, nil, nil, 0, nil),
				i64("total", 2, 60, 62, 1, 0.5)}},
			{"billable", f.sys, rng, desk.ReportBillable, [][]any{
				i64("2026-11-02", 10), i64("2026-11-03", 20), i64("2026-11-04", 0), i64("total", 30)}},
			{"billable of the manager's queue", f.mgr, rng, desk.ReportBillable, [][]any{
				i64("2026-11-02", 10), i64("2026-11-03", 5), i64("2026-11-04", 0), i64("total", 15)}},
			{"ratings: only the latest of a ticket counts", f.sys, rng, desk.ReportRatings, [][]any{
				i64("1", 0, 0.0), i64("2", 0, 0.0), i64("3", 0, 0.0), i64("4", 1, 0.5), i64("5", 1, 0.5), i64("total", 2, 1.0)}},
			{"backlog", f.sys, rng, desk.ReportBacklog, [][]any{
				i64("New", 1), i64("Working", 2), i64("Pending", 0), i64("total", 3)}},
			{"backlog of the manager's queue", f.mgr, rng, desk.ReportBacklog, [][]any{
				i64("New", 1), i64("Working", 1), i64("Pending", 0), i64("total", 2)}},
			{"backlog of the other queue", f.sys, desk.ReportInput{Queue: itoa(f.q2)}, desk.ReportBacklog, [][]any{
				i64("New", 0), i64("Working", 1), i64("Pending", 0), i64("total", 1)}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := f.report(t, tc.actor, tc.report, tc.in)
				if diff := cmp.Diff(tc.want, rows(r)); diff != "" {
					t.Errorf("Report(%s) rows (-want +got):\n%s", tc.report, diff)
				}
			})
		}
		r := f.report(t, f.sys, desk.ReportRatings, rng)
		if r.Average == nil || *r.Average != 4.5 {
			t.Errorf("ratings average = %v, want 4.5", r.Average)
		}
		if r.TimeZone != "America/New_York" || r.From != "2026-11-02" || r.To != "2026-11-04" {
			t.Errorf("report range = %s..%s in %s, want 2026-11-02..2026-11-04 in America/New_York", r.From, r.To, r.TimeZone)
		}
	})
}

// TestReportsRollupIncremental proves the rollup job idempotent (a second
// run finds nothing to do; recomputing everything changes no row) and
// incremental (a close, a reopen of an old ticket, a move update their days).
func TestReportsRollupIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newReportFixture(t, db)
		if n := f.refresh(t); n == 0 {
			t.Fatal("first refresh recomputed no day")
		}
		if n := f.refresh(t); n != 0 {
			t.Errorf("second refresh recomputed %d days, want 0", n)
		}
		all := func() []store.ReportRow {
			rows, err := db.Read().ReportRows(ctx, f.acc, store.ReportQuery{Dim: store.DimAll, From: 0, To: 1 << 30})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		before := all()
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.MarkAllReportDays(ctx, f.acc) }); err != nil {
			t.Fatal(err)
		}
		if n := f.refresh(t); n == 0 {
			t.Fatal("refresh after marking every day recomputed nothing")
		}
		if diff := cmp.Diff(before, all()); diff != "" {
			t.Errorf("recomputing every day changed rows (-before +after):\n%s", diff)
		}

		// A close on the 5th; T1 (closed on the 2nd) reopened on the 5th; T3
		// moved from Billing to Support.
		*f.now = f.now.Add(time.Hour) // 09:00 on the 5th
		if _, err := f.d.Close(ctx, f.mgr, f.tickets["T4"], desk.CloseInput{Billable: desk.Some(0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.Reopen(ctx, f.mgr, f.tickets["T1"]); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.Update(ctx, f.sys, f.tickets["T3"], desk.UpdateInput{Queue: desk.Some(f.q1)}); err != nil {
			t.Fatal(err)
		}
		n := f.refresh(t)
		// T1 touches the 2nd, 3rd (its rating) and 5th; T3 the 3rd and 5th;
		// T4 the 3rd and 5th: at most those three days and their neighbours
		// across the UTC boundary.
		if n == 0 || n > 6 {
			t.Errorf("refresh after three changes recomputed %d days, want 1 to 6", n)
		}
		got := f.report(t, f.mgr, desk.ReportCreatedClosed, desk.ReportInput{From: "2026-11-02", To: "2026-11-05"})
		want := [][]any{{"2026-11-02", int64(2), int64(0), int64(2)}, {"2026-11-03", int64(2), int64(1), int64(3)},
			{"2026-11-04", int64(1), int64(0), int64(4)}, {"2026-11-05", int64(0), int64(1), int64(3)}, {"total", int64(5), int64(2), int64(3)}}
		if diff := cmp.Diff(want, rows(got)); diff != "" {
			t.Errorf("created-closed after the changes (-want +got):\n%s", diff)
		}
	})
}

// TestReportsAccess checks who may see which report and the validation of
// the range and the scope.
func TestReportsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReportFixture(t, db)
		tests := []struct {
			name  string
			actor desk.Actor
			rep   string
			in    desk.ReportInput
			code  string
			field string
		}{
			{"customer", f.cus, desk.ReportBacklog, desk.ReportInput{}, sympoq.EForbidden, ""},
			{"agent without a managed queue", f.ag2, desk.ReportBacklog, desk.ReportInput{}, sympoq.EForbidden, ""},
			{"guest", sympoq.Guest(f.acc), desk.ReportBacklog, desk.ReportInput{}, sympoq.EUnauthorized, ""},
			{"queue out of the manager's reach", f.mgr, desk.ReportCreatedClosed, desk.ReportInput{Queue: itoa(f.q2)}, sympoq.EForbidden, ""},
			{"queue of no account", f.sys, desk.ReportCreatedClosed, desk.ReportInput{Queue: "999999"}, sympoq.ENotFound, ""},
			{"unknown report", f.sys, "everything", desk.ReportInput{}, sympoq.ENotFound, ""},
			{"two scopes", f.sys, desk.ReportCreatedClosed, desk.ReportInput{Agent: itoa(f.ag1), Priority: "2"}, sympoq.EInvalid, "priority"},
			{"customer as agent", f.sys, desk.ReportCreatedClosed, desk.ReportInput{Agent: itoa(f.cus.ID())}, sympoq.EInvalid, "agent"},
			{"bad channel", f.sys, desk.ReportCreatedClosed, desk.ReportInput{Channel: "9"}, sympoq.EInvalid, "channel"},
			{"bad date", f.sys, desk.ReportCreatedClosed, desk.ReportInput{From: "2026-13-01"}, sympoq.EInvalid, "from"},
			{"from after to", f.sys, desk.ReportCreatedClosed, desk.ReportInput{From: "2026-11-05", To: "2026-11-01"}, sympoq.EInvalid, "from"},
			{"range too large", f.sys, desk.ReportCreatedClosed, desk.ReportInput{From: "2020-01-01", To: "2026-11-01"}, sympoq.ETooBroad, "from"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.d.Report(context.Background(), tc.actor, tc.rep, tc.in)
				if got := sympoq.ErrorCode(err); got != tc.code {
					t.Fatalf("Report(%s, %+v) = %v, want code %s", tc.rep, tc.in, err, tc.code)
				}
				if tc.field != "" {
					e, _ := err.(*sympoq.Error)
					if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
						t.Errorf("Report(%s, %+v) fields = %v, want one on %s", tc.rep, tc.in, err, tc.field)
					}
				}
			})
		}
		// The manager's own queue, named, is fine; so is the widest range.
		if _, err := f.d.Report(context.Background(), f.mgr, desk.ReportBillable, desk.ReportInput{Queue: itoa(f.q1),
			From: "2024-01-01", To: "2026-12-31"}); err != nil {
			t.Errorf("manager's report of own queue over %d days: %v", desk.MaxReportDays, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestReportsWorkingTime: durations are working time of the account's
// calendar (Monday to Friday, 9 to 17 here), and above an hour the
// percentile is the histogram's, within 2.5 %.
func TestReportsWorkingTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 6, 16, 0, 0, 0, time.UTC) // a Friday
		db.Now = func() time.Time { return now }
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		r, err := jobs.New(db, logger)
		if err != nil {
			t.Fatal(err)
		}
		d := desk.New(db, r, logger)
		c, err := d.CreateAccount(ctx, "default", "", "")
		if err != nil {
			t.Fatal(err)
		}
		sys := desk.System(c.Account.ID)
		if _, err := d.UpdateSettings(ctx, sys, func(s *sympoq.Settings) error {
			s.General.WorkingTime = sympoq.WorkingTime{WeekStart: 1, WeekEnd: 5, DayStart: 9, DayEnd: 17}
			s.ServiceTargets.Normal = sympoq.ServiceTarget{FirstResponse: "3h", Resolution: "1d"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		v, err := d.Submit(ctx, sys, desk.SubmitInput{Description: desk.Some("weekend ticket"), Priority: desk.Some(sympoq.PriorityNormal),
			Customer: desk.Some(desk.CustomerInput{Email: desk.Some("w@example.com")})})
		if err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC) // Monday: 1 h Friday + 1 h Monday
		if _, err := d.Reply(ctx, sys, v.DisplayID, desk.MessageInput{Message: desk.Some("on it")}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC) // Tuesday: + 8 h Monday + 3 h = 12 h > 1 working day
		if _, err := d.Close(ctx, sys, v.DisplayID, desk.CloseInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.RefreshReports(ctx, db); err != nil {
			t.Fatal(err)
		}
		in := desk.ReportInput{From: "2026-11-06", To: "2026-11-10"}
		for _, tc := range []struct {
			report string
			day    int
			want   float64 // working minutes
			within int64
		}{
			{desk.ReportResponseTimes, 3, 120, 1},
			{desk.ReportResolutionTimes, 4, 720, 0},
		} {
			rep, err := d.Report(ctx, sys, tc.report, in)
			if err != nil {
				t.Fatal(err)
			}
			row := rep.Rows[tc.day]
			median, ok := row[2].(int64)
			if !ok || math.Abs(float64(median)-tc.want) > 0.025*tc.want || row[1] != int64(1) || row[4] != tc.within {
				t.Errorf("%s row %v: want 1 ticket, median %v working minutes within 2.5%%, %d within target", tc.report, row, tc.want, tc.within)
			}
		}
	})
}

package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestReportsWorker: a submission marks its day stale in the same
// transaction; the worker builds that day's rollup rows and clears the
// marker, and a second run finds nothing to do and changes nothing.
func TestReportsWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRunner(t, db, func(r *jobs.Runner) {})
		d := desk.New(db, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := d.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Submit(ctx, desk.System(c.Account.ID), desk.SubmitInput{Description: desk.Some("text"),
			Customer: desk.Some(desk.CustomerInput{Email: desk.Some("c@example.com")})}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM report_dirty WHERE account_id = $1`, c.Account.ID); n == 0 {
			t.Fatal("a submission marked no day stale")
		}
		w := &jobs.ReportsWorker{DB: db}
		if err := w.Work(ctx, &river.Job[desk.RollupReports]{}); err != nil {
			t.Fatalf("Work: %v", err)
		}
		if n := count(t, db, `SELECT count(*) FROM report_dirty`); n != 0 {
			t.Errorf("%d stale days left after the run", n)
		}
		created := `SELECT coalesce(sum(created), 0) FROM report_days WHERE account_id = $1 AND dim = 0`
		if n := count(t, db, created, c.Account.ID); n != 1 {
			t.Errorf("rollup counts %d created tickets, want 1", n)
		}
		rows := count(t, db, `SELECT count(*) FROM report_days`)
		if err := w.Work(ctx, &river.Job[desk.RollupReports]{}); err != nil {
			t.Fatalf("second Work: %v", err)
		}
		if n := count(t, db, `SELECT count(*) FROM report_days`); n != rows || count(t, db, created, c.Account.ID) != 1 {
			t.Errorf("second run changed the rollups: %d rows, was %d", n, rows)
		}
	})
}

// TestReportsWorkerBudget: a run that uses its whole time budget before
// every stale day is done succeeds (so River neither retries it with a
// backoff nor holds back the next run), and the next run with time goes on
// where it stopped.
func TestReportsWorkerBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRunner(t, db, func(r *jobs.Runner) {})
		d := desk.New(db, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := d.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Submit(ctx, desk.System(c.Account.ID), desk.SubmitInput{Description: desk.Some("text"),
			Customer: desk.Some(desk.CustomerInput{Email: desk.Some("c@example.com")})}); err != nil {
			t.Fatal(err)
		}
		stale := `SELECT count(*) FROM report_dirty`
		if count(t, db, stale) == 0 {
			t.Fatal("a submission marked no day stale")
		}
		w := &jobs.ReportsWorker{DB: db, Budget: time.Nanosecond}
		if err := w.Work(ctx, &river.Job[desk.RollupReports]{}); err != nil {
			t.Fatalf("a run out of time = %v, want nil", err)
		}
		if n := count(t, db, stale); n == 0 {
			t.Fatal("the run with no time did the work anyway; the test shows nothing")
		}
		// The job's own context ending is still an error.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := w.Work(cancelled, &river.Job[desk.RollupReports]{}); err == nil {
			t.Error("a run whose job was cancelled reported success")
		}
		w.Budget = 0
		if err := w.Work(ctx, &river.Job[desk.RollupReports]{}); err != nil {
			t.Fatalf("Work: %v", err)
		}
		if n := count(t, db, stale); n != 0 {
			t.Errorf("%d stale days left after a run with time", n)
		}
	})
}

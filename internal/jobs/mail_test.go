package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestPollMailboxUnique: however often the schedule runs, and from however
// many processes, a mailbox has at most one poll waiting or running.
func TestPollMailboxUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		var schedulers []*jobs.ScheduleMailPollsWorker
		var d *desk.Service
		for range 2 { // two processes on one database
			newRunner(t, db, func(r *jobs.Runner) {
				d = desk.New(db, r, logger)
				jobs.RegisterMail(r, d, logger)
				schedulers = append(schedulers, &jobs.ScheduleMailPollsWorker{Desk: d, Runner: r})
			})
		}
		c, err := d.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		admin := desk.System(c.Account.ID)
		for _, name := range []string{"Support", "Sales", "Paused"} {
			_, err := d.SaveMailbox(ctx, admin, 0, desk.MailboxInput{Name: desk.Some(name), Host: desk.Some("imap.example.test"),
				Username: desk.Some("u"), Password: desk.Some("p"), Active: desk.Some(name != "Paused")})
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 3; i++ {
			for _, s := range schedulers {
				if err := s.Work(ctx, &river.Job[jobs.ScheduleMailPolls]{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'poll_mailbox'`); n != 2 {
			t.Errorf("%d poll jobs after six schedules from two processes, want 2 (one per active mailbox)", n)
		}
	})
}

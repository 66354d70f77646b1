package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestSchedulerTwoProcesses: two processes (two store connections, two
// runners, two desks) on one database run the scheduler at once, through
// the periodic job and directly; each scheduled action happens once per
// ticket.
func TestSchedulerTwoProcesses(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			var dsn string
			if dialect == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "test.db")
			} else {
				dsn = storetest.PostgresDSN(t)
			}
			ctx := context.Background()
			// A Monday at 10:00, working time.
			now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
			var clock sync.Mutex
			pinned := func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			var desks [2]*desk.Service
			var runners [2]*jobs.Runner
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				db.Now = pinned
				dbs[i] = db
			}
			for i := range desks {
				w := &jobs.ScheduleWorker{}
				r := newRunner(t, dbs[i], func(r *jobs.Runner) {
					jobs.Register(r, w)
					r.Every(jobs.ScheduleInterval, desk.RunScheduledActions{})
				})
				desks[i] = desk.New(dbs[i], r, logger)
				w.Desk = desks[i]
				runners[i] = r
			}
			c, err := desks[0].CreateAccount(ctx, "default", "", "")
			if err != nil {
				t.Fatal(err)
			}
			sys := desk.System(c.Account.ID)
			const n = 40
			var ids []int64
			for i := 0; i < n; i++ {
				v, err := desks[i%2].Submit(ctx, sys, desk.SubmitInput{Description: desk.Some(fmt.Sprintf("ticket %d", i)),
					Customer: desk.Some(desk.CustomerInput{Email: desk.Some("c@example.com")})})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, v.ID)
			}
			if _, err := desks[1].SaveRule(ctx, sys, sympoq.RuleScheduled, 0, desk.RuleInput{Description: desk.Some("Raise old tickets"),
				Time: desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}),
				Set:  desk.Some(sympoq.RuleValues{Priority: sympoq.PriorityHigh, Tags: []string{"raised"}})}); err != nil {
				t.Fatal(err)
			}
			clock.Lock()
			now = now.Add(2 * time.Hour)
			clock.Unlock()
			// The direct runs overlap with the periodic job of whichever
			// runner is elected leader.
			for _, r := range runners {
				start(t, r)
			}
			func() {
				var wg sync.WaitGroup
				errs := make(chan error, 4)
				for i := 0; i < 4; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := desks[i%2].RunScheduleAccount(ctx, c.Account.ID)
						errs <- err
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Errorf("RunScheduleAccount: %v", err)
					}
				}
			}()
			waitFor(t, 30*time.Second, "a completed periodic scheduler job", func() bool {
				return count(t, dbs[0], `SELECT count(*) FROM river_job WHERE kind = 'run_scheduled_actions' AND state = 'completed'`) > 0
			})
			for _, id := range ids {
				evs, err := dbs[0].Read().Events(ctx, c.Account.ID, id, store.EventFilter{Internal: true})
				if err != nil {
					t.Fatal(err)
				}
				applied, raised := 0, 0
				for _, e := range evs {
					if e.Action == sympoq.EvRule && strings.HasPrefix(e.Description, `Scheduled action "Raise old tickets" applied`) {
						applied++
					}
					if e.Action == sympoq.EvSetPriority {
						raised++
					}
				}
				if applied != 1 || raised != 1 {
					t.Errorf("ticket %d: %d rule events and %d priority changes, want 1 each", id, applied, raised)
				}
				tk, err := dbs[1].Read().Ticket(ctx, c.Account.ID, id)
				if err != nil {
					t.Fatal(err)
				}
				if tk.Priority != sympoq.PriorityHigh || strings.Join(tk.Tags, ",") != "raised" {
					t.Errorf("ticket %d: priority %d tags %q", id, tk.Priority, tk.Tags)
				}
			}
			if got := count(t, dbs[0], `SELECT count(*) FROM rule_fires`); got != n {
				t.Errorf("%d fire records, want %d", got, n)
			}
		})
	}
}

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

// TestPurgeTrash: tickets in the trash for more than 30 days go, with their
// events; younger ones and live ones stay; another account is untouched.
func TestPurgeTrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRunner(t, db, func(r *jobs.Runner) {})
		d := desk.New(db, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
		submit := func(accountID int64, subject string) *desk.TicketView {
			t.Helper()
			v, err := d.Submit(ctx, desk.System(accountID), desk.SubmitInput{Subject: desk.Some(subject),
				Description: desk.Some("text"), Customer: desk.Some(desk.CustomerInput{Email: desk.Some("c@example.com")})})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		var ids []int64
		for _, name := range []string{"acme", "beta"} {
			c, err := d.CreateAccount(ctx, name, "", "")
			if err != nil {
				t.Fatal(err)
			}
			old, young, live := submit(c.Account.ID, "old"), submit(c.Account.ID, "young"), submit(c.Account.ID, "live")
			for _, v := range []*desk.TicketView{old, young} {
				if err := d.Delete(ctx, desk.System(c.Account.ID), v.DisplayID); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, old.ID, young.ID, live.ID)
		}
		now := time.Now()
		// Only acme's old ticket has been in the trash long enough.
		exec(t, db, `UPDATE tickets SET deleted_at = $1 WHERE id = $2`, now.Add(-31*24*time.Hour).UnixMicro(), ids[0])
		exec(t, db, `UPDATE tickets SET deleted_at = $1 WHERE id = $2`, now.Add(-29*24*time.Hour).UnixMicro(), ids[1])

		w := &jobs.PurgeWorker{DB: db, Now: func() time.Time { return now }}
		if err := w.Work(ctx, &river.Job[desk.PurgeTrash]{}); err != nil {
			t.Fatalf("Work: %v", err)
		}
		if n := count(t, db, `SELECT count(*) FROM tickets WHERE id = $1`, ids[0]); n != 0 {
			t.Errorf("ticket in the trash for 31 days still there")
		}
		if n := count(t, db, `SELECT count(*) FROM events WHERE ticket_id = $1`, ids[0]); n != 0 {
			t.Errorf("purged ticket left %d events", n)
		}
		if n := count(t, db, `SELECT count(*) FROM tickets`); n != 5 {
			t.Errorf("%d tickets left, want 5", n)
		}
		if db.Dialect() == store.SQLite {
			if n := count(t, db, `SELECT count(*) FROM ticket_fts WHERE rowid = $1`, ids[0]); n != 0 {
				t.Errorf("purged ticket left its search entry")
			}
		}
		// Running again changes nothing.
		if err := w.Work(ctx, &river.Job[desk.PurgeTrash]{}); err != nil {
			t.Fatalf("second Work: %v", err)
		}
		if n := count(t, db, `SELECT count(*) FROM tickets`); n != 5 {
			t.Errorf("%d tickets after a second run, want 5", n)
		}
	})
}

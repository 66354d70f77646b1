package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := desk.New(db, nil, nil)
		c, err := d.CreateAccount(ctx, "acme", "admin-password", "")
		if err != nil {
			t.Fatal(err)
		}
		admin, err := db.Read().UserByLogin(ctx, c.Account.ID, "admin")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for i, exp := range []time.Duration{-time.Hour, -time.Minute, time.Hour} {
				s := &sympoq.Session{AccountID: c.Account.ID, UserID: admin.ID, Hash: "h" + string(rune('a'+i)),
					Created: now.Add(-2 * time.Hour), LastSeen: now, Expires: now.Add(exp)}
				if err := tx.CreateSession(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		w := &jobs.SessionExpiryWorker{DB: db}
		if err := w.Work(ctx, &river.Job[desk.ExpireSessions]{}); err != nil {
			t.Fatalf("Work: %v", err)
		}
		var n int
		if err := db.Writer().QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil || n != 1 {
			t.Errorf("sessions after the sweep = %d (%v), want 1 (the unexpired one)", n, err)
		}
		if _, err := db.Read().SessionByHash(ctx, c.Account.ID, "hc"); err != nil {
			t.Errorf("unexpired session gone: %v", err)
		}
	})
}

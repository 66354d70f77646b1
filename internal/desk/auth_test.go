package desk_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestKeyCacheChanges: authentication keeps each key as it read it, yet
// every change it reads applies to the next request in the process that
// made it, and in another process on the same database as soon as that
// one hears of it: at once through PostgreSQL's notifications, within a
// couple of seconds on SQLite.
func TestKeyCacheChanges(t *testing.T) {
	storetest.EachShared(t, func(t *testing.T, db, other *store.DB) {
		ctx := context.Background()
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		here, there := desk.New(db, noAutoJobs{}, logger), desk.New(other, noAutoJobs{}, logger)
		c, err := here.CreateAccount(ctx, "default", "", "")
		if err != nil {
			t.Fatal(err)
		}
		acct := c.Account.ID
		sys := desk.System(acct)
		queue, err := here.SaveQueue(ctx, sys, 0, desk.ItemInput{Name: desk.Some("Billing")})
		if err != nil {
			t.Fatal(err)
		}
		agent, err := here.CreateUser(ctx, sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some("Ann Agent"),
			Email: desk.Some("ann@example.com"), Active: desk.Some(true)})
		if err != nil {
			t.Fatal(err)
		}
		key, err := here.CreateAPIKey(ctx, sympoq.NewActor(agent), desk.APIKeyInput{Name: desk.Some("script")})
		if err != nil {
			t.Fatal(err)
		}
		auth := func(d *desk.Service) (desk.Actor, error) {
			a, _, err := d.Authenticate(ctx, acct, key.Key, "192.0.2.1")
			return a, err
		}
		for _, d := range []*desk.Service{here, there, here, there} {
			if a, err := auth(d); err != nil || a.ID() != agent.ID || len(a.Roles) != 0 {
				t.Fatalf("authenticate = %+v, %v", a, err)
			}
		}
		// A role given here applies to the next request here, at once.
		if _, err := here.UpdateUser(ctx, sys, sympoq.KindAgent, agent.ID, desk.UserInput{
			Permissions: desk.Some([]desk.Permission{{Queue: queue.ID, Role: sympoq.RoleQueueManager}})}); err != nil {
			t.Fatal(err)
		}
		if a, err := auth(here); err != nil || a.Roles[queue.ID] != sympoq.RoleQueueManager {
			t.Fatalf("after the role change here: %+v, %v", a.Roles, err)
		}
		// …and to the other process's requests as soon as it hears of it.
		within := 3 * time.Second // SQLite: keyCacheAlone and some
		if db.Dialect() == store.Postgres {
			within = time.Second // the notification; the copies' age limit is 30 s
		}
		waitFor := func(what string, ok func() bool) {
			t.Helper()
			start := time.Now()
			for !ok() {
				if time.Since(start) > within {
					t.Fatalf("%s: the other process still answers from its copy after %s", what, within)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		waitFor("role", func() bool { a, err := auth(there); return err == nil && a.Roles[queue.ID] == sympoq.RoleQueueManager })

		// Deactivated there: refused there at once, here soon.
		if _, err := there.UpdateUser(ctx, sys, sympoq.KindAgent, agent.ID, desk.UserInput{Active: desk.Some(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := auth(there); sympoq.ErrorCode(err) != sympoq.EUnauthorized {
			t.Fatalf("a deactivated agent's key, in the process that deactivated: %v", err)
		}
		waitFor("deactivation", func() bool { _, err := auth(here); return sympoq.ErrorCode(err) == sympoq.EUnauthorized })
		if _, err := there.UpdateUser(ctx, sys, sympoq.KindAgent, agent.ID, desk.UserInput{Active: desk.Some(true)}); err != nil {
			t.Fatal(err)
		}
		waitFor("reactivation", func() bool { _, err := auth(here); return err == nil })

		// Revoked here: refused here at once, there soon.
		if _, err := auth(there); err != nil {
			t.Fatal(err)
		}
		if err := here.RevokeAPIKey(ctx, sympoq.NewActor(agent), key.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := auth(here); sympoq.ErrorCode(err) != sympoq.EUnauthorized {
			t.Fatalf("a revoked key, in the process that revoked it: %v", err)
		}
		waitFor("revocation", func() bool { _, err := auth(there); return sympoq.ErrorCode(err) == sympoq.EUnauthorized })
	})
}

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

// TestCustomerCardsChanges: ticket lists show each customer from a cache,
// yet a renamed customer or group shows at once in the process that made
// the change, and soon in another.
func TestCustomerCardsChanges(t *testing.T) {
	storetest.EachShared(t, func(t *testing.T, db, other *store.DB) {
		ctx := context.Background()
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		here, there := desk.New(db, noAutoJobs{}, logger), desk.New(other, noAutoJobs{}, logger)
		c, err := here.CreateAccount(ctx, "default", "", "")
		if err != nil {
			t.Fatal(err)
		}
		sys := desk.System(c.Account.ID)
		g, err := here.SaveGroup(ctx, sys, 0, desk.ItemInput{Name: desk.Some("Acme")})
		if err != nil {
			t.Fatal(err)
		}
		cust, err := here.CreateUser(ctx, sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Carl"),
			Email: desk.Some("carl@example.com"), Group: desk.Some(desk.Ref{ID: g.ID})})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := here.Submit(ctx, sys, desk.SubmitInput{Description: desk.Some("help"),
			Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cust.ID)})}); err != nil {
			t.Fatal(err)
		}
		shown := func(d *desk.Service) (name, group string) {
			t.Helper()
			vs, _, _, err := d.Tickets(ctx, sys, desk.TicketList{TicketFilter: store.TicketFilter{Limit: 10}})
			if err != nil || len(vs) != 1 {
				t.Fatalf("list: %d tickets, %v", len(vs), err)
			}
			return vs[0].CustomerUser.Name, vs[0].CustomerUser.Group
		}
		for _, d := range []*desk.Service{here, there} {
			if n, gr := shown(d); n != "Carl" || gr != "Acme" {
				t.Fatalf("shown as %q of %q", n, gr)
			}
		}
		within := 3 * time.Second
		if db.Dialect() == store.Postgres {
			within = time.Second
		}
		waitFor := func(what string, d *desk.Service, name, group string) {
			t.Helper()
			start := time.Now()
			for {
				n, gr := shown(d)
				if n == name && gr == group {
					return
				}
				if time.Since(start) > within {
					t.Fatalf("%s: still shown as %q of %q after %s", what, n, gr, within)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if _, err := here.UpdateUser(ctx, sys, sympoq.KindCustomer, cust.ID, desk.UserInput{Name: desk.Some("Carla")}); err != nil {
			t.Fatal(err)
		}
		if n, _ := shown(here); n != "Carla" {
			t.Fatalf("renamed here, shown here as %q", n)
		}
		waitFor("customer renamed in the other process", there, "Carla", "Acme")
		if _, err := there.SaveGroup(ctx, sys, g.ID, desk.ItemInput{Name: desk.Some("Acme Corp")}); err != nil {
			t.Fatal(err)
		}
		if _, gr := shown(there); gr != "Acme Corp" {
			t.Fatalf("group renamed there, shown there as %q", gr)
		}
		waitFor("group renamed in the other process", here, "Carla", "Acme Corp")
	})
}

// TestBookkeepingDoesNotWait: recording that a key was used is bookkeeping,
// so a request does not wait for it while another transaction holds what it
// would write (on SQLite the one writer, on PostgreSQL the key's row): the
// request is answered, and a later one records the use.
func TestBookkeepingDoesNotWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := desk.New(db, noAutoJobs{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := d.CreateAccount(ctx, "default", "", "")
		if err != nil {
			t.Fatal(err)
		}
		acct := c.Account.ID
		agent, err := d.CreateUser(ctx, desk.System(acct), sympoq.KindAgent, desk.UserInput{Name: desk.Some("Ann Agent"),
			Email: desk.Some("ann@example.com"), Active: desk.Some(true)})
		if err != nil {
			t.Fatal(err)
		}
		key, err := d.CreateAPIKey(ctx, sympoq.NewActor(agent), desk.APIKeyInput{Name: desk.Some("script")})
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			k, _, err := db.Read().APIKeyWithUser(ctx, acct, desk.HashKey(key.Key))
			if err != nil {
				t.Fatal(err)
			}
			return k.LastUsed
		}
		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.TouchAPIKey(ctx, acct, key.ID, "198.51.100.9", 0); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		answered := make(chan struct{})
		go func() {
			defer close(answered)
			a, _, err := d.Authenticate(ctx, acct, key.Key, "192.0.2.1")
			if err != nil || a.ID() != agent.ID {
				t.Errorf("authenticate while the key's use cannot be recorded = %+v, %v", a, err)
			}
		}()
		select {
		case <-answered:
		case <-time.After(20 * time.Second):
			t.Error("the request waited for the transaction that holds its key's record")
		}
		close(release)
		<-answered
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		before := lastUsed()
		if _, _, err := d.Authenticate(ctx, acct, key.Key, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if after := lastUsed(); !after.After(before) && !after.Equal(before) || after.IsZero() {
			t.Errorf("last used %v after the next request, %v before it", after, before)
		}
		k, _, err := db.Read().APIKeyWithUser(ctx, acct, desk.HashKey(key.Key))
		if err != nil || k.LastAddr != "192.0.2.1" {
			t.Errorf("the next request did not record its address: %+v, %v", k, err)
		}
	})
}

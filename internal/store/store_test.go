package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func mustAccount(t *testing.T, db *store.DB, name string) *sympoq.Account {
	t.Helper()
	var a *sympoq.Account
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		a, err = tx.CreateAccount(context.Background(), name)
		return err
	})
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return a
}

func fieldCode(err error) (string, string) {
	var e *sympoq.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields[0].Field, e.Fields[0].Code
	}
	return "", sympoq.ErrorCode(err)
}

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		ok, err := db.MigrationsCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("MigrationsCurrent = %v, %v; want true", ok, err)
		}
	})
}

func TestAccountAndSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateAccount(ctx, "ACME")
			return err
		})
		if f, code := fieldCode(err); f != "name" || code != sympoq.FieldDuplicate {
			t.Errorf("duplicate account: field %q code %q, want name duplicate_value (err %v)", f, code, err)
		}
		got, err := db.Read().AccountByName(ctx, "acme")
		if err != nil || got.ID != a.ID {
			t.Fatalf("AccountByName = %+v, %v", got, err)
		}
		if _, err := db.Read().AccountByName(ctx, "nope"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("AccountByName(nope) err = %v, want not found", err)
		}
		s, err := db.Read().Settings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := db.Read().Queues(ctx, a.ID)
		if err != nil || len(qs) != 1 || qs[0].Name != "Inbox" || s.General.DefaultQueue != qs[0].ID {
			t.Fatalf("new account queues = %v (%v), default queue %d; want one Inbox, the default", qs, err, s.General.DefaultQueue)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("default settings invalid: %v", err)
		}
		s.General.TimeZone = "Europe/Berlin"
		s.RateLimits.Read = 42
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveSettings(ctx, a.ID, s) }); err != nil {
			t.Fatal(err)
		}
		s2, _ := db.Read().Settings(ctx, a.ID)
		if diff := cmp.Diff(s, s2); diff != "" {
			t.Errorf("settings round trip (-want +got):\n%s", diff)
		}
		// Settings are kept decoded while their text stands: a caller's
		// change to its copy reaches nobody else, a saved change everyone.
		s2.General.Title = "changed by one caller"
		s3, _ := db.Read().Settings(ctx, a.ID)
		if diff := cmp.Diff(s, s3); diff != "" {
			t.Errorf("settings after a caller changed its copy (-want +got):\n%s", diff)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveSettings(ctx, a.ID, s2) }); err != nil {
			t.Fatal(err)
		}
		if s4, _ := db.Read().Settings(ctx, a.ID); s4.General.Title != s2.General.Title {
			t.Errorf("settings after a save: title %q, want %q", s4.General.Title, s2.General.Title)
		}
	})
}

// TestSettingsHoldValues: Settings are copied by assignment from the
// decoded copy the store keeps, which is safe only while they hold no
// maps, slices, pointers or the like.
func TestSettingsHoldValues(t *testing.T) {
	var walk func(path string, ty reflect.Type)
	walk = func(path string, ty reflect.Type) {
		switch ty.Kind() {
		case reflect.Struct:
			for i := range ty.NumField() {
				walk(path+"."+ty.Field(i).Name, ty.Field(i).Type)
			}
		case reflect.Array:
			walk(path+"[]", ty.Elem())
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
			t.Errorf("%s is a %s: a copy of Settings would share it", path, ty.Kind())
		}
	}
	walk("Settings", reflect.TypeFor[sympoq.Settings]())
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		qs, _ := db.Read().Queues(ctx, a.ID)
		inbox := qs[0].ID
		var vip sympoq.Group
		agent := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "Ann Agent", Email: "Ann@Example.com",
			Username: "ann.agent", Active: true, Notifications: true, Signature: "-- Ann",
			Permissions: []sympoq.QueuePermission{{Queue: inbox, Role: sympoq.RoleQueueManager}}}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			vip = sympoq.Group{AccountID: a.ID, Name: "VIP", Sequence: 1}
			if err := tx.CreateGroup(ctx, &vip); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, agent); err != nil {
				return err
			}
			for i := 0; i < 7; i++ {
				c := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: fmt.Sprintf("Customer %02d", i),
					Email: fmt.Sprintf("c%d@example.com", i), Active: true, Role: sympoq.RoleCustomer, Company: "Initech"}
				if i%2 == 0 {
					c.GroupID = vip.ID
				}
				if err := tx.CreateUser(ctx, c); err != nil {
					return err
				}
			}
			// The same email in another account is fine.
			return tx.CreateUser(ctx, &sympoq.User{AccountID: b.ID, Kind: sympoq.KindCustomer, Name: "Other",
				Email: "ann@example.com", Active: true, Role: sympoq.RoleCustomer})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().User(ctx, a.ID, agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "ann@example.com" || len(got.Permissions) != 1 || got.Permissions[0].Role != sympoq.RoleQueueManager {
			t.Errorf("User = %+v", got)
		}
		if _, err := db.Read().User(ctx, b.ID, agent.ID); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("User from another account: err = %v, want not found", err)
		}
		if u, err := db.Read().UserByLogin(ctx, a.ID, "ANN@example.com"); err != nil || u.ID != agent.ID {
			t.Errorf("UserByLogin by email = %v, %v", u, err)
		}
		for _, dup := range []struct{ field, username, email string }{
			{"username", "ANN.AGENT", "new@example.com"},
			{"email", "someone", "ann@EXAMPLE.com"},
		} {
			err := db.Tx(ctx, func(tx *store.Tx) error {
				return tx.CreateUser(ctx, &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "X",
					Username: dup.username, Email: dup.email, Active: true})
			})
			if f, code := fieldCode(err); f != dup.field || code != sympoq.FieldDuplicate {
				t.Errorf("duplicate %s: field %q code %q (err %v)", dup.field, f, code, err)
			}
		}

		// Filters.
		us, _, err := db.Read().Users(ctx, a.ID, store.UserFilter{Kind: sympoq.KindCustomer, GroupID: vip.ID})
		if err != nil || len(us) != 4 || us[0].Group != "VIP" {
			t.Errorf("customers in VIP = %d (%v), want 4", len(us), err)
		}
		if n, _ := db.Read().CountUsers(ctx, a.ID, store.UserFilter{Q: "customer 0"}); n != 7 {
			t.Errorf("CountUsers(q) = %d, want 7", n)
		}
		if n, _ := db.Read().CountUsers(ctx, a.ID, store.UserFilter{Q: "%"}); n != 0 {
			t.Errorf("CountUsers(q=%%) = %d, want 0: wildcards must be literal", n)
		}

		// Paging visits every customer once, in order, even with an insert between pages.
		for _, desc := range []bool{false, true} {
			var names []string
			cursor := ""
			inserted := false
			for page := 0; page < 10; page++ {
				us, next, err := db.Read().Users(ctx, a.ID, store.UserFilter{Kind: sympoq.KindCustomer, Limit: 3, Cursor: cursor, Desc: desc})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range us {
					names = append(names, u.Name)
				}
				if !inserted {
					inserted = true
					err := db.Tx(ctx, func(tx *store.Tx) error {
						return tx.CreateUser(ctx, &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Customer 00 bis" + fmt.Sprint(desc), Active: true})
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				if next == "" {
					break
				}
				cursor = next
			}
			seen := map[string]bool{}
			for i, n := range names {
				if seen[n] {
					t.Errorf("desc=%v: %q seen twice in %v", desc, n, names)
				}
				seen[n] = true
				if i > 0 && (names[i-1] > n) != desc && names[i-1] != n {
					t.Errorf("desc=%v: out of order at %d: %v", desc, i, names)
				}
			}
			if len(names) < 7 {
				t.Errorf("desc=%v: paged %d customers, want at least 7: %v", desc, len(names), names)
			}
		}
		if _, _, err := db.Read().Users(ctx, a.ID, store.UserFilter{Cursor: "garbage"}); sympoq.ErrorCode(err) != sympoq.EInvalid {
			t.Errorf("bad cursor: err = %v, want invalid", err)
		}

		// Deleting a group leaves its customers without one.
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteGroup(ctx, a.ID, vip.ID) }); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Read().CountUsers(ctx, a.ID, store.UserFilter{GroupID: -1, Kind: sympoq.KindCustomer}); n != 9 {
			t.Errorf("customers without group after delete = %d, want 9", n)
		}
	})
}

func TestQueuesAndItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		ag := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "A", Username: "agent1", Active: true}
		q := &sympoq.Queue{AccountID: a.ID, Name: "Support", Sequence: 20, Addresses: []string{"zz@acme.test", "Support@Acme.test"}}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, ag); err != nil {
				return err
			}
			q.Permissions = []sympoq.QueuePermission{{Agent: ag.ID, Role: sympoq.RoleAgent}}
			return tx.CreateQueue(ctx, q)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().Queue(ctx, a.ID, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &sympoq.Queue{ID: q.ID, AccountID: a.ID, Name: "Support", Sequence: 20, Created: got.Created,
			Permissions: []sympoq.QueuePermission{{Queue: q.ID, Agent: ag.ID, Role: sympoq.RoleAgent}},
			Addresses:   []string{"support@acme.test", "zz@acme.test"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Queue (-want +got):\n%s", diff)
		}
		// What an email about one of its tickets needs: the name and the
		// first of its addresses, as Queue orders them.
		if name, addr, err := db.Read().QueueReplyTo(ctx, a.ID, q.ID); err != nil || name != "Support" || addr != got.Addresses[0] {
			t.Errorf("QueueReplyTo = %q, %q, %v; want Support, %s", name, addr, err, got.Addresses[0])
		}
		if _, _, err := db.Read().QueueReplyTo(ctx, b.ID, q.ID); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("QueueReplyTo of another account: %v", err)
		}
		// An address belongs to one queue deployment-wide.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateQueue(ctx, &sympoq.Queue{AccountID: b.ID, Name: "Other", Addresses: []string{"support@acme.test"}})
		})
		if f, code := fieldCode(err); f != "addresses" || code != sympoq.FieldDuplicate {
			t.Errorf("duplicate address: field %q code %q (err %v)", f, code, err)
		}
		if _, err := db.Read().Queue(ctx, b.ID, q.ID); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("Queue of another account: %v", err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteQueue(ctx, b.ID, q.ID) }); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("DeleteQueue of another account: %v", err)
		}
		u, _ := db.Read().User(ctx, a.ID, ag.ID)
		if len(u.Permissions) != 1 || u.Permissions[0].Queue != q.ID {
			t.Errorf("agent permissions = %v", u.Permissions)
		}
		// Moving the queue in front changes the order.
		q.Sequence = 1
		q.Permissions = nil
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateQueue(ctx, q) }); err != nil {
			t.Fatal(err)
		}
		qs, _ := db.Read().Queues(ctx, a.ID)
		if len(qs) != 2 || qs[0].ID != q.ID || len(qs[0].Permissions) != 0 {
			t.Errorf("queues after update = %+v", qs)
		}

		// Topics, tags.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for i, n := range []string{"Billing", "General questions"} {
				if err := tx.CreateTopic(ctx, &sympoq.Topic{AccountID: a.ID, Name: n, Active: true, Sequence: 10 - i, QueueID: q.ID}); err != nil {
					return err
				}
			}
			return tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: "Help/Assistance"})
		})
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := db.Read().Topics(ctx, a.ID)
		if len(ts) != 2 || ts[0].Name != "General questions" || ts[0].QueueID != q.ID {
			t.Errorf("topics = %+v", ts)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: "help/assistance"})
		})
		if f, code := fieldCode(err); f != "name" || code != sympoq.FieldDuplicate {
			t.Errorf("duplicate tag: %q %q", f, code)
		}
		if tags, _ := db.Read().Tags(ctx, b.ID); len(tags) != 0 {
			t.Errorf("tags leak across accounts: %v", tags)
		}
	})
}

func TestAPIKeysAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		u := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "A", Username: "agent1", Active: true}
		k := &sympoq.APIKey{AccountID: a.ID, Name: "ci", Prefix: "abcd", Hash: "h1", Scopes: []sympoq.Scope{"read", "write"}}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			k.UserID = u.ID
			return tx.CreateAPIKey(ctx, k)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().APIKeyByHash(ctx, a.ID, "h1")
		if err != nil || got.ID != k.ID || !got.Has(sympoq.ScopeWrite) || !got.Usable(time.Now()) {
			t.Fatalf("APIKeyByHash = %+v, %v", got, err)
		}
		if _, err := db.Read().APIKeyByHash(ctx, b.ID, "h1"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("key found through another account: %v", err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchAPIKey(ctx, a.ID, k.ID, "10.0.0.1", time.Minute) })
		if err != nil {
			t.Fatal(err)
		}
		got, _ = db.Read().APIKeyByHash(ctx, a.ID, "h1")
		if got.LastAddr != "10.0.0.1" || got.LastUsed.IsZero() {
			t.Errorf("after touch: %+v", got)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.RevokeAPIKey(ctx, b.ID, u.ID, k.ID) }); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("revoke through another account: %v", err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.RevokeAPIKey(ctx, a.ID, u.ID, k.ID) }); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Read().APIKeyByHash(ctx, a.ID, "h1")
		if got.Usable(time.Now()) {
			t.Errorf("revoked key still usable")
		}

		// Tokens are single use, and a new one voids the old.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUserToken(ctx, a.ID, u.ID, store.TokenRegistration, "t1", time.Hour); err != nil {
				return err
			}
			return tx.CreateUserToken(ctx, a.ID, u.ID, store.TokenRegistration, "t2", time.Hour)
		})
		if err != nil {
			t.Fatal(err)
		}
		use := func(hash string) error {
			return db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.UseUserToken(ctx, a.ID, store.TokenRegistration, hash)
				return err
			})
		}
		if err := use("t1"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("superseded token: %v", err)
		}
		if err := use("t2"); err != nil {
			t.Errorf("fresh token: %v", err)
		}
		if err := use("t2"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("token used twice: %v", err)
		}
	})
}

// APIKeyWithUser is every API request's authentication in one query; it
// must give what the key, the user and their permissions give separately.
func TestAPIKeyWithUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		qs, _ := db.Read().Queues(ctx, a.ID)
		var late, early sympoq.Queue
		var vip sympoq.Group
		agent := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "Ann", Username: "ann", Active: true}
		cust := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Carl", Email: "carl@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		keys := []*sympoq.APIKey{
			{AccountID: a.ID, Name: "agent", Prefix: "aaaa", Hash: "agent-hash", Scopes: []sympoq.Scope{"read"}},
			{AccountID: a.ID, Name: "customer", Prefix: "cccc", Hash: "cust-hash", Scopes: []sympoq.Scope{"read", "write"}},
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			late = sympoq.Queue{AccountID: a.ID, Name: "Late", Sequence: 90}
			early = sympoq.Queue{AccountID: a.ID, Name: "Early", Sequence: -5}
			vip = sympoq.Group{AccountID: a.ID, Name: "VIP", Sequence: 1}
			for _, q := range []*sympoq.Queue{&late, &early} {
				if err := tx.CreateQueue(ctx, q); err != nil {
					return err
				}
			}
			if err := tx.CreateGroup(ctx, &vip); err != nil {
				return err
			}
			cust.GroupID = vip.ID
			agent.Permissions = []sympoq.QueuePermission{{Queue: late.ID, Role: sympoq.RoleAgent},
				{Queue: qs[0].ID, Role: sympoq.RoleQueueManager}, {Queue: early.ID, Role: sympoq.RoleAgent}}
			for i, u := range []*sympoq.User{agent, cust} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
				keys[i].UserID = u.ID
				if err := tx.CreateAPIKey(ctx, keys[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			wantKey, _ := db.Read().APIKeyByHash(ctx, a.ID, k.Hash)
			wantUser, _ := db.Read().User(ctx, a.ID, k.UserID)
			gotKey, gotUser, err := db.Read().APIKeyWithUser(ctx, a.ID, k.Hash)
			if err != nil {
				t.Fatalf("%s: %v", k.Name, err)
			}
			if diff := cmp.Diff(wantKey, gotKey); diff != "" {
				t.Errorf("%s key (-separately +together):\n%s", k.Name, diff)
			}
			if diff := cmp.Diff(wantUser, gotUser); diff != "" {
				t.Errorf("%s user (-separately +together):\n%s", k.Name, diff)
			}
		}
		_, u, _ := db.Read().APIKeyWithUser(ctx, a.ID, "agent-hash")
		if len(u.Permissions) != 3 || u.Permissions[0].Queue != early.ID || u.Permissions[2].Queue != late.ID ||
			u.Permissions[1].Role != sympoq.RoleQueueManager {
			t.Errorf("permissions not in queue order: %+v", u.Permissions)
		}
		if _, u, _ := db.Read().APIKeyWithUser(ctx, a.ID, "cust-hash"); u.Group != "VIP" || u.Permissions != nil {
			t.Errorf("customer = %+v", u)
		}
		if _, _, err := db.Read().APIKeyWithUser(ctx, b.ID, "agent-hash"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("key found through another account: %v", err)
		}
		if _, _, err := db.Read().APIKeyWithUser(ctx, a.ID, "nope"); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("unknown key: %v", err)
		}
	})
}

// UsersByID loads a page's users in one statement: duplicates allowed,
// other accounts' ids absent, agents with their permissions.
func TestUsersByID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		qs, _ := db.Read().Queues(ctx, a.ID)
		agent := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindAgent, Name: "Ann", Username: "ann", Active: true,
			Permissions: []sympoq.QueuePermission{{Queue: qs[0].ID, Role: sympoq.RoleAgent}}}
		cust := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Carl", Email: "carl@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		other := &sympoq.User{AccountID: b.ID, Kind: sympoq.KindCustomer, Name: "Olga", Email: "olga@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for _, u := range []*sympoq.User{agent, cust, other} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().UsersByID(ctx, a.ID, []int64{cust.ID, agent.ID, cust.ID, other.ID, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[cust.ID].Name != "Carl" || got[agent.ID].Name != "Ann" || got[other.ID] != nil {
			t.Fatalf("UsersByID = %v", got)
		}
		if p := got[agent.ID].Permissions; len(p) != 1 || p[0].Queue != qs[0].ID || p[0].Agent != agent.ID {
			t.Errorf("agent permissions = %+v", p)
		}
		if got, err := db.Read().UsersByID(ctx, a.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids: %v, %v", got, err)
		}
	})
}

// CustomerCards reads the fields a ticket list shows of each customer, equal
// to the full row's, in one statement; other accounts' ids are absent.
func TestCustomerCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		vip := sympoq.Group{AccountID: a.ID, Name: "VIP", Sequence: 1}
		carl := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Carl", Email: "carl@example.com",
			Company: "Carl & Co", Active: true, Registered: true, Role: sympoq.RoleCustomer, Phone: "555"}
		dora := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Dora", Email: "dora@example.com",
			Active: false, Role: sympoq.RoleCustomer}
		other := &sympoq.User{AccountID: b.ID, Kind: sympoq.KindCustomer, Name: "Olga", Email: "olga@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateGroup(ctx, &vip); err != nil {
				return err
			}
			carl.GroupID = vip.ID
			for _, u := range []*sympoq.User{carl, dora, other} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Read().CustomerCards(ctx, a.ID, []int64{carl.ID, dora.ID, carl.ID, other.ID, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[other.ID] != nil {
			t.Fatalf("CustomerCards = %v", got)
		}
		for _, id := range []int64{carl.ID, dora.ID} {
			full, err := db.Read().User(ctx, a.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			want := &sympoq.User{ID: full.ID, AccountID: full.AccountID, Kind: full.Kind, Name: full.Name,
				Email: full.Email, Company: full.Company, Role: full.Role, GroupID: full.GroupID, Group: full.Group,
				Registered: full.Registered, Active: full.Active}
			if diff := cmp.Diff(want, got[id]); diff != "" {
				t.Errorf("card of %s (-want +got):\n%s", full.Name, diff)
			}
		}
		if got[carl.ID].Group != "VIP" || got[carl.ID].Company != "Carl & Co" || !got[carl.ID].Registered || got[dora.ID].Active {
			t.Errorf("cards = %+v, %+v", got[carl.ID], got[dora.ID])
		}
		if got, err := db.Read().CustomerCards(ctx, a.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids: %v, %v", got, err)
		}
	})
}

// TicketAndCustomer reads a ticket with its customer in one query; a display
// id wins over a number (api.md §4.3).
func TestTicketAndCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		b := mustAccount(t, db, "beta")
		qs, _ := db.Read().Queues(ctx, a.ID)
		var vip sympoq.Group
		cust := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Carl", Email: "carl@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		var first, second *sympoq.Ticket
		err := db.Tx(ctx, func(tx *store.Tx) error {
			vip = sympoq.Group{AccountID: a.ID, Name: "VIP", Sequence: 1}
			if err := tx.CreateGroup(ctx, &vip); err != nil {
				return err
			}
			cust.GroupID = vip.ID
			if err := tx.CreateUser(ctx, cust); err != nil {
				return err
			}
			first = &sympoq.Ticket{AccountID: a.ID, DisplayID: "AB-1", Queue: qs[0].ID, Subject: "one", Description: "d",
				Customer: cust.ID, Tags: []string{"x"}, CustomFields: map[string]string{"k": "v"}, Created: tx.Now(), Updated: tx.Now()}
			if _, err := tx.CreateTicket(ctx, first); err != nil {
				return err
			}
			// Its display id is the first ticket's number.
			second = &sympoq.Ticket{AccountID: a.ID, DisplayID: fmt.Sprint(first.ID), Queue: qs[0].ID, Subject: "two",
				Description: "d", Customer: cust.ID, CustomFields: map[string]string{}, Created: tx.Now(), Updated: tx.Now()}
			if _, err := tx.CreateTicket(ctx, second); err != nil {
				return err
			}
			// The first ticket has public and internal events; the second none.
			for i, vis := range []sympoq.Visibility{sympoq.Public, sympoq.Internal, sympoq.Public, sympoq.Internal, sympoq.Public} {
				e := &sympoq.Event{AccountID: a.ID, Ticket: first.ID, Date: tx.Now().Add(time.Duration(i) * time.Second),
					Action: sympoq.EvReply, Description: fmt.Sprintf("event %d", i), Body: fmt.Sprintf("body %d", i),
					AppliedBy: cust.ID, AppliedName: cust.Name, Billable: i, Rating: i % 3, Visibility: vis}
				if err := tx.AddEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantUser, _ := db.Read().User(ctx, a.ID, cust.ID)
		for _, c := range []struct {
			ref  string
			id   int64
			want *sympoq.Ticket
		}{
			{"AB-1", 0, first},
			{fmt.Sprint(first.ID), first.ID, second},   // the display id wins over the number
			{fmt.Sprint(second.ID), second.ID, second}, // no display id is that number
		} {
			got, u, err := db.Read().TicketAndCustomer(ctx, a.ID, c.ref, c.id)
			if err != nil {
				t.Fatalf("%s: %v", c.ref, err)
			}
			want, _ := db.Read().Ticket(ctx, a.ID, c.want.ID)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: ticket (-alone +with customer):\n%s", c.ref, diff)
			}
			if diff := cmp.Diff(wantUser, u); diff != "" {
				t.Errorf("%s: customer (-alone +with ticket):\n%s", c.ref, diff)
			}
			// The same with the events, all or the public ones, as Events
			// lists them.
			for _, internal := range []bool{true, false} {
				f := store.EventFilter{Internal: internal}
				got, u, evs, err := db.Read().TicketWithEvents(ctx, a.ID, c.ref, c.id, f)
				if err != nil {
					t.Fatalf("%s with events: %v", c.ref, err)
				}
				wantEvs, _ := db.Read().Events(ctx, a.ID, c.want.ID, f)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s with events: ticket (-alone +with events):\n%s", c.ref, diff)
				}
				if diff := cmp.Diff(wantUser, u); diff != "" {
					t.Errorf("%s with events: customer (-alone +with events):\n%s", c.ref, diff)
				}
				if diff := cmp.Diff(wantEvs, evs); diff != "" || evs == nil {
					t.Errorf("%s, internal %v: events (-Events +with the ticket):\n%s", c.ref, internal, diff)
				}
				if n := map[bool]int{true: 5, false: 3}[internal]; c.want == first && len(evs) != n {
					t.Errorf("%s, internal %v: %d events, want %d", c.ref, internal, len(evs), n)
				}
			}
		}
		if _, _, err := db.Read().TicketAndCustomer(ctx, b.ID, "AB-1", 0); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("found through another account: %v", err)
		}
		if _, _, err := db.Read().TicketAndCustomer(ctx, a.ID, "999999", 999999); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("unknown: %v", err)
		}
		if _, _, _, err := db.Read().TicketWithEvents(ctx, b.ID, "AB-1", 0, store.EventFilter{Internal: true}); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("found with events through another account: %v", err)
		}
		if _, _, _, err := db.Read().TicketWithEvents(ctx, a.ID, "999999", 999999, store.EventFilter{}); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("unknown with events: %v", err)
		}
	})
}

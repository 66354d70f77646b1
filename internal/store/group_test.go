package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestGroupTx: many concurrent writes share commits; each one that fails
// (by error or panic) is undone alone, with its AfterCommit calls, and
// every write reported done is stored and had them run first.
func TestGroupTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := map[string]bool{}
		hooked := map[string]bool{}
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				name := fmt.Sprintf("tag-%03d", i)
				err := db.GroupTx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: name}); err != nil {
						return err
					}
					tx.AfterCommit(func() {
						mu.Lock()
						hooked[name] = true
						mu.Unlock()
					})
					switch i % 10 {
					case 3:
						return errors.New("refused after writing")
					case 7:
						panic("boom")
					}
					return nil
				})
				mu.Lock()
				ok[name] = err == nil
				if err == nil && !hooked[name] {
					t.Errorf("%s: GroupTx returned before its AfterCommit call ran", name)
				}
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		tags, err := db.Read().Tags(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, tg := range tags {
			stored[tg.Name] = true
		}
		for name, acked := range ok {
			if acked != stored[name] {
				t.Errorf("%s: acknowledged %v, stored %v", name, acked, stored[name])
			}
			if hooked[name] != stored[name] {
				t.Errorf("%s: AfterCommit ran %v, stored %v", name, hooked[name], stored[name])
			}
		}
		if len(tags) != 160 {
			t.Errorf("%d tags stored, want 160 of 200 (every 3rd and 7th of ten refused)", len(tags))
		}
		// A duplicate inside a group fails alone, with its field error.
		err = db.GroupTx(ctx, func(tx *store.Tx) error { return tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: "TAG-000"}) })
		if f, code := fieldCode(err); f != "name" || code != sympoq.FieldDuplicate {
			t.Errorf("duplicate in a group: %v", err)
		}
	})
}

// TestAfterCommit: a transaction's AfterCommit calls run once it commits,
// never when it rolls back or before the commit.
func TestAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		ran := 0
		err := db.Tx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if err := tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: "kept"}); err != nil {
				return err
			}
			if ran != 0 {
				t.Errorf("AfterCommit ran before the commit")
			}
			return nil
		})
		if err != nil || ran != 1 {
			t.Errorf("committed Tx = %v, AfterCommit ran %d times, want nil and 1", err, ran)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			return errors.New("roll back")
		})
		if err == nil || ran != 1 {
			t.Errorf("rolled-back Tx = %v, AfterCommit ran %d times in all, want an error and 1", err, ran)
		}
		db.Read().AfterCommit(func() { ran++ })
		if ran != 1 {
			t.Errorf("AfterCommit on the read pool ran")
		}
	})
}

// TestGroupTxSearchIndex: search entries written in a group commit are
// indexed with their writes, and a write that fails takes its entries and
// text additions with it, whatever its neighbours in the group did.
func TestGroupTxSearchIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		set, err := db.Read().Settings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		cust := &sympoq.User{AccountID: a.ID, Kind: sympoq.KindCustomer, Name: "Carl Client", Email: "carl@example.com",
			Active: true, Role: sympoq.RoleCustomer}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, cust) }); err != nil {
			t.Fatal(err)
		}
		const n = 90
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.GroupTx(ctx, func(tx *store.Tx) error {
					now := tx.Now()
					tk := &sympoq.Ticket{AccountID: a.ID, DisplayID: fmt.Sprintf("G-%03d", i), Queue: set.General.DefaultQueue,
						Channel: sympoq.ChannelAPI, Priority: sympoq.PriorityNormal, Status: sympoq.StatusNew,
						Subject: fmt.Sprintf("subject%03d", i), Description: fmt.Sprintf("described%03d", i),
						ReportedBy: cust.Name, Customer: cust.ID, Created: now, Updated: now,
						Tags: []string{}, CustomFields: map[string]string{}}
					if ok, err := tx.CreateIndexedTicket(ctx, tk, cust.Name+" "+cust.Email); err != nil || !ok {
						return fmt.Errorf("create: %v, %v", ok, err)
					}
					if err := tx.IndexText(ctx, a.ID, tk.ID, fmt.Sprintf("replied%03d", i)); err != nil {
						return err
					}
					if err := tx.IndexInternalText(ctx, a.ID, tk.ID, fmt.Sprintf("noted%03d", i)); err != nil {
						return err
					}
					if i%3 == 1 {
						return errors.New("refused after indexing")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		find := func(word string, sc store.TicketScope) int {
			t.Helper()
			ts, _, err := db.Read().Tickets(ctx, a.ID, sc, store.TicketFilter{Q: word, Limit: 50})
			if err != nil {
				t.Fatalf("search %q: %v", word, err)
			}
			return len(ts)
		}
		admin := store.TicketScope{All: true, SeesInternal: true}
		for i := range n {
			want := 0
			if i%3 != 1 {
				want = 1
				if errs[i] != nil {
					t.Fatalf("write %d: %v", i, errs[i])
				}
			} else if errs[i] == nil {
				t.Fatalf("write %d succeeded", i)
			}
			for _, w := range []string{"subject%03d", "described%03d", "replied%03d", "noted%03d"} {
				if got := find(fmt.Sprintf(w, i), admin); got != want {
					t.Errorf("write %d: %q finds %d tickets, want %d", i, fmt.Sprintf(w, i), got, want)
				}
			}
		}
		// The customer's name is in every stored ticket's entry; internal
		// text only where internal text is searched.
		if got := find("carl", admin); got != 50 {
			t.Errorf("carl finds %d tickets on the first page, want 50", got)
		}
		if got := find("noted000", store.TicketScope{Customer: cust.ID}); got != 0 {
			t.Errorf("the customer finds an internal note: %d", got)
		}
		if db.Dialect() == store.SQLite {
			var rows, tickets int
			if err := db.Read().QueryRowForTest(ctx, `SELECT (SELECT count(*) FROM ticket_fts), (SELECT count(*) FROM tickets)`).Scan(&rows, &tickets); err != nil {
				t.Fatal(err)
			}
			if rows != tickets || tickets != 60 {
				t.Errorf("%d search rows for %d tickets, want 60 each", rows, tickets)
			}
		}
	})
}

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

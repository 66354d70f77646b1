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
// (by error or panic) is undone alone, and every write reported done is
// stored.
func TestGroupTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustAccount(t, db, "acme")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := map[string]bool{}
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				name := fmt.Sprintf("tag-%03d", i)
				err := db.GroupTx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateTag(ctx, &sympoq.Tag{AccountID: a.ID, Name: name}); err != nil {
						return err
					}
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

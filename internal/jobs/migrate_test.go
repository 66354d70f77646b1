package jobs_test

import (
	"context"
	"sync"
	"testing"

	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i := range 2 {
			if err := jobs.Migrate(context.Background(), db); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM river_migration`); n == 0 {
			t.Errorf("river_migration is empty after Migrate")
		}
	})
}

// TestMigrateConcurrently starts several migrations at once on an empty
// PostgreSQL schema, as processes starting together behind a load balancer
// do; they must take turns, not collide.
func TestMigrateConcurrently(t *testing.T) {
	db := storetest.Postgres(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = jobs.Migrate(context.Background(), db) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i+1, err)
		}
	}
}

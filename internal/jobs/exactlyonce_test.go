package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// itemJob is enqueued with each spike_items row; its worker records one
// spike_effects row.
type itemJob struct {
	Item int64 `json:"item"`
}

func (itemJob) Kind() string { return "test_item" }

type itemWorker struct {
	river.WorkerDefaults[itemJob]
	db *store.DB

	mu   sync.Mutex
	errs []error
}

func (w *itemWorker) Work(ctx context.Context, job *river.Job[itemJob]) error {
	err := w.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO spike_effects (job_id, item_id) VALUES ($1, $2)`,
			job.ID, job.Args.Item); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, w.db, tx, job)
	})
	if err != nil {
		w.mu.Lock()
		w.errs = append(w.errs, err)
		w.mu.Unlock()
	}
	return err
}

var errRollback = errors.New("roll back")

// TestExactlyOnce is the spike of design/jobs.md, kept so that a River or
// driver upgrade that breaks it is caught: many concurrent transactions each
// insert an application row and enqueue a job, every fifth rolls back; every
// committed job must take effect exactly once, and no rolled-back one at all.
// On SQLite it also proves that River lives on the store's single writer
// connection without deadlocking.
func TestExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if db.Dialect() == store.SQLite {
			if n := db.Writer().Stats().MaxOpenConnections; n != 1 {
				t.Fatalf("SQLite writer pool has %d connections, want 1 (the case under test)", n)
			}
		}
		// spike_effects has no key on job_id, so a second run would show.
		exec(t, db, `CREATE TABLE spike_items (id BIGINT PRIMARY KEY, n INTEGER NOT NULL)`)
		exec(t, db, `CREATE TABLE spike_effects (job_id BIGINT NOT NULL, item_id BIGINT NOT NULL)`)
		w := &itemWorker{db: db}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.Register(r, w) })
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		start(t, r)

		const writers = 16
		total := int64(1000)
		if raceEnabled && db.Dialect() == store.SQLite {
			total = 300
		}
		began := time.Now()
		var next atomic.Int64
		var mu sync.Mutex
		var enqueueErrs []error
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for {
					i := next.Add(1)
					if i > total {
						return
					}
					err := db.Tx(ctx, func(tx *store.Tx) error {
						if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO spike_items (id, n) VALUES ($1, $2)`, i, i*i); err != nil {
							return err
						}
						if err := r.Enqueue(ctx, tx, itemJob{Item: i}); err != nil {
							return err
						}
						if i%5 == 0 {
							return errRollback
						}
						return nil
					})
					if i%5 == 0 && errors.Is(err, errRollback) {
						continue
					}
					if err != nil {
						mu.Lock()
						enqueueErrs = append(enqueueErrs, fmt.Errorf("tx %d: %w", i, err))
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		enqueued := time.Since(began)
		if len(enqueueErrs) > 0 {
			t.Fatalf("%d transactions failed, first: %v", len(enqueueErrs), enqueueErrs[0])
		}

		committed := int(total - total/5)
		waitFor(t, 60*time.Second, "all committed jobs completed", func() bool {
			return count(t, db, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`, itemJob{}.Kind()) >= committed
		})
		t.Logf("%d transactions from %d writers in %v; all %d jobs done after %v",
			total, writers, enqueued.Round(time.Millisecond), committed, time.Since(began).Round(time.Millisecond))

		w.mu.Lock()
		if len(w.errs) > 0 {
			t.Errorf("%d worker errors, first: %v", len(w.errs), w.errs[0])
		}
		w.mu.Unlock()
		checks := []struct {
			what string
			q    string
			want int
		}{
			{"jobs of the kind (none for rolled-back transactions)", `SELECT count(*) FROM river_job WHERE kind = 'test_item'`, committed},
			{"jobs not completed", `SELECT count(*) FROM river_job WHERE kind = 'test_item' AND state <> 'completed'`, 0},
			{"committed items", `SELECT count(*) FROM spike_items`, committed},
			{"rolled-back items present", `SELECT count(*) FROM spike_items WHERE id % 5 = 0`, 0},
			{"effects", `SELECT count(*) FROM spike_effects`, committed},
			{"distinct jobs in effects", `SELECT count(DISTINCT job_id) FROM spike_effects`, committed},
			{"distinct items in effects", `SELECT count(DISTINCT item_id) FROM spike_effects`, committed},
			{"effects without their item", `SELECT count(*) FROM spike_effects e WHERE NOT EXISTS (SELECT 1 FROM spike_items i WHERE i.id = e.item_id)`, 0},
			{"jobs without their effect", `SELECT count(*) FROM river_job j WHERE j.kind = 'test_item' AND NOT EXISTS (SELECT 1 FROM spike_effects e WHERE e.job_id = j.id)`, 0},
		}
		for _, c := range checks {
			if got := count(t, db, c.q); got != c.want {
				t.Errorf("%s = %d, want %d", c.what, got, c.want)
			}
		}
	})
}

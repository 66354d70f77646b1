package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

type slowJob struct{}

func (slowJob) Kind() string { return "test_slow" }

// slowWorker takes d unless its context ends first.
type slowWorker struct {
	river.WorkerDefaults[slowJob]
	d         time.Duration
	started   chan struct{}
	finished  atomic.Bool
	cancelled atomic.Bool
}

func (w *slowWorker) Work(ctx context.Context, _ *river.Job[slowJob]) error {
	close(w.started)
	select {
	case <-time.After(w.d):
		w.finished.Store(true)
		return nil
	case <-ctx.Done():
		w.cancelled.Store(true)
		return ctx.Err()
	}
}

// runSlow enqueues one slow job, starts r and waits until the job runs.
func runSlow(t *testing.T, db *store.DB, d time.Duration) (*jobs.Runner, *slowWorker) {
	t.Helper()
	w := &slowWorker{d: d, started: make(chan struct{})}
	r := newRunner(t, db, func(r *jobs.Runner) { jobs.Register(r, w) })
	if err := db.Tx(context.Background(), func(tx *store.Tx) error { return r.Enqueue(context.Background(), tx, slowJob{}) }); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	select {
	case <-w.started:
	case <-time.After(10 * time.Second):
		t.Fatal("slow job did not start within 10s")
	}
	return r, w
}

func jobState(t *testing.T, db *store.DB) string {
	t.Helper()
	var s string
	if err := db.Writer().QueryRowContext(context.Background(), `SELECT state FROM river_job WHERE kind = 'test_slow'`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStopDrains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r, w := runSlow(t, db, 300*time.Millisecond)
		began := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if !w.finished.Load() || w.cancelled.Load() {
			t.Errorf("after Stop: job finished %v, cancelled %v; want finished, not cancelled", w.finished.Load(), w.cancelled.Load())
		}
		if d := time.Since(began); d < 200*time.Millisecond {
			t.Errorf("Stop returned after %v, before the job could finish", d)
		}
		if s := jobState(t, db); s != "completed" {
			t.Errorf("job state after Stop = %q, want completed", s)
		}
	})
}

func TestStopCancelsWhenOutOfTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r, w := runSlow(t, db, time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := r.Stop(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want deadline exceeded", err)
		}
		if !w.cancelled.Load() || w.finished.Load() {
			t.Errorf("after Stop: job cancelled %v, finished %v; want cancelled", w.cancelled.Load(), w.finished.Load())
		}
		if s := jobState(t, db); s == "completed" || s == "running" {
			t.Errorf("job state after a hard stop = %q, want it left to retry", s)
		}
	})
}

type longPeriodic struct{}

func (longPeriodic) Kind() string { return "test_long_periodic" }

type longPeriodicWorker struct {
	river.WorkerDefaults[longPeriodic]
	runs    atomic.Int32
	release chan struct{}
}

func (w *longPeriodicWorker) Work(ctx context.Context, _ *river.Job[longPeriodic]) error {
	w.runs.Add(1)
	select { // outlasts every interval of the test
	case <-w.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *longPeriodicWorker) Timeout(*river.Job[longPeriodic]) time.Duration { return time.Minute }

// A periodic job that outlasts its interval gathers no further runs behind
// it: one job of the kind exists until it ends.
func TestPeriodicJobDoesNotPileUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := &longPeriodicWorker{release: make(chan struct{})}
		r := newRunner(t, db, func(r *jobs.Runner) {
			jobs.Register(r, w)
			r.Every(50*time.Millisecond, longPeriodic{})
		})
		t.Cleanup(func() { close(w.release) }) // before the runner stops
		start(t, r)
		waitFor(t, 15*time.Second, "the periodic job runs", func() bool { return w.runs.Load() > 0 })
		time.Sleep(time.Second) // twenty intervals
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'test_long_periodic'`); n != 1 || w.runs.Load() != 1 {
			t.Errorf("%d jobs of the kind, %d runs, while the first still runs; want 1 and 1", n, w.runs.Load())
		}
	})
}

package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/store"
)

// newRunner migrates River's tables on db and returns a runner, not yet
// started, whose warnings go to the test log. register adds the workers.
// The runner is stopped when the test ends.
func newRunner(t *testing.T, db *store.DB, register func(r *jobs.Runner)) *jobs.Runner {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := jobs.New(db, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	register(r)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return r
}

func start(t *testing.T, r *jobs.Runner) {
	t.Helper()
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

// exec runs DDL or setup SQL on the writer pool.
func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Writer().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// count returns the result of a count(*) query. The store does not expose
// its read pool, so this reads on the writer, like River does.
func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Writer().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

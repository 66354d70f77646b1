package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// ReportsWorker keeps the daily report rollups current: it recomputes the
// days that ticket writes marked stale since the last run (desk.RefreshReports).
// Recomputing a day is idempotent, so a retry or an overlapping run is
// harmless.
type ReportsWorker struct {
	river.WorkerDefaults[desk.RollupReports]
	DB     *store.DB
	Logger *slog.Logger
}

// Timeout lets the first run after an upgrade rebuild every past day; it
// works in short transactions, so nothing waits on it for long.
func (w *ReportsWorker) Timeout(*river.Job[desk.RollupReports]) time.Duration { return time.Hour }

// Work recomputes every stale day.
func (w *ReportsWorker) Work(ctx context.Context, job *river.Job[desk.RollupReports]) error {
	start := time.Now()
	n, err := desk.RefreshReports(ctx, w.DB)
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "recomputed report rollups", "days", n, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return err
}

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

// Timeout bounds one run. The first run after an upgrade or a bulk import
// may have every past day to rebuild; it commits day by day, so a run that
// times out has kept its work and the next one goes on from there.
func (w *ReportsWorker) Timeout(*river.Job[desk.RollupReports]) time.Duration {
	return 10 * time.Minute
}

// Work recomputes every stale day.
func (w *ReportsWorker) Work(ctx context.Context, job *river.Job[desk.RollupReports]) error {
	start := time.Now()
	n, err := desk.RefreshReports(ctx, w.DB)
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "recomputed report rollups", "days", n, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return err
}

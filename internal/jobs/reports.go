package jobs

import (
	"cmp"
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
	// Budget is how long one run works before it leaves the rest to the
	// next (0: rollupBudget).
	Budget time.Duration
}

// rollupBudget bounds one run. The first run after an upgrade or a bulk
// import may have every past day to rebuild; it commits day by day, so a
// run that used its time has kept its work and the next one goes on.
const rollupBudget = 9 * time.Minute

// Timeout is past the budget, so that a run stops of its own accord.
func (w *ReportsWorker) Timeout(*river.Job[desk.RollupReports]) time.Duration {
	return 10 * time.Minute
}

// Work recomputes the stale days, within its budget.
func (w *ReportsWorker) Work(ctx context.Context, job *river.Job[desk.RollupReports]) error {
	start := time.Now()
	return withBudget(ctx, w.Logger, "report rollup", cmp.Or(w.Budget, rollupBudget), func(ctx context.Context) error {
		n, err := desk.RefreshReports(ctx, w.DB)
		if n > 0 && w.Logger != nil {
			w.Logger.InfoContext(ctx, "recomputed report rollups", "days", n, "elapsed", time.Since(start).Round(time.Millisecond))
		}
		return err
	})
}

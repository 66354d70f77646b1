package jobs

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq/internal/desk"
)

// ScheduleInterval is how often the scheduler runs (product.md §7: every
// minute), from the elected leader only.
const ScheduleInterval = time.Minute

// ScheduleWorker runs the scheduled actions and records service-target
// breaches in every account. Each change locks its ticket and checks the
// rule's fire record again, so a run that overlaps another (a retry, or a
// leader change) applies each action once.
type ScheduleWorker struct {
	river.WorkerDefaults[desk.RunScheduledActions]
	Desk   *desk.Service
	Logger *slog.Logger
	// Budget is how long one run works before it leaves the rest to the
	// next (0: scheduleBudget).
	Budget time.Duration
}

// scheduleBudget lets a run work for most of its interval. Each batch of
// tickets commits on its own, so a backlog (a bulk import, a new rule over
// many old tickets) is worked off a budget at a time.
const scheduleBudget = ScheduleInterval - 10*time.Second

// Work runs the scheduler once, within its budget.
func (w *ScheduleWorker) Work(ctx context.Context, job *river.Job[desk.RunScheduledActions]) error {
	return withBudget(ctx, w.Logger, "scheduler", cmp.Or(w.Budget, scheduleBudget), w.Desk.RunSchedule)
}

// Timeout is past the budget, so that a run stops of its own accord.
func (w *ScheduleWorker) Timeout(*river.Job[desk.RunScheduledActions]) time.Duration {
	return ScheduleInterval
}

// withBudget runs fn with a deadline d from now. Periodic work that commits
// as it goes stops there and leaves the rest to its next run: running out
// of time is not a failure. As an error it made River retry the job with a
// growing backoff, and the job, unique while it waits, then held back every
// run of its kind: at a million tickets the scheduler once ran only every
// few minutes, then every quarter of an hour.
func withBudget(ctx context.Context, logger *slog.Logger, what string, d time.Duration, fn func(context.Context) error) error {
	bctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := fn(bctx)
	if err != nil && bctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		if logger != nil {
			logger.InfoContext(ctx, what+" used its time; the next run goes on", "budget", d)
		}
		return nil
	}
	return err
}

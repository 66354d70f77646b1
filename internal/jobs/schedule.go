package jobs

import (
	"context"
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
	Desk *desk.Service
}

// Work runs the scheduler once.
func (w *ScheduleWorker) Work(ctx context.Context, job *river.Job[desk.RunScheduledActions]) error {
	return w.Desk.RunSchedule(ctx)
}

// Timeout lets a run take up to its interval; the next one starts fresh.
func (w *ScheduleWorker) Timeout(*river.Job[desk.RunScheduledActions]) time.Duration {
	return ScheduleInterval
}

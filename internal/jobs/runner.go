package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// Runner enqueues jobs and, once started, works them. It is a River client
// on the store's writer pool; on SQLite that pool is one connection, which
// River shares with the application (it never needs two at once). It also
// runs the outbox dispatcher, if one is registered (RegisterOutbox): email
// is not a River job.
type Runner struct {
	client  *river.Client[*sql.Tx]
	workers *river.Workers
	outbox  *Dispatcher
	started atomic.Bool
}

var _ desk.Enqueuer = (*Runner)(nil)

// Tuning. River's defaults poll once a second; these keep a job's latency
// near 100 ms.
const (
	maxWorkers        = 20
	fetchPollInterval = 100 * time.Millisecond
	fetchCooldown     = 20 * time.Millisecond
	jobTimeout        = 2 * time.Minute
	// rescueAfter is when a job still marked running is taken for the job
	// of a crashed process and retried. It exceeds every worker's timeout
	// (the longest is 10 minutes), so no live run is rescued. A periodic
	// job left running by a crash holds its kind back until then (Every).
	rescueAfter = 15 * time.Minute
	// hardStopGrace bounds the wait for cancelled jobs to return once a
	// graceful Stop has run out of time.
	hardStopGrace = 10 * time.Second
)

// New returns a runner on db with no workers; add them with Register, then
// Start. Migrate must have run.
func New(db *store.DB, logger *slog.Logger) (*Runner, error) {
	r := &Runner{workers: river.NewWorkers()}
	cfg := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		FetchPollInterval:    fetchPollInterval,
		FetchCooldown:        fetchCooldown,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		Logger:               logger,
		Workers:              r.workers,
	}
	var err error
	switch db.Dialect() {
	case store.SQLite:
		r.client, err = river.NewClient(riversqlite.New(db.Writer()), cfg)
	case store.Postgres:
		// Polling only: all SQL goes through database/sql. LISTEN/NOTIFY
		// (riverdatabasesql.NewWithPgxListener) would cut latency further.
		r.client, err = river.NewClient(riverdatabasesql.New(db.Writer()), cfg)
	default:
		err = fmt.Errorf("unknown dialect %q", db.Dialect())
	}
	if err != nil {
		return nil, fmt.Errorf("new job runner: %w", err)
	}
	return r, nil
}

// Register adds the worker of the jobs of type T. It must be called before
// Start, once per job kind; it panics otherwise, as a programming error.
func Register[T river.JobArgs](r *Runner, w river.Worker[T]) {
	if r.started.Load() {
		panic("jobs: Register after Start")
	}
	river.AddWorker(r.workers, w)
}

// Enqueue inserts job in tx, so that it exists exactly when tx commits. A
// job whose kind has no registered worker is refused.
func (r *Runner) Enqueue(ctx context.Context, tx *store.Tx, job desk.Job) error {
	if tx.SQL() == nil {
		return fmt.Errorf("enqueue %s: not in a write transaction", job.Kind())
	}
	// A desk.Job is a river.JobArgs: both are just Kind().
	if _, err := r.client.InsertTx(ctx, tx.SQL(), job, nil); err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// Start begins working jobs in the background. Only Stop ends that: the
// runner does not stop when ctx is cancelled, so that a shutdown can drain
// running jobs in order (HTTP first, then jobs, then the database).
func (r *Runner) Start(ctx context.Context) error {
	r.started.Store(true)
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job runner: %w", err)
	}
	if r.outbox != nil {
		r.outbox.start()
	}
	return nil
}

// Stop stops fetching jobs and claiming email, and waits for the running
// jobs and sends to finish and be recorded. If ctx ends first, it cancels
// them (River retries the jobs later, the messages are due again at once),
// waits briefly for them to return, and reports ctx's error.
func (r *Runner) Stop(ctx context.Context) error {
	outbox := make(chan error, 1)
	go func() { outbox <- r.outbox.stop(ctx) }()
	err := r.stopRiver(ctx)
	return errors.Join(err, <-outbox)
}

func (r *Runner) stopRiver(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop job runner: %w", err)
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
	defer cancel()
	return errors.Join(fmt.Errorf("stop job runner: running jobs cancelled: %w", err), r.client.StopAndCancel(hard))
}

// CompleteTx marks job completed inside tx, the transaction that makes the
// job's effect, so that a job whose effect is a database write has it
// exactly once: if tx rolls back, the job runs again. Call it from Work.
func CompleteTx[T river.JobArgs](ctx context.Context, db *store.DB, tx *store.Tx, job *river.Job[T]) error {
	if tx.SQL() == nil {
		return fmt.Errorf("complete job %d: not in a write transaction", job.ID)
	}
	var err error
	switch db.Dialect() {
	case store.SQLite:
		_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, tx.SQL(), job)
	case store.Postgres:
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQL(), job)
	default:
		err = fmt.Errorf("unknown dialect %q", db.Dialect())
	}
	if err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return nil
}

// Every enqueues job every interval, and once at start, from the elected
// leader only, so that several processes never run it twice. It is not
// enqueued again while one is still waiting, running or due for a retry: a
// run that outlasts its interval (a scheduler catching up after a bulk
// import) must not gather more runs behind it that then compete with it
// for the database. A process that crashes mid-run leaves its job marked
// running; the kind then waits for River to rescue it (rescueAfter).
func (r *Runner) Every(interval time.Duration, job desk.Job) {
	r.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return job, &periodicOpts }, &river.PeriodicJobOpts{RunOnStart: true}))
}

// periodicOpts keeps one job of a periodic kind pending at a time.
var periodicOpts = river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}}

package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sympoq/sympoq/internal/desk"
)

// ProcessMailWorker turns a received message into a ticket or a reply. The
// message's state changes in the same transaction as the ticket, and a
// message no longer new is skipped, so a second run changes nothing.
type ProcessMailWorker struct {
	river.WorkerDefaults[desk.ProcessMail]
	Desk *desk.Service
}

// Work processes the message.
func (w *ProcessMailWorker) Work(ctx context.Context, job *river.Job[desk.ProcessMail]) error {
	return w.Desk.ProcessMail(ctx, job.Args.AccountID, job.Args.MailID)
}

// ScheduleMailPolls is the periodic job that starts the polls of the
// mailboxes that are due.
type ScheduleMailPolls struct{}

// Kind names the job.
func (ScheduleMailPolls) Kind() string { return "schedule_mail_polls" }

// PollMailbox fetches the new messages of one IMAP mailbox.
type PollMailbox struct {
	AccountID int64 `json:"account_id"`
	MailboxID int64 `json:"mailbox_id"`
}

// Kind names the job.
func (PollMailbox) Kind() string { return "poll_mailbox" }

// InsertOpts makes a mailbox's poll unique while one is waiting or running,
// across every process of the deployment, so a mailbox is never polled
// twice at once; and runs it once: a failure is recorded on the mailbox and
// the next schedule tries again.
func (PollMailbox) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}

// pollEvery is how often the scheduler looks for mailboxes that are due.
const pollEvery = 30 * time.Second

// ScheduleMailPollsWorker enqueues a poll for every due mailbox.
type ScheduleMailPollsWorker struct {
	river.WorkerDefaults[ScheduleMailPolls]
	Desk   *desk.Service
	Runner *Runner
	Logger *slog.Logger
}

// Work enqueues the polls; a poll still waiting or running is not doubled.
func (w *ScheduleMailPollsWorker) Work(ctx context.Context, job *river.Job[ScheduleMailPolls]) error {
	due, err := w.Desk.DueMailboxes(ctx)
	if err != nil {
		return err
	}
	for _, m := range due {
		if _, err := w.Runner.client.Insert(ctx, PollMailbox{AccountID: m.AccountID, MailboxID: m.ID}, nil); err != nil {
			return err
		}
	}
	return nil
}

// PollMailboxWorker polls one mailbox.
type PollMailboxWorker struct {
	river.WorkerDefaults[PollMailbox]
	Desk   *desk.Service
	Logger *slog.Logger
}

// Timeout allows a poll of a full batch of large messages.
func (w *PollMailboxWorker) Timeout(*river.Job[PollMailbox]) time.Duration { return 10 * time.Minute }

// Work polls the mailbox.
func (w *PollMailboxWorker) Work(ctx context.Context, job *river.Job[PollMailbox]) error {
	n, err := w.Desk.PollMailbox(ctx, job.Args.AccountID, job.Args.MailboxID, false)
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "mailbox polled", "account", job.Args.AccountID, "mailbox", job.Args.MailboxID, "messages", n)
	}
	return err
}

// RegisterMail adds the inbound-mail workers and the poll schedule.
func RegisterMail(r *Runner, d *desk.Service, logger *slog.Logger) {
	Register(r, &ProcessMailWorker{Desk: d})
	Register(r, &PollMailboxWorker{Desk: d, Logger: logger})
	Register(r, &ScheduleMailPollsWorker{Desk: d, Runner: r, Logger: logger})
	r.Every(pollEvery, ScheduleMailPolls{})
}

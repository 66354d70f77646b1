package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// Dispatcher defaults.
const (
	defaultOutboxWorkers = 8
	defaultOutboxPoll    = 5 * time.Second
	// defaultLease outlasts a send (defaultSendTimeout) and the record of
	// its outcome, so that under normal operation no other process takes a
	// message that is being sent.
	defaultLease       = 5 * time.Minute
	defaultSendTimeout = 2 * time.Minute
	// defaultClaimBatch bounds one claim: the due messages taken at once,
	// which the workers then send one by one. A claim is a write (an
	// UPDATE of as many rows), and taking only as many messages as there
	// were free workers made it one claim per message under load.
	defaultClaimBatch = 64
	// defaultWakeGather is how long a wake-up waits before it claims, so
	// that the messages of the transactions that commit meanwhile are
	// claimed with it.
	defaultWakeGather = 20 * time.Millisecond
)

// Dispatcher delivers the outbox: the outbound messages the desk rendered
// and stored (store.CreateOutbound) in the transaction of the action that
// caused them. That row is the durable record of the email; no job is
// enqueued per message.
//
// Once its runner starts, the dispatcher claims due messages for a lease
// (store.ClaimOutbound), up to ClaimBatch in one claim, sends them on at
// most Workers goroutines, and records each outcome, which ends that
// message's claim. It looks for due messages once the ones it claimed are
// handed out: when woken (Wake: the desk calls it after a transaction that
// stored email commits; it waits 20 ms for more to commit first), after a
// full claim, and every Poll, which is how it finds the retries that fall
// due and the messages of other processes. Claiming as many as there were
// free workers made it one claim (a write) per message under load, and
// fell behind: during a burst of submissions most acknowledgements waited
// for the burst to end. Messages claimed but not yet sent when the
// dispatcher stops are given back. Any number of processes may run one on the
// same database: a claim is exclusive until its lease ends, and the lease of
// a process that died mid-send lapses, so another sends the message again.
// Delivery is therefore at least once, always with the same Message-ID, by
// which receivers recognise a repeat.
//
// A temporary failure is retried with exponential backoff; a permanent
// refusal (5xx), or the last failed attempt, marks the message failed and
// leaves a visible event on its ticket, so nothing is dropped silently.
type Dispatcher struct {
	DB *store.DB
	// Sender is the deployment's: SMTP from --smtp-url, else the outbox
	// directory.
	Sender Sender
	// SenderFor makes the sender of an account's own SMTP URL; nil:
	// mail.NewSMTPSender.
	SenderFor func(smtpURL string) (Sender, error)
	// NoAccountSMTP ignores the SMTP servers accounts set for themselves
	// (a deployment that hosts accounts it does not trust).
	NoAccountSMTP bool
	// MaxAttempts is how many deliveries are tried; 0: 8.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after attempt n failed; nil:
	// 30 s doubling up to 2 h.
	Backoff func(attempt int) time.Duration
	Logger  *slog.Logger // nil: no log
	// Workers bounds the sends in progress, so that a slow SMTP server
	// holds up only that many; 0: 8.
	Workers int
	// Poll is how often the outbox is checked without a wake-up; 0: 5 s.
	Poll time.Duration
	// Lease is how long a claimed message is held before another process
	// may take it; 0: 5 min. It must outlast SendTimeout.
	Lease time.Duration
	// SendTimeout bounds one send; 0: 2 min.
	SendTimeout time.Duration
	// ClaimBatch bounds the messages one claim takes; 0: 64.
	ClaimBatch int

	once     sync.Once
	ownSMTP  sync.Map // account id → when it was last seen without its own SMTP server (noOwnSMTP)
	wake     chan struct{}
	quit     chan struct{} // closed by stop: claim no more
	stopOnce sync.Once
	done     chan struct{} // closed when the loop has returned; nil: never started
	cancel   context.CancelFunc
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.quit = make(chan struct{})
	})
}

// Wake makes a started dispatcher look for due messages now. It never
// blocks: wake-ups that arrive while one is pending are one.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Deliver sends the messages that are due, one at a time, and returns how
// many it attempted: the dispatcher's work without its loop, for a process
// whose runner is not started.
func (d *Dispatcher) Deliver(ctx context.Context) (int, error) {
	n := 0
	for {
		ms, claimed, err := d.claim(ctx, d.workers())
		if err != nil || len(ms) == 0 {
			return n, err
		}
		for _, m := range ms {
			_ = d.attempt(ctx, m, claimed) // a retry falls due later: not waited for
			n++
		}
	}
}

// start runs the loop until stop; Runner.Start calls it.
func (d *Dispatcher) start() {
	d.init()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go d.run(ctx)
}

// stop claims no more and waits for the sends in progress and the record of
// their outcome. If ctx ends first, it cancels them (their claims are
// released, not counted as attempts) and waits briefly for them to return.
func (d *Dispatcher) stop(ctx context.Context) error {
	if d == nil || d.done == nil {
		return nil
	}
	d.stopOnce.Do(func() { close(d.quit) })
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
	}
	d.cancel()
	select {
	case <-d.done:
	case <-time.After(hardStopGrace):
		return fmt.Errorf("stop outbox: sends still running %v after cancelling them", hardStopGrace)
	}
	return fmt.Errorf("stop outbox: sends cancelled: %w", ctx.Err())
}

func (d *Dispatcher) run(ctx context.Context) {
	defer close(d.done)
	defer d.cancel()
	workers, batch := d.workers(), cmp.Or(d.ClaimBatch, defaultClaimBatch)
	poll := time.NewTicker(cmp.Or(d.Poll, defaultOutboxPoll))
	defer poll.Stop()
	// retry fires when the earliest retry this process scheduled is due,
	// which may be well before the next poll.
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	var retryAt time.Time
	// finished carries each send's scheduled retry wait (0: none).
	finished := make(chan time.Duration, workers)
	// queue holds the claimed messages no worker has taken yet.
	var queue []claimedMsg
	busy := 0
	due := true // messages may be due: claim once the queue is empty
	var gather <-chan time.Time
	for {
		select {
		case <-d.quit:
			d.release(ctx, queue)
			for ; busy > 0; busy-- {
				<-finished
			}
			return
		default:
		}
		for busy < workers && len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			busy++
			go func() { finished <- d.attempt(ctx, c.m, c.claimed) }()
		}
		if due && len(queue) == 0 {
			ms, claimed, err := d.claim(ctx, batch)
			if err != nil && ctx.Err() == nil && d.Logger != nil {
				d.Logger.WarnContext(ctx, "outbox claim failed", "err", err)
			}
			for _, m := range ms {
				queue = append(queue, claimedMsg{m: m, claimed: claimed})
			}
			// A full claim may have left more: claim again once the
			// queue is empty.
			due = err == nil && len(ms) == batch
			if len(queue) > 0 && busy < workers {
				continue
			}
		}
		select {
		case <-d.quit:
		case wait := <-finished:
			busy--
			if at := time.Now().Add(wait); wait > 0 && (retryAt.IsZero() || at.Before(retryAt)) {
				retryAt = at
				retry.Reset(wait)
			}
		case <-retry.C:
			retryAt, due = time.Time{}, true
		case <-d.wake:
			if gather == nil {
				gather = time.After(defaultWakeGather)
			}
		case <-gather:
			gather, due = nil, true
		case <-poll.C:
			due = true
		}
	}
}

// claimedMsg is a message claimed until claimed.
type claimedMsg struct {
	m       *sympoq.OutboundMessage
	claimed time.Time
}

// release gives back the claims of messages that were claimed but not
// sent when the dispatcher stops, so that another process need not wait
// for their leases to lapse.
func (d *Dispatcher) release(ctx context.Context, queue []claimedMsg) {
	rec := context.WithoutCancel(ctx)
	for _, c := range queue {
		err := d.DB.GroupTx(rec, func(tx *store.Tx) error { return tx.ReleaseOutbound(rec, c.m.AccountID, c.m.ID, c.claimed) })
		d.recorded(rec, c.m, err, "released")
	}
}

func (d *Dispatcher) workers() int { return cmp.Or(d.Workers, defaultOutboxWorkers) }

// claim takes up to n due messages for a lease. On SQLite it shares the
// group commit with the desk's writes.
func (d *Dispatcher) claim(ctx context.Context, n int) ([]*sympoq.OutboundMessage, time.Time, error) {
	var ms []*sympoq.OutboundMessage
	var claimed time.Time
	err := d.DB.GroupTx(ctx, func(tx *store.Tx) error {
		claimed = tx.Now().Add(cmp.Or(d.Lease, defaultLease))
		var err error
		ms, err = tx.ClaimOutbound(context.WithoutCancel(ctx), n, claimed)
		return err
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return ms, claimed, nil
}

// sendEmail is the job that delivered one outbound message before the
// outbox dispatcher existed. Such jobs may still wait in River after an
// upgrade; the messages they name are queued rows, which the dispatcher
// delivers, so the job only wakes it and completes. Sending here as well
// would send those messages twice.
type sendEmail struct {
	AccountID int64 `json:"account_id"`
	Outbound  int64 `json:"outbound_id"`
}

// Kind names the job.
func (sendEmail) Kind() string { return "send_email" }

type sendEmailWorker struct {
	river.WorkerDefaults[sendEmail]
	d *Dispatcher
}

func (w *sendEmailWorker) Work(context.Context, *river.Job[sendEmail]) error {
	w.d.Wake()
	return nil
}

// RegisterOutbox makes r run d from Start to Stop, and registers the worker
// that completes the send_email jobs of earlier releases. It must be called
// before Start, at most once.
func RegisterOutbox(r *Runner, d *Dispatcher) {
	if r.outbox != nil {
		panic("jobs: RegisterOutbox twice")
	}
	Register(r, &sendEmailWorker{d: d})
	r.outbox = d
}

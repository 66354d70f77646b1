package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// fakeSender records every send by Message-ID. fail, if set, decides the
// outcome of the try-th send of a message (1-based); block, if set, is
// waited for (or the send's context) before each send.
type fakeSender struct {
	fail   func(try int) error
	block  chan struct{}
	began  chan string            // receives each Message-ID as its send begins; may be nil
	during func(messageID string) // called in each send; may be nil

	mu    sync.Mutex
	tries map[string]int
	sent  map[string]int
}

func (s *fakeSender) Send(ctx context.Context, m mail.Message) error {
	if s.began != nil {
		s.began <- m.MessageID
	}
	if s.during != nil {
		s.during(m.MessageID)
	}
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tries == nil {
		s.tries, s.sent = map[string]int{}, map[string]int{}
	}
	s.tries[m.MessageID]++
	if s.fail != nil {
		if err := s.fail(s.tries[m.MessageID]); err != nil {
			return err
		}
	}
	s.sent[m.MessageID]++
	return nil
}

func (s *fakeSender) sentOf(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent["<"+messageID+">"]
}

func (s *fakeSender) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.sent {
		n += c
	}
	return n
}

// outboxEnv is an account with a pinned database clock, on which tests
// store messages and advance time.
type outboxEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	d     *desk.Service
	acct  int64
	clock atomic.Int64 // unix micros
}

func newOutboxEnv(t *testing.T, db *store.DB) *outboxEnv {
	t.Helper()
	e := &outboxEnv{t: t, ctx: context.Background(), db: db}
	e.clock.Store(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).UnixMicro())
	db.Now = e.now
	// The desk enqueues no job for email: a runner that is never started
	// is its Enqueuer.
	e.d = desk.New(db, newRunner(t, db, func(*jobs.Runner) {}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := e.d.CreateAccount(e.ctx, "acme", "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.acct = c.Account.ID
	return e
}

// newAccountOutboxEnv is an account named name on the database's own clock,
// for tests that only store messages and run a dispatcher over them.
func newAccountOutboxEnv(t *testing.T, db *store.DB, name string) *outboxEnv {
	t.Helper()
	e := &outboxEnv{t: t, ctx: context.Background(), db: db}
	c, err := desk.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).CreateAccount(e.ctx, name, "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.acct = c.Account.ID
	return e
}

func (e *outboxEnv) now() time.Time          { return time.UnixMicro(e.clock.Load()).UTC() }
func (e *outboxEnv) advance(d time.Duration) { e.clock.Add(d.Microseconds()) }

// ticket submits a ticket for a new customer; its acknowledgement
// (NEW_REQUEST) is the one queued message, which ticket returns.
func (e *outboxEnv) ticket() (*desk.TicketView, *sympoq.OutboundMessage) {
	e.t.Helper()
	v, err := e.d.Submit(e.ctx, desk.System(e.acct), desk.SubmitInput{Subject: desk.Some("Printer"), Description: desk.Some("On fire."),
		Customer: desk.Some(desk.CustomerInput{Email: desk.Some("carol@example.com"), Name: desk.Some("Carol")})})
	if err != nil {
		e.t.Fatal(err)
	}
	outs, err := e.db.Read().OutboundMessages(e.ctx, e.acct, v.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(outs) != 1 || outs[0].Status != sympoq.OutQueued {
		e.t.Fatalf("after Submit: outbound %+v, want one queued", outs)
	}
	return v, outs[0]
}

// message stores n messages without a ticket, in one transaction each.
func (e *outboxEnv) messages(n int) []*sympoq.OutboundMessage {
	e.t.Helper()
	var out []*sympoq.OutboundMessage
	for i := range n {
		m := &sympoq.OutboundMessage{AccountID: e.acct, Template: sympoq.TplPasswordReset, MessageID: fmt.Sprintf("m%d-%d@acme.test", i, e.clock.Load()),
			From: "desk@acme.test", ToAddr: fmt.Sprintf("u%d@example.com", i), Subject: "Hello", Text: "Hi", Headers: map[string]string{}}
		if err := e.db.Tx(e.ctx, func(tx *store.Tx) error { return tx.CreateOutbound(e.ctx, m) }); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (e *outboxEnv) outbound(id int64) *sympoq.OutboundMessage {
	e.t.Helper()
	m, err := e.db.Read().Outbound(e.ctx, e.acct, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// deliver runs d once and checks how many messages it attempted.
func (e *outboxEnv) deliver(d *jobs.Dispatcher, want int) {
	e.t.Helper()
	n, err := d.Deliver(e.ctx)
	if err != nil || n != want {
		e.t.Fatalf("Deliver = %d, %v; want %d attempted", n, err, want)
	}
}

// TestOutboxDelivers: a started dispatcher sends the message of a
// committed action once, woken by the commit (it would not poll within the
// test), with the stored Message-ID, and records it sent.
func TestOutboxDelivers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sender := &fakeSender{}
		outbox := &jobs.Dispatcher{DB: db, Sender: sender, Poll: time.Hour}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) })
		d := desk.New(db, r, slog.New(slog.NewTextHandler(io.Discard, nil)), desk.WithOutboxWake(outbox.Wake))
		c, err := d.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
		// The dispatcher looks once as it starts, which may find the first
		// message; by the time that is sent, only a wake-up can find the
		// second.
		for i := range 2 {
			v, err := d.Submit(ctx, desk.System(c.Account.ID), desk.SubmitInput{Description: desk.Some("On fire."),
				Customer: desk.Some(desk.CustomerInput{Email: desk.Some(fmt.Sprintf("carol%d@example.com", i))})})
			if err != nil {
				t.Fatal(err)
			}
			var m *sympoq.OutboundMessage
			waitFor(t, 10*time.Second, "message sent", func() bool {
				outs, err := db.Read().OutboundMessages(ctx, c.Account.ID, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				m = outs[0]
				return m.Status == sympoq.OutSent
			})
			if n := sender.sentOf(m.MessageID); n != 1 || sender.total() != i+1 {
				t.Errorf("message %s sent %d times (%d sends in all), want once", m.MessageID, n, sender.total())
			}
			if m.Attempts != 1 || m.Sent.IsZero() || !m.NextAttempt.IsZero() || m.LastError != "" {
				t.Errorf("sent message: attempts %d, sent %v, next %v, error %q; want 1 attempt, a send time, nothing due",
					m.Attempts, m.Sent, m.NextAttempt, m.LastError)
			}
		}
		// Nothing is due any more.
		if n, err := outbox.Deliver(ctx); err != nil || n != 0 || sender.total() != 2 {
			t.Errorf("Deliver after the send = %d, %v, %d sends; want nothing more", n, err, sender.total())
		}
	})
}

// TestOutboxRetries: a temporary failure is retried on the schedule (30 s,
// then 60 s), not before, and then delivered; the attempts are counted.
func TestOutboxRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newOutboxEnv(t, db)
		sender := &fakeSender{fail: func(try int) error {
			if try <= 2 {
				return errors.New("451 try again later")
			}
			return nil
		}}
		d := &jobs.Dispatcher{DB: db, Sender: sender}
		_, m := e.ticket()
		for i, wait := range []time.Duration{30 * time.Second, 60 * time.Second} {
			e.deliver(d, 1)
			got := e.outbound(m.ID)
			if got.Status != sympoq.OutQueued || got.Attempts != i+1 || !strings.Contains(got.LastError, "451") ||
				!got.NextAttempt.Equal(e.now().Add(wait)) {
				t.Fatalf("after failed attempt %d: %s, %d attempts, error %q, next %v; want queued, next at %v",
					i+1, got.Status, got.Attempts, got.LastError, got.NextAttempt, e.now().Add(wait))
			}
			e.advance(wait - time.Second)
			e.deliver(d, 0) // not yet due
			e.advance(time.Second)
		}
		e.deliver(d, 1)
		got := e.outbound(m.ID)
		if got.Status != sympoq.OutSent || got.Attempts != 3 {
			t.Errorf("after the third attempt: %s, %d attempts; want sent, 3", got.Status, got.Attempts)
		}
		if n := sender.sentOf(m.MessageID); n != 1 {
			t.Errorf("accepted %d times, want once", n)
		}
	})
}

// TestOutboxGivesUp: the last temporary failure, or a permanent one at
// once, marks the message failed and leaves the internal "Not delivered"
// event on its ticket.
func TestOutboxGivesUp(t *testing.T) {
	for _, c := range []struct {
		name     string
		err      error
		attempts int
	}{
		{"temporary", errors.New("451 mailbox busy"), 3},
		{"permanent", &mail.PermanentError{Err: errors.New("550 no such user")}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newOutboxEnv(t, db)
				sender := &fakeSender{fail: func(int) error { return c.err }}
				d := &jobs.Dispatcher{DB: db, Sender: sender, MaxAttempts: 3}
				tk, m := e.ticket()
				for range c.attempts {
					e.deliver(d, 1)
					e.advance(time.Hour)
				}
				e.deliver(d, 0)
				got := e.outbound(m.ID)
				if got.Status != sympoq.OutFailed || got.Attempts != c.attempts || got.LastError != c.err.Error() {
					t.Errorf("outbound: %s, %d attempts, error %q; want failed after %d with %q",
						got.Status, got.Attempts, got.LastError, c.attempts, c.err)
				}
				v, err := e.d.Ticket(e.ctx, desk.System(e.acct), tk.DisplayID, true)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("Not delivered after %d attempts: Carol carol@example.com : %s: %s (%s)",
					c.attempts, sympoq.TplNewRequest, m.Subject, c.err)
				var events []string
				for _, ev := range v.Events {
					if ev.Action == sympoq.EvNotified && strings.HasPrefix(ev.Description, "Not delivered") {
						events = append(events, ev.Description)
						if ev.Visibility != sympoq.Internal {
							t.Errorf("failure event visibility %v, want internal", ev.Visibility)
						}
					}
				}
				if len(events) != 1 || events[0] != want {
					t.Errorf("failure events %q, want [%q]", events, want)
				}
			})
		})
	}
}

// TestOutboxTwoProcesses: two started runners on one database, each with
// its dispatcher, compete for the same messages; each is sent exactly
// once.
func TestOutboxTwoProcesses(t *testing.T) {
	storetest.EachShared(t, func(t *testing.T, db, other *store.DB) {
		e := newOutboxEnv(t, db)
		other.Now = e.now
		sender := &fakeSender{}
		for _, h := range []*store.DB{db, other} {
			outbox := &jobs.Dispatcher{DB: h, Sender: sender, Workers: 3, Poll: 10 * time.Millisecond}
			start(t, newRunner(t, h, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) }))
		}
		const n = 120
		ms := e.messages(n)
		waitFor(t, 60*time.Second, "every message sent", func() bool {
			return count(t, db, `SELECT count(*) FROM outbound_messages WHERE status = 'sent'`) == n
		})
		for _, m := range ms {
			if c := sender.sentOf(m.MessageID); c != 1 {
				t.Errorf("message %s sent %d times, want once", m.MessageID, c)
			}
		}
		if c := sender.total(); c != n {
			t.Errorf("%d sends for %d messages", c, n)
		}
		if c := count(t, db, `SELECT count(*) FROM outbound_messages WHERE attempts <> 1`); c != 0 {
			t.Errorf("%d messages recorded with other than one attempt", c)
		}
	})
}

// TestOutboxLeaseLapses: a dispatcher that stops answering mid-send (its
// process hung or died) holds the message only until its lease ends; then
// another sends it, with the same Message-ID, and the first one's late
// record is refused.
func TestOutboxLeaseLapses(t *testing.T) {
	storetest.EachShared(t, func(t *testing.T, db, other *store.DB) {
		e := newOutboxEnv(t, db)
		other.Now = e.now
		hung := &fakeSender{block: make(chan struct{}), began: make(chan string, 1)}
		first := &jobs.Dispatcher{DB: db, Sender: hung, Lease: time.Minute}
		fresh := &fakeSender{}
		second := &jobs.Dispatcher{DB: other, Sender: fresh, Lease: time.Minute}
		m := e.messages(1)[0]

		done := make(chan int)
		go func() {
			n, _ := first.Deliver(e.ctx)
			done <- n
		}()
		if id := <-hung.began; id != "<"+m.MessageID+">" {
			t.Fatalf("first dispatcher sends %s, want %s", id, m.MessageID)
		}
		e.deliver(second, 0) // held by the first
		e.advance(time.Minute - time.Second)
		e.deliver(second, 0)
		e.advance(time.Second)
		e.deliver(second, 1) // the lease has lapsed
		if got := e.outbound(m.ID); got.Status != sympoq.OutSent || got.Attempts != 1 || fresh.sentOf(m.MessageID) != 1 {
			t.Fatalf("after the lapse: %s, %d attempts, sent %d times by the second; want sent once", got.Status, got.Attempts,
				fresh.sentOf(m.MessageID))
		}
		// The first one's send completes at last: it is not recorded over
		// the second's.
		close(hung.block)
		if n := <-done; n != 1 {
			t.Errorf("first dispatcher attempted %d, want 1", n)
		}
		if got := e.outbound(m.ID); got.Status != sympoq.OutSent || got.Attempts != 1 {
			t.Errorf("after the late send: %s, %d attempts; want sent, 1 attempt", got.Status, got.Attempts)
		}
	})
}

// TestOutboxStop: Stop waits for a send in progress and records it; out of
// time, it cancels the send and releases the message, due again at once
// and not counted as an attempt.
func TestOutboxStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, graceful := range []bool{true, false} {
			e := newAccountOutboxEnv(t, db, fmt.Sprint("acme-", graceful))
			sender := &fakeSender{block: make(chan struct{}), began: make(chan string, 1)}
			outbox := &jobs.Dispatcher{DB: db, Sender: sender, Poll: time.Hour}
			r := newRunner(t, db, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) })
			m := e.messages(1)[0]
			start(t, r)
			<-sender.began
			ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
			if graceful {
				// Released after Stop has begun: Stop must wait for the
				// send and for its record, which the check below reads.
				cancel()
				ctx, cancel = context.WithTimeout(e.ctx, 10*time.Second)
				time.AfterFunc(300*time.Millisecond, func() { close(sender.block) })
			}
			err := r.Stop(ctx)
			cancel()
			got := e.outbound(m.ID)
			if graceful {
				if err != nil || got.Status != sympoq.OutSent || sender.sentOf(m.MessageID) != 1 {
					t.Errorf("graceful Stop = %v; message %s after %d attempts; want nil, sent", err, got.Status, got.Attempts)
				}
				continue
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Stop out of time = %v, want deadline exceeded", err)
			}
			if got.Status != sympoq.OutQueued || got.Attempts != 0 || got.LastError != "" {
				t.Errorf("cancelled send: %s, %d attempts, error %q; want queued, not counted", got.Status, got.Attempts, got.LastError)
			}
			if n := count(t, db, `SELECT count(*) FROM outbound_messages WHERE id = $1 AND claimed_until = 0`, m.ID); n != 1 {
				t.Errorf("cancelled send left its claim")
			}
		}
	})
}

// TestOutboxClaimsInBatches: the dispatcher claims the due messages in
// one claim, not one per free worker, and gives back the claims of those
// it has not begun to send when it stops.
func TestOutboxClaimsInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAccountOutboxEnv(t, db, "acme")
		ms := e.messages(6)
		sender := &fakeSender{block: make(chan struct{}), began: make(chan string, len(ms))}
		outbox := &jobs.Dispatcher{DB: db, Sender: sender, Workers: 1, ClaimBatch: 10, Poll: time.Hour}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) })
		start(t, r)
		<-sender.began // one worker: one send begins, the rest wait claimed
		claimed := `SELECT count(*) FROM outbound_messages WHERE account_id = $1 AND status = 'queued' AND claimed_until > 0`
		if n := count(t, db, claimed, e.acct); n != len(ms) {
			t.Fatalf("%d of %d due messages claimed while the first is sent, want all in one claim", n, len(ms))
		}
		ctx, cancel := context.WithTimeout(e.ctx, 100*time.Millisecond)
		defer cancel()
		if err := r.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want deadline exceeded (the send blocks)", err)
		}
		if n := count(t, db, claimed, e.acct); n != 0 {
			t.Errorf("%d messages still claimed after Stop, want their claims given back", n)
		}
		if n := sender.total(); n != 0 {
			t.Errorf("%d messages sent, want none", n)
		}
	})
}

// legacySendEmail is the job args of releases before the outbox dispatcher.
type legacySendEmail struct {
	AccountID int64 `json:"account_id"`
	Outbound  int64 `json:"outbound_id"`
}

func (legacySendEmail) Kind() string { return "send_email" }

// TestOutboxUpgrade: a message stored the way earlier releases did (without
// the dispatcher's columns), with its send_email job still waiting, is
// sent once, and the job completes.
func TestOutboxUpgrade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sender := &fakeSender{}
		outbox := &jobs.Dispatcher{DB: db, Sender: sender, Poll: time.Hour}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) })
		c, err := desk.New(db, r, slog.New(slog.NewTextHandler(io.Discard, nil))).CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			var id int64
			err := tx.SQL().QueryRowContext(ctx, `INSERT INTO outbound_messages (account_id, template, message_id, from_addr, to_name,
				to_addr, subject, text_body, html_body, headers, status, attempts, last_error, created_at)
				VALUES ($1, 'PASSWORD_RESET', 'old@acme.test', 'desk@acme.test', '', 'u@example.com', 'Hi', 'x', '', '{}', 'queued', 2,
				'451 busy', $2) RETURNING id`, c.Account.ID, time.Now().UnixMicro()).Scan(&id)
			if err != nil {
				return err
			}
			return r.Enqueue(ctx, tx, legacySendEmail{AccountID: c.Account.ID, Outbound: id})
		})
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
		waitFor(t, 10*time.Second, "send_email job completed and message sent", func() bool {
			return count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND state = 'completed'`) == 1 &&
				count(t, db, `SELECT count(*) FROM outbound_messages WHERE status = 'sent' AND attempts = 3`) == 1
		})
		if n := sender.sentOf("old@acme.test"); n != 1 || sender.total() != 1 {
			t.Errorf("old message sent %d times (%d sends), want once", n, sender.total())
		}
	})
}

// TestOutboxConcurrentOutcomes: the outcomes of concurrent sends are each
// recorded as their own: every message sent once and recorded sent, except
// one whose claim another process took during its send, which stays that
// process's, queued.
func TestOutboxConcurrentOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAccountOutboxEnv(t, db, "acme")
		ms := e.messages(60)
		taken := ms[17]
		other := time.Now().Add(time.Hour).UnixMicro()
		sender := &fakeSender{during: func(id string) {
			if id == "<"+taken.MessageID+">" {
				// Another process's claim, as if this one's had lapsed.
				if _, err := db.Writer().ExecContext(e.ctx, `UPDATE outbound_messages SET claimed_until = $1 WHERE id = $2`, other, taken.ID); err != nil {
					t.Error(err)
				}
			}
			time.Sleep(time.Millisecond) // sends overlap, outcomes arrive together
		}}
		outbox := &jobs.Dispatcher{DB: db, Sender: sender, Workers: 8, ClaimBatch: 64, Poll: time.Hour}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.RegisterOutbox(r, outbox) })
		start(t, r)
		waitFor(t, 20*time.Second, "every message sent", func() bool { return sender.total() == len(ms) })
		waitFor(t, 10*time.Second, "every outcome recorded", func() bool {
			return count(t, db, `SELECT count(*) FROM outbound_messages WHERE account_id = $1 AND status = 'sent'`, e.acct) == len(ms)-1
		})
		for _, m := range ms {
			got := e.outbound(m.ID)
			if n := sender.sentOf(m.MessageID); n != 1 {
				t.Errorf("message %d sent %d times, want once", m.ID, n)
			}
			switch {
			case m.ID == taken.ID:
				if got.Status != sympoq.OutQueued || got.Attempts != 0 {
					t.Errorf("message claimed by another process: status %s, %d attempts; want queued, none recorded", got.Status, got.Attempts)
				}
			case got.Status != sympoq.OutSent || got.Attempts != 1:
				t.Errorf("message %d: status %s, %d attempts; want sent, 1", m.ID, got.Status, got.Attempts)
			}
		}
	})
}

// TestOutboxAccountSMTP: an account without an SMTP server of its own gets
// the deployment's sender; once it sets one, its messages go there within
// a second (the dispatcher reads the mail settings again after that long).
func TestOutboxAccountSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAccountOutboxEnv(t, db, "acme")
		deployment, own := &fakeSender{}, &fakeSender{}
		var urls []string
		outbox := &jobs.Dispatcher{DB: db, Sender: deployment, Poll: time.Hour, SenderFor: func(u string) (jobs.Sender, error) {
			urls = append(urls, u)
			return own, nil
		}}
		e.messages(1)
		e.deliver(outbox, 1)
		if err := db.Tx(e.ctx, func(tx *store.Tx) error {
			return tx.SaveMailSettings(e.ctx, &sympoq.MailSettings{AccountID: e.acct, SMTPURL: "smtp://relay.acme.test:25"})
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second + 50*time.Millisecond)
		e.clock.Store(1) // other Message-IDs
		e.messages(2)
		e.deliver(outbox, 2)
		if deployment.total() != 1 || own.total() != 2 || len(urls) != 2 || urls[0] != "smtp://relay.acme.test:25" {
			t.Errorf("deployment sent %d, the account's server %d (made for %q); want 1 and 2", deployment.total(), own.total(), urls)
		}
	})
}

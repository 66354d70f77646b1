package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
)

// Delivery retries: by default 8 attempts over about 4 hours.
const (
	defaultMaxAttempts = 8
	firstBackoff       = 30 * time.Second
	maxBackoff         = 2 * time.Hour
)

// backoff is the wait before the attempt after attempt n failed.
func (d *Dispatcher) backoff(n int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(n)
	}
	return min(firstBackoff<<min(n-1, 12), maxBackoff)
}

// attempt sends m, which d holds until claimed, and records the outcome.
// The outcome is recorded even when ctx ends during the send: a send that
// was cancelled releases its claim instead of counting as an attempt. It
// returns the wait before the retry it scheduled, if any.
func (d *Dispatcher) attempt(ctx context.Context, m *sympoq.OutboundMessage, claimed time.Time) (retry time.Duration) {
	n := m.Attempts + 1
	sendCtx, cancel := context.WithTimeout(ctx, cmp.Or(d.SendTimeout, defaultSendTimeout))
	sender, err := d.senderOf(sendCtx, m.AccountID)
	var sendErr error
	if err != nil {
		sendErr = &mail.PermanentError{Err: fmt.Errorf("account SMTP settings: %w", err)}
	} else {
		sendErr = sender.Send(sendCtx, toMessage(m))
	}
	cancel()
	rec := context.WithoutCancel(ctx)
	switch {
	case sendErr == nil:
		d.recorded(rec, m, d.recordSent(rec, m, claimed), "sent")
		return 0
	case ctx.Err() != nil:
		// Stopped: another process, or this one once restarted, sends it.
		err = d.DB.GroupTx(rec, func(tx *store.Tx) error { return tx.ReleaseOutbound(rec, m.AccountID, m.ID, claimed) })
		d.recorded(rec, m, err, "released")
		return 0
	}
	reason := errorText(sendErr)
	if !mail.IsPermanent(sendErr) && n < d.maxAttempts() {
		wait := d.backoff(n)
		err = d.DB.GroupTx(rec, func(tx *store.Tx) error {
			return tx.OutboundAttempt(rec, m.AccountID, m.ID, claimed, sympoq.OutQueued, reason, tx.Now().Add(wait))
		})
		d.recorded(rec, m, err, "retry")
		if err != nil {
			return 0
		}
		if d.Logger != nil {
			d.Logger.InfoContext(ctx, "email not delivered yet", "outbound_id", m.ID, "to", m.ToAddr, "attempt", n,
				"max_attempts", d.maxAttempts(), "reason", reason)
		}
		return wait
	}
	err = d.DB.GroupTx(rec, func(tx *store.Tx) error {
		if err := tx.OutboundAttempt(rec, m.AccountID, m.ID, claimed, sympoq.OutFailed, reason, time.Time{}); err != nil {
			return err
		}
		if m.Ticket == 0 {
			return nil
		}
		e := &sympoq.Event{AccountID: m.AccountID, Ticket: m.Ticket, Date: tx.Now(), Action: sympoq.EvNotified,
			Description: strings.TrimSpace(fmt.Sprintf("Not delivered after %d attempts: %s %s : %s: %s (%s)",
				n, m.ToName, m.ToAddr, m.Template, m.Subject, reason)),
			Visibility: sympoq.Internal}
		err := tx.AddEvent(rec, e)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return nil
		}
		return err
	})
	d.recorded(rec, m, err, "failed")
	if err == nil && d.Logger != nil {
		d.Logger.WarnContext(ctx, "email not delivered", "outbound_id", m.ID, "to", m.ToAddr, "attempts", n, "reason", reason)
	}
	return 0
}

// recorded logs an outcome that could not be recorded. The claim then
// lapses and the message is sent again: at least once.
func (d *Dispatcher) recorded(ctx context.Context, m *sympoq.OutboundMessage, err error, outcome string) {
	if err == nil || d.Logger == nil {
		return
	}
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		// Its ticket was purged, or the claim lapsed and another
		// process has the message now.
		d.Logger.InfoContext(ctx, "outbound message gone or claimed again", "outbound_id", m.ID, "outcome", outcome)
		return
	}
	d.Logger.WarnContext(ctx, "outbound attempt not recorded", "outbound_id", m.ID, "outcome", outcome, "err", err)
}

func (d *Dispatcher) maxAttempts() int { return cmp.Or(d.MaxAttempts, defaultMaxAttempts) }

// senderOf is the account's own SMTP sender, or the deployment's.
func (d *Dispatcher) senderOf(ctx context.Context, accountID int64) (Sender, error) {
	if d.NoAccountSMTP {
		return d.Sender, nil
	}
	if d.noOwnSMTP(accountID) {
		return d.Sender, nil
	}
	ms, err := d.DB.Read().MailSettings(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if ms.SMTPURL == "" {
		d.ownSMTP.Store(accountID, time.Now())
		return d.Sender, nil
	}
	return newAccountSender(ms.SMTPURL, d.SenderFor, d.Logger)
}

// ownSMTPTTL is how long the dispatcher trusts that an account has no SMTP
// server of its own before it reads the account's mail settings again: an
// account that sets one has its mail go there within that time. Reading
// them for every message was a query per delivery.
const ownSMTPTTL = time.Second

// noOwnSMTP reports whether the account was seen without an SMTP server of
// its own within ownSMTPTTL.
func (d *Dispatcher) noOwnSMTP(accountID int64) bool {
	v, ok := d.ownSMTP.Load(accountID)
	return ok && time.Since(v.(time.Time)) < ownSMTPTTL
}

// accountSender is the sender of the account's own SMTP URL (made by
// newSender, or mail.NewSMTPSender), or deflt when it has none.
func accountSender(ctx context.Context, db *store.DB, accountID int64, deflt Sender, newSender func(string) (Sender, error), logger *slog.Logger) (Sender, error) {
	ms, err := db.Read().MailSettings(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if ms.SMTPURL == "" {
		return deflt, nil
	}
	return newAccountSender(ms.SMTPURL, newSender, logger)
}

// newAccountSender makes the sender of an account's own SMTP URL, with
// newSender, or mail.NewSMTPSender.
func newAccountSender(smtpURL string, newSender func(string) (Sender, error), logger *slog.Logger) (Sender, error) {
	if newSender != nil {
		return newSender(smtpURL)
	}
	return mail.NewSMTPSender(smtpURL, logger)
}

func toMessage(m *sympoq.OutboundMessage) mail.Message {
	from := netmail.Address{Address: m.From}
	if a, err := netmail.ParseAddress(m.From); err == nil {
		from = *a
	}
	return mail.Message{From: from, To: netmail.Address{Name: m.ToName, Address: m.ToAddr}, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, MessageID: "<" + m.MessageID + ">", Headers: m.Headers}
}

// errorText is a failure as the event shows it: one line, bounded.
func errorText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}

// sentRecord is a sent message whose outcome waits to be recorded.
type sentRecord struct {
	m       *sympoq.OutboundMessage
	claimed time.Time
	err     chan error    // the outcome of its record
	lead    chan struct{} // it is to write the waiting records
}

// sentBatch gathers the sent outcomes of concurrent workers.
type sentBatch struct {
	mu      sync.Mutex
	queue   []*sentRecord
	writing bool
}

// recordSent records that m was sent, and returns once that is stored (or
// failed). Outcomes that arrive while others are being written wait and
// share the next transaction: on PostgreSQL, where each was a transaction
// of its own, a burst of deliveries made as many commits, and with
// submissions keeping the backends busy, delivery fell behind them. (On
// SQLite the group commit shares commits anyway.) The caller whose outcome
// finds no write in progress writes those waiting, itself included; the
// first of those that arrived meanwhile writes the next, so no one worker
// keeps writing for the others.
func (d *Dispatcher) recordSent(ctx context.Context, m *sympoq.OutboundMessage, claimed time.Time) error {
	r := &sentRecord{m: m, claimed: claimed, err: make(chan error, 1), lead: make(chan struct{}, 1)}
	b := &d.sent
	b.mu.Lock()
	b.queue = append(b.queue, r)
	lead := !b.writing
	b.writing = true
	b.mu.Unlock()
	if !lead {
		select {
		case err := <-r.err:
			return err
		case <-r.lead:
		}
	}
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.mu.Unlock()
	d.writeSent(ctx, batch)
	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].lead <- struct{}{}
	} else {
		b.writing = false
	}
	b.mu.Unlock()
	return <-r.err
}

// maxSentBatch bounds the outcomes one transaction records.
const maxSentBatch = 64

// writeSent records batch, maxSentBatch at a time, and tells each record
// its outcome: a message whose claim lapsed meanwhile is its own not-found,
// and leaves the others recorded.
func (d *Dispatcher) writeSent(ctx context.Context, batch []*sentRecord) {
	for len(batch) > 0 {
		part := batch[:min(len(batch), maxSentBatch)]
		batch = batch[len(part):]
		errs := make([]error, len(part))
		err := d.DB.GroupTx(ctx, func(tx *store.Tx) error {
			for i, r := range part {
				errs[i] = tx.OutboundAttempt(ctx, r.m.AccountID, r.m.ID, r.claimed, sympoq.OutSent, "", time.Time{})
				if errs[i] != nil && sympoq.ErrorCode(errs[i]) != sympoq.ENotFound {
					return errs[i]
				}
			}
			return nil
		})
		for i, r := range part {
			if err != nil {
				r.err <- err
			} else {
				r.err <- errs[i]
			}
		}
	}
}

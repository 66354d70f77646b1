package jobs

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
)

// Delivery retries: by default 8 attempts over about 4 hours.
const (
	defaultMaxAttempts = 8
	firstBackoff       = 30 * time.Second
	maxBackoff         = 2 * time.Hour
)

// SendEmailWorker delivers the outbound messages the desk rendered and
// stored. A temporary failure is retried with exponential backoff; a
// permanent refusal (5xx), or the last failed attempt, marks the message
// failed and leaves a visible event on its ticket, so nothing is dropped
// silently. Delivery is at least once: a crash between the server's
// acceptance and the record of it sends the message again, with the same
// Message-ID, by which receivers recognise it.
type SendEmailWorker struct {
	river.WorkerDefaults[desk.SendEmail]
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
}

// NextRetry schedules the next attempt after a temporary failure.
func (w *SendEmailWorker) NextRetry(job *river.Job[desk.SendEmail]) time.Time {
	if w.Backoff != nil {
		return time.Now().Add(w.Backoff(job.Attempt))
	}
	d := firstBackoff << min(job.Attempt-1, 12)
	return time.Now().Add(min(d, maxBackoff))
}

func (w *SendEmailWorker) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return defaultMaxAttempts
}

// Work sends one message.
func (w *SendEmailWorker) Work(ctx context.Context, job *river.Job[desk.SendEmail]) error {
	a := job.Args
	m, err := w.DB.Read().Outbound(ctx, a.AccountID, a.Outbound)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return nil // its ticket was purged
	} else if err != nil {
		return fmt.Errorf("outbound %d: %w", a.Outbound, err)
	}
	if m.Status != sympoq.OutQueued {
		return nil // done by an earlier run
	}
	sender, err := w.senderOf(ctx, a.AccountID)
	var sendErr error
	if err != nil {
		sendErr = &mail.PermanentError{Err: fmt.Errorf("account SMTP settings: %w", err)}
	} else {
		sendErr = sender.Send(ctx, toMessage(m))
	}
	if sendErr == nil {
		if err := w.DB.Tx(ctx, func(tx *store.Tx) error {
			return tx.OutboundAttempt(ctx, a.AccountID, m.ID, sympoq.OutSent, "")
		}); err != nil {
			return fmt.Errorf("outbound %d sent, not recorded: %w", m.ID, err)
		}
		return nil
	}
	reason := errorText(sendErr)
	final := mail.IsPermanent(sendErr) || job.Attempt >= w.maxAttempts()
	if !final {
		if err := w.DB.Tx(ctx, func(tx *store.Tx) error {
			return tx.OutboundAttempt(ctx, a.AccountID, m.ID, sympoq.OutQueued, reason)
		}); err != nil && w.Logger != nil {
			w.Logger.WarnContext(ctx, "outbound attempt not recorded", "outbound_id", m.ID, "err", err)
		}
		return fmt.Errorf("outbound %d to %s: attempt %d of %d: %w", m.ID, m.ToAddr, job.Attempt, w.maxAttempts(), sendErr)
	}
	err = w.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.OutboundAttempt(ctx, a.AccountID, m.ID, sympoq.OutFailed, reason); err != nil {
			return err
		}
		if m.Ticket == 0 {
			return nil
		}
		e := &sympoq.Event{AccountID: a.AccountID, Ticket: m.Ticket, Date: tx.Now(), Action: sympoq.EvNotified,
			Description: strings.TrimSpace(fmt.Sprintf("Not delivered after %d attempts: %s %s : %s: %s (%s)",
				job.Attempt, m.ToName, m.ToAddr, m.Template, m.Subject, reason)),
			Visibility: sympoq.Internal}
		err := tx.AddEvent(ctx, e)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("outbound %d failed, not recorded: %w", m.ID, err)
	}
	if w.Logger != nil {
		w.Logger.WarnContext(ctx, "email not delivered", "outbound_id", m.ID, "to", m.ToAddr, "attempts", job.Attempt, "reason", reason)
	}
	return river.JobCancel(fmt.Errorf("outbound %d to %s: given up: %w", m.ID, m.ToAddr, sendErr))
}

// senderOf is the account's own SMTP sender, or the deployment's.
func (w *SendEmailWorker) senderOf(ctx context.Context, accountID int64) (Sender, error) {
	if w.NoAccountSMTP {
		return w.Sender, nil
	}
	return accountSender(ctx, w.DB, accountID, w.Sender, w.SenderFor, w.Logger)
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
	if newSender != nil {
		return newSender(ms.SMTPURL)
	}
	return mail.NewSMTPSender(ms.SMTPURL, logger)
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

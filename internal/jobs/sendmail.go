package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
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
		err = d.DB.GroupTx(rec, func(tx *store.Tx) error {
			return tx.OutboundAttempt(rec, m.AccountID, m.ID, claimed, sympoq.OutSent, "", time.Time{})
		})
		d.recorded(rec, m, err, "sent")
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
	sender, own, err := accountSender(ctx, d.DB, accountID, d.Sender, d.SenderFor, d.Logger)
	if err == nil && !own {
		d.ownSMTP.Store(accountID, time.Now())
	}
	return sender, err
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
// newSender, or mail.NewSMTPSender), or deflt when it has none; own says
// which.
func accountSender(ctx context.Context, db *store.DB, accountID int64, deflt Sender, newSender func(string) (Sender, error), logger *slog.Logger) (sender Sender, own bool, err error) {
	ms, err := db.Read().MailSettings(ctx, accountID)
	if err != nil {
		return nil, false, err
	}
	if ms.SMTPURL == "" {
		return deflt, false, nil
	}
	if newSender != nil {
		sender, err = newSender(ms.SMTPURL)
	} else {
		sender, err = mail.NewSMTPSender(ms.SMTPURL, logger)
	}
	return sender, true, err
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

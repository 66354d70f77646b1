package jobs

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
)

// Sender delivers an email; mail.DirSender is one.
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// registrationTTL is how long a registration link works.
const registrationTTL = 7 * 24 * time.Hour

// RegistrationWorker sends a customer the one-time link that lets them set a
// password and become registered. Each run makes a fresh link and voids the
// earlier ones, so a retry (after a failed send, or a crash after a good one)
// leaves exactly one working link: the one in the newest email.
type RegistrationWorker struct {
	river.WorkerDefaults[desk.RegistrationEmail]
	DB     *store.DB
	Sender Sender
	// AccountURL returns the public base URL of an account, without a
	// trailing slash, e.g. https://acme.example.com.
	AccountURL func(accountName string) string
	From       netmail.Address
	Logger     *slog.Logger // receives the skipped jobs; nil: no log
	// SenderFor makes the sender of an account's own SMTP URL; nil:
	// mail.NewSMTPSender. Accounts without one use Sender.
	SenderFor func(smtpURL string) (Sender, error)
	// NoAccountSMTP ignores the SMTP servers accounts set for themselves.
	NoAccountSMTP bool
}

// Work sends the email, or skips it when the customer no longer needs one.
func (w *RegistrationWorker) Work(ctx context.Context, job *river.Job[desk.RegistrationEmail]) error {
	a := job.Args
	var msg mail.Message
	var skip string
	err := w.DB.Tx(ctx, func(tx *store.Tx) error {
		acct, err := tx.Account(ctx, a.AccountID)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			skip = "account gone"
			return nil
		} else if err != nil {
			return err
		}
		u, err := tx.User(ctx, a.AccountID, a.UserID)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			skip = "user gone"
			return nil
		} else if err != nil {
			return err
		}
		switch {
		case !u.Active:
			skip = "user inactive"
		case u.Kind != sympoq.KindCustomer:
			skip = "not a customer"
		case u.Email == "":
			skip = "no email address"
		case u.Registered:
			skip = "already registered"
		}
		if skip != "" {
			return nil
		}
		token := desk.NewToken()
		if err := tx.CreateUserToken(ctx, a.AccountID, u.ID, store.TokenRegistration, desk.HashKey(token), registrationTTL); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		link := strings.TrimSuffix(w.AccountURL(acct.Name), "/") + "/app/register?token=" + token
		out, from, err := desk.RenderUserEmail(ctx, tx, w.From, u, sympoq.TplRegistration, link, registrationTTL)
		if err != nil {
			return err
		}
		msg = mail.Message{From: from, To: netmail.Address{Name: u.Name, Address: u.Email}, Subject: out.Subject,
			Text: out.Text, HTML: out.HTML, Headers: map[string]string{"Auto-Submitted": "auto-generated"}}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registration email for user %d: %w", a.UserID, err)
	}
	if skip != "" {
		if w.Logger != nil {
			w.Logger.InfoContext(ctx, "registration email skipped", "account_id", a.AccountID, "user_id", a.UserID, "reason", skip)
		}
		return nil
	}
	sender, err := w.Sender, error(nil)
	if !w.NoAccountSMTP {
		sender, _, err = accountSender(ctx, w.DB, a.AccountID, w.Sender, w.SenderFor, w.Logger)
	}
	if err != nil {
		return fmt.Errorf("registration email for user %d: account SMTP settings: %w", a.UserID, err)
	}
	if err := sender.Send(ctx, msg); err != nil {
		return fmt.Errorf("registration email for user %d: send: %w", a.UserID, err)
	}
	return nil
}

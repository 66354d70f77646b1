package desk

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
)

// Mailbox limits.
const (
	minPollInterval = time.Minute
	maxPollInterval = 24 * time.Hour
	defaultInterval = 2 * time.Minute
	maxPollMessages = 100 // per poll; the rest waits for the next one
)

// requireAdmin refuses anyone but an administrator.
func requireAdmin(a Actor) error {
	if a.IsGuest() {
		return sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	if !a.IsAdmin() {
		return sympoq.Forbidden("only administrators manage inbound email")
	}
	return nil
}

// MailboxInput creates or changes an IMAP mailbox.
type MailboxInput struct {
	Name     Opt[string] `json:"name"`
	Host     Opt[string] `json:"host"`
	Port     Opt[int]    `json:"port"`
	Security Opt[string] `json:"security"`
	Username Opt[string] `json:"username"`
	Password Opt[string] `json:"password"`
	Folder   Opt[string] `json:"folder"`
	MoveTo   Opt[string] `json:"move_to"`
	Interval Opt[int]    `json:"interval"` // seconds
	Queue    Opt[int64]  `json:"queue"`
	Active   Opt[bool]   `json:"active"`
}

// Mailboxes lists the account's IMAP mailboxes.
func (s *Service) Mailboxes(ctx context.Context, a Actor) ([]*sympoq.Mailbox, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.db.Read().Mailboxes(ctx, a.AccountID)
}

// Mailbox returns one mailbox.
func (s *Service) Mailbox(ctx context.Context, a Actor, id int64) (*sympoq.Mailbox, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.db.Read().Mailbox(ctx, a.AccountID, id)
}

// SaveMailbox creates (id 0) or changes a mailbox; a change applies only
// the fields sent.
func (s *Service) SaveMailbox(ctx context.Context, a Actor, id int64, in MailboxInput) (*sympoq.Mailbox, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var out *sympoq.Mailbox
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		m := &sympoq.Mailbox{AccountID: a.AccountID, Port: 993, Security: sympoq.SecurityTLS, Folder: "INBOX",
			Interval: defaultInterval, Active: true}
		if id != 0 {
			cur, err := tx.Mailbox(ctx, a.AccountID, id)
			if err != nil {
				return err
			}
			m = cur
		}
		var p sympoq.Problems
		text := func(field string, o Opt[string], dst *string, required bool, max int) {
			if o.Set {
				*dst = strings.TrimSpace(o.Value(""))
			}
			if required && *dst == "" && (id == 0 || o.Set) {
				p.Add(field, sympoq.FieldMissing, "is required")
			}
			sympoq.CheckText(&p, field, *dst, max, false)
		}
		text("name", in.Name, &m.Name, true, 100)
		text("host", in.Host, &m.Host, true, 255)
		if strings.ContainsAny(m.Host, " /:@") {
			p.Add("host", sympoq.FieldInvalid, "must be a host name or address, without port or scheme")
		}
		text("username", in.Username, &m.Username, true, 255)
		if in.Password.Set {
			m.Password = in.Password.Value("")
		}
		if m.Password == "" {
			p.Add("password", sympoq.FieldMissing, "is required")
		}
		sympoq.CheckText(&p, "password", m.Password, 255, false)
		text("folder", in.Folder, &m.Folder, true, 255)
		text("move_to", in.MoveTo, &m.MoveTo, false, 255)
		if in.Security.Set {
			switch sec := sympoq.MailSecurity(in.Security.Value("")); sec {
			case sympoq.SecurityTLS, sympoq.SecurityStartTLS, sympoq.SecurityNone:
				if !in.Port.Set && id == 0 && sec != sympoq.SecurityTLS {
					m.Port = 143
				}
				m.Security = sec
			default:
				p.Add("security", sympoq.FieldInvalid, "must be one of tls, starttls, none")
			}
		}
		if in.Port.Set {
			if in.Port.Null || in.Port.V < 1 || in.Port.V > 65535 {
				p.Add("port", sympoq.FieldInvalid, "must be from 1 to 65535")
			} else {
				m.Port = in.Port.V
			}
		}
		if in.Interval.Set {
			d := time.Duration(in.Interval.V) * time.Second
			if in.Interval.Null || d < minPollInterval || d > maxPollInterval {
				p.Add("interval", sympoq.FieldInvalid, "must be from %d to %d seconds", int(minPollInterval/time.Second), int(maxPollInterval/time.Second))
			} else {
				m.Interval = d
			}
		}
		if in.Queue.Set {
			if in.Queue.Null || in.Queue.V == 0 {
				m.Queue = 0
			} else if _, err := tx.Queue(ctx, a.AccountID, in.Queue.V); sympoq.ErrorCode(err) == sympoq.ENotFound {
				p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
			} else if err != nil {
				return err
			} else {
				m.Queue = in.Queue.V
			}
		}
		if in.Active.Set {
			m.Active = in.Active.Value(false)
		}
		if err := p.Err(); err != nil {
			return err
		}
		var err error
		if id == 0 {
			err = tx.CreateMailbox(ctx, m)
		} else {
			err = tx.UpdateMailbox(ctx, m)
		}
		out = m
		return err
	})
	return out, err
}

// DeleteMailbox removes a mailbox; what it delivered stays.
func (s *Service) DeleteMailbox(ctx context.Context, a Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteMailbox(ctx, a.AccountID, id) })
}

// MailboxTest is the outcome of a connection test.
type MailboxTest struct {
	OK       bool
	Messages uint32
	Error    string
}

// imapOf is the client configuration of a mailbox.
func imapOf(m *sympoq.Mailbox) mail.IMAPConfig {
	return mail.IMAPConfig{Host: m.Host, Port: m.Port, Security: string(m.Security), Username: m.Username,
		Password: m.Password, Folder: m.Folder, MoveTo: m.MoveTo}
}

// TestMailbox connects to a mailbox, logs in and opens its folder. A
// failure is an answer, not an error: it says what went wrong (never the
// password).
func (s *Service) TestMailbox(ctx context.Context, a Actor, id int64) (*MailboxTest, error) {
	m, err := s.Mailbox(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := mail.IMAPTest(ctx, s.imapConfig(m))
	if err != nil {
		return &MailboxTest{Error: strings.ReplaceAll(err.Error(), m.Password, "***")}, nil
	}
	return &MailboxTest{OK: true, Messages: n}, nil
}

func (s *Service) imapConfig(m *sympoq.Mailbox) mail.IMAPConfig {
	c := imapOf(m)
	c.TLS = s.inbound.tls
	return c
}

// PollMailbox fetches a mailbox's new messages, each stored (IntakeMail)
// before it is flagged or moved on the server. A mailbox that is inactive
// or not yet due (unless force) is skipped.
func (s *Service) PollMailbox(ctx context.Context, accountID, id int64, force bool) (int, error) {
	m, err := s.db.Read().Mailbox(ctx, accountID, id)
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !m.Active || !force && !m.LastPolled.IsZero() && time.Since(m.LastPolled) < m.Interval-5*time.Second {
		return 0, nil
	}
	// Across processes the poll job is unique per mailbox; within one, a
	// poll called directly waits for a running one, so the two never fetch
	// the same unseen messages.
	mu, _ := s.inbound.polls.LoadOrStore(id, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	n, perr := mail.IMAPPoll(ctx, s.imapConfig(m), maxPollMessages, func(raw io.Reader) error {
		_, err := s.IntakeMail(ctx, accountID, Incoming{Source: sympoq.SourceIMAP, Mailbox: m.ID, Queue: m.Queue}, raw)
		return err
	})
	msg := ""
	if perr != nil {
		msg = headerSafe(strings.ReplaceAll(perr.Error(), m.Password, "***"), 1000)
	}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.MailboxPolled(ctx, accountID, id, msg) }); err != nil {
		return n, err
	}
	if perr != nil {
		return n, fmt.Errorf("poll mailbox %d: %s", id, msg)
	}
	return n, nil
}

// DueMailboxes lists the active mailboxes of every account whose interval
// has passed, for the scheduler.
func (s *Service) DueMailboxes(ctx context.Context) ([]*sympoq.Mailbox, error) {
	all, err := s.db.Read().ActiveMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	var due []*sympoq.Mailbox
	for _, m := range all {
		if m.LastPolled.IsZero() || time.Since(m.LastPolled) >= m.Interval-5*time.Second {
			due = append(due, m)
		}
	}
	return due, nil
}

// InboundTokenInput creates a token of the HTTP endpoint.
type InboundTokenInput struct {
	Name  Opt[string] `json:"name"`
	Queue Opt[int64]  `json:"queue"`
}

// NewInboundToken is a created token with its value, shown this once.
type NewInboundToken struct {
	*sympoq.InboundToken
	Token string
}

// InboundTokens lists the account's tokens (never their values).
func (s *Service) InboundTokens(ctx context.Context, a Actor) ([]*sympoq.InboundToken, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.db.Read().InboundTokens(ctx, a.AccountID)
}

// CreateInboundToken makes a token for an MTA; only its hash is stored.
func (s *Service) CreateInboundToken(ctx context.Context, a Actor, in InboundTokenInput) (*NewInboundToken, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var p sympoq.Problems
	name := strings.TrimSpace(in.Name.Value(""))
	if name == "" {
		p.Add("name", sympoq.FieldMissing, "is required")
	}
	sympoq.CheckText(&p, "name", name, 100, false)
	value := "mt_" + randomString(40)
	t := &sympoq.InboundToken{AccountID: a.AccountID, Name: name, Hash: HashKey(value)}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if in.Queue.Set && !in.Queue.Null && in.Queue.V != 0 {
			if _, err := tx.Queue(ctx, a.AccountID, in.Queue.V); sympoq.ErrorCode(err) == sympoq.ENotFound {
				p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
			} else if err != nil {
				return err
			} else {
				t.Queue = in.Queue.V
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		return tx.CreateInboundToken(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return &NewInboundToken{InboundToken: t, Token: value}, nil
}

// DeleteInboundToken revokes a token.
func (s *Service) DeleteInboundToken(ctx context.Context, a Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteInboundToken(ctx, a.AccountID, id) })
}

// InboundToken returns the token with this value, or unauthorized.
func (s *Service) InboundToken(ctx context.Context, accountID int64, value string) (*sympoq.InboundToken, error) {
	unauthorized := sympoq.Errorf(sympoq.EUnauthorized, "missing or unknown mailbox token")
	if value == "" || len(value) > 200 {
		return nil, unauthorized
	}
	t, err := s.db.Read().InboundTokenByHash(ctx, accountID, HashKey(value))
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		return nil, unauthorized
	}
	if err != nil {
		return nil, err
	}
	if time.Since(t.LastUsed) > touchEvery {
		if err := s.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchInboundToken(ctx, accountID, t.ID) }); err != nil {
			s.logger.WarnContext(ctx, "inbound token: last use not recorded", "err", err)
		}
	}
	return t, nil
}

// InboundList selects received messages for the administrators' list.
type InboundList struct {
	States []sympoq.InboundState // empty: new and failed (unprocessed)
	Before int64
	Limit  int
}

// InboundMails lists received messages, newest first.
func (s *Service) InboundMails(ctx context.Context, a Actor, q InboundList) ([]*sympoq.InboundMail, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	if len(q.States) == 0 {
		q.States = []sympoq.InboundState{sympoq.InboundNew, sympoq.InboundFailed}
	}
	return s.db.Read().InboundMails(ctx, a.AccountID, store.InboundFilter{States: q.States, Before: q.Before, Limit: q.Limit})
}

// InboundMail returns one received message.
func (s *Service) InboundMail(ctx context.Context, a Actor, id int64) (*sympoq.InboundMail, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.db.Read().InboundMail(ctx, a.AccountID, id)
}

// RetryInboundMail processes a failed (or ignored) message again: back to
// new, with a fresh job, in one transaction.
func (s *Service) RetryInboundMail(ctx context.Context, a Actor, id int64) (*sympoq.InboundMail, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var out *sympoq.InboundMail
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		m, err := tx.LockInboundMail(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if m.State == sympoq.InboundProcessed {
			return sympoq.Errorf(sympoq.EConflict, "this message was processed into a ticket; it cannot be retried")
		}
		if m.State != sympoq.InboundNew {
			if err := tx.ResetInboundMail(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		if err := s.jobs.Enqueue(ctx, tx, ProcessMail{AccountID: a.AccountID, MailID: id}); err != nil {
			return err
		}
		out, err = tx.InboundMail(ctx, a.AccountID, id)
		return err
	})
	return out, err
}

// DismissInboundMail sets a failed message aside: ignored, with who did it.
func (s *Service) DismissInboundMail(ctx context.Context, a Actor, id int64) (*sympoq.InboundMail, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var out *sympoq.InboundMail
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		m, err := tx.LockInboundMail(ctx, a.AccountID, id)
		if err != nil {
			return err
		}
		if m.State == sympoq.InboundProcessed {
			return sympoq.Errorf(sympoq.EConflict, "this message was processed into a ticket")
		}
		m.State, m.Reason = sympoq.InboundIgnored, headerSafe("dismissed by "+a.User.Name, 500)
		if err := tx.FinishInboundMail(ctx, m); err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// OpenInboundMail returns the raw bytes of a received message; the caller
// closes them.
func (s *Service) OpenInboundMail(ctx context.Context, a Actor, id int64) (*sympoq.InboundMail, io.ReadCloser, error) {
	m, err := s.InboundMail(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.blobs.Open(ctx, m.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return m, f, nil
}

// MailRecipient says which account takes mail for addr at the SMTP
// receiver: with several accounts, the one owning it as a queue address;
// with one account (single), any address, routed later by queue address or
// to the default queue.
func (s *Service) MailRecipient(ctx context.Context, addr string, single bool) (int64, error) {
	tx := s.db.Read()
	acct, _, err := tx.QueueByAddress(ctx, addr)
	if err == nil {
		return acct, nil
	}
	if sympoq.ErrorCode(err) != sympoq.ENotFound {
		return 0, err
	}
	if !single {
		return 0, mail.ErrNoSuchRecipient
	}
	a, err := tx.AccountByName(ctx, sympoq.DefaultAccountName)
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// SMTPReceiver is what the built-in SMTP receiver hands mail to: it takes
// the recipients MailRecipient accepts and stores each message with
// IntakeMail before the receiver answers 250.
func (s *Service) SMTPReceiver(single bool) mail.Receiver { return smtpReceiver{s: s, single: single} }

type smtpReceiver struct {
	s      *Service
	single bool
}

func (r smtpReceiver) Recipient(ctx context.Context, addr string) (int64, error) {
	return r.s.MailRecipient(ctx, addr, r.single)
}

func (r smtpReceiver) Deliver(ctx context.Context, accountID int64, from string, rcpts []string, raw io.Reader) error {
	_, err := r.s.IntakeMail(ctx, accountID, Incoming{Source: sympoq.SourceSMTP, EnvelopeFrom: from, Recipients: rcpts}, raw)
	return err
}

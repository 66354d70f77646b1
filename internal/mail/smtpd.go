package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Receiver is what the SMTP receiver hands mail to.
type Receiver interface {
	// Recipient says whether the deployment takes mail for addr, and for
	// which account; an error refuses the recipient (550 unless it is
	// temporary).
	Recipient(ctx context.Context, addr string) (accountID int64, err error)
	// Deliver stores one message for one account's recipients. It returns
	// only once the message is durable; an error is a temporary failure
	// (451) so that the sender retries.
	Deliver(ctx context.Context, accountID int64, from string, rcpts []string, raw io.Reader) error
}

// ErrNoSuchRecipient refuses a recipient the deployment does not serve.
var ErrNoSuchRecipient = errors.New("no such recipient here")

// SMTPOptions configures the receiver.
type SMTPOptions struct {
	Domain          string // the name in the greeting
	MaxMessageBytes int64
	MaxRecipients   int
	TLS             *tls.Config // non-nil: STARTTLS is offered
	Logger          *slog.Logger
}

// SMTPServer is the built-in receiver: it accepts mail for the addresses
// Receiver knows and answers 250 only after Deliver has stored it.
type SMTPServer struct {
	srv *smtp.Server
}

// NewSMTPServer returns a receiver over recv.
func NewSMTPServer(opts SMTPOptions, recv Receiver) *SMTPServer {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := smtp.NewServer(&backend{recv: recv, logger: logger})
	s.Domain = opts.Domain
	if s.Domain == "" {
		s.Domain = "localhost"
	}
	s.MaxMessageBytes = opts.MaxMessageBytes
	s.MaxRecipients = opts.MaxRecipients
	if s.MaxRecipients == 0 {
		s.MaxRecipients = 50
	}
	s.MaxLineLength = 20000
	s.ReadTimeout = 2 * time.Minute
	s.WriteTimeout = 2 * time.Minute
	s.TLSConfig = opts.TLS
	s.ErrorLog = slogLogger{logger}
	return &SMTPServer{srv: s}
}

// Serve accepts connections on ln until Shutdown.
func (s *SMTPServer) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for open sessions to end; when ctx
// ends first, it closes them.
func (s *SMTPServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil && ctx.Err() != nil {
		return errors.Join(err, s.srv.Close())
	}
	return err
}

type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Printf(format string, v ...any) { s.l.Warn("smtp: " + fmt.Sprintf(format, v...)) }
func (s slogLogger) Println(v ...any)               { s.l.Warn("smtp: " + fmt.Sprint(v...)) }

type backend struct {
	recv   Receiver
	logger *slog.Logger
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, remote: c.Conn().RemoteAddr().String()}, nil
}

type session struct {
	b      *backend
	remote string
	from   string
	rcpts  map[int64][]string // by account
	order  []int64
}

func (s *session) Reset() { s.from, s.rcpts, s.order = "", nil, nil }

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	if from == "" {
		s.from = "<>" // the null sender of bounces
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	to = strings.ToLower(strings.TrimSpace(to))
	acct, err := s.b.recv.Recipient(ctx, to)
	if errors.Is(err, ErrNoSuchRecipient) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such recipient here"}
	}
	if err != nil {
		s.b.logger.Error("smtp: recipient lookup failed", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
	if s.rcpts == nil {
		s.rcpts = map[int64][]string{}
	}
	if _, ok := s.rcpts[acct]; !ok {
		s.order = append(s.order, acct)
	}
	s.rcpts[acct] = append(s.rcpts[acct], to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	// Read whole (the server bounds it by MaxMessageBytes), so that each
	// account's copy is stored from the same bytes.
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // ErrDataTooLarge is answered 552 by the server
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, acct := range s.order {
		if err := s.b.recv.Deliver(ctx, acct, s.from, s.rcpts[acct], bytes.NewReader(raw)); err != nil {
			s.b.logger.Error("smtp: storing a message failed", "account", acct, "remote", s.remote, "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
		}
	}
	s.b.logger.Info("smtp: message received", "remote", s.remote, "bytes", len(raw), "accounts", len(s.order))
	return nil
}

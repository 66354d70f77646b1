package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLSMode is how an SMTP connection is secured.
type TLSMode string

// The TLS modes of an SMTP URL (?tls=…).
const (
	TLSStartTLS TLSMode = "starttls" // plain connection upgraded with STARTTLS, required
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (SMTPS, port 465)
	TLSNone     TLSMode = "none"     // no encryption: local relays only
)

// SMTPConfig is a parsed SMTP URL:
//
//	smtp://user:password@host:587?tls=starttls&auth=plain
//	smtps://user:password@host        (implicit TLS, port 465)
//	smtp://relay.internal:25?tls=none (no TLS, no auth)
//
// The password never appears in errors, logs or Redacted.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
	Auth     string // plain, login, cram-md5; "" with no username
	HELO     string // the name announced; "" lets the client choose
}

// ParseSMTPURL reads an SMTP URL. Its errors never quote the URL, which may
// hold a password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	var c SMTPConfig
	u, err := url.Parse(raw)
	if err != nil {
		return c, errors.New("not a URL of the form smtp://user:password@host:port?tls=starttls")
	}
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = TLSStartTLS, 587
	case "smtps":
		c.TLS, c.Port = TLSImplicit, 465
	default:
		return c, errors.New("the scheme must be smtp or smtps")
	}
	c.Host = u.Hostname()
	if c.Host == "" || u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return c, errors.New("must name a host and nothing else: smtp://user:password@host:port?tls=starttls")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, errors.New("the port must be from 1 to 65535")
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if !slices.Contains([]string{"tls", "auth", "helo"}, k) {
			return c, fmt.Errorf("unknown parameter %q; known are tls, auth and helo", k)
		}
	}
	if v := q.Get("tls"); v != "" {
		switch TLSMode(v) {
		case TLSStartTLS, TLSImplicit, TLSNone:
			c.TLS = TLSMode(v)
		default:
			return c, errors.New("tls must be starttls, tls or none")
		}
	}
	if c.Username != "" {
		c.Auth = "plain"
	}
	if v := q.Get("auth"); v != "" {
		if !slices.Contains([]string{"plain", "login", "cram-md5"}, v) {
			return c, errors.New("auth must be plain, login or cram-md5")
		}
		if c.Username == "" {
			return c, errors.New("auth needs a user name: smtp://user:password@host")
		}
		c.Auth = v
	}
	c.HELO = q.Get("helo")
	if c.TLS == TLSNone && c.Auth != "" && c.Auth != "cram-md5" && !isLoopback(c.Host) {
		return c, errors.New("a password is never sent without TLS except to a relay on this machine; use tls=starttls or tls=tls")
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redacted is the URL with the password replaced by ****.
func (c SMTPConfig) Redacted() string {
	scheme := "smtp"
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		if c.Password != "" {
			u.User = url.UserPassword(c.Username, "****")
		} else {
			u.User = url.User(c.Username)
		}
	}
	q := url.Values{"tls": {string(c.TLS)}}
	if c.Auth != "" {
		q.Set("auth", c.Auth)
	}
	if c.HELO != "" {
		q.Set("helo", c.HELO)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// PermanentError is a delivery the server refused for good (a 5xx reply):
// retrying cannot help.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent refusal.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// SMTPSender delivers mail over SMTP with go-mail, STARTTLS or implicit
// TLS as configured, and authentication. It keeps the connections it has
// opened for the next messages (up to smtpIdleConns of them, each for at
// most smtpIdleTime idle): a connection per message paid the TCP and TLS
// handshakes, EHLO and AUTH for every acknowledgement. A kept connection is
// checked (NOOP) before each message; one that went stale is closed and
// the message goes over a new one.
type SMTPSender struct {
	Config SMTPConfig
	// TLSConfig, if set, is used for the connection (its ServerName
	// defaults to the host); tests use it to trust their own CA.
	TLSConfig *tls.Config
	Timeout   time.Duration // per connection; 0: 30 s
	Logger    *slog.Logger  // nil: no log

	mu     sync.Mutex
	gm     *gomail.Client // the connection settings, made once
	idle   []idleConn     // open connections between messages
	opened int            // connections dialled, for tests
}

// idleConn is a kept connection and when it was last used.
type idleConn struct {
	c    *smtp.Client
	used time.Time
}

const (
	smtpIdleConns = 8
	smtpIdleTime  = 30 * time.Second
)

// NewSMTPSender parses rawURL into a sender.
func NewSMTPSender(rawURL string, logger *slog.Logger) (*SMTPSender, error) {
	c, err := ParseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &SMTPSender{Config: c, Logger: logger}, nil
}

// Send delivers m. A 5xx refusal of the recipient or the message comes back
// as a *PermanentError. It logs
// the recipient and subject, never the body or the password.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return &PermanentError{err}
	}
	msg, err := s.goMessage(m)
	if err != nil {
		return &PermanentError{err}
	}
	gm, err := s.settings()
	if err != nil {
		return err
	}
	conn := s.take()
	if conn != nil {
		err = gm.SendWithSMTPClient(conn, msg)
		var se *gomail.SendError
		if errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			// The server closed it meanwhile: a new one.
			_ = gm.CloseWithSMTPClient(conn)
			conn = nil
		}
	}
	if conn == nil {
		if conn, err = gm.DialToSMTPClientWithContext(ctx); err != nil {
			return fmt.Errorf("smtp %s: dial failed: %w", s.Config.Host, err)
		}
		s.mu.Lock()
		s.opened++
		s.mu.Unlock()
		err = gm.SendWithSMTPClient(conn, msg)
	}
	if err != nil {
		_ = gm.CloseWithSMTPClient(conn)
		// Only a refusal of this recipient or this message is permanent; a
		// refused login or sender is the deployment's configuration, which
		// may be fixed while the retries run.
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 &&
			(se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose) {
			return &PermanentError{fmt.Errorf("smtp %s: %w", s.Config.Host, err)}
		}
		return fmt.Errorf("smtp %s: %w", s.Config.Host, err)
	}
	s.keep(gm, conn)
	if s.Logger != nil {
		s.Logger.InfoContext(ctx, "mail sent", "to", m.To.Address, "subject", m.Subject, "smtp_host", s.Config.Host)
	}
	return nil
}

// settings returns the go-mail client that holds the connection settings.
func (s *SMTPSender) settings() (*gomail.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gm == nil {
		gm, err := s.client()
		if err != nil {
			return nil, err
		}
		s.gm = gm
	}
	return s.gm, nil
}

// take returns a kept connection that has not been idle too long, closing
// those that have; nil when there is none.
func (s *SMTPSender) take() *smtp.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		ic := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if time.Since(ic.used) < smtpIdleTime {
			return ic.c
		}
		_ = s.gm.CloseWithSMTPClient(ic.c)
	}
	return nil
}

// keep puts a connection that just delivered a message back for the next.
func (s *SMTPSender) keep(gm *gomail.Client, c *smtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) >= smtpIdleConns {
		_ = gm.CloseWithSMTPClient(c)
		return
	}
	s.idle = append(s.idle, idleConn{c: c, used: time.Now()})
}

// Opened counts the connections s has dialled.
func (s *SMTPSender) Opened() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

func (s *SMTPSender) client() (*gomail.Client, error) {
	c := s.Config
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(timeout)}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tc = s.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = c.Host
	}
	opts = append(opts, gomail.WithTLSConfig(tc))
	switch c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.HELO != "" {
		opts = append(opts, gomail.WithHELO(c.HELO))
	}
	if c.Auth != "" {
		auth := map[string]gomail.SMTPAuthType{"plain": gomail.SMTPAuthPlain, "login": gomail.SMTPAuthLogin,
			"cram-md5": gomail.SMTPAuthCramMD5}[c.Auth]
		if c.TLS == TLSNone {
			auth = map[string]gomail.SMTPAuthType{"plain": gomail.SMTPAuthPlainNoEnc, "login": gomail.SMTPAuthLoginNoEnc,
				"cram-md5": gomail.SMTPAuthCramMD5}[c.Auth]
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return client, nil
}

// goMessage turns m into a go-mail message.
func (s *SMTPSender) goMessage(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from, to := m.From, m.To
	msg.FromMailAddress(&from)
	msg.ToMailAddress(&to)
	msg.Subject(m.Subject)
	id := m.MessageID
	if id == "" {
		id = NewMessageID()
	}
	msg.SetMessageIDWithValue(strings.Trim(id, "<>"))
	msg.SetDate()
	for k, v := range m.Headers {
		switch k := textprotoKey(k); k {
		case "Reply-To":
			if err := msg.ReplyTo(v); err != nil {
				return nil, fmt.Errorf("reply-to: %w", err)
			}
		case "In-Reply-To", "References":
			// Message-IDs: ASCII, not to be encoded.
			msg.SetGenHeaderPreformatted(gomail.Header(k), v)
		default:
			msg.SetGenHeader(gomail.Header(k), v)
		}
	}
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	return msg, nil
}

func textprotoKey(k string) string {
	switch c := textproto.CanonicalMIMEHeaderKey(k); c {
	case "Reply-To", "In-Reply-To":
		return c
	case "X-Sympoq-Ticket":
		return "X-SympoQ-Ticket"
	default:
		return c
	}
}

// Package mailtest runs a small SMTP server on loopback that captures what
// it receives, for tests of outbound mail: optional STARTTLS with a
// generated certificate, optional AUTH PLAIN, and scripted refusals.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	netmail "net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From   string
	To     []string
	Raw    []byte
	Header netmail.Header
	TLS    bool   // the session was encrypted (STARTTLS)
	User   string // the authenticated user, "" without AUTH
}

// Options configure a Server.
type Options struct {
	// TLS offers STARTTLS with this configuration (see Certificate).
	TLS *tls.Config
	// Implicit makes the connection TLS from the first byte (SMTPS)
	// instead of offering STARTTLS; it needs TLS.
	Implicit bool
	// Users enables AUTH PLAIN with these user names and passwords, and
	// then requires it.
	Users map[string]string
	// Reject, if set, answers RCPT TO: a non-nil error refuses the
	// recipient (an *smtp.SMTPError sets the reply code).
	Reject func(rcpt string) error
	// IdleTimeout, if set, closes a session that sends nothing for that
	// long (default 10 s).
	IdleTimeout time.Duration
}

// Server is a running capture server.
type Server struct {
	Host string
	Port int
	opts Options
	srv  *smtp.Server

	mu       sync.Mutex
	messages []Message
	rcpts    int // RCPT commands seen, accepted or not
	notify   chan struct{}
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{opts: opts, notify: make(chan struct{}, 1)}
	addr := ln.Addr().(*net.TCPAddr)
	if opts.Implicit {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s.Host, s.Port = addr.IP.String(), addr.Port
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "mailtest.local"
	if !opts.Implicit {
		s.srv.TLSConfig = opts.TLS
	}
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	if opts.IdleTimeout > 0 {
		s.srv.ReadTimeout = opts.IdleTimeout
	}
	s.srv.MaxMessageBytes = 10 << 20
	// Auth is offered only after STARTTLS when TLS is configured.
	s.srv.AllowInsecureAuth = opts.TLS == nil || opts.Implicit
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Messages returns what the server accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Rcpts counts the RCPT commands seen, refused ones too.
func (s *Server) Rcpts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

// Wait returns once the server holds n messages, or fails the test after
// timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if ms := s.Messages(); len(ms) >= n {
			return ms
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("mailtest: %d messages after %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
	user string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := ss.s.opts.Users[username]; !ok || want != password {
			return errors.New("invalid credentials")
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Users != nil && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcpts++
	ss.s.mu.Unlock()
	if ss.s.opts.Reject != nil {
		if err := ss.s.opts.Reject(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparsable message: " + err.Error()}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	isTLS = isTLS || ss.s.opts.Implicit
	m := Message{From: ss.from, To: ss.to, Raw: raw, Header: msg.Header, TLS: isTLS, User: ss.user}
	ss.s.mu.Lock()
	ss.s.messages = append(ss.s.messages, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// Certificate makes a self-signed certificate for 127.0.0.1 and localhost:
// the server's TLS configuration and a pool for clients that trusts it.
func Certificate(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion: tls.VersionTLS12}, pool
}

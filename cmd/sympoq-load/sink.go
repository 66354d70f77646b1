package main

import (
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is an SMTP server on loopback that accepts every message and
// keeps nothing: with -smtp-sink the server under load sends its email
// there (--smtp-url), as a deployment sends to its relay, instead of
// writing each message to the outbox directory with two fsyncs.
type smtpSink struct {
	srv      *smtp.Server
	addr     string
	received atomic.Int64
}

func startSink() (*smtpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &smtpSink{addr: ln.Addr().String()}
	k.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{k}, nil }))
	k.srv.Domain = "sink.sympoq-load"
	k.srv.ReadTimeout, k.srv.WriteTimeout = time.Minute, time.Minute
	k.srv.MaxMessageBytes = 32 << 20
	go func() { _ = k.srv.Serve(ln) }()
	return k, nil
}

// url is the --smtp-url that sends to the sink.
func (k *smtpSink) url() string { return fmt.Sprintf("smtp://%s?tls=none", k.addr) }

func (k *smtpSink) close() { _ = k.srv.Close() }

type sinkSession struct{ k *smtpSink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.k.received.Add(1)
	return nil
}
func (sinkSession) Reset()        {}
func (sinkSession) Logout() error { return nil }

package mail_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/mail/mailtest"
)

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		url     string
		want    mail.SMTPConfig
		wantErr string
	}{
		{url: "smtp://user:p%40ss@mail.example.com:587?tls=starttls",
			want: mail.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user", Password: "p@ss", TLS: mail.TLSStartTLS, Auth: "plain"}},
		{url: "smtp://mail.example.com", want: mail.SMTPConfig{Host: "mail.example.com", Port: 587, TLS: mail.TLSStartTLS}},
		{url: "smtps://u:p@mail.example.com", want: mail.SMTPConfig{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", TLS: mail.TLSImplicit, Auth: "plain"}},
		{url: "smtp://u:p@mail.example.com:2525?tls=tls&auth=login&helo=desk.example.com",
			want: mail.SMTPConfig{Host: "mail.example.com", Port: 2525, Username: "u", Password: "p", TLS: mail.TLSImplicit, Auth: "login", HELO: "desk.example.com"}},
		{url: "smtp://relay:25?tls=none", want: mail.SMTPConfig{Host: "relay", Port: 25, TLS: mail.TLSNone}},
		{url: "smtp://u:p@127.0.0.1:25?tls=none", want: mail.SMTPConfig{Host: "127.0.0.1", Port: 25, Username: "u", Password: "p", TLS: mail.TLSNone, Auth: "plain"}},
		{url: "smtp://u:topsecret@mail.example.com:25?tls=none", wantErr: "never sent without TLS"},
		{url: "http://u:topsecret@mail.example.com", wantErr: "scheme"},
		{url: "smtp://u:topsecret@mail.example.com:99999", wantErr: "port"},
		{url: "smtp://u:topsecret@mail.example.com?tls=maybe", wantErr: "tls must be"},
		{url: "smtp://u:topsecret@mail.example.com?tlz=none", wantErr: "unknown parameter"},
		{url: "smtp://mail.example.com?auth=plain", wantErr: "needs a user"},
		{url: "smtp://u:topsecret@mail.example.com/path", wantErr: "host and nothing else"},
		{url: "smtp://u:topsecret@", wantErr: "host"},
	}
	for _, c := range cases {
		got, err := mail.ParseSMTPURL(c.url)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseSMTPURL(%q) err = %v, want %q", c.url, err, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "topsecret") {
				t.Errorf("ParseSMTPURL(%q) error reveals the password: %v", c.url, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

func TestSMTPConfigRedacted(t *testing.T) {
	c, err := mail.ParseSMTPURL("smtps://user:topsecret@mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	if strings.Contains(r, "topsecret") || !strings.Contains(r, "user:%2A%2A%2A%2A@mail.example.com:465") && !strings.Contains(r, "user:****@mail.example.com:465") {
		t.Errorf("Redacted = %q", r)
	}
	back, err := mail.ParseSMTPURL(r)
	if err != nil || back.Host != c.Host || back.Port != c.Port || back.TLS != c.TLS || back.Username != c.Username {
		t.Errorf("Redacted does not parse back to the same server: %+v, %v", back, err)
	}
}

func testOutMessage() mail.Message {
	return mail.Message{
		From: netmail.Address{Name: "Acme Support", Address: "support@acme.test"}, To: netmail.Address{Name: "Zoë", Address: "zoe@example.com"},
		Subject: "[12-04-A-BC1] Grüße", Text: "plain text\n", HTML: "<p>html</p>\n", MessageID: "<abc123@acme.test>",
		Headers: map[string]string{"In-Reply-To": "<first@acme.test>", "References": "<first@acme.test>", "Reply-To": "help@acme.test",
			"Auto-Submitted": "auto-generated", "X-SympoQ-Ticket": "12-04-A-BC1"},
	}
}

// TestSMTPSenderStartTLS sends through STARTTLS with authentication to the
// loopback server, trusting its test certificate, and checks what arrived.
func TestSMTPSenderStartTLS(t *testing.T) {
	serverTLS, pool := mailtest.Certificate(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: serverTLS, Users: map[string]string{"desk": "s3cret"}})
	c, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://desk:s3cret@%s:%d?tls=starttls", srv.Host, srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	s := &mail.SMTPSender{Config: c, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), testOutMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ms := srv.Wait(t, 1, 5*time.Second)
	m := ms[0]
	if !m.TLS || m.User != "desk" {
		t.Errorf("session TLS = %v, user = %q; want STARTTLS and AUTH as desk", m.TLS, m.User)
	}
	if m.From != "support@acme.test" || len(m.To) != 1 || m.To[0] != "zoe@example.com" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	h := m.Header
	want := map[string]string{"Message-Id": "<abc123@acme.test>", "In-Reply-To": "<first@acme.test>", "References": "<first@acme.test>",
		"Auto-Submitted": "auto-generated", "X-Sympoq-Ticket": "12-04-A-BC1"}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if rt, err := h.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "help@acme.test" {
		t.Errorf("Reply-To = %v, %v", rt, err)
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || subj != "[12-04-A-BC1] Grüße" {
		t.Errorf("Subject = %q, %v", subj, err)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(string(m.Raw)))
	if err != nil {
		t.Fatal(err)
	}
	typ, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if typ != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, pt+":"+strings.TrimSpace(string(b)))
	}
	if strings.Join(types, "|") != "text/plain:plain text|text/html:<p>html</p>" {
		t.Errorf("parts = %q", types)
	}
}

// TestSMTPSenderKeepsConnections: messages in a row share one connection
// (with its TLS and login), several senders at once open a few, and a
// connection the server closed meanwhile is replaced without failing the
// message.
func TestSMTPSenderKeepsConnections(t *testing.T) {
	serverTLS, pool := mailtest.Certificate(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: serverTLS, Users: map[string]string{"desk": "s3cret"},
		IdleTimeout: 500 * time.Millisecond})
	c, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://desk:s3cret@%s:%d?tls=starttls", srv.Host, srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	s := &mail.SMTPSender{Config: c, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
	send := func(i int) {
		m := testOutMessage()
		m.MessageID = fmt.Sprintf("<m%d@acme.test>", i)
		if err := s.Send(context.Background(), m); err != nil {
			t.Errorf("Send %d: %v", i, err)
		}
	}
	for i := range 5 {
		send(i)
	}
	srv.Wait(t, 5, 5*time.Second)
	if n := s.Opened(); n != 1 {
		t.Errorf("5 messages in a row opened %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); send(10 + i) }()
	}
	wg.Wait()
	srv.Wait(t, 25, 5*time.Second)
	if n := s.Opened(); n > 21 || n < 1 {
		t.Errorf("%d connections for 20 concurrent messages", n)
	}
	opened := s.Opened()
	time.Sleep(time.Second) // the server closes the idle sessions
	send(99)
	ms := srv.Wait(t, 26, 5*time.Second)
	if n := s.Opened(); n != opened+1 {
		t.Errorf("after the server closed the idle connections, %d new ones, want 1", n-opened)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if id := m.Header.Get("Message-Id"); seen[id] {
			t.Errorf("%s delivered twice", id)
		} else {
			seen[id] = true
		}
		if !m.TLS || m.User != "desk" {
			t.Errorf("%s: TLS %v, user %q", m.Header.Get("Message-Id"), m.TLS, m.User)
		}
	}
}

// TestSMTPSenderRefusesWithoutTLS: a server that offers no STARTTLS gets
// nothing when STARTTLS is required, and the password is never sent.
func TestSMTPSenderRefusesWithoutTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Users: map[string]string{"desk": "s3cret"}})
	c, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://desk:s3cret@%s:%d?tls=starttls", srv.Host, srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	s := &mail.SMTPSender{Config: c, Timeout: 5 * time.Second}
	err = s.Send(context.Background(), testOutMessage())
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("Send err = %v, want a temporary failure", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error reveals the password: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages", n)
	}
}

// TestSMTPSenderErrorClasses: 5xx refusals of a recipient are permanent,
// 4xx temporary, and a refused login is temporary (the configuration may be
// fixed while the retries run).
func TestSMTPSenderErrorClasses(t *testing.T) {
	for _, c := range []struct {
		code      int
		permanent bool
	}{{550, true}, {451, false}} {
		srv := mailtest.Start(t, mailtest.Options{Reject: func(string) error {
			return &smtp.SMTPError{Code: c.code, Message: "no thanks"}
		}})
		cfg, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://%s:%d?tls=none", srv.Host, srv.Port))
		if err != nil {
			t.Fatal(err)
		}
		err = (&mail.SMTPSender{Config: cfg, Timeout: 5 * time.Second}).Send(context.Background(), testOutMessage())
		if err == nil || mail.IsPermanent(err) != c.permanent {
			t.Errorf("reply %d: err = %v, permanent = %v; want permanent %v", c.code, err, mail.IsPermanent(err), c.permanent)
		}
	}
}

func TestSMTPSenderAuthRefusedIsTemporary(t *testing.T) {
	serverTLS, pool := mailtest.Certificate(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: serverTLS, Users: map[string]string{"desk": "right"}})
	c, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://desk:wrong@%s:%d", srv.Host, srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	err = (&mail.SMTPSender{Config: c, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}).Send(context.Background(), testOutMessage())
	if err == nil || mail.IsPermanent(err) || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: err = %v, want a temporary failure that does not show the password", err)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("message accepted without login")
	}
}

// TestSMTPSenderImplicitTLS: smtps:// speaks TLS from the first byte.
func TestSMTPSenderImplicitTLS(t *testing.T) {
	serverTLS, pool := mailtest.Certificate(t)
	srv := mailtest.Start(t, mailtest.Options{TLS: serverTLS, Implicit: true, Users: map[string]string{"desk": "s3cret"}})
	c, err := mail.ParseSMTPURL(fmt.Sprintf("smtps://desk:s3cret@%s:%d", srv.Host, srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	if err := (&mail.SMTPSender{Config: c, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}).Send(context.Background(), testOutMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := srv.Wait(t, 1, 5*time.Second)[0]; m.User != "desk" || m.Header.Get("Message-Id") != "<abc123@acme.test>" {
		t.Errorf("got %+v", m.Header)
	}
	// A client that does not trust the certificate sends nothing.
	err = (&mail.SMTPSender{Config: c, Timeout: 5 * time.Second}).Send(context.Background(), testOutMessage())
	if err == nil || mail.IsPermanent(err) {
		t.Errorf("untrusted certificate: err = %v, want a temporary failure", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

package mail_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq/internal/mail"
)

// part is one decoded body part of a parsed message.
type part struct {
	Type string
	Body string
}

// readEML parses the only .eml file in dir and returns its header and its
// body parts, transfer encoding undone and line ends normalised to \n.
func readEML(t *testing.T, dir string) (netmail.Header, []part) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 1 || !strings.HasSuffix(files[0], ".eml") {
		t.Fatalf("files in mail dir = %v (%v), want one .eml", files, err)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s = %v, want 0600", files[0], fi.Mode().Perm())
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5322 §2.1.1: lines end in CRLF and stay short (the long subject
	// and body lines of the test must have been folded or wrapped).
	for i, line := range strings.Split(string(raw), "\r\n") {
		if strings.Contains(line, "\n") || len(line) > 120 {
			t.Errorf("line %d is %d bytes or has a bare LF: %q", i+1, len(line), line)
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	if typ != "multipart/alternative" {
		return msg.Header, []part{{typ + "; " + params["charset"], readQP(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)}}
	}
	var parts []part
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{pt + "; " + pp["charset"], readQP(t, "", p)})
	}
	return msg.Header, parts
}

func readQP(t *testing.T, cte string, r io.Reader) string {
	t.Helper()
	if cte != "" && cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q, want quoted-printable", cte)
	}
	if cte != "" {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestDirSender(t *testing.T) {
	long := strings.Repeat("word ", 60) + "\nnext line"
	from := netmail.Address{Name: "Acme Support", Address: "support@acme.example"}
	to := netmail.Address{Name: "Zoë O'Brien", Address: "zoe@example.com"}
	tests := []struct {
		name  string
		msg   mail.Message
		parts []part
	}{
		{
			name: "text and html",
			msg: mail.Message{From: from, To: to, Subject: "Grüße: complete your registration at " + strings.Repeat("Ünïcode Help Desk ", 8),
				Text:    "Hello Zoë,\n" + long + "\nhttps://acme.example/app/register?token=SECRET\n",
				HTML:    `<p>Hello Zoë,</p><p><a href="https://acme.example/app/register?token=SECRET">register</a></p>`,
				Headers: map[string]string{"auto-submitted": "auto-generated"}},
			parts: []part{
				{"text/plain; utf-8", "Hello Zoë,\n" + long + "\nhttps://acme.example/app/register?token=SECRET\n"},
				{"text/html; utf-8", `<p>Hello Zoë,</p><p><a href="https://acme.example/app/register?token=SECRET">register</a></p>`},
			},
		},
		{
			name:  "text only",
			msg:   mail.Message{From: from, To: to, Subject: "Plain", Text: "token=SECRET\n", MessageID: "<fixed@sympoq>"},
			parts: []part{{"text/plain; utf-8", "token=SECRET\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "outbox") // created by Send
			var logs bytes.Buffer
			s := mail.DirSender{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			before := time.Now().Add(-time.Second)
			if err := s.Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			h, parts := readEML(t, dir)

			if got, err := h.AddressList("From"); err != nil || len(got) != 1 || *got[0] != from {
				t.Errorf("From = %v (%v), want %v", got, err, from)
			}
			if got, err := h.AddressList("To"); err != nil || len(got) != 1 || *got[0] != to {
				t.Errorf("To = %v (%v), want %v", got, err, to)
			}
			if got, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || got != tt.msg.Subject {
				t.Errorf("Subject = %q (%v), want %q", got, err, tt.msg.Subject)
			}
			if d, err := h.Date(); err != nil || d.Before(before) || d.After(time.Now().Add(time.Second)) {
				t.Errorf("Date = %v (%v), want about now", d, err)
			}
			id := h.Get("Message-ID")
			if tt.msg.MessageID != "" && id != tt.msg.MessageID {
				t.Errorf("Message-ID = %q, want %q", id, tt.msg.MessageID)
			}
			if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@sympoq>") {
				t.Errorf("Message-ID = %q, want <…@sympoq>", id)
			}
			if got := h.Get("MIME-Version"); got != "1.0" {
				t.Errorf("MIME-Version = %q, want 1.0", got)
			}
			for k, v := range tt.msg.Headers {
				if got := h.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if diff := cmp.Diff(tt.parts, parts); diff != "" {
				t.Errorf("body parts (-want +got):\n%s", diff)
			}

			log := logs.String()
			if strings.Contains(log, "SECRET") {
				t.Errorf("log carries the body: %s", log)
			}
			for _, want := range []string{"to=zoe@example.com", "subject=", ".eml"} {
				if !strings.Contains(log, want) {
					t.Errorf("log %q lacks %q", log, want)
				}
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	ok := mail.Message{From: netmail.Address{Address: "a@example.com"}, To: netmail.Address{Address: "b@example.com"}, Text: "x"}
	tests := []struct {
		name   string
		change func(m *mail.Message)
	}{
		{"no recipient", func(m *mail.Message) { m.To = netmail.Address{} }},
		{"line break in name", func(m *mail.Message) { m.To.Name = "x\r\nBcc: evil@example.com" }},
		{"line break in message id", func(m *mail.Message) { m.MessageID = "<a@b>\r\nBcc: evil@example.com" }},
		{"bad header name", func(m *mail.Message) { m.Headers = map[string]string{"X Bad": "1"} }},
		{"reserved header", func(m *mail.Message) { m.Headers = map[string]string{"content-type": "text/html"} }},
	}
	if _, err := ok.Encode(time.Now()); err != nil {
		t.Fatalf("Encode(valid) = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.change(&m)
			if _, err := m.Encode(time.Now()); err == nil {
				t.Errorf("Encode = nil error, want a refusal")
			}
		})
	}
}

func TestHeaderValueCannotInject(t *testing.T) {
	m := mail.Message{From: netmail.Address{Address: "a@example.com"}, To: netmail.Address{Address: "b@example.com"},
		Subject: "hi\r\nBcc: evil@example.com", Headers: map[string]string{"X-Note": "a\nBcc: evil@example.com"}, Text: "x"}
	b, err := m.Encode(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Errorf("Bcc = %q, want none", got)
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); got != m.Subject {
		t.Errorf("Subject = %q, want %q", got, m.Subject)
	}
}

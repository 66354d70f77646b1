// Package mail owns email on the wire: the outbound Message, its RFC 5322
// encoding, and the senders that deliver it; inbound, the parser (Parse,
// TrimQuoted), the SMTP receiver and the IMAP client. It knows nothing of
// tickets, users or the database; the jobs that send mail build the
// Message, and the receivers hand what they get to a Receiver or a callback.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Message is one outbound email. Text, HTML or both make the body; with
// both it is sent as multipart/alternative. Bodies may carry secrets (one-time
// links), so nothing that handles a Message logs them.
type Message struct {
	From, To  mail.Address
	Subject   string
	Text      string
	HTML      string
	MessageID string            // "<id@host>"; empty: one is generated
	Headers   map[string]string // extra header fields, e.g. Auto-Submitted
}

// NewMessageID returns a fresh random Message-ID, for a caller that must
// record it before sending.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	return "<" + hex.EncodeToString(b[:]) + "@sympoq>"
}

// reserved header fields are set by Encode and may not come from Headers.
var reserved = []string{"Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}

// Encode renders m as an RFC 5322 message with CRLF line ends, dated date.
// An empty MessageID is replaced by a fresh one.
func (m Message) Encode(date time.Time) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if m.MessageID == "" {
		m.MessageID = NewMessageID()
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", m.From.String())
	header("To", m.To.String())
	header("Subject", encodeHeader(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", m.MessageID)
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		header(textproto.CanonicalMIMEHeaderKey(k), encodeHeader(m.Headers[k]))
	}
	header("MIME-Version", "1.0")

	if m.Text == "" || m.HTML == "" {
		typ, body := "text/plain", m.Text
		if m.HTML != "" {
			typ, body = "text/html", m.HTML
		}
		header("Content-Type", typ+"; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, body); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Least preferred first (RFC 2046 §5.1.4).
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// check refuses what would break the header block: line breaks in
// addresses, ids or header names, and extra headers that shadow Encode's.
func (m Message) check() error {
	for _, a := range []struct {
		field string
		addr  mail.Address
	}{{"from", m.From}, {"to", m.To}} {
		if a.addr.Address == "" {
			return fmt.Errorf("encode message: no %s address", a.field)
		}
		if strings.ContainsAny(a.addr.Address+a.addr.Name, "\r\n") {
			return fmt.Errorf("encode message: line break in %s address", a.field)
		}
	}
	if strings.ContainsAny(m.MessageID, "\r\n") {
		return errors.New("encode message: line break in message id")
	}
	for k := range m.Headers {
		if !validFieldName(k) {
			return fmt.Errorf("encode message: invalid header name %q", k)
		}
		if slices.Contains(reserved, textproto.CanonicalMIMEHeaderKey(k)) {
			return fmt.Errorf("encode message: header %s is set by the encoder", k)
		}
	}
	return nil
}

// validFieldName reports whether s is an RFC 5322 field name: printable
// US-ASCII except colon.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// encodeHeader makes s a header value: RFC 2047 encoded words when s is not
// plain printable ASCII (line breaks included, so a value cannot start a new
// field), folded between words so that lines stay short.
func encodeHeader(s string) string {
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

// writeQP writes s quoted-printable, which keeps every line short and
// 7-bit whatever the text holds.
func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

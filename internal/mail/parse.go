package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"github.com/microcosm-cc/bluemonday"
)

// Inbound is a received email as the help desk uses it: headers decoded to
// UTF-8, bodies converted from their charset, HTML sanitized, attachments
// (inline ones too) decoded.
type Inbound struct {
	MessageID  string   // without angle brackets; empty when the message has none
	InReplyTo  []string // Message-IDs, without angle brackets
	References []string
	Subject    string
	From       netmail.Address
	ReplyTo    *netmail.Address
	To, Cc     []netmail.Address
	Date       time.Time // zero when missing or unreadable
	Text       string    // the whole text body (derived from the HTML when there is no text part)
	HTML       string    // the HTML body, sanitized; empty when there is none
	Files      []File
	// Automatic is why the message was sent by a machine ("auto-submitted:
	// auto-replied", "bounce: multipart/report", …); empty for a person's mail.
	Automatic string
	// Ticket is our own X-SympoQ-Ticket header: a message we sent (or a copy
	// of one) that came back.
	Ticket string
	// Problems are the defects the parser worked around (malformed headers,
	// bad encodings); the message was still read.
	Problems []string
}

// File is an attachment or an inline part (a cid image).
type File struct {
	Name        string
	ContentType string
	ContentID   string // without angle brackets; set for inline parts referenced from HTML
	Inline      bool
	Data        []byte
}

// ErrNotMessage is returned for input that is not an email at all.
var ErrNotMessage = errors.New("not an email message")

var parser = enmime.NewParser(enmime.MaxStoredPartErrors(20))

// htmlPolicy keeps the structure and formatting of mail HTML and drops
// scripts, styles, event handlers, forms and remote-loading tricks.
var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// SanitizeHTML makes mail HTML safe to show.
func SanitizeHTML(s string) string { return htmlPolicy.Sanitize(s) }

// Parse reads one RFC 5322 message. It fails only when the input has no
// header block or no sender, a message cannot be threaded or answered then;
// every lesser defect is worked around and listed in Problems.
func Parse(r io.Reader) (_ *Inbound, err error) {
	defer func() {
		// The MIME library is not ours; a panic on hostile input must not
		// take the receiver down.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: parser failed: %v", ErrNotMessage, p)
		}
	}()
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if !looksLikeHeader(raw) {
		return nil, fmt.Errorf("%w: no header block", ErrNotMessage)
	}
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, err)
	}
	m := &Inbound{
		MessageID:  firstID(env.GetHeader("Message-Id")),
		InReplyTo:  ids(env.GetHeader("In-Reply-To")),
		References: ids(env.GetHeader("References")),
		Subject:    cleanLine(env.GetHeader("Subject")),
		Ticket:     cleanLine(env.GetHeader("X-Sympoq-Ticket")),
		Text:       cleanText(env.Text),
	}
	for _, e := range env.Errors {
		m.Problems = append(m.Problems, e.String())
	}
	if from, err := env.AddressList("From"); err == nil && len(from) > 0 {
		m.From = *from[0]
	} else if a, ok := looseAddress(env.GetHeader("From")); ok {
		m.From = a
		m.Problems = append(m.Problems, "malformed From header")
	}
	m.From.Address = strings.ToLower(strings.TrimSpace(m.From.Address))
	m.From.Name = cleanLine(m.From.Name)
	if rt, err := env.AddressList("Reply-To"); err == nil && len(rt) > 0 {
		a := *rt[0]
		a.Address = strings.ToLower(a.Address)
		m.ReplyTo = &a
	}
	m.To = addresses(env, "To")
	m.Cc = addresses(env, "Cc")
	if d, err := env.Date(); err == nil {
		m.Date = d.UTC()
	} else if env.GetHeader("Date") != "" {
		m.Problems = append(m.Problems, "unreadable Date header")
	}
	if env.HTML != "" {
		m.HTML = SanitizeHTML(env.HTML)
	}
	m.Files = files(env)
	m.Automatic = automatic(env, m.From.Address)
	if m.From.Address == "" && m.Automatic == "" {
		return m, fmt.Errorf("%w: no sender address", ErrNotMessage)
	}
	return m, nil
}

// looksLikeHeader reports whether raw starts with a header field.
var headerStart = regexp.MustCompile(`^[\x21-\x39\x3b-\x7e]+[ \t]*:`)

func looksLikeHeader(raw []byte) bool {
	raw = bytes.TrimLeft(raw, "\r\n")
	return headerStart.Match(raw)
}

var idRE = regexp.MustCompile(`<([^<>\s]+)>`)

// ids reads a list of Message-IDs; ids without brackets (seen from broken
// clients) are taken word by word.
func ids(v string) []string {
	var out []string
	for _, m := range idRE.FindAllStringSubmatch(v, 50) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		for _, w := range strings.Fields(v) {
			if strings.Contains(w, "@") && len(out) < 50 {
				out = append(out, strings.Trim(w, "<>,"))
			}
		}
	}
	return out
}

func firstID(v string) string {
	if l := ids(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

// cleanLine makes a header value one line of valid UTF-8 without control
// characters.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanText normalises a body: valid UTF-8, \n line ends, no NULs, no
// trailing blank lines.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, " \t\n")
}

func addresses(env *enmime.Envelope, key string) []netmail.Address {
	l, err := env.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]netmail.Address, 0, len(l))
	for _, a := range l {
		out = append(out, netmail.Address{Name: cleanLine(a.Name), Address: strings.ToLower(a.Address)})
	}
	return out
}

var looseAddrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// looseAddress pulls an address out of a From header that does not parse.
func looseAddress(v string) (netmail.Address, bool) {
	addr := looseAddrRE.FindString(v)
	if addr == "" {
		return netmail.Address{}, false
	}
	name := strings.TrimSpace(strings.Trim(strings.Replace(v, addr, "", 1), `<>" `))
	return netmail.Address{Name: name, Address: addr}, true
}

// files collects attachments and inline parts, including the images of
// multipart/related that carry no Content-Disposition.
func files(env *enmime.Envelope) []File {
	var out []File
	add := func(p *enmime.Part, inline bool) {
		if p == nil || len(p.Content) == 0 || strings.HasPrefix(p.ContentType, "multipart/") {
			return
		}
		name := cleanLine(p.FileName)
		if name == "" {
			name = fmt.Sprintf("part-%s%s", strings.ReplaceAll(p.PartID, ".", "-"), extension(p.ContentType))
		}
		if !utf8.ValidString(name) {
			name = strings.ToValidUTF8(name, "_")
		}
		out = append(out, File{Name: name, ContentType: p.ContentType, ContentID: strings.Trim(p.ContentID, "<> "),
			Inline: inline, Data: p.Content})
	}
	for _, p := range env.Attachments {
		add(p, false)
	}
	for _, p := range env.Inlines {
		add(p, true)
	}
	for _, p := range env.OtherParts {
		add(p, true)
	}
	return out
}

func extension(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "text/plain":
		return ".txt"
	case "message/rfc822":
		return ".eml"
	}
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// automatic tells why a message was sent by a machine, or "" for a person:
// RFC 3834 Auto-Submitted, Precedence bulk/junk/list, the X-Autoreply family,
// and bounces (multipart/report, MAILER-DAEMON).
func automatic(env *enmime.Envelope, from string) string {
	if v := strings.ToLower(strings.TrimSpace(env.GetHeader("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return "auto-submitted: " + cleanLine(v)
	}
	switch v := strings.ToLower(strings.TrimSpace(env.GetHeader("Precedence"))); v {
	case "bulk", "junk", "list", "auto_reply":
		return "precedence: " + v
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponse"} {
		if v := strings.ToLower(strings.TrimSpace(env.GetHeader(h))); v != "" && v != "no" && v != "false" {
			return strings.ToLower(h)
		}
	}
	if strings.EqualFold(strings.TrimSpace(env.GetHeader("X-Auto-Response-Suppress")), "All") &&
		env.GetHeader("X-Ms-Exchange-Generated-Message-Source") != "" {
		return "exchange generated"
	}
	if env.Root != nil && env.Root.ContentType == "multipart/report" {
		return "bounce: multipart/report"
	}
	local, _, _ := strings.Cut(from, "@")
	if local == "mailer-daemon" {
		return "bounce: MAILER-DAEMON"
	}
	if strings.TrimSpace(env.GetHeader("Return-Path")) == "<>" {
		return "bounce: null sender"
	}
	return ""
}

package mail_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq/internal/mail"
)

type fileWant struct {
	Name, ContentType, ContentID string
	Inline                       bool
}

func TestParseCorpus(t *testing.T) {
	tests := []struct {
		file       string
		subject    string
		fromName   string
		from       string
		date       string // RFC 3339 UTC; "" for none
		messageID  string
		inReplyTo  []string
		references []string
		reply      string // the text with quoted history trimmed
		textHas    []string
		htmlHas    []string
		htmlLacks  []string
		files      []fileWant
		automatic  string
		ticket     string
		problems   bool
	}{
		{file: "gmail_reply.eml", subject: "Re: [AC-1042] Printer keeps jamming", fromName: "Houston Brooks", from: "hbrooks@example.com",
			date: "2026-12-01T18:15:02Z", messageID: "CAG+reply-1@mail.gmail.example", inReplyTo: []string{"out-1042-2@sympoq"},
			references: []string{"orig-1042@mail.gmail.example", "out-1042-2@sympoq"},
			reply:      "Thanks, the new tray fixed it — you can close this.\n\nHouston",
			textHas:    []string{"> Please try the replacement tray"}, htmlHas: []string{"<blockquote>Please try"},
			htmlLacks: []string{"class="}},
		{file: "outlook_reply.eml", subject: "RE: Invoice 2026-117 – wrong amount", fromName: "O'Neill, Siobhan", from: "siobhan.oneill@contoso.example",
			date: "2026-12-02T08:01:44Z", messageID: "AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.example", inReplyTo: []string{"out-77@sympoq"},
			reply:   "The invoice says €120 but the quote was €100 – could you “fix” it?\n\nKind regards,\nSiobhan",
			textHas: []string{"Sent: Tuesday, December 1, 2026 17:20", "Here is your invoice."}},
		{file: "outlook_original.eml", subject: "RE: Login problem", fromName: "Piet de Vries", from: "piet@voorbeeld.example",
			date: "2026-12-02T08:30:00Z", messageID: "000001d9aa$11112222$33334444@voorbeeld.example",
			reply: "It works again after the password reset.", textHas: []string{"-----Original Message-----", "Please reset your password."}},
		{file: "apple_reply.eml", subject: "Re: Delivery date", fromName: "Zoë Lefèvre", from: "zoe@example.fr", date: "2026-12-03T10:02:13Z",
			messageID: "7E1B2C3D-AAAA-BBBB-CCCC-DDDDEEEEFFFF@example.fr", inReplyTo: []string{"out-500@sympoq"},
			references: []string{"first-500@example.fr", "out-500@sympoq"}, reply: "Parfait, merci beaucoup !\n\nZoë",
			htmlLacks: []string{"<meta", "<html"}},
		{file: "thunderbird_reply.eml", subject: "Re: VPN access", fromName: "Jürgen Müller", from: "juergen@example.org", date: "2026-12-03T13:22:09Z",
			messageID: "5a1b2c3d-4e5f-6789-abcd-ef0123456789@example.org", inReplyTo: []string{"out-9@sympoq"}, references: []string{"out-9@sympoq"},
			reply: "Hallo,\n\ndie Verbindung klappt jetzt. Danke für die schnelle Hilfe!\n\nGrüße\nJürgen"},
		{file: "forwarded.eml", subject: "Fwd: Error 500 on checkout", fromName: "Maria Garcia", from: "maria@example.es", date: "2026-12-04T08:00:00Z",
			messageID: "CAfwd-123@mail.gmail.example",
			// A forward keeps what was forwarded: it is the request.
			reply: "Our customer reported this, please have a look.\n\n---------- Forwarded message ---------\nFrom: Luis Ortega <luis@cliente.example>\n" +
				"Date: Thu, Dec 3, 2026 at 6:12 PM\nSubject: Error 500 on checkout\nTo: <maria@example.es>\n\nThe checkout page shows \"Error 500\" after I press Pay."},
		{file: "alternative_html.eml", subject: "Broken link on the pricing page", fromName: "Ann Lee", from: "ann@example.com", date: "2026-12-04T10:00:00Z",
			messageID: "alt-1@example.com", reply: `The link "Plans" on the pricing page goes nowhere.`,
			htmlHas:   []string{`<a href="https://acme.test/pricing"`, "noreferrer", "goes nowhere.</p>"},
			htmlLacks: []string{"<script", "alert", "onclick", "onerror", "javascript:", "<iframe", "<style", "steal"}, problems: true},
		{file: "html_only.eml", subject: "Question about my plan", fromName: "Bob Stone", from: "bob@example.net", date: "2026-12-04T11:00:00Z",
			messageID: "html-only-1@example.net", reply: "Hello,\n\nCan I switch to the *yearly* plan?\n\nBob",
			htmlHas: []string{"<b>yearly</b>"}, problems: true},
		{file: "inline_image.eml", subject: "Screenshot of the error", fromName: "Chen Wei", from: "chen@example.cn", date: "2026-12-04T04:00:00Z",
			messageID: "inline-1@example.cn", reply: "See the screenshot: [image: error.png]", htmlHas: []string{`<img alt="error">`},
			files: []fileWant{{Name: "error.png", ContentType: "image/png", ContentID: "img1@example.cn", Inline: true}}},
		{file: "attachment_rfc2231.eml", subject: "My documents", fromName: "Ines Kovac", from: "ines@example.hr", date: "2026-12-04T12:00:00Z",
			messageID: "att-2231@example.hr", reply: "Both files are attached.",
			files: []fileWant{{Name: "Résumé — 日本.pdf", ContentType: "application/pdf"}, {Name: "Čestić pitanja.txt", ContentType: "text/plain"},
				{Name: "Übersicht.csv", ContentType: "application/octet-stream"}}},
		{file: "iso8859_1.eml", subject: "Café crème brûlée", fromName: "André Dupré", from: "andre@example.fr", date: "2026-12-04T13:00:00Z",
			messageID: "latin1-1@example.fr", reply: "Le café est déjà froid, ça arrive souvent. Très déçu."},
		{file: "windows1252_8bit.eml", subject: "Price € and „quotes“", fromName: "Greta Svensson", from: "greta@example.se", date: "2026-12-04T13:30:00Z",
			messageID: "cp1252-1@example.se", reply: "The price is €49 – it said “€39” yesterday…"},
		{file: "shift_jis.eml", subject: "請求書について", fromName: "山田太郎", from: "yamada@example.jp", date: "2026-12-04T06:00:00Z",
			messageID: "sjis-1@example.jp", reply: "請求書の金額が間違っています。確認してください。"},
		{file: "gb2312.eml", subject: "无法登录账户", fromName: "王小明", from: "wang@example.cn", date: "2026-12-04T08:00:00Z",
			messageID: "gb-1@example.cn", reply: "我今天无法登录我的账户，请帮忙。"},
		{file: "malformed_headers.eml", subject: "=?UTF-8?B?not base64!!?= and =?x-unknown?Q?abc?=", fromName: "Broken Sender", from: "broken@example.com",
			messageID: "no-brackets-id@example.com", inReplyTo: []string{"out-3@sympoq"}, textHas: []string{"This body is"}, problems: true},
		{file: "autoreply.eml", subject: "Automatic reply: [AC-1042] Printer keeps jamming", fromName: "Frank Office", from: "frank@example.com",
			date: "2026-12-04T17:00:00Z", messageID: "oof-1@example.com", inReplyTo: []string{"out-1042-3@sympoq"},
			reply: "I am out of the office until Monday.", automatic: "auto-submitted: auto-replied"},
		{file: "precedence_bulk.eml", subject: "Our December offers", fromName: "Newsletter", from: "news@shop.example", date: "2026-12-04T17:10:00Z",
			messageID: "news-1@shop.example", reply: "Big savings this week.", automatic: "precedence: bulk"},
		{file: "bounce.eml", subject: "Undelivered Mail Returned to Sender", fromName: "Mail Delivery System", from: "mailer-daemon@mx.acme.test",
			date: "2026-12-04T17:20:00Z", messageID: "bounce-1@mx.acme.test", textHas: []string{"could not be delivered"},
			automatic: "bounce: multipart/report",
			files:     []fileWant{{Name: "part-2.bin", ContentType: "message/delivery-status", Inline: true}, {Name: "part-3.bin", ContentType: "text/rfc822-headers", Inline: true}}},
		{file: "own_notification.eml", subject: "[AC-1042] New reply", fromName: "Acme Support", from: "support@acme.test", date: "2026-12-04T17:30:00Z",
			messageID: "out-1042-9@sympoq", reply: "A new reply was added to your ticket.", ticket: "AC-1042"},
		{file: "lf_only_new_request.eml", subject: "No display name, LF line ends", from: "plain@example.com", date: "2026-12-04T18:00:00Z",
			messageID: "lf-1@example.com", reply: "Just a plain body without MIME headers."},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := mail.Parse(f)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			check := func(what string, got, want any) {
				t.Helper()
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", what, diff)
				}
			}
			check("subject", m.Subject, tt.subject)
			check("from name", m.From.Name, tt.fromName)
			check("from", m.From.Address, tt.from)
			date := ""
			if !m.Date.IsZero() {
				date = m.Date.Format(time.RFC3339)
			}
			check("date", date, tt.date)
			check("message id", m.MessageID, tt.messageID)
			check("in-reply-to", m.InReplyTo, tt.inReplyTo)
			check("references", m.References, tt.references)
			check("automatic", m.Automatic, tt.automatic)
			check("ticket header", m.Ticket, tt.ticket)
			if tt.reply != "" {
				check("reply", mail.TrimQuoted(m.Text), tt.reply)
			}
			for _, s := range append(tt.textHas, strings.Split(tt.reply, "\n")[0]) {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text %q lacks %q (the whole message is kept)", m.Text, s)
				}
			}
			for _, s := range tt.htmlHas {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("html %q lacks %q", m.HTML, s)
				}
			}
			for _, s := range tt.htmlLacks {
				if strings.Contains(m.HTML, s) {
					t.Errorf("html %q keeps %q", m.HTML, s)
				}
			}
			var files []fileWant
			for _, f := range m.Files {
				files = append(files, fileWant{f.Name, f.ContentType, f.ContentID, f.Inline})
				if len(f.Data) == 0 {
					t.Errorf("file %s is empty", f.Name)
				}
			}
			check("files", files, tt.files)
			if got := len(m.Problems) > 0; got != tt.problems {
				t.Errorf("problems = %q, want some: %v", m.Problems, tt.problems)
			}
		})
	}
	all, _ := filepath.Glob("testdata/*.eml")
	for _, f := range all {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no case", f)
		}
	}
}

func TestParseAttachmentBytes(t *testing.T) {
	f, err := os.Open("testdata/attachment_rfc2231.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mail.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"%PDF-1.4 fake pdf body\n", "Pitanja i odgovori\n", "a,b\n1,2\n"}
	for i, w := range want {
		if i >= len(m.Files) || string(m.Files[i].Data) != w {
			t.Errorf("file %d bytes = %q, want %q", i, m.Files[i].Data, w)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":       "",
		"no header":   "just some words\nand more\n",
		"binary":      "\x00\x01\x02\xff\xfe",
		"no sender":   "To: support@acme.test\r\nSubject: hi\r\n\r\nbody\r\n",
		"only a body": "\r\n\r\nHello",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := mail.Parse(strings.NewReader(raw))
			if !errors.Is(err, mail.ErrNotMessage) {
				t.Errorf("Parse = %v, want ErrNotMessage", err)
			}
		})
	}
}

// TestParseHuge reads a 12 MB message with a long text body and a 10 MB
// attachment whole.
func TestParseHuge(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: Big Sender <big@example.com>\r\nTo: support@acme.test\r\nSubject: Huge\r\nMessage-ID: <huge-1@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"h\"\r\n\r\n--h\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	line := strings.Repeat("all work and no play ", 3) + "\r\n"
	for b.Len() < 2<<20 {
		b.WriteString(line)
	}
	b.WriteString("--h\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	chunk := strings.Repeat("QUJD", 18) + "\r\n" // "ABC" ×18 in 72 characters
	n := 0
	for n < 10<<20 {
		b.WriteString(chunk)
		n += 54
	}
	b.WriteString("--h--\r\n")
	m, err := mail.Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Text) < 2_000_000 || !strings.HasPrefix(m.Text, "all work") {
		t.Errorf("text is %d bytes, want about 2 MiB", len(m.Text))
	}
	if len(m.Files) != 1 || len(m.Files[0].Data) != n || !bytes.HasPrefix(m.Files[0].Data, []byte("ABCABC")) {
		t.Fatalf("files = %d, want one of %d bytes", len(m.Files), n)
	}
}

func TestTrimQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Hello there.", "Hello there."},
		{"gmail one line", "Yes.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Ann <a@x.example> wrote:\n> old", "Yes."},
		{"gmail wrapped", "Yes.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Ann Long-Name\n<a@x.example> wrote:\n> old", "Yes."},
		{"french", "Oui.\n\nLe mar. 1 déc. 2026 à 10:00, Ann <a@x.example> a écrit :\n> old", "Oui."},
		{"outlook underscores", "Done.\n\n________________________________\nFrom: Ann\nSent: Monday\n\nold", "Done."},
		{"outlook german", "Erledigt.\n\nVon: Ann <a@x.example>\nGesendet: Montag, 30. November 2026 10:00\nAn: Support\n\nalt", "Erledigt."},
		{"trailing quote block", "Fine now.\n\n> earlier text\n> more", "Fine now."},
		{"interleaved kept", "> Which version?\n2.1\n> Which OS?\nLinux", "> Which version?\n2.1\n> Which OS?\nLinux"},
		{"all quoted stays", "> only a quote", "> only a quote"},
		{"from line in text is not a header", "From: the start it failed.\nThen it worked.", "From: the start it failed.\nThen it worked."},
		{"forward is kept", "FYI\n\nBegin forwarded message:\n\nFrom: Ann <a@x.example>\nDate: Monday\n\nbody", "FYI\n\nBegin forwarded message:\n\nFrom: Ann <a@x.example>\nDate: Monday\n\nbody"},
		{"crlf", "Thanks.\r\n\r\nOn Mon, Ann wrote:\r\n> x", "Thanks."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mail.TrimQuoted(tt.in); got != tt.want {
				t.Errorf("TrimQuoted(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParse: no input makes the parser panic, and what it returns is
// usable (valid UTF-8, one-line headers).
func FuzzParse(f *testing.F) {
	all, _ := filepath.Glob("testdata/*.eml")
	for _, p := range all {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := mail.Parse(bytes.NewReader(raw))
		if m == nil {
			if err == nil {
				t.Fatal("nil message without an error")
			}
			return
		}
		for _, s := range []string{m.Subject, m.From.Name, m.MessageID, m.Ticket} {
			if strings.ContainsAny(s, "\r\n") {
				t.Errorf("header value %q spans lines", s)
			}
		}
		if !utf8Valid(m.Subject) || !utf8Valid(m.Text) || !utf8Valid(m.From.Name) {
			t.Errorf("invalid UTF-8 in %q / %q", m.Subject, m.From.Name)
		}
		_ = mail.TrimQuoted(m.Text)
		_ = fmt.Sprint(len(m.Files))
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

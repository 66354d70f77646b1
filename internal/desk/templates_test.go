package desk

import (
	"errors"
	"html/template"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
)

// TestRenderTemplateEscaping: whatever the values and the administrator's
// text hold, the HTML part carries no live markup and the text part keeps
// the text as written.
func TestRenderTemplateEscaping(t *testing.T) {
	base := map[string]string{"ticket_id": "12-04-A-BC1", "topic": "Billing", "subject": "Invoice", "customer": "Zoë",
		"message": "line one\nline two", "ticket_link": "https://acme.example/app/desk/ticket/12-04-A-BC1"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name            string
		subject, body   string
		values          map[string]string
		wantSubject     string
		wantText        []string // substrings of the text part
		wantHTML        []string // substrings of the HTML part
		forbidHTML      []string
		forbidSubjectLF bool
	}{
		{
			name: "default subject form", subject: defaultTicketSubject, body: "{{message}}", values: base,
			wantSubject: "[12-04-A-BC1] Billing - Invoice",
		},
		{
			name: "no topic", subject: defaultTicketSubject, body: "x", values: with("topic", ""),
			wantSubject: "[12-04-A-BC1] Invoice",
		},
		{
			name: "script in the subject", subject: defaultTicketSubject, body: "About {{subject}}.",
			values:      with("subject", `<script>alert("x")</script>`),
			wantSubject: `[12-04-A-BC1] Billing - <script>alert("x")</script>`,
			wantText:    []string{`About <script>alert("x")</script>.`},
			wantHTML:    []string{`About &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;.`},
			forbidHTML:  []string{"<script"},
		},
		{
			name: "line breaks in a value stay out of the subject", subject: "{{subject}}", body: "x",
			values: with("subject", "Hi\r\nBcc: victim@example.com"), wantSubject: "Hi Bcc: victim@example.com", forbidSubjectLF: true,
		},
		{
			name: "message keeps its lines, escaped", subject: "s", body: "Dear {{customer}},\n\n{{message}}\n",
			values:     with("message", "a < b & c\n<img src=x onerror=alert(1)>"),
			wantText:   []string{"Dear Zoë,\n\na < b & c\n<img src=x onerror=alert(1)>\n"},
			wantHTML:   []string{"Dear Zoë,<br>\n<br>\na &lt; b &amp; c<br>\n&lt;img src=x onerror=alert(1)&gt;<br>"},
			forbidHTML: []string{"<img"},
		},
		{
			name: "markup in the template text is text", subject: "s", body: "<b>bold</b> {{message}}", values: base,
			wantText: []string{"<b>bold</b> line one"}, wantHTML: []string{"&lt;b&gt;bold&lt;/b&gt; line one"}, forbidHTML: []string{"<b>"},
		},
		{
			name: "links become anchors", subject: "s", body: "Open {{ticket_link}}", values: base,
			wantText: []string{"Open https://acme.example/app/desk/ticket/12-04-A-BC1"},
			wantHTML: []string{`<a href="https://acme.example/app/desk/ticket/12-04-A-BC1">https://acme.example/app/desk/ticket/12-04-A-BC1</a>`},
		},
		{
			name: "a javascript link is neutralised", subject: "s", body: "{{ticket_link}}",
			values: with("ticket_link", "javascript:alert(1)"), forbidHTML: []string{`href="javascript:`},
			wantHTML: []string{`href="#ZgotmplZ"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := renderTemplate(&sympoq.EmailTemplate{Name: sympoq.TplAgentReply, Subject: c.subject, Body: c.body}, c.values)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantSubject != "" && out.Subject != c.wantSubject {
				t.Errorf("subject = %q, want %q", out.Subject, c.wantSubject)
			}
			if strings.ContainsAny(out.Subject, "\r\n") {
				t.Errorf("subject has a line break: %q", out.Subject)
			}
			for _, w := range c.wantText {
				if !strings.Contains(out.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, out.Text)
				}
			}
			for _, w := range c.wantHTML {
				if !strings.Contains(out.HTML, w) {
					t.Errorf("html lacks %q:\n%s", w, out.HTML)
				}
			}
			for _, f := range c.forbidHTML {
				if strings.Contains(out.HTML, f) {
					t.Errorf("html has %q:\n%s", f, out.HTML)
				}
			}
		})
	}
}

// TestCheckTemplate: broken or unknown placeholders are field errors on
// the field that holds them; the defaults all pass.
func TestCheckTemplate(t *testing.T) {
	cases := []struct {
		name, tpl, subject, body string
		wantField, wantIn        string // "": valid
	}{
		{"valid", sympoq.TplNewRequest, "[{{ticket_id}}] {{ subject }}", "Hi {{customer}}, {{portal_link}}", "", ""},
		{"unclosed", sympoq.TplNewRequest, "[{{ticket_id}] x", "b", "subject", "without a closing"},
		{"stray close", sympoq.TplNewRequest, "s", "Hello }} there", "body", "without an opening"},
		{"unknown", sympoq.TplNewRequest, "s", "Dear {{custumer}}", "body", "unknown placeholder {{custumer}}"},
		{"broken name", sympoq.TplNewRequest, "s", "{{ticket id}}", "body", "broken placeholder"},
		{"template syntax", sympoq.TplNewRequest, "s", "{{.Ticket.Subject}}", "body", "broken placeholder"},
		{"ticket placeholder in a user template", sympoq.TplPasswordReset, "s", "{{ticket_id}} {{link}}", "body", "unknown placeholder {{ticket_id}}"},
		{"empty body", sympoq.TplClosed, "s", "  ", "body", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p sympoq.Problems
			checkTemplate(&p, c.tpl, c.subject, c.body)
			err := p.Err()
			if c.wantField == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var se *sympoq.Error
			if !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Field != c.wantField || !strings.Contains(se.Fields[0].Message, c.wantIn) {
				t.Fatalf("err = %#v, want one error on %s containing %q", err, c.wantField, c.wantIn)
			}
		})
	}
	for _, name := range TemplateNames {
		d, ok := DefaultTemplate(1, name)
		if !ok {
			t.Fatalf("no default for %s", name)
		}
		var p sympoq.Problems
		checkTemplate(&p, name, d.Subject, d.Body)
		if err := p.Err(); err != nil {
			t.Errorf("default %s: %v", name, err)
		}
	}
}

// htmlReference is how the HTML body was written before renderHTML: one
// html/template over all the pieces. renderHTML must write the same bytes.
var htmlReference = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body><div style="font-family: sans-serif; font-size: 14px; line-height: 1.4">
{{- range .}}{{if .Link}}<a href="{{.Link}}">{{.Text}}</a>{{else if .Break}}<br>
{{else}}{{.Text}}{{end}}{{end -}}
</div></body></html>
`))

// TestRenderHTML holds renderHTML to the one template's output, over
// hostile text and links and random runs of the characters escaping
// concerns.
func TestRenderHTML(t *testing.T) {
	texts := []string{"", "plain", `<script>alert("x")</script>`, "a & b + c ' \" > <", "nul\x00byte", "Zoë ☃ 日本",
		"&amp; already", "{{ticket_id}}", "\xff\xfe invalid utf-8", "line\twith\ttabs", "\u2028\u2029"}
	links := []string{"https://acme.example/app/desk/ticket/12-04-A-BC1", "javascript:alert(1)", "http://x/a b?q=<1>&r='2'",
		"mailto:someone@example.com", `https://x/"onmouseover="alert(1)`, "data:text/html,<b>x</b>", "/relative/path#frag",
		"HTTPS://UPPER.example/%zz", "https://x/ünïcode"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab <>&'\"+\x00=/:#?%é\n")
	for range 300 {
		r := make([]rune, rng.IntN(20))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(r))
		links = append(links, "https://x/"+string(r))
	}
	check := func(parts []htmlPart) {
		t.Helper()
		var want strings.Builder
		if err := htmlReference.Execute(&want, parts); err != nil {
			t.Fatal(err)
		}
		got, err := renderHTML(parts)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Fatalf("renderHTML(%+v)\n got %q\nwant %q", parts, got, want.String())
		}
	}
	check(nil)
	for i, tx := range texts {
		l := links[i%len(links)]
		check([]htmlPart{{Text: tx}, {Break: true}, {Text: tx, Link: l}, {Text: "x"}})
		check([]htmlPart{{Text: tx, Link: links[(i+3)%len(links)]}, {Break: true}, {Break: true}, {Text: tx}})
	}
}

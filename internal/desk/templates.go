package desk

import (
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
)

// Email templates (product.md §7). A template is a one-line subject and a
// plain-text body with {{placeholder}}s. The text part is the body with the
// values put in; the HTML part is built from the same pieces, escaped as
// html/template escapes them, so every value and every character of the
// administrator's text is escaped, line breaks become <br>, and links become
// anchors whose URLs html/template filters (renderHTML).

// Limits of template text.
const (
	maxTemplateSubject = 255
	maxTemplateBody    = 20_000
)

// Placeholders of ticket templates, and of the templates about a user.
var (
	ticketPlaceholders = []string{"ticket_id", "subject", "topic", "queue", "priority", "status", "customer",
		"customer_email", "agent", "actor", "message", "deadline", "ticket_link", "portal_link", "desk_title", "recipient"}
	userPlaceholders = []string{"recipient", "desk_title", "link", "link_valid"}
	// linkPlaceholders become anchors in the HTML part.
	linkPlaceholders = []string{"ticket_link", "portal_link", "link"}
)

// TemplateNames lists every template in the order the settings show them.
var TemplateNames = []string{sympoq.TplNewRequest, sympoq.TplAssignment, sympoq.TplAgentReply, sympoq.TplCustomerReply,
	sympoq.TplClosed, sympoq.TplReopened, sympoq.TplDeadline, sympoq.TplRegistration, sympoq.TplPasswordReset}

// userTemplate reports whether template name is about a user, not a
// ticket.
func userTemplate(name string) bool {
	return name == sympoq.TplRegistration || name == sympoq.TplPasswordReset
}

// placeholdersOf returns the placeholders template name may use.
func placeholdersOf(name string) []string {
	if userTemplate(name) {
		return userPlaceholders
	}
	return ticketPlaceholders
}

const defaultTicketSubject = "[{{ticket_id}}] {{topic}} - {{subject}}"

// defaultTemplates are every account's texts until an administrator
// changes them.
var defaultTemplates = map[string][2]string{
	sympoq.TplNewRequest: {defaultTicketSubject, `Hello {{customer}},

thank you for your request. We have received it as ticket {{ticket_id}} and will answer soon.

{{message}}

You can follow your ticket at {{portal_link}}
or answer this email to add to it.

{{desk_title}}
`},
	sympoq.TplAssignment: {defaultTicketSubject, `Ticket {{ticket_id}} is now assigned to {{agent}} (by {{actor}}).

Customer: {{customer}} ({{customer_email}})
Queue: {{queue}}, priority {{priority}}, status {{status}}, deadline {{deadline}}

{{message}}

Open the ticket: {{ticket_link}}
`},
	sympoq.TplAgentReply: {defaultTicketSubject, `{{message}}

--
{{actor}}, {{desk_title}}
Ticket {{ticket_id}}: {{portal_link}}
Answer this email to reply.
`},
	sympoq.TplCustomerReply: {defaultTicketSubject, `{{customer}} replied to ticket {{ticket_id}} (queue {{queue}}, priority {{priority}}, status {{status}}):

{{message}}

Open the ticket: {{ticket_link}}
`},
	sympoq.TplClosed: {defaultTicketSubject, `Hello {{customer}},

ticket {{ticket_id}} is closed.

{{message}}

If your request is not solved, answer this email or visit {{portal_link}}

{{desk_title}}
`},
	sympoq.TplReopened: {defaultTicketSubject, `Ticket {{ticket_id}} was reopened by {{actor}}.

{{message}}

Open the ticket: {{ticket_link}}
`},
	sympoq.TplDeadline: {defaultTicketSubject, `Ticket {{ticket_id}} (queue {{queue}}, priority {{priority}}, assigned to {{agent}}) is due {{deadline}}.

Open the ticket: {{ticket_link}}
`},
	sympoq.TplRegistration: {"Complete your registration at {{desk_title}}", `Hello {{recipient}},

please complete your registration at {{desk_title}} by choosing a password:

{{link}}

The link works once, for {{link_valid}}. If you did not expect this email, ignore it.
`},
	sympoq.TplPasswordReset: {"Reset your password at {{desk_title}}", `Hello {{recipient}},

someone asked to reset your password at {{desk_title}}. Choose a new one here:

{{link}}

The link works once, for {{link_valid}}. If it was not you, ignore this email; your password stays as it is.
`},
}

// DefaultTemplate returns the built-in text of template name.
func DefaultTemplate(accountID int64, name string) (*sympoq.EmailTemplate, bool) {
	d, ok := defaultTemplates[name]
	if !ok {
		return nil, false
	}
	return &sympoq.EmailTemplate{AccountID: accountID, Name: name, Subject: d[0], Body: d[1], Default: true}, true
}

// piece is a literal run of template text or a placeholder.
type piece struct {
	text string
	name string // placeholder name; "" for literal text
}

var placeholderName = regexp.MustCompile(`^[a-z_]+$`)

// parseTemplate splits s into pieces, refusing unclosed or stray braces and
// names not in allowed.
func parseTemplate(s string, allowed []string) ([]piece, error) {
	var out []piece
	for s != "" {
		open := strings.Index(s, "{{")
		if cl := strings.Index(s, "}}"); cl >= 0 && (open < 0 || cl < open) {
			return nil, fmt.Errorf(`has "}}" without an opening "{{"`)
		}
		if open < 0 {
			out = append(out, piece{text: s})
			break
		}
		if open > 0 {
			out = append(out, piece{text: s[:open]})
		}
		rest := s[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return nil, fmt.Errorf(`has "{{" without a closing "}}"`)
		}
		name := strings.TrimSpace(rest[:end])
		if !placeholderName.MatchString(name) {
			return nil, fmt.Errorf("has a broken placeholder {{%s}}; placeholders are %s", rest[:end], listPlaceholders(allowed))
		}
		if !slices.Contains(allowed, name) {
			return nil, fmt.Errorf("has an unknown placeholder {{%s}}; this template may use %s", name, listPlaceholders(allowed))
		}
		out = append(out, piece{name: name})
		s = rest[end+2:]
	}
	return out, nil
}

func listPlaceholders(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "{{" + n + "}}"
	}
	return strings.Join(q, ", ")
}

// checkTemplate validates a template's subject and body for template name
// into p, with the given field names.
func checkTemplate(p *sympoq.Problems, name, subject, body string) {
	allowed := placeholdersOf(name)
	sympoq.CheckText(p, "subject", subject, maxTemplateSubject, false)
	if strings.TrimSpace(subject) == "" {
		p.Add("subject", sympoq.FieldMissing, "is required")
	} else if _, err := parseTemplate(subject, allowed); err != nil {
		p.Add("subject", sympoq.FieldInvalid, "%v", err)
	}
	sympoq.CheckText(p, "body", body, maxTemplateBody, true)
	if strings.TrimSpace(body) == "" {
		p.Add("body", sympoq.FieldMissing, "is required")
	} else if _, err := parseTemplate(body, allowed); err != nil {
		p.Add("body", sympoq.FieldInvalid, "%v", err)
	}
}

// Rendered is a template filled in: a subject and both body parts.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// htmlPart is one piece of the HTML body.
type htmlPart struct {
	Text  string
	Link  string
	Break bool
}

// The HTML body is written piece by piece: text is escaped as html/template
// escapes text (htmlText), and each anchor goes through html/template
// (htmlLink), which filters and normalizes its URL. Executing one template
// over all the pieces cost a submission about 30 µs, in the transaction
// that shares the writer; TestRenderHTML holds the output to that of the
// one template.
const (
	htmlHead = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n" +
		"<body><div style=\"font-family: sans-serif; font-size: 14px; line-height: 1.4\">"
	htmlTail = "</div></body></html>\n"
)

var htmlLink = template.Must(template.New("link").Parse(`<a href="{{.Link}}">{{.Text}}</a>`))

// htmlEscaped maps the characters html/template escapes in text.
var htmlEscaped = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;")

// renderHTML writes the HTML body of parts.
func renderHTML(parts []htmlPart) (string, error) {
	var h strings.Builder
	h.WriteString(htmlHead)
	for _, p := range parts {
		switch {
		case p.Link != "":
			if err := htmlLink.Execute(&h, p); err != nil {
				return "", err
			}
		case p.Break:
			h.WriteString("<br>\n")
		default:
			if _, err := htmlEscaped.WriteString(&h, p.Text); err != nil {
				return "", err
			}
		}
	}
	h.WriteString(htmlTail)
	return h.String(), nil
}

var spaces = regexp.MustCompile(`\s+`)

// renderTemplate fills t in with values. A template that no longer parses
// (it can only be a stored one from an older version) is an error.
func renderTemplate(t *sympoq.EmailTemplate, values map[string]string) (*Rendered, error) {
	allowed := placeholdersOf(t.Name)
	subj, err := parseTemplate(t.Subject, allowed)
	if err != nil {
		return nil, fmt.Errorf("template %s: subject %v", t.Name, err)
	}
	body, err := parseTemplate(t.Body, allowed)
	if err != nil {
		return nil, fmt.Errorf("template %s: body %v", t.Name, err)
	}
	var s strings.Builder
	for _, p := range subj {
		if p.name == "" {
			s.WriteString(p.text)
		} else {
			s.WriteString(values[p.name])
		}
	}
	// One line, with no runs of blanks (an empty {{topic}}, say).
	subject := strings.TrimSpace(spaces.ReplaceAllString(s.String(), " "))
	if values["topic"] == "" {
		subject = strings.ReplaceAll(subject, "] - ", "] ")
	}
	if utf8.RuneCountInString(subject) > 998-len("Subject: ") {
		subject = string([]rune(subject)[:900])
	}
	var text strings.Builder
	var parts []htmlPart
	addText := func(v string) {
		for i, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
			if i > 0 {
				parts = append(parts, htmlPart{Break: true})
			}
			if line != "" {
				parts = append(parts, htmlPart{Text: line})
			}
		}
	}
	for _, p := range body {
		if p.name == "" {
			text.WriteString(p.text)
			addText(p.text)
			continue
		}
		v := values[p.name]
		text.WriteString(v)
		if slices.Contains(linkPlaceholders, p.name) && v != "" {
			parts = append(parts, htmlPart{Text: v, Link: v})
		} else {
			addText(v)
		}
	}
	h, err := renderHTML(parts)
	if err != nil {
		return nil, fmt.Errorf("template %s: html: %w", t.Name, err)
	}
	return &Rendered{Subject: subject, Text: text.String(), HTML: h}, nil
}

// Placeholders lists the placeholders template name may use.
func Placeholders(name string) []string { return slices.Clone(placeholdersOf(name)) }

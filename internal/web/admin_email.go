package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Email templates and ticket action notifications
// (/app/desk/settings/templates, /app/desk/settings/notifications).
//
// The preview shows the rendered subject and plain text, and the HTML part
// two ways that need no inline content on the settings page (whose CSP
// forbids it): its source, escaped, in a <details>, and a served page
// (…/templates/NAME/preview?ticket=) in an <iframe sandbox="allow-same-origin">.
// That page has a CSP of its own — default-src 'none' (no script, no
// request anywhere), only inline styles, form-action 'none', framed by this
// site only, and the sandbox directive — so even markup that slipped into
// the email could not run. The served page renders the stored template
// (a URL cannot carry the edited text safely); the escaped source always
// shows exactly what was typed.

// templateLabels name the templates in words.
var templateLabels = map[string]string{
	sympoq.TplNewRequest: "New request received", sympoq.TplAssignment: "Ticket assigned",
	sympoq.TplAgentReply: "Agent replied", sympoq.TplCustomerReply: "Customer replied",
	sympoq.TplClosed: "Ticket closed", sympoq.TplReopened: "Ticket reopened",
	sympoq.TplDeadline: "Deadline reminder", sympoq.TplRegistration: "Registration link",
	sympoq.TplPasswordReset: "Password reset link",
}

func templateLabel(name string) string {
	if l, ok := templateLabels[name]; ok {
		return l
	}
	return name
}

// templateData is what the template pages see.
type templateData struct {
	Templates    []*sympoq.EmailTemplate
	Name, Label  string
	Default      bool
	Placeholders []string
	Preview      *desk.Rendered
	PreviewURL   string
	UserTemplate bool
}

// Label names a template for the list.
func (d templateData) LabelOf(name string) string { return templateLabel(name) }

func (w *Web) templateList(rw http.ResponseWriter, rq *request) error {
	ts, err := w.desk.EmailTemplates(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	return w.adminRender(rw, rq, http.StatusOK, "admin_templates", "templates", "Email templates", nil, templateData{Templates: ts})
}

func (w *Web) showTemplate(rw http.ResponseWriter, rq *request, status int, f *Form, preview *desk.Rendered) error {
	name := rq.PathValue("name")
	t, err := w.desk.EmailTemplate(rq.Context(), rq.Actor, name)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"subject": {t.Subject}, "body": {t.Body}})
	}
	d := templateData{Name: name, Label: templateLabel(name), Default: t.Default, Placeholders: desk.Placeholders(name),
		Preview: preview, UserTemplate: name == sympoq.TplRegistration || name == sympoq.TplPasswordReset}
	if preview != nil {
		d.PreviewURL = "/app/desk/settings/templates/" + url.PathEscape(name) + "/preview?ticket=" + url.QueryEscape(f.Value("ticket"))
	}
	return w.adminRender(rw, rq, status, "admin_template", "templates", "Email template "+d.Label, f, d)
}

func (w *Web) templateEdit(rw http.ResponseWriter, rq *request) error {
	return w.showTemplate(rw, rq, http.StatusOK, nil, nil)
}

// templateSave saves the posted text, or with "preview" renders it over the
// ticket named (or sample data) and saves nothing.
func (w *Web) templateSave(rw http.ResponseWriter, rq *request) error {
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	name := rq.PathValue("name")
	if f.Value("preview") != "" {
		r, err := w.desk.PreviewEmailTemplate(rq.Context(), rq.Actor, name, desk.PreviewInput{
			Subject: desk.Some(f.Value("subject")), Body: desk.Some(f.Value("body")), Ticket: desk.Some(f.Value("ticket"))})
		if err != nil {
			if !f.fromError(err, nil) {
				return err
			}
			return w.showTemplate(rw, rq, formStatus(err), f, nil)
		}
		return w.showTemplate(rw, rq, http.StatusOK, f, r)
	}
	_, err = w.desk.SaveEmailTemplate(rq.Context(), rq.Actor, name, desk.TemplateInput{
		Subject: desk.Some(f.Value("subject")), Body: desk.Some(f.Value("body"))})
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.showTemplate(rw, rq, formStatus(err), f, nil)
	}
	return w.redirect(rw, rq, "/app/desk/settings/templates/"+url.PathEscape(name), "Template "+templateLabel(name)+" saved.")
}

func (w *Web) templateReset(rw http.ResponseWriter, rq *request) error {
	if err := parseForm(rq); err != nil {
		return err
	}
	name := rq.PathValue("name")
	if _, err := w.desk.ResetEmailTemplate(rq.Context(), rq.Actor, name); err != nil {
		return err
	}
	return w.redirect(rw, rq, "/app/desk/settings/templates/"+url.PathEscape(name), "Template "+templateLabel(name)+" reset to the default text.")
}

// previewCSP is the policy of the served HTML part: nothing may load or
// run, only the part's own inline styles apply, and the document is
// sandboxed into an origin of its own.
const previewCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin"

// templatePreview serves the HTML part of the stored template rendered over
// a ticket (?ticket=) or sample data.
func (w *Web) templatePreview(rw http.ResponseWriter, rq *request) error {
	in := desk.PreviewInput{}
	if t := rq.URL.Query().Get("ticket"); t != "" {
		in.Ticket = desk.Some(t)
	}
	r, err := w.desk.PreviewEmailTemplate(rq.Context(), rq.Actor, rq.PathValue("name"), in)
	if err != nil {
		if sympoq.ErrorCode(err) != sympoq.EInvalid {
			return err
		}
		r, err = w.desk.PreviewEmailTemplate(rq.Context(), rq.Actor, rq.PathValue("name"), desk.PreviewInput{})
		if err != nil {
			return err
		}
	}
	h := rw.Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = fmt.Fprint(rw, r.HTML)
	return nil
}

// ----- Ticket action notifications -----

var triggerLabels = map[sympoq.ActionTrigger]string{
	sympoq.TrigNewRequest: "A customer submits a request", sympoq.TrigCustomerReply: "A customer replies",
	sympoq.TrigCustomerClose: "A customer closes a ticket", sympoq.TrigAgentReply: "An agent replies",
	sympoq.TrigAgentClose: "An agent closes a ticket", sympoq.TrigAgentAssign: "An agent assigns a ticket",
	sympoq.TrigAgentCall: "An agent logs a call", sympoq.TrigReopen: "A ticket is reopened",
}

// recipientKinds are the recipient choices; rule notifications offer all
// but assignee_or_queue_managers.
var recipientKinds = []Option{
	{Value: "", Label: "—"},
	{Value: string(sympoq.RcptCustomer), Label: "The customer"},
	{Value: string(sympoq.RcptAssignee), Label: "The assignee"},
	{Value: string(sympoq.RcptAssigneeOrManagers), Label: "The assignee, or the queue's managers"},
	{Value: string(sympoq.RcptQueueManagers), Label: "The queue's managers"},
	{Value: string(sympoq.RcptQueueAgents), Label: "The queue's agents"},
	{Value: string(sympoq.RcptAgent), Label: "A named agent"},
	{Value: string(sympoq.RcptAddress), Label: "An address"},
}

// rcptRow is one recipient row of a form: prefix.N.kind, .user, .address.
type rcptRow struct {
	Prefix              string
	N                   int
	Kind, User, Address string
	KindErr, UserErr    string
	AddressErr          string
}

// ID is the element id of the row's control key, as Field.ID makes it
// from the control's name, so a form summary's links find it.
func (r rcptRow) ID(key string) string {
	return Field{Name: fmt.Sprintf("%s.%d.%s", r.Prefix, r.N, key)}.ID()
}

// Num is the row's number as people count, from 1.
func (r rcptRow) Num() int { return r.N + 1 }

// blankRows is how many empty recipient or condition rows a form carries.
const blankRows = 1

// recipientValues writes recipients into v as prefix.N.… rows.
func recipientValues(v url.Values, prefix string, rs []sympoq.Recipient) {
	for i, r := range rs {
		p := fmt.Sprintf("%s.%d.", prefix, i)
		v.Set(p+"kind", string(r.Kind))
		if r.User != 0 {
			v.Set(p+"user", strconv.FormatInt(r.User, 10))
		}
		v.Set(p+"address", r.Address)
	}
}

// rowCount is the number of rows prefix.N.… the form holds up to the last
// one with anything typed in it (highest such N + 1); with all, blank rows
// count too.
func rowCount(f *Form, prefix string, all bool) int {
	n := 0
	for k, vs := range f.Values {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= maxRows || i+1 <= n {
			continue
		}
		if all || strings.TrimSpace(strings.Join(vs, "")) != "" {
			n = i + 1
		}
	}
	return n
}

// maxRows bounds the rows a posted form may ask for.
const maxRows = 60

// shownRows is how many rows a form shows: those with input plus blank
// ones, or, after "add another row", every posted row and one more.
func shownRows(f *Form, prefix string, add bool) int {
	if add {
		return min(rowCount(f, prefix, true)+1, maxRows)
	}
	return rowCount(f, prefix, false) + blankRows
}

// recipientRows are the rows of a form (see shownRows).
func recipientRows(f *Form, prefix string, add bool) []rcptRow {
	out := []rcptRow{}
	for i := 0; i < shownRows(f, prefix, add); i++ {
		p := fmt.Sprintf("%s.%d.", prefix, i)
		out = append(out, rcptRow{Prefix: prefix, N: i, Kind: f.Value(p + "kind"), User: f.Value(p + "user"), Address: f.Value(p + "address"),
			KindErr: f.Error(p + "kind"), UserErr: f.Error(p + "user"), AddressErr: f.Error(p + "address")})
	}
	return out
}

// recipientInputs reads a form's recipient rows, skipping empty ones, and
// maps the desk's recipients[i] field names (descPrefix) back to rows.
func recipientInputs(f *Form, prefix, deskPrefix string, rename map[string]string) []sympoq.Recipient {
	out := []sympoq.Recipient{}
	for i := 0; i < rowCount(f, prefix, false); i++ {
		p := fmt.Sprintf("%s.%d.", prefix, i)
		kind := strings.TrimSpace(f.Value(p + "kind"))
		if kind == "" {
			continue
		}
		r := sympoq.Recipient{Kind: sympoq.RecipientKind(kind)}
		switch r.Kind {
		case sympoq.RcptAgent:
			r.User = atoi(f.Value(p + "user"))
		case sympoq.RcptAddress:
			r.Address = strings.TrimSpace(f.Value(p + "address"))
		}
		k := len(out)
		d := fmt.Sprintf("%s[%d]", deskPrefix, k)
		rename[d+".kind"] = p + "kind"
		rename[d] = p + "kind"
		rename[d+".user"] = p + "user"
		rename[d+".agent"] = p + "user"
		rename[d+".address"] = p + "address"
		out = append(out, r)
	}
	return out
}

// notifRow is one trigger's form.
type notifRow struct {
	Trigger, Label string
	Default        bool
	Form           *Form
	Rows           []rcptRow
}

type notifData struct {
	Rows      []notifRow
	Kinds     []Option
	Agents    []Option
	Templates []Option
}

// notifValues are a trigger's form values; every name starts with the
// trigger, so the page's forms have distinct control ids.
func notifValues(n *sympoq.ActionNotification) url.Values {
	t := string(n.Trigger)
	v := url.Values{t + ".enabled": {boolValue(n.Enabled)}, t + ".template": {n.Template}}
	recipientValues(v, t+".rcpt", n.Recipients)
	return v
}

// notifications shows every trigger's form; failed is the one posted
// (with its input and messages), add the one that asked for another row.
func (w *Web) showNotifications(rw http.ResponseWriter, rq *request, status int, failed string, ff *Form, add bool) error {
	ns, err := w.desk.ActionNotifications(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	d := notifData{Kinds: recipientKinds, Agents: l.AgentOptions("Choose an agent")}
	for _, name := range desk.TemplateNames {
		if name != sympoq.TplRegistration && name != sympoq.TplPasswordReset {
			d.Templates = append(d.Templates, Option{Value: name, Label: templateLabel(name)})
		}
	}
	for _, n := range ns {
		f := newForm(notifValues(n))
		if string(n.Trigger) == failed && ff != nil {
			f = ff
		}
		d.Rows = append(d.Rows, notifRow{Trigger: string(n.Trigger), Label: triggerLabels[n.Trigger], Default: n.Default, Form: f,
			Rows: recipientRows(f, string(n.Trigger)+".rcpt", add && string(n.Trigger) == failed)})
	}
	return w.adminRender(rw, rq, status, "admin_notifications", "notifications", "Ticket action notifications", nil, d)
}

func (w *Web) notificationList(rw http.ResponseWriter, rq *request) error {
	return w.showNotifications(rw, rq, http.StatusOK, "", nil, false)
}

func (w *Web) notificationSave(rw http.ResponseWriter, rq *request) error {
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	trig := rq.PathValue("trigger")
	if !slices.Contains(sympoq.ActionTriggers, sympoq.ActionTrigger(trig)) {
		return sympoq.NotFound("ticket action notification")
	}
	if f.Value("add_row") != "" {
		return w.showNotifications(rw, rq, http.StatusOK, trig, f, true)
	}
	rename := map[string]string{"enabled": trig + ".enabled", "template": trig + ".template", "recipients": trig + ".rcpt.0.kind"}
	rs := recipientInputs(f, trig+".rcpt", "recipients", rename)
	in := desk.ActionNotificationInput{Enabled: desk.Some(formBool(f, trig+".enabled")), Template: desk.Some(f.Value(trig + ".template"))}
	rin := make([]desk.RecipientInput, 0, len(rs))
	for _, r := range rs {
		ri := desk.RecipientInput{Kind: desk.Some(r.Kind)}
		switch r.Kind {
		case sympoq.RcptAgent:
			ri.User = desk.Some(r.User)
		case sympoq.RcptAddress:
			ri.Address = desk.Some(r.Address)
		}
		rin = append(rin, ri)
	}
	in.Recipients = desk.Some(rin)
	if _, err := w.desk.SaveActionNotification(rq.Context(), rq.Actor, trig, in); err != nil {
		if !f.fromError(err, rename) {
			return err
		}
		return w.showNotifications(rw, rq, formStatus(err), trig, f, false)
	}
	return w.redirect(rw, rq, "/app/desk/settings/notifications#n-"+trig, triggerLabels[sympoq.ActionTrigger(trig)]+": notification saved.")
}

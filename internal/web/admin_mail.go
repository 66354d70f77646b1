package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/desk"
)

// Mail administration: the account's sender and SMTP server
// (/app/desk/settings/mail), IMAP mailboxes with "Test connection", inbound
// tokens and the queues' inbound addresses (/app/desk/settings/mailboxes),
// and the received mail with retry and dismiss (/app/desk/settings/received).
// Secrets never reach a page: the SMTP URL is shown as the desk masks it
// and its password field is always empty (blank keeps the stored one); a
// mailbox's password likewise; an inbound token's value is shown once.

type mailData struct {
	Default string // what empty fields fall back to
}

func (w *Web) mailPage(rw http.ResponseWriter, rq *request) error {
	m, err := w.desk.MailSettings(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	f := newForm(url.Values{"from": {m.From}, "smtp_url": {strings.Replace(m.SMTPURL, maskedEscaped, masked, 1)}})
	return w.adminRender(rw, rq, http.StatusOK, "admin_mail", "mail", "Sender and SMTP server", f, mailData{})
}

// The desk masks a stored SMTP password as **** (escaped in its URL); the
// page shows the stars plainly.
const (
	masked        = ":****@"
	maskedEscaped = ":%2A%2A%2A%2A@"
)

// smtpURLWith puts a newly typed password into the SMTP URL; without one
// the URL goes as shown, and its masked password keeps the stored one.
func smtpURLWith(raw, password string) string {
	raw = strings.TrimSpace(raw)
	if password == "" || raw == "" {
		return strings.Replace(raw, masked, maskedEscaped, 1)
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.User.Username() == "" {
		return raw // the desk names what is wrong with the URL
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

func (w *Web) mailSave(rw http.ResponseWriter, rq *request) error {
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	_, err = w.desk.SaveMailSettings(rq.Context(), rq.Actor, desk.MailSettingsInput{
		From: desk.Some(f.Value("from")), SMTPURL: desk.Some(smtpURLWith(f.Value("smtp_url"), f.Value("smtp_password")))})
	if err != nil {
		f.Values.Del("smtp_password")
		if !f.fromError(err, nil) {
			return err
		}
		return w.adminRender(rw, rq, formStatus(err), "admin_mail", "mail", "Sender and SMTP server", f, mailData{})
	}
	return w.redirect(rw, rq, "/app/desk/settings/mail", "Mail settings saved.")
}

// ----- Mailboxes and inbound tokens -----

type mailboxData struct {
	Mailboxes []*sympoq.Mailbox
	Tokens    []*sympoq.InboundToken
	Queues    []*sympoq.Queue
	L         *lookups
	NewToken  *desk.NewInboundToken
	TokenForm *Form
	ID        int64 // the mailbox edited, 0: the list page
	Name      string
	Test      *desk.MailboxTest
	Security  []Option
	QueueOpts []Option
	// InboundURL is where a mail server posts raw messages with a token.
	InboundURL string
}

func mailboxValues(m *sympoq.Mailbox) url.Values {
	return url.Values{"name": {m.Name}, "host": {m.Host}, "port": {strconv.Itoa(m.Port)}, "security": {string(m.Security)},
		"username": {m.Username}, "folder": {m.Folder}, "move_to": {m.MoveTo},
		"interval": {strconv.Itoa(int(m.Interval.Seconds()))}, "queue": {strconv.FormatInt(m.Queue, 10)}, "active": {boolValue(m.Active)}}
}

var securityOptions = []Option{{Value: string(sympoq.SecurityTLS), Label: "TLS (port 993)"},
	{Value: string(sympoq.SecurityStartTLS), Label: "STARTTLS (port 143)"}, {Value: string(sympoq.SecurityNone), Label: "None (unencrypted)"}}

func (w *Web) mailboxData(rq *request) (mailboxData, error) {
	ctx, a := rq.Context(), rq.Actor
	var d mailboxData
	var err error
	if d.Mailboxes, err = w.desk.Mailboxes(ctx, a); err != nil {
		return d, err
	}
	if d.Tokens, err = w.desk.InboundTokens(ctx, a); err != nil {
		return d, err
	}
	if d.L, err = w.lookups(rq); err != nil {
		return d, err
	}
	d.Queues = d.L.Queues
	d.Security = securityOptions
	d.InboundURL = api.MailPath
	d.QueueOpts = d.L.QueueOptions("By recipient address")
	d.QueueOpts[0].Value = "0"
	return d, nil
}

// showMailboxes renders the list page with f as the add form (nil: empty)
// and tf as the token form.
func (w *Web) showMailboxes(rw http.ResponseWriter, rq *request, status int, f, tf *Form, tok *desk.NewInboundToken) error {
	d, err := w.mailboxData(rq)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"port": {"993"}, "security": {"tls"}, "folder": {"INBOX"}, "interval": {"120"}, "active": {"1"}, "queue": {"0"}})
	}
	if tf == nil {
		tf = newForm(url.Values{"token_queue": {"0"}})
	}
	d.TokenForm, d.NewToken = tf, tok
	return w.adminRender(rw, rq, status, "admin_mailboxes", "mailboxes", "Mailboxes and inbound email", f, d)
}

func (w *Web) mailboxList(rw http.ResponseWriter, rq *request) error {
	return w.showMailboxes(rw, rq, http.StatusOK, nil, nil, nil)
}

func (w *Web) showMailbox(rw http.ResponseWriter, rq *request, status int, id int64, f *Form, test *desk.MailboxTest) error {
	m, err := w.desk.Mailbox(rq.Context(), rq.Actor, id)
	if err != nil {
		return err
	}
	d, err := w.mailboxData(rq)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(mailboxValues(m))
	}
	d.ID, d.Name, d.Test = id, m.Name, test
	return w.adminRender(rw, rq, status, "admin_mailbox", "mailboxes", "Mailbox "+m.Name, f, d)
}

func (w *Web) mailboxEdit(rw http.ResponseWriter, rq *request) error {
	id := id0(rq)
	if id <= 0 {
		return sympoq.NotFound("mailbox")
	}
	return w.showMailbox(rw, rq, http.StatusOK, id, nil, nil)
}

// mailboxInput reads the mailbox form (the interval in seconds, as the desk
// counts it). A blank password keeps the stored one.
func mailboxInput(f *Form) desk.MailboxInput {
	in := desk.MailboxInput{Name: desk.Some(f.Value("name")), Host: desk.Some(strings.TrimSpace(f.Value("host"))),
		Security: desk.Some(f.Value("security")), Username: desk.Some(f.Value("username")), Folder: desk.Some(f.Value("folder")),
		MoveTo: desk.Some(f.Value("move_to")), Active: desk.Some(formBool(f, "active")), Queue: desk.Some(atoi(f.Value("queue")))}
	if p := f.Value("password"); p != "" {
		in.Password = desk.Some(p)
	}
	in.Port = optInt(f, "port")
	in.Interval = optInt(f, "interval")
	return in
}

func (w *Web) mailboxSave(rw http.ResponseWriter, rq *request) error {
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	id := id0(rq)
	if rq.PathValue("id") != "" && id <= 0 {
		return sympoq.NotFound("mailbox")
	}
	m, err := w.desk.SaveMailbox(rq.Context(), rq.Actor, id, mailboxInput(f))
	if err != nil {
		f.Values.Del("password")
		if !f.fromError(err, nil) {
			return err
		}
		if id == 0 {
			return w.showMailboxes(rw, rq, formStatus(err), f, nil, nil)
		}
		return w.showMailbox(rw, rq, formStatus(err), id, f, nil)
	}
	if id == 0 {
		return w.redirect(rw, rq, "/app/desk/settings/mailboxes/"+strconv.FormatInt(m.ID, 10), "Mailbox "+m.Name+" added. Test its connection below.")
	}
	return w.redirect(rw, rq, "/app/desk/settings/mailboxes/"+strconv.FormatInt(m.ID, 10), "Mailbox "+m.Name+" saved.")
}

// mailboxTest connects with the stored settings and shows the answer on the
// mailbox's page.
func (w *Web) mailboxTest(rw http.ResponseWriter, rq *request) error {
	if err := parseForm(rq); err != nil {
		return err
	}
	id := id0(rq)
	res, err := w.desk.TestMailbox(rq.Context(), rq.Actor, id)
	if err != nil {
		return err
	}
	return w.showMailbox(rw, rq, http.StatusOK, id, nil, res)
}

func (w *Web) mailboxDelete(rw http.ResponseWriter, rq *request) error {
	if err := parseForm(rq); err != nil {
		return err
	}
	if err := w.desk.DeleteMailbox(rq.Context(), rq.Actor, id0(rq)); err != nil {
		return err
	}
	return w.redirect(rw, rq, "/app/desk/settings/mailboxes", "Mailbox deleted.")
}

func (w *Web) tokenCreate(rw http.ResponseWriter, rq *request) error {
	tf, err := postedForm(rq)
	if err != nil {
		return err
	}
	tok, err := w.desk.CreateInboundToken(rq.Context(), rq.Actor, desk.InboundTokenInput{
		Name: desk.Some(tf.Value("token_name")), Queue: desk.Some(atoi(tf.Value("token_queue")))})
	if err != nil {
		if !tf.fromError(err, map[string]string{"name": "token_name", "queue": "token_queue"}) {
			return err
		}
		return w.showMailboxes(rw, rq, formStatus(err), nil, tf, nil)
	}
	// The value is shown on this answer only: it is not stored.
	return w.showMailboxes(rw, rq, http.StatusCreated, nil, nil, tok)
}

func (w *Web) tokenRevoke(rw http.ResponseWriter, rq *request) error {
	if err := parseForm(rq); err != nil {
		return err
	}
	if err := w.desk.DeleteInboundToken(rq.Context(), rq.Actor, id0(rq)); err != nil {
		return err
	}
	return w.redirect(rw, rq, "/app/desk/settings/mailboxes#tokens", "Inbound token revoked.")
}

// ----- Received mail -----

type receivedData struct {
	Mails  []*sympoq.InboundMail
	L      *lookups
	State  string
	States []Option
	Next   string
}

var inboundStates = []Option{{Value: "", Label: "Waiting or failed"}, {Value: "failed", Label: "Failed"}, {Value: "new", Label: "Waiting"},
	{Value: "processed", Label: "Processed"}, {Value: "ignored", Label: "Ignored"}, {Value: "all", Label: "All"}}

func (w *Web) receivedList(rw http.ResponseWriter, rq *request) error {
	q := rq.URL.Query()
	d := receivedData{State: q.Get("state")}
	in := desk.InboundList{Limit: listLimit + 1, Before: atoi(q.Get("before"))}
	switch d.State {
	case "":
	case "all":
		in.States = []sympoq.InboundState{sympoq.InboundNew, sympoq.InboundFailed, sympoq.InboundProcessed, sympoq.InboundIgnored}
	case "new", "failed", "processed", "ignored":
		in.States = []sympoq.InboundState{sympoq.InboundState(d.State)}
	default:
		d.State = ""
	}
	for _, o := range inboundStates {
		o.Selected = o.Value == d.State
		d.States = append(d.States, o)
	}
	ms, err := w.desk.InboundMails(rq.Context(), rq.Actor, in)
	if err != nil {
		return err
	}
	if len(ms) > listLimit {
		ms = ms[:listLimit]
		d.Next = "/app/desk/settings/received?" + url.Values{"state": {d.State}, "before": {strconv.FormatInt(ms[len(ms)-1].ID, 10)}}.Encode()
	}
	d.Mails = ms
	if d.L, err = w.lookups(rq); err != nil {
		return err
	}
	return w.adminRender(rw, rq, http.StatusOK, "admin_received", "received", "Received mail", nil, d)
}

func (w *Web) receivedRaw(rw http.ResponseWriter, rq *request) error {
	m, body, err := w.desk.OpenInboundMail(rq.Context(), rq.Actor, id0(rq))
	if err != nil {
		return err
	}
	defer body.Close()
	h := rw.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", `attachment; filename="received-`+strconv.FormatInt(m.ID, 10)+`.eml"`)
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(rw, body)
	return err
}

func (w *Web) receivedAction(retry bool) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		if err := parseForm(rq); err != nil {
			return err
		}
		var err error
		msg := "Message queued to be processed again."
		if retry {
			_, err = w.desk.RetryInboundMail(rq.Context(), rq.Actor, id0(rq))
		} else {
			msg = "Message dismissed."
			_, err = w.desk.DismissInboundMail(rq.Context(), rq.Actor, id0(rq))
		}
		if err != nil {
			var e *sympoq.Error
			if !asError(err, &e) || e.Code == sympoq.EInternal || e.Code == sympoq.ENotFound {
				return err
			}
			msg = capitalize(e.Message) + "."
		}
		return w.redirect(rw, rq, "/app/desk/settings/received?state="+url.QueryEscape(rq.FormValue("state")), msg)
	}
}

func (w *Web) receivedRetry(rw http.ResponseWriter, rq *request) error {
	return w.receivedAction(true)(rw, rq)
}

func (w *Web) receivedDismiss(rw http.ResponseWriter, rq *request) error {
	return w.receivedAction(false)(rw, rq)
}

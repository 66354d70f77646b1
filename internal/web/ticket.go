package web

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/worktime"
)

// ticketPage is the ticket: header, timeline, action panel, side panel.
type ticketPage struct {
	T         *desk.TicketView
	L         *lookups
	Customer  *sympoq.User
	Events    []eventRow
	Canned    []*sympoq.CannedReply
	Fields    []customField
	Other     []*desk.TicketView
	Suggested []suggestion
	Articles  []articleLink
	Deadline  Deadline
	Elapsed   string
	Estimated string
	// Forms holds one form per action; the one that failed carries the
	// input and its errors, and Open names it so its panel starts open.
	Forms map[string]*Form
	Open  string
	Base  string // the ticket's page
}

// eventRow is one entry of the timeline.
type eventRow struct {
	*sympoq.Event
	Internal bool
	Message  bool // a reply, note or call: the body is shown as text
	Link     string
}

// customField is one custom field of the ticket's form.
type customField struct {
	*sympoq.CustomField
	Name    string // the form field: custom_fields.<key>
	Input   string // the input type
	Options []Option
}

// ticketActions are the panels, in display order, with their form
// defaults filled from the ticket.
var ticketActions = []string{"reply", "note", "call", "assign", "move", "priority", "topic", "deadline", "tags", "fields", "close", "reopen", "merge", "delete", "restore"}

func (w *Web) ticketPage(rw http.ResponseWriter, rq *request) error {
	return w.showTicket(rw, rq, http.StatusOK, "", nil)
}

// showTicket renders the ticket, with failed (the action whose form is
// shown again with f) when a form was refused.
func (w *Web) showTicket(rw http.ResponseWriter, rq *request, status int, failed string, f *Form) error {
	ctx, a := rq.Context(), rq.Actor
	ref := rq.PathValue("id")
	v, err := w.desk.Ticket(ctx, a, ref, true)
	if err != nil {
		return err
	}
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	p := &ticketPage{T: v, L: l, Customer: v.CustomerUser, Open: failed, Base: "/app/desk/tickets/" + url.PathEscape(v.DisplayID)}
	now := time.Now()
	p.Deadline = DeadlineOf(v.Ticket, now)
	p.Elapsed, p.Estimated = elapsed(v, l.Cal, now)
	for _, e := range v.Events {
		r := eventRow{Event: e, Internal: e.Visibility == sympoq.Internal}
		switch e.Action {
		case sympoq.EvReply, sympoq.EvNote, sympoq.EvCall, sympoq.EvCustomerReply, sympoq.EvSubmitted:
			r.Message = e.Body != ""
		}
		if e.Attachment != 0 {
			r.Link = fmt.Sprintf("%s/attachments/%d", p.Base, e.Attachment)
		}
		p.Events = append(p.Events, r)
	}
	if p.Canned, err = w.desk.CannedReplies(ctx, a); err != nil {
		return err
	}
	defs, err := w.desk.CustomFields(ctx, a)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if d.AppliesTo(v.Topic) {
			p.Fields = append(p.Fields, newCustomField(d))
		}
	}
	others, _, _, err := w.desk.Tickets(ctx, a, desk.TicketList{TicketFilter: store.TicketFilter{Customer: v.Customer, Sort: "updated", Desc: true, Limit: 8}})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != v.ID {
			p.Other = append(p.Other, o)
		}
	}
	if p.Suggested, err = w.suggestions(rq, v.DisplayID); err != nil {
		return err
	}
	if p.Articles, err = w.articleLinks(rq); err != nil {
		return err
	}
	p.Forms = map[string]*Form{}
	for _, name := range ticketActions {
		p.Forms[name] = newForm(ticketDefaults(name, v, l, p.Fields))
	}
	if failed != "" && f != nil {
		// The form comes back with what was typed and the version the page
		// now shows: after a conflict, the user sees the change and may
		// send again.
		f.Values.Set("version", strconv.FormatInt(v.Version, 10))
		p.Forms[failed] = f
	}
	return w.renderStatus(rw, rq, status, "ticket", &Page{Title: v.DisplayID + " " + v.Subject, Current: "/app/desk/", Data: p})
}

// elapsed is the working time since creation (to close), and the
// estimated time from creation to the deadline.
func elapsed(v *desk.TicketView, cal worktime.Calendar, now time.Time) (string, string) {
	end := now
	if !v.ClosedOn.IsZero() {
		end = v.ClosedOn
	}
	el := worktime.Format(cal.Between(v.Created, end))
	est := "—"
	if !v.Deadline.IsZero() {
		est = worktime.Format(cal.Between(v.Created, v.Deadline))
	}
	return el, est
}

func newCustomField(d *sympoq.CustomField) customField {
	cf := customField{CustomField: d, Name: "custom_fields." + d.Key}
	switch d.Type {
	case sympoq.CustomTextarea:
		cf.Input = "textarea"
	case sympoq.CustomNumber:
		cf.Input = "number"
	case sympoq.CustomDate:
		cf.Input = "date"
	case sympoq.CustomDatetime:
		cf.Input = "datetime-local"
	case sympoq.CustomSelect, sympoq.CustomMultiselect:
		cf.Input = "select"
		if d.Type == sympoq.CustomSelect {
			cf.Options = append(cf.Options, Option{Value: "", Label: "—"})
		}
		for _, o := range d.Options {
			cf.Options = append(cf.Options, Option{Value: o, Label: o})
		}
	case sympoq.CustomCheckbox:
		cf.Input = "checkbox"
	case sympoq.CustomURL:
		cf.Input = "url"
	case sympoq.CustomEmail:
		cf.Input = "email"
	default:
		cf.Input = "text"
	}
	return cf
}

// ticketDefaults are an action form's values before the user types.
func ticketDefaults(action string, v *desk.TicketView, l *lookups, fields []customField) url.Values {
	vals := url.Values{"version": {strconv.FormatInt(v.Version, 10)}}
	switch action {
	case "reply":
		if v.Assignee == 0 {
			vals.Set("self_assign", "1")
		}
	case "assign":
		vals.Set("agent", strconv.FormatInt(v.Assignee, 10))
	case "move":
		vals.Set("queue", strconv.FormatInt(v.Queue, 10))
	case "priority":
		vals.Set("priority", strconv.Itoa(int(v.Priority)))
	case "topic":
		vals.Set("topic", strconv.FormatInt(v.Topic, 10))
	case "deadline":
		if !v.Deadline.IsZero() {
			vals.Set("deadline", v.Deadline.In(l.Loc).Format("2006-01-02T15:04"))
		}
	case "tags":
		vals.Set("tags", strings.Join(v.Tags, ", "))
	case "close":
		vals.Set("solution", v.Solution)
	case "fields":
		for _, f := range fields {
			s := v.CustomFields[f.Key]
			switch f.Type {
			case sympoq.CustomMultiselect:
				vals[f.Name] = strings.Split(s, "\n")
			case sympoq.CustomDatetime:
				if t, err := time.Parse("2006-01-02T15:04:05Z", s); err == nil {
					s = t.In(l.Loc).Format("2006-01-02T15:04")
				}
				vals.Set(f.Name, s)
			case sympoq.CustomCheckbox:
				if s == "true" {
					vals.Set(f.Name, "1")
				}
			default:
				vals.Set(f.Name, s)
			}
		}
	}
	return vals
}

// actionFunc runs one ticket action from its form. It returns the flash
// message, or an error: a user's error is shown beside the form's fields.
type actionFunc func(ctx context.Context, rq *request, ref string, f *Form) (string, error)

// ticketAction wraps an action: the form's version travels as If-Match,
// so a form older than the ticket changes nothing and says so.
func (w *Web) ticketAction(name string, fn actionFunc) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		ref := rq.PathValue("id")
		if err := parseForm(rq); err != nil {
			return err
		}
		f := newForm(rq.Form)
		f.Values.Del(csrfField)
		f.Action = name
		ctx := rq.Context()
		if ver, err := strconv.ParseInt(rq.FormValue("version"), 10, 64); err == nil && ver > 0 {
			ctx = sympoq.NewContextWithIfMatch(ctx, ver)
		}
		msg, err := fn(ctx, rq, ref, f)
		if err != nil {
			if !f.fromError(err, map[string]string{"agent": "agent"}) {
				return err
			}
			status := http.StatusBadRequest
			if sympoq.ErrorCode(err) == sympoq.EPrecondition {
				status = http.StatusConflict
			}
			return w.showTicket(rw, rq, status, name, f)
		}
		target := "/app/desk/tickets/" + url.PathEscape(ref)
		if name == "delete" {
			target = "/app/desk/"
		} else if name == "merge" {
			target = "/app/desk/tickets/" + url.PathEscape(strings.TrimSpace(f.Value("into")))
		}
		return w.redirect(rw, rq, target, msg)
	}
}

// parseForm reads an urlencoded or multipart body (the checkCSRF step
// has usually parsed it already).
func parseForm(rq *request) error {
	if isMultipart(rq.Request) {
		if rq.MultipartForm == nil {
			if err := rq.ParseMultipartForm(maxMemory); err != nil {
				return sympoq.Errorf(sympoq.EInvalid, "the form could not be read: %v", err)
			}
		}
		return nil
	}
	return rq.ParseForm()
}

// minutes reads the billable minutes field: empty is absent.
func minutes(f *Form) desk.Opt[int] {
	s := strings.TrimSpace(f.Value("billable"))
	if s == "" {
		return desk.Opt[int]{}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1 // the desk says what is wrong with it
	}
	return desk.Some(n)
}

func (w *Web) reply(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	msg := f.Value("message")
	// Without JavaScript the canned reply is a select that fills in on
	// submit: its text goes before what was typed.
	if id := atoi(f.Value("canned")); id > 0 {
		c, err := w.desk.CannedReply(ctx, rq.Actor, id)
		if err != nil {
			return "", sympoq.FieldErr("canned", sympoq.FieldInvalid, "is not a canned reply you may use")
		}
		if strings.TrimSpace(msg) == "" {
			msg = c.Body
		} else {
			msg = c.Body + "\n\n" + msg
		}
	}
	// The same for an article's link, which goes after the text.
	if id := atoi(f.Value("article")); id > 0 {
		l, err := w.articleLink(rq, id)
		if err != nil {
			return "", err
		}
		msg = appendLine(msg, l.URL)
	}
	in := desk.MessageInput{Message: desk.Some(msg), Billable: minutes(f), SelfAssign: desk.Some(f.Value("self_assign") == "1")}
	files := uploads(rq)
	if err := checkUploads(files); err != nil {
		return "", err
	}
	if _, err := w.desk.Reply(ctx, rq.Actor, ref, in); err != nil {
		return "", err
	}
	return w.attachAll(rq, ref, files, false, "Reply sent")
}

// uploads are the files of the form's "files" field.
func uploads(rq *request) []*multipart.FileHeader {
	if rq.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range rq.MultipartForm.File["files"] {
		if fh.Filename != "" || fh.Size > 0 {
			out = append(out, fh)
		}
	}
	return out
}

func checkUploads(files []*multipart.FileHeader) error {
	if len(files) > 10 {
		return sympoq.FieldErr("files", sympoq.FieldInvalid, "at most 10 files at once")
	}
	return nil
}

// attachAll stores the uploaded files after the message: each is its own
// event, so a refused file (too large, say) leaves the message and the
// other files in place, and the flash says which one failed.
func (w *Web) attachAll(rq *request, ref string, files []*multipart.FileHeader, internal bool, done string) (string, error) {
	var failed []string
	for _, fh := range files {
		file, err := fh.Open()
		if err != nil {
			return "", err
		}
		// Without the form's If-Match: the message is in and has moved the
		// version on; the files belong with it.
		_, err = w.desk.Attach(rq.Context(), rq.Actor, ref, desk.AttachInput{Name: fh.Filename, Body: file, Internal: internal})
		file.Close()
		if err != nil {
			if sympoq.ErrorCode(err) == sympoq.EInternal {
				return "", err
			}
			failed = append(failed, fh.Filename+" ("+reason(err)+")")
		}
	}
	msg := done
	if n := len(files) - len(failed); n > 0 {
		msg += " with " + plural(n, "attachment", "attachments")
	}
	msg += "."
	if len(failed) > 0 {
		msg += " Not attached: " + strings.Join(failed, ", ") + "."
	}
	return msg, nil
}

func (w *Web) note(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	in := desk.MessageInput{Message: desk.Some(f.Value("message")), Billable: minutes(f)}
	if st := atoi(f.Value("status")); st > 0 {
		in.Status = desk.Some(sympoq.Status(st))
	}
	files := uploads(rq)
	if err := checkUploads(files); err != nil {
		return "", err
	}
	if _, err := w.desk.Note(ctx, rq.Actor, ref, in); err != nil {
		return "", err
	}
	return w.attachAll(rq, ref, files, true, "Note added")
}

func (w *Web) call(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	in := desk.CallInput{Direction: desk.Some(f.Value("direction")), Summary: desk.Some(f.Value("summary")), Billable: minutes(f)}
	if s := strings.TrimSpace(f.Value("minutes")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return "", sympoq.FieldErr("minutes", sympoq.FieldInvalid, "must be a whole number of minutes")
		}
		in.Minutes = desk.Some(n)
	}
	if _, err := w.desk.Call(ctx, rq.Actor, ref, in); err != nil {
		return "", err
	}
	return "Call logged.", nil
}

func (w *Web) assign(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	in := desk.AssignInput{Billable: minutes(f)}
	// "Assign to me" is a button named agent: it comes after the select.
	switch s := f.Value("agent"); {
	case f.Has("agent", "me"):
		in.Agent = desk.Some(rq.Actor.ID())
	case s == "" || s == "0":
		in.Agent = desk.Opt[int64]{Set: true, Null: true}
	default:
		in.Agent = desk.Some(atoi(s))
	}
	if len(f.Values["agent"]) > 1 {
		f.Values["agent"] = f.Values["agent"][:1] // shown again: the select's choice
	}
	v, err := w.desk.Assign(ctx, rq.Actor, ref, in)
	if err != nil {
		return "", err
	}
	if v.Assignee == 0 {
		return "Unassigned.", nil
	}
	return "Assigned.", nil
}

// update runs a ticket update built from the form.
func (w *Web) update(build func(rq *request, f *Form) (desk.UpdateInput, string, error)) actionFunc {
	return func(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
		in, msg, err := build(rq, f)
		if err != nil {
			return "", err
		}
		if _, err := w.desk.Update(ctx, rq.Actor, ref, in); err != nil {
			return "", err
		}
		return msg, nil
	}
}

func moveInput(_ *request, f *Form) (desk.UpdateInput, string, error) {
	id := atoi(f.Value("queue"))
	if id == 0 {
		return desk.UpdateInput{}, "", sympoq.FieldErr("queue", sympoq.FieldMissing, "choose a queue")
	}
	return desk.UpdateInput{Queue: desk.Some(id), Billable: minutes(f)}, "Moved.", nil
}

func priorityInput(_ *request, f *Form) (desk.UpdateInput, string, error) {
	n, _ := strconv.Atoi(f.Value("priority"))
	return desk.UpdateInput{Priority: desk.Some(sympoq.Priority(n))}, "Priority set.", nil
}

func topicInput(_ *request, f *Form) (desk.UpdateInput, string, error) {
	id := atoi(f.Value("topic"))
	if id == 0 {
		return desk.UpdateInput{Topic: desk.Opt[int64]{Set: true, Null: true}}, "Topic removed.", nil
	}
	return desk.UpdateInput{Topic: desk.Some(id)}, "Topic set.", nil
}

func (w *Web) deadlineInput(rq *request, f *Form) (desk.UpdateInput, string, error) {
	s := strings.TrimSpace(f.Value("deadline"))
	if s == "" {
		return desk.UpdateInput{Deadline: desk.Opt[time.Time]{Set: true, Null: true}}, "Deadline removed.", nil
	}
	set, err := w.desk.Settings(rq.Context(), rq.Actor)
	if err != nil {
		return desk.UpdateInput{}, "", err
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, set.Location())
	if err != nil {
		return desk.UpdateInput{}, "", sympoq.FieldErr("deadline", sympoq.FieldInvalid, "must be a date and time like 2027-01-31 17:00")
	}
	return desk.UpdateInput{Deadline: desk.Some(t.UTC())}, "Deadline set.", nil
}

func tagsInput(_ *request, f *Form) (desk.UpdateInput, string, error) {
	tags := []string{}
	for _, t := range strings.Split(f.Value("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return desk.UpdateInput{Tags: desk.Some(tags)}, "Tags saved.", nil
}

// fieldsInput turns the custom field inputs into the JSON values the desk
// checks: text as strings, numbers as numbers, checkboxes as booleans,
// multiselects as lists, and an empty input as null (no value).
func (w *Web) fieldsInput(rq *request, f *Form) (desk.UpdateInput, string, error) {
	defs, err := w.desk.CustomFields(rq.Context(), rq.Actor)
	if err != nil {
		return desk.UpdateInput{}, "", err
	}
	set, err := w.desk.Settings(rq.Context(), rq.Actor)
	if err != nil {
		return desk.UpdateInput{}, "", err
	}
	vals := map[string]json.RawMessage{}
	for _, d := range defs {
		name := "custom_fields." + d.Key
		if _, sent := f.Values[name+".present"]; !sent {
			continue // not on this form (another topic's field)
		}
		s := strings.TrimSpace(f.Value(name))
		var v any
		switch {
		case d.Type == sympoq.CustomCheckbox:
			v = s == "1"
		case d.Type == sympoq.CustomMultiselect:
			list := []string{}
			for _, o := range f.Values[name] {
				if o != "" {
					list = append(list, o)
				}
			}
			v = list
		case s == "":
			v = nil
		case d.Type == sympoq.CustomNumber:
			vals[d.Key] = json.RawMessage(strconv.Quote(s)) // not a number: the desk names the type
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				vals[d.Key] = json.RawMessage(s)
			}
			continue
		case d.Type == sympoq.CustomDatetime:
			t, err := time.ParseInLocation("2006-01-02T15:04", s, set.Location())
			if err != nil {
				return desk.UpdateInput{}, "", sympoq.FieldErr(name, sympoq.FieldInvalid, "must be a date and time")
			}
			v = t.Format(time.RFC3339)
		default:
			v = f.Value(name)
		}
		b, _ := json.Marshal(v)
		vals[d.Key] = b
	}
	return desk.UpdateInput{CustomFields: desk.Some(vals)}, "Fields saved.", nil
}

func (w *Web) closeTicket(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	in := desk.CloseInput{Billable: minutes(f)}
	if s := strings.TrimSpace(f.Value("solution")); s != "" {
		in.Solution = desk.Some(s)
	}
	if _, err := w.desk.Close(ctx, rq.Actor, ref, in); err != nil {
		return "", err
	}
	return "Closed.", nil
}

func (w *Web) reopen(ctx context.Context, rq *request, ref string, _ *Form) (string, error) {
	if _, err := w.desk.Reopen(ctx, rq.Actor, ref); err != nil {
		return "", err
	}
	return "Reopened.", nil
}

func (w *Web) merge(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	into := strings.TrimSpace(f.Value("into"))
	if _, err := w.desk.Merge(ctx, rq.Actor, ref, desk.MergeInput{Into: desk.Some(into)}); err != nil {
		return "", err
	}
	return "Ticket " + ref + " is merged into this one.", nil
}

func (w *Web) deleteTicket(ctx context.Context, rq *request, ref string, _ *Form) (string, error) {
	if err := w.desk.Delete(ctx, rq.Actor, ref); err != nil {
		return "", err
	}
	return "Ticket " + ref + " moved to the trash.", nil
}

func (w *Web) restore(ctx context.Context, rq *request, ref string, _ *Form) (string, error) {
	if _, err := w.desk.Restore(ctx, rq.Actor, ref); err != nil {
		return "", err
	}
	return "Restored from the trash.", nil
}

// attachment downloads a file of a ticket the user may see: as an
// attachment, never rendered inline by the page's origin.
func (w *Web) attachment(rw http.ResponseWriter, rq *request) error {
	id := atoi(rq.PathValue("n"))
	if id == 0 {
		return sympoq.NotFound("attachment")
	}
	att, f, err := w.desk.OpenAttachment(rq.Context(), rq.Actor, rq.PathValue("id"), id)
	if err != nil {
		return err
	}
	defer f.Close()
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(rw, rq.Request, "", att.Created, f)
	return nil
}

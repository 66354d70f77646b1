package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// The customer portal (/app/portal/): a customer's requests (and a
// Customer Manager's group's), a new request, and the request page with
// reply, close, reopen and rate. Every list, page and action goes through
// the desk with the customer's actor, so the portal shows and does exactly
// what the API lets that customer; agents have the desk instead.

// portalNav is the navigation of a customer.
func portalNav(u *sympoq.User) []NavItem {
	return []NavItem{{"My requests", "/app/portal/"}, {"New request", "/app/portal/new"}, {"Knowledge base", "/app/portal/kb/"}, {"My profile", "/app/profile"}}
}

// customerOnly refuses the portal to agents (who have the desk): the page
// is not theirs, so it does not exist for them.
func customerOnly(rq *request) error {
	if rq.Actor.User == nil || rq.Actor.User.IsAgent() {
		return sympoq.NotFound("page")
	}
	return nil
}

type portalList struct {
	Rows    []*desk.TicketView
	Manager bool   // a Customer Manager with a group
	Scope   string // "mine" or "group"
	Q       string
	Status  string
	Next    string
	First   string
	Prev    bool
	Total   int
}

func (w *Web) portalHome(rw http.ResponseWriter, rq *request) error {
	if err := customerOnly(rq); err != nil {
		return err
	}
	u := rq.Actor.User
	qv := rq.URL.Query()
	d := portalList{Manager: u.Role == sympoq.RoleCustomerManager && u.GroupID != 0, Scope: "mine",
		Q: strings.TrimSpace(qv.Get("q")), Status: qv.Get("status")}
	filter := store.TicketFilter{Q: d.Q, Sort: "updated", Desc: true, Limit: 25, Cursor: qv.Get("cursor")}
	if d.Manager && qv.Get("scope") == "group" {
		d.Scope = "group"
		filter.Group = u.GroupID
	} else {
		filter.Customer = u.ID
	}
	switch d.Status {
	case "open":
		filter.Status = []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking, sympoq.StatusPending}
	case "closed":
		filter.Status = []sympoq.Status{sympoq.StatusClosed}
	default:
		d.Status = ""
	}
	rows, next, total, err := w.desk.Tickets(rq.Context(), rq.Actor, desk.TicketList{TicketFilter: filter, Count: true})
	if err != nil {
		if sympoq.ErrorCode(err) == sympoq.EInvalid { // a stale cursor: start over
			http.Redirect(rw, rq.Request, "/app/portal/", http.StatusSeeOther)
			return nil
		}
		return err
	}
	d.Rows, d.Total = rows, total
	base := url.Values{}
	if d.Scope == "group" {
		base.Set("scope", "group")
	}
	if d.Q != "" {
		base.Set("q", d.Q)
	}
	if d.Status != "" {
		base.Set("status", d.Status)
	}
	d.First = "/app/portal/?" + base.Encode()
	d.Prev = qv.Get("cursor") != ""
	if next != "" {
		nv := url.Values{}
		for k, v := range base {
			nv[k] = v
		}
		nv.Set("cursor", next)
		d.Next = "/app/portal/?" + nv.Encode()
	}
	return w.render(rw, rq, "portal_list", &Page{Title: "My requests", Current: "/app/portal/", Data: d})
}

// ----- New request -----

// requestForm is the data of the request forms (portal, guest, widget).
type requestForm struct {
	Action  string
	Topics  []Option
	Fields  []customField
	Guest   bool // asks for name and email
	Files   bool // offers attachments
	Widget  bool
	SignUp  bool
	Created string // the display id of the request just sent (guest forms)
}

// requestForm loads the topics and the custom fields a customer or guest
// fills in (the desk returns only those visible to them).
func (w *Web) requestForm(ctx context.Context, a desk.Actor, action string, f *Form) (requestForm, error) {
	d := requestForm{Action: action}
	ts, err := w.desk.Topics(ctx, a)
	if err != nil {
		return d, err
	}
	d.Topics = append(d.Topics, Option{Value: "", Label: "Choose a topic…"})
	for _, t := range ts {
		if t.Active {
			d.Topics = append(d.Topics, Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
		}
	}
	defs, err := w.desk.CustomFields(ctx, a)
	if err != nil {
		return d, err
	}
	topic := atoi(f.Value("topic"))
	for _, def := range defs {
		if def.CustomerEditable && (topic == 0 || def.AppliesTo(topic)) {
			d.Fields = append(d.Fields, newCustomField(def))
		}
	}
	return d, nil
}

// submitInput turns a request form into the desk's input: the custom
// fields as the JSON values the desk checks (as the ticket page does).
func (w *Web) submitInput(ctx context.Context, a desk.Actor, f *Form, loc *time.Location) (desk.SubmitInput, error) {
	in := desk.SubmitInput{Subject: desk.Some(f.Value("subject")), Description: desk.Some(f.Value("description")), Channel: sympoq.ChannelForm}
	if t := atoi(f.Value("topic")); t > 0 {
		in.Topic = desk.Some(t)
	}
	defs, err := w.desk.CustomFields(ctx, a)
	if err != nil {
		return in, err
	}
	vals := map[string]json.RawMessage{}
	for _, d := range defs {
		name := "custom_fields." + d.Key
		if !d.CustomerEditable {
			continue
		}
		raw, err := fieldJSON(d, f, name, loc)
		if err != nil {
			return in, err
		}
		if raw != nil {
			vals[d.Key] = raw
		}
	}
	if len(vals) > 0 {
		in.CustomFields = desk.Some(map[string]json.RawMessage(vals))
	}
	return in, nil
}

// fieldJSON is the JSON value of one custom field input, nil when empty.
func fieldJSON(d *sympoq.CustomField, f *Form, name string, loc *time.Location) (json.RawMessage, error) {
	s := strings.TrimSpace(f.Value(name))
	var v any
	switch {
	case d.Type == sympoq.CustomCheckbox:
		if s == "" {
			return nil, nil
		}
		v = s == "1"
	case d.Type == sympoq.CustomMultiselect:
		list := []string{}
		for _, o := range f.Values[name] {
			if o != "" {
				list = append(list, o)
			}
		}
		if len(list) == 0 {
			return nil, nil
		}
		v = list
	case s == "":
		return nil, nil
	case d.Type == sympoq.CustomNumber:
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return json.RawMessage(s), nil
		}
		return json.RawMessage(strconv.Quote(s)), nil // the desk names the type
	case d.Type == sympoq.CustomDatetime:
		t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			return nil, sympoq.FieldErr(name, sympoq.FieldInvalid, "must be a date and time")
		}
		v = t.Format(time.RFC3339)
	default:
		v = f.Value(name)
	}
	b, _ := json.Marshal(v)
	return b, nil
}

// submitRename maps the desk's field names of a submission to the form's.
var submitRename = map[string]string{"customer.email": "email", "customer.name": "name", "customer": "email"}

func customFieldRename(defs []customField) map[string]string {
	m := map[string]string{}
	for k, v := range submitRename {
		m[k] = v
	}
	for _, d := range defs {
		m["custom_fields."+d.Label] = d.Name
		m["custom_fields."+d.Key] = d.Name
	}
	return m
}

func (w *Web) portalNewForm(rw http.ResponseWriter, rq *request) error {
	if err := customerOnly(rq); err != nil {
		return err
	}
	f := newForm(url.Values{"topic": {rq.URL.Query().Get("topic")}})
	d, err := w.requestForm(rq.Context(), rq.Actor, "/app/portal/new", f)
	if err != nil {
		return err
	}
	d.Files = true
	return w.render(rw, rq, "portal_new", &Page{Title: "New request", Current: "/app/portal/new", Form: f, Data: d})
}

func (w *Web) portalSubmit(rw http.ResponseWriter, rq *request) error {
	if err := customerOnly(rq); err != nil {
		return err
	}
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	d, err := w.requestForm(rq.Context(), rq.Actor, "/app/portal/new", f)
	if err != nil {
		return err
	}
	d.Files = true
	set, err := w.desk.DB().Read().Settings(rq.Context(), rq.Account.ID)
	if err != nil {
		return err
	}
	files := uploads(rq)
	in, err := w.submitInput(rq.Context(), rq.Actor, f, set.Location())
	if err == nil {
		err = checkUploads(files)
	}
	var v *desk.TicketView
	if err == nil {
		v, err = w.desk.Submit(rq.Context(), rq.Actor, in)
	}
	if err != nil {
		if !f.fromError(err, customFieldRename(d.Fields)) {
			return err
		}
		return w.renderStatus(rw, rq, formStatus(err), "portal_new", &Page{Title: "New request", Current: "/app/portal/new", Form: f, Data: d})
	}
	msg, err := w.attachAll(rq, v.DisplayID, files, false, "Request "+v.DisplayID+" sent")
	if err != nil {
		return err
	}
	return w.redirect(rw, rq, portalTicketURL(v.DisplayID), msg)
}

func portalTicketURL(id string) string { return "/app/portal/requests/" + url.PathEscape(id) }

// ----- The request page -----

type portalTicket struct {
	T        *desk.TicketView
	Events   []eventRow
	Base     string
	CanClose bool
	CanOpen  bool
	CanRate  bool
	CanReply bool
	Topic    string
	Forms    map[string]*Form
	// Rated is the rating this customer gave each agent reply (event id).
	Rated map[int64]int
}

func (w *Web) portalTicket(rw http.ResponseWriter, rq *request) error {
	if err := customerOnly(rq); err != nil {
		return err
	}
	return w.showPortalTicket(rw, rq, http.StatusOK, "", nil)
}

func (w *Web) showPortalTicket(rw http.ResponseWriter, rq *request, status int, failed string, f *Form) error {
	ctx, a := rq.Context(), rq.Actor
	v, err := w.desk.Ticket(ctx, a, rq.PathValue("id"), true)
	if err != nil {
		return err
	}
	p := &portalTicket{T: v, Base: portalTicketURL(v.DisplayID), Forms: map[string]*Form{}, Rated: map[int64]int{}}
	ref := sympoq.TicketRef{Queue: v.Queue, Assignee: v.Assignee, Customer: v.Customer}
	if v.CustomerUser != nil {
		ref.CustomerGroup = v.CustomerUser.GroupID
	}
	set := v.Settings
	p.CanReply = sympoq.Can(a, sympoq.ActCustomerReply, ref, set)
	p.CanClose = v.Status != sympoq.StatusClosed && sympoq.Can(a, sympoq.ActClose, ref, set)
	p.CanOpen = v.Status == sympoq.StatusClosed && sympoq.Can(a, sympoq.ActReopen, ref, set)
	p.CanRate = sympoq.Can(a, sympoq.ActRate, ref, set)
	if v.Topic != 0 {
		if t, err := w.desk.Topic(ctx, a, v.Topic); err == nil {
			p.Topic = t.Name
		}
	}
	// The events arrive newest first; the latest rating of each reply wins.
	for i := len(v.Events) - 1; i >= 0; i-- {
		e := v.Events[i]
		if e.Action == sympoq.EvRate && e.AppliedBy == a.ID() {
			if target := ratedEvent(e); target != 0 {
				p.Rated[target] = e.Rating
			}
		}
	}
	for _, e := range v.Events {
		if e.Visibility == sympoq.Internal {
			continue // never on a customer's page, whatever the desk sends
		}
		r := eventRow{Event: e}
		switch e.Action {
		case sympoq.EvReply, sympoq.EvCustomerReply, sympoq.EvSubmitted:
			r.Message = e.Body != ""
		case sympoq.EvNote, sympoq.EvCall:
			continue
		}
		if e.Attachment != 0 {
			r.Link = fmt.Sprintf("%s/attachments/%d", p.Base, e.Attachment)
		}
		p.Events = append(p.Events, r)
	}
	ver := strconv.FormatInt(v.Version, 10)
	for _, n := range []string{"reply", "close", "reopen", "rate"} {
		p.Forms[n] = newForm(url.Values{"version": {ver}})
	}
	if failed != "" && f != nil {
		f.Values.Set("version", ver)
		p.Forms[failed] = f
	}
	return w.renderStatus(rw, rq, status, "portal_ticket", &Page{Title: v.DisplayID + " " + v.Subject, Current: "/app/portal/", Data: p})
}

// ratedEvent is the reply a Rate event rates, from the description the
// desk writes ("Rated reply <id>: <n> of 5"); 0 when it is not one.
func ratedEvent(e *sympoq.Event) int64 {
	var id int64
	var n int
	if _, err := fmt.Sscanf(e.Description, "Rated reply %d: %d of 5", &id, &n); err != nil {
		return 0
	}
	return id
}

// portalAction wraps a request page action as ticketAction does for the
// desk: the form's version travels as If-Match.
func (w *Web) portalAction(name string, fn actionFunc) handler {
	return func(rw http.ResponseWriter, rq *request) error {
		if err := customerOnly(rq); err != nil {
			return err
		}
		ref := rq.PathValue("id")
		if err := parseForm(rq); err != nil {
			return err
		}
		f := newForm(rq.Form)
		f.Values.Del(csrfField)
		f.Values.Del(movedTo) // set by the action only
		f.Action = name
		ctx := rq.Context()
		if ver, err := strconv.ParseInt(rq.FormValue("version"), 10, 64); err == nil && ver > 0 {
			ctx = sympoq.NewContextWithIfMatch(ctx, ver)
		}
		msg, err := fn(ctx, rq, ref, f)
		if err != nil {
			if !f.fromError(err, nil) {
				return err
			}
			return w.showPortalTicket(rw, rq, formStatus(err), name, f)
		}
		if moved := f.Value(movedTo); moved != "" {
			ref = moved
		}
		return w.redirect(rw, rq, portalTicketURL(ref), msg)
	}
}

// movedTo is set on an action's form when the action went on in another
// request (a reply that started a new one), whose page comes next.
const movedTo = "\x00moved"

func (w *Web) portalReply(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	files := uploads(rq)
	if err := checkUploads(files); err != nil {
		return "", err
	}
	v, err := w.desk.Reply(ctx, rq.Actor, ref, desk.MessageInput{Message: desk.Some(f.Value("message"))})
	if err != nil {
		return "", err
	}
	// A reply to a closed request that may not be reopened starts a new
	// request; the files belong with the reply, wherever it went.
	done := "Reply sent"
	if v.DisplayID != ref {
		done = "Your reply started a new request, " + v.DisplayID
		f.Values.Set(movedTo, v.DisplayID)
	}
	return w.attachAll(rq, v.DisplayID, files, false, done)
}

func (w *Web) portalClose(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	in := desk.CloseInput{}
	if s := strings.TrimSpace(f.Value("solution")); s != "" {
		in.Solution = desk.Some(s)
	}
	if _, err := w.desk.Close(ctx, rq.Actor, ref, in); err != nil {
		return "", err
	}
	return "Request closed.", nil
}

func (w *Web) portalReopen(ctx context.Context, rq *request, ref string, _ *Form) (string, error) {
	if _, err := w.desk.Reopen(ctx, rq.Actor, ref); err != nil {
		return "", err
	}
	return "Request reopened.", nil
}

func (w *Web) portalRate(ctx context.Context, rq *request, ref string, f *Form) (string, error) {
	n, err := strconv.Atoi(f.Value("rating"))
	if err != nil {
		return "", sympoq.FieldErr("rating", sympoq.FieldInvalid, "choose from 1 to 5 stars")
	}
	if _, err := w.desk.Rate(ctx, rq.Actor, ref, desk.RateInput{Event: desk.Some(atoi(f.Value("event"))), Rating: desk.Some(n)}); err != nil {
		return "", err
	}
	return "Thank you for your rating.", nil
}

func (w *Web) portalAttachment(rw http.ResponseWriter, rq *request) error {
	if err := customerOnly(rq); err != nil {
		return err
	}
	return w.attachment(rw, rq)
}

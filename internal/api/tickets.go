package api

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/worktime"
)

// ticketJSON is the compat ticket of api.md §7: every key present with
// these names and JSON types, plus our additions after the compat ones.
type ticketJSON struct {
	ID             string            `json:"id"`
	Queue          int64             `json:"queue"`
	Created        *string           `json:"created"`
	Channel        int               `json:"channel"`
	Priority       int               `json:"priority"`
	Status         int               `json:"status"`
	HasAttachments bool              `json:"has_attachments"`
	HasNotes       bool              `json:"has_notes"`
	Topic          *int64            `json:"topic"`
	Description    string            `json:"description"`
	ReportedBy     string            `json:"reported_by"`
	Customer       ticketCustomer    `json:"customer"`
	Assignee       *int64            `json:"assignee"`
	AssignedOn     *string           `json:"assigned_on"`
	Deadline       *string           `json:"deadline"`
	Responded      *string           `json:"responded"`
	Updated        *string           `json:"updated"`
	Minutes        int               `json:"minutes"`
	Rating         *int              `json:"rating"`
	ClosedOn       *string           `json:"closed_on"`
	Tags           []string          `json:"tags"`
	Solution       *string           `json:"solution"`
	Estimated      *string           `json:"estimated"`
	Elapsed        *string           `json:"elapsed"`
	CustomFields   map[string]string `json:"custom_fields"`
	EventLog       *[]eventJSON      `json:"event_log,omitempty"`

	Subject    string  `json:"subject"`
	Number     int64   `json:"number"`
	MergedInto *string `json:"merged_into"`
	LinkedFrom *string `json:"linked_from"`

	// Service targets (product.md §6), for agents; absent when not set.
	ResponseDue        *string `json:"response_due,omitempty"`
	ResponseBreached   *string `json:"response_breached,omitempty"`
	ResolutionBreached *string `json:"resolution_breached,omitempty"`
}

type ticketCustomer struct {
	Registered bool    `json:"registered"`
	Name       string  `json:"name"`
	Email      *string `json:"email"`
	Role       string  `json:"role"`
	Group      *string `json:"group"`
	ID         int64   `json:"id"`
}

type eventJSON struct {
	Date          string  `json:"date"`
	Action        string  `json:"action"`
	AttachmentURL *string `json:"attachment_url,omitempty"`
	Description   string  `json:"description"`
	AppliedBy     *string `json:"applied_by"`
	Billable      *int    `json:"billable"`
	ID            int64   `json:"id"`
	Visibility    string  `json:"visibility"`
	Body          *string `json:"body,omitempty"`
	Rating        *int    `json:"rating,omitempty"`
}

// eventTime is the compat event date: nanosecond digits and the account's
// zone offset.
const eventTime = "2006-01-02T15:04:05.000000000-07:00"

func duration(d time.Duration) *string {
	f := worktime.Format(d)
	return &f
}

func (a *API) ticketJSON(r *http.Request, v *desk.TicketView, now time.Time) ticketJSON {
	t := v.Ticket
	out := ticketJSON{ID: t.DisplayID, Queue: t.Queue, Created: apiTime(t.Created), Channel: int(t.Channel),
		Priority: int(t.Priority), Status: int(t.Status), HasAttachments: t.HasAttach, HasNotes: v.HasNotes(),
		Description: t.Description, ReportedBy: t.ReportedBy, AssignedOn: apiTime(t.AssignedOn),
		Deadline: apiTime(t.Deadline), Responded: apiTime(t.Responded), Updated: apiTime(t.Updated),
		Minutes: t.Minutes, ClosedOn: apiTime(t.ClosedOn), Tags: t.Tags, Solution: nullable(t.Solution),
		CustomFields: map[string]string{}, Subject: t.Subject, Number: t.ID, MergedInto: nullable(v.MergedInto),
		LinkedFrom: nullable(v.LinkedFrom)}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if !v.ForCustomer {
		out.ResponseDue, out.ResponseBreached = apiTime(t.ResponseDue), apiTime(t.ResponseBreached)
		out.ResolutionBreached = apiTime(t.ResolutionBreached)
	}
	if t.Topic != 0 {
		out.Topic = &t.Topic
	}
	if t.Assignee != 0 {
		out.Assignee = &t.Assignee
	}
	if t.Rating != 0 {
		out.Rating = &t.Rating
	}
	if c := v.CustomerUser; c != nil {
		out.Customer = ticketCustomer{Registered: c.Registered, Name: c.Name, Email: nullable(c.Email),
			Role: string(c.Role), Group: nullable(c.Group), ID: c.ID}
	}
	// Elapsed and estimated are working time (product.md §6): from created
	// to now (or to close), and from created to the deadline.
	cal := worktime.New(v.Settings.General.WorkingTime, v.Settings.Location())
	end := now
	if !t.ClosedOn.IsZero() {
		end = t.ClosedOn
	}
	out.Elapsed = duration(cal.Between(t.Created, end))
	if !t.Deadline.IsZero() {
		out.Estimated = duration(cal.Between(t.Created, t.Deadline))
	}
	for k, val := range v.Fields {
		out.CustomFields[k] = val
	}
	if v.Events != nil {
		loc := v.Settings.Location()
		evs := make([]eventJSON, len(v.Events))
		for i, e := range v.Events {
			evs[i] = eventJSON{Date: e.Date.In(loc).Format(eventTime), Action: string(e.Action),
				Description: e.Description, AppliedBy: nullable(e.AppliedName), ID: e.ID, Visibility: string(e.Visibility)}
			if e.Billable != 0 {
				evs[i].Billable = &e.Billable
			}
			if e.Rating != 0 {
				evs[i].Rating = &e.Rating
			}
			if e.Body != "" {
				b := messageHTML(e.Body)
				evs[i].Body = &b
			}
			if e.Attachment != 0 {
				u := fmt.Sprintf("%s%s/ticket/%s/attachment/%d", baseURL(r), Prefix, t.DisplayID, e.Attachment)
				evs[i].AttachmentURL = &u
			}
		}
		out.EventLog = &evs
	}
	return out
}

// messageHTML renders a plain-text message as safe HTML: everything is
// escaped, line breaks kept.
func messageHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")
}

// baseURL is the scheme and host the client used.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (a *API) writeTicket(w http.ResponseWriter, r *http.Request, status int, v *desk.TicketView) {
	w.Header().Set("ETag", etag(v.Version))
	writeJSON(w, status, a.ticketJSON(r, v, time.Now()))
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads If-Match into the context of a ticket change: the change
// fails with 412 unless the ticket still has that version. "*" and a list
// of one tag are accepted; weak tags compare the same.
func ifMatch(r *http.Request) (*http.Request, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return r, nil
	}
	tag := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(tag, 10, 64)
	if err != nil || v <= 0 {
		return nil, sympoq.FieldErr("If-Match", sympoq.FieldInvalid, "must be the ETag of GET /ticket/{id}, like \"3\"")
	}
	return r.WithContext(sympoq.NewContextWithIfMatch(r.Context(), v)), nil
}

// withEventLog answers with the ticket, including its event log when the
// event_log filter asks for it.
func (a *API) respondTicket(w http.ResponseWriter, r *http.Request, status int, v *desk.TicketView) error {
	withLog, err := flag(r, "event_log")
	if err != nil {
		return err
	}
	if withLog && v.Events == nil {
		if err := a.desk.LoadEvents(r.Context(), v); err != nil {
			return err
		}
	}
	a.writeTicket(w, r, status, v)
	return nil
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request) error {
	withLog, err := flag(r, "event_log")
	if err != nil {
		return err
	}
	v, err := a.desk.Ticket(r.Context(), actor(r), r.PathValue("id"), withLog)
	if err != nil {
		return err
	}
	a.writeTicket(w, r, http.StatusOK, v)
	return nil
}

func (a *API) submit(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.SubmitInput](w, r)
	if err != nil {
		return err
	}
	in.Channel = sympoq.ChannelAPI
	v, err := a.desk.Submit(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	return a.respondTicket(w, r, http.StatusCreated, v)
}

// action adapts a ticket use case that takes a JSON body.
func action[T any](a *API, fn func(s *desk.Service, ctx context.Context, ac sympoq.Actor, ref string, in T) (*desk.TicketView, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r, err := ifMatch(r)
		if err != nil {
			return err
		}
		in, err := decode[T](w, r)
		if err != nil {
			return err
		}
		v, err := fn(a.desk, r.Context(), actor(r), r.PathValue("id"), in)
		if err != nil {
			return err
		}
		return a.respondTicket(w, r, http.StatusOK, v)
	}
}

// bare adapts a ticket use case without a body (an empty JSON object is
// accepted too).
func bare(a *API, fn func(s *desk.Service, ctx context.Context, ac sympoq.Actor, ref string) (*desk.TicketView, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r, err := ifMatch(r)
		if err != nil {
			return err
		}
		if r.ContentLength != 0 {
			if _, err := decode[struct{}](w, r); err != nil {
				return err
			}
		}
		v, err := fn(a.desk, r.Context(), actor(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return a.respondTicket(w, r, http.StatusOK, v)
	}
}

func (a *API) deleteTicket(w http.ResponseWriter, r *http.Request) error {
	r, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.desk.Delete(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}

func (a *API) events(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if s := param(r, "limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return sympoq.FieldErr("limit", sympoq.FieldInvalid, "must be from 1 to 500")
		}
		limit = n
	}
	var before int64
	if s := param(r, "cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return sympoq.FieldErr("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
		}
		before = n
	}
	count, err := flag(r, "count")
	if err != nil {
		return err
	}
	v, total, err := a.desk.TicketEvents(r.Context(), actor(r), r.PathValue("id"), before, limit+1, count)
	if err != nil {
		return err
	}
	next := ""
	if len(v.Events) > limit {
		v.Events = v.Events[:limit]
		next = strconv.FormatInt(v.Events[limit-1].ID, 10)
	}
	evs := *a.ticketJSON(r, v, time.Now()).EventLog
	page(w, r, evs, next, total, count)
	return nil
}

// ticketQuery reads the filters of GET /tickets (query or header).
func ticketQuery(r *http.Request) (desk.TicketList, error) {
	var p sympoq.Problems
	var q desk.TicketList
	q.Limit = 50
	ints := func(name string, max int64) []int64 {
		s := param(r, name)
		if s == "" {
			return nil
		}
		var out []int64
		for _, part := range strings.Split(s, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || n < 1 || (max > 0 && n > max) {
				if max > 0 {
					p.Add(name, sympoq.FieldInvalid, "must be a comma-separated list of values from 1 to %d", max)
				} else {
					p.Add(name, sympoq.FieldInvalid, "must be a comma-separated list of ids")
				}
				return nil
			}
			out = append(out, n)
		}
		return out
	}
	for _, n := range ints("status", 4) {
		q.Status = append(q.Status, sympoq.Status(n))
	}
	for _, n := range ints("priority", 4) {
		q.Priority = append(q.Priority, sympoq.Priority(n))
	}
	for _, n := range ints("channel", 4) {
		q.Channel = append(q.Channel, sympoq.Channel(n))
	}
	q.Queue = ints("queue", 0)
	q.Topic = ints("topic", 0)
	if s := param(r, "assignee"); s != "" {
		for _, part := range strings.Split(s, ",") {
			switch part = strings.TrimSpace(part); part {
			case "none":
				q.Assignee = append(q.Assignee, -1)
			case "me":
				q.Assignee = append(q.Assignee, actor(r).ID())
			default:
				n, err := strconv.ParseInt(part, 10, 64)
				if err != nil || n < 1 {
					p.Add("assignee", sympoq.FieldInvalid, "must be agent ids, me or none")
					break
				}
				q.Assignee = append(q.Assignee, n)
			}
		}
	}
	if s := param(r, "customer"); s != "" {
		q.CustomerRef = s
	}
	if s := param(r, "group"); s != "" {
		q.GroupRef = desk.ParseRef(s)
	}
	q.Tag = param(r, "tag")
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"created_from", &q.CreatedFrom}, {"created_to", &q.CreatedTo}, {"updated_from", &q.UpdatedFrom},
		{"updated_to", &q.UpdatedTo}, {"deadline_before", &q.DeadlineBefore}} {
		if s := param(r, d.name); s != "" {
			t, err := parseTime(s)
			if err != nil {
				p.Add(d.name, sympoq.FieldInvalid, "must be a date (2024-09-05) or an RFC 3339 time")
			}
			*d.dst = t
		}
	}
	q.Q = param(r, "q")
	if len(q.Q) > 500 {
		p.Add("q", sympoq.FieldTooLong, "must be at most 500 characters")
	}
	if s := param(r, "sort"); s != "" {
		q.Desc = strings.HasPrefix(s, "-")
		q.Sort = strings.TrimPrefix(s, "-")
		ok := false
		for _, v := range store.TicketSorts {
			ok = ok || v == q.Sort
		}
		if !ok {
			p.Add("sort", sympoq.FieldInvalid, "must be one of %s, with - in front for descending", strings.Join(store.TicketSorts, ", "))
		}
	}
	if s := param(r, "limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", sympoq.FieldInvalid, "must be from 1 to 500")
		}
		q.Limit = n
	}
	q.Cursor = param(r, "cursor")
	count, err := flag(r, "count")
	p.Merge(err)
	q.Count = count
	trash, err := flag(r, "trash")
	p.Merge(err)
	q.Trash = trash
	return q, p.Err()
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", s)
}

func (a *API) tickets(w http.ResponseWriter, r *http.Request) error {
	q, err := ticketQuery(r)
	if err != nil {
		return err
	}
	vs, next, total, err := a.desk.Tickets(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]ticketJSON, len(vs))
	for i, v := range vs {
		out[i] = a.ticketJSON(r, v, now)
	}
	page(w, r, out, next, total, q.Count)
	return nil
}

package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// listLimit is the page size of the ticket list; csvLimit bounds a CSV
// download of the current list.
const (
	listLimit = 50
	csvLimit  = 10000
)

// ticketView is one view of the list's left pane.
type ticketView struct {
	Key, Label string
	Query      string // the view's query string
	Current    bool
}

// ticketQuery is the list's query string, parsed: the view, the filters,
// the sort and the page.
type ticketQuery struct {
	View   string
	Filter store.TicketFilter
	Group  int64
	Values url.Values // as given, for links that keep the other parameters
	Form   *Form
}

// parseTickets reads the list's query. Unknown values are dropped, not
// errors: a hand-edited URL shows a wider list, never a broken page.
func parseTickets(rq *request, l *lookups) ticketQuery {
	v := rq.URL.Query()
	q := ticketQuery{View: v.Get("view"), Values: v, Form: newForm(v)}
	f := &q.Filter
	me := rq.Actor.ID()
	open := []sympoq.Status{sympoq.StatusNew, sympoq.StatusWorking, sympoq.StatusPending}
	switch q.View {
	case "mine":
		f.Assignee, f.Status = []int64{me}, open
	case "unassigned":
		f.Assignee, f.Status = []int64{-1}, open
	case "queue":
		if id := atoi(v.Get("queue")); l.QueueName(id) != "" {
			f.Status = open
		}
	case "overdue":
		f.DeadlineBefore, f.Status = time.Now(), open
	case "trash":
		f.Trash = rq.Actor.IsAdmin()
		if !f.Trash {
			q.View = "all"
		}
	default:
		q.View = "all"
	}
	if st := ints(v["status"], func(i int) bool { return sympoq.Status(i).Valid() }); len(st) > 0 {
		f.Status = nil
		for _, i := range st {
			f.Status = append(f.Status, sympoq.Status(i))
		}
	}
	for _, i := range ints(v["priority"], func(i int) bool { return sympoq.Priority(i).Valid() }) {
		f.Priority = append(f.Priority, sympoq.Priority(i))
	}
	for _, i := range ints(v["channel"], func(i int) bool { return sympoq.Channel(i).Valid() }) {
		f.Channel = append(f.Channel, sympoq.Channel(i))
	}
	f.Queue = ids(v["queue"])
	f.Topic = ids(v["topic"])
	for _, s := range v["assignee"] {
		switch s {
		case "":
		case "none":
			f.Assignee = []int64{-1}
		default:
			if id := atoi(s); id > 0 {
				f.Assignee = []int64{id}
			}
		}
	}
	if g := atoi(v.Get("group")); g > 0 {
		q.Group = g
	}
	f.Tag = strings.TrimSpace(v.Get("tag"))
	f.Q = strings.TrimSpace(v.Get("q"))
	if d, err := time.ParseInLocation("2006-01-02", v.Get("from"), l.Loc); err == nil {
		f.CreatedFrom = d
	}
	if d, err := time.ParseInLocation("2006-01-02", v.Get("to"), l.Loc); err == nil {
		f.CreatedTo = d.AddDate(0, 0, 1)
	}
	f.Sort, f.Desc = "updated", true
	if s := v.Get("sort"); slices.Contains(store.TicketSorts, s) {
		f.Sort, f.Desc = s, v.Get("dir") != "asc"
	}
	f.Cursor = v.Get("cursor")
	f.Limit = listLimit
	return q
}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func ids(ss []string) []int64 {
	var out []int64
	for _, s := range ss {
		if id := atoi(s); id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func ints(ss []string, ok func(int) bool) []int {
	var out []int
	for _, s := range ss {
		if n, err := strconv.Atoi(s); err == nil && ok(n) {
			out = append(out, n)
		}
	}
	return out
}

// with returns the list's query string with some parameters replaced
// (an empty value removes one) and the cursor dropped.
func (q ticketQuery) with(kv ...string) string {
	v := url.Values{}
	for k, vs := range q.Values {
		v[k] = slices.Clone(vs)
	}
	v.Del("cursor")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Column is a sortable column heading.
type Column struct {
	Label, Key, Class string
	Href              string // "" when the column does not sort
	Sort              string // ascending, descending, "" (aria-sort)
}

func (q ticketQuery) column(label, key, class string) Column {
	c := Column{Label: label, Key: key, Class: class}
	if key == "" {
		return c
	}
	dir := "desc"
	if q.Filter.Sort == key {
		c.Sort = "descending"
		if !q.Filter.Desc {
			c.Sort = "ascending"
		} else {
			dir = "asc"
		}
	} else if key == "deadline" {
		dir = "asc"
	}
	c.Href = "/app/desk/" + q.with("sort", key, "dir", dir)
	return c
}

// Pager is the keyset paging of a list.
type Pager struct {
	Next, First string
	Prev        bool // not on the first page
}

// ticketRow is one row of the list.
type ticketRow struct {
	*desk.TicketView
	Deadline Deadline
	Assignee string
	Queue    string
}

type ticketsPage struct {
	Views    []ticketView
	Query    ticketQuery
	L        *lookups
	Rows     []ticketRow
	Total    int
	Columns  []Column
	Pager    Pager
	CSV      string
	Back     string // this list, for the bulk form to return to
	Searched bool
}

func (w *Web) ticketList(rw http.ResponseWriter, rq *request) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	q := parseTickets(rq, l)
	views, err := w.listTickets(rq.Context(), rq.Actor, q)
	if err != nil {
		return err
	}
	p := &ticketsPage{Query: q, L: l, Total: views.total, Searched: q.Filter.Q != ""}
	now := time.Now()
	for _, v := range views.rows {
		p.Rows = append(p.Rows, ticketRow{TicketView: v, Deadline: DeadlineOf(v.Ticket, now),
			Assignee: l.AgentName(v.Assignee), Queue: l.QueueName(v.Queue)})
	}
	p.Views = deskViews(rq.Actor, l, q)
	p.Columns = []Column{q.column("Ticket", "created", ""), q.column("Customer", "", ""),
		q.column("Status", "", ""), q.column("Priority", "priority", ""), q.column("Queue", "", ""),
		q.column("Assignee", "", ""), q.column("Deadline", "deadline", ""), q.column("Updated", "updated", "")}
	if views.next != "" {
		v := url.Values{}
		for k, vs := range q.Values {
			v[k] = vs
		}
		v.Set("cursor", views.next)
		p.Pager.Next = "/app/desk/?" + v.Encode()
	}
	if q.Filter.Cursor != "" {
		p.Pager.Prev, p.Pager.First = true, "/app/desk/"+q.with()
	}
	p.CSV = "/app/desk/tickets.csv" + q.with()
	p.Back = rq.URL.RequestURI()
	return w.render(rw, rq, "tickets", &Page{Title: "Tickets", Current: "/app/desk/", Data: p})
}

type listed struct {
	rows  []*desk.TicketView
	next  string
	total int
}

func (w *Web) listTickets(ctx context.Context, a desk.Actor, q ticketQuery) (listed, error) {
	in := desk.TicketList{TicketFilter: q.Filter, Count: true}
	if q.Group != 0 {
		in.GroupRef = desk.Ref{ID: q.Group}
	}
	rows, next, total, err := w.desk.Tickets(ctx, a, in)
	return listed{rows, next, total}, err
}

func deskViews(a desk.Actor, l *lookups, q ticketQuery) []ticketView {
	vs := []ticketView{{Key: "mine", Label: "My tickets", Query: "?view=mine"}, {Key: "unassigned", Label: "Unassigned", Query: "?view=unassigned"}}
	for _, qu := range l.Queues {
		if a.IsAdmin() || a.Role(qu.ID) != "" {
			id := strconv.FormatInt(qu.ID, 10)
			vs = append(vs, ticketView{Key: "queue:" + id, Label: qu.Name, Query: "?view=queue&queue=" + id})
		}
	}
	vs = append(vs, ticketView{Key: "all", Label: "All I can see", Query: "?view=all"}, ticketView{Key: "overdue", Label: "Overdue", Query: "?view=overdue"})
	if a.IsAdmin() {
		vs = append(vs, ticketView{Key: "trash", Label: "Trash", Query: "?view=trash"})
	}
	cur := q.View
	if cur == "queue" {
		cur = "queue:" + q.Values.Get("queue")
	}
	for i := range vs {
		vs[i].Current = vs[i].Key == cur
	}
	return vs
}

// ticketsCSV downloads the current list, every page of it up to csvLimit
// rows, with the same filters and order as the page.
func (w *Web) ticketsCSV(rw http.ResponseWriter, rq *request) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	q := parseTickets(rq, l)
	q.Filter.Cursor, q.Filter.Limit = "", 500
	var all []*desk.TicketView
	for len(all) < csvLimit {
		in := desk.TicketList{TicketFilter: q.Filter}
		if q.Group != 0 {
			in.GroupRef = desk.Ref{ID: q.Group}
		}
		rows, next, _, err := w.desk.Tickets(rq.Context(), rq.Actor, in)
		if err != nil {
			return err
		}
		all = append(all, rows...)
		if next == "" {
			break
		}
		q.Filter.Cursor = next
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="tickets.csv"`)
	cw := csv.NewWriter(rw)
	_ = cw.Write([]string{"id", "subject", "status", "priority", "queue", "topic", "channel", "customer", "email", "group",
		"assignee", "created", "updated", "deadline", "closed", "minutes", "tags"})
	for _, v := range all {
		c := v.CustomerUser
		_ = cw.Write([]string{v.DisplayID, csvSafe(v.Subject), v.Status.String(), v.Priority.String(), l.QueueName(v.Queue),
			l.TopicName(v.Topic), v.Channel.String(), csvSafe(c.Name), c.Email, csvSafe(c.Group), l.AgentName(v.Assignee),
			csvTime(v.Created, l), csvTime(v.Updated, l), csvTime(v.Deadline, l), csvTime(v.ClosedOn, l),
			strconv.Itoa(v.Minutes), csvSafe(strings.Join(v.Tags, ", "))})
	}
	cw.Flush()
	return cw.Error()
}

func csvTime(t time.Time, l *lookups) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.Loc).Format("2006-01-02 15:04")
}

// csvSafe keeps a spreadsheet from reading user text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// bulk applies one action to the selected tickets, each through the desk
// on its own, and reports per ticket what failed: one ticket out of reach
// or in a state that forbids it does not stop the others.
func (w *Web) bulk(rw http.ResponseWriter, rq *request) error {
	back := safeNext(rq.PostFormValue("back"), "/app/desk/")
	refs := rq.PostForm["t"]
	action := rq.PostFormValue("action")
	if len(refs) == 0 {
		return w.redirect(rw, rq, back, "Select one or more tickets first.")
	}
	if len(refs) > listLimit*4 {
		return sympoq.FieldErr("t", sympoq.FieldInvalid, "at most %d tickets at once", listLimit*4)
	}
	var apply func(ctx context.Context, ref string) error
	var done string
	switch action {
	case "assign":
		in := desk.AssignInput{}
		switch who := rq.PostFormValue("agent"); who {
		case "me":
			in.Agent = desk.Some(rq.Actor.ID())
		case "none":
			in.Agent = desk.Opt[int64]{Set: true, Null: true}
		default:
			id := atoi(who)
			if id == 0 {
				return w.redirect(rw, rq, back, "Choose whom to assign the tickets to.")
			}
			in.Agent = desk.Some(id)
		}
		apply = func(ctx context.Context, ref string) error {
			_, err := w.desk.Assign(ctx, rq.Actor, ref, in)
			return err
		}
		done = "assigned"
	case "move":
		qid := atoi(rq.PostFormValue("queue"))
		if qid == 0 {
			return w.redirect(rw, rq, back, "Choose the queue to move the tickets to.")
		}
		apply = func(ctx context.Context, ref string) error {
			_, err := w.desk.Update(ctx, rq.Actor, ref, desk.UpdateInput{Queue: desk.Some(qid)})
			return err
		}
		done = "moved"
	case "close":
		apply = func(ctx context.Context, ref string) error {
			_, err := w.desk.Close(ctx, rq.Actor, ref, desk.CloseInput{})
			return err
		}
		done = "closed"
	case "tag":
		tag := strings.TrimSpace(rq.PostFormValue("tag"))
		if tag == "" {
			return w.redirect(rw, rq, back, "Choose the tag to add.")
		}
		apply = func(ctx context.Context, ref string) error {
			v, err := w.desk.Ticket(ctx, rq.Actor, ref, false)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(v.Tags, func(t string) bool { return strings.EqualFold(t, tag) }) {
				return nil
			}
			// Against the version just read: a concurrent tag change fails
			// this row instead of being overwritten.
			ctx = sympoq.NewContextWithIfMatch(ctx, v.Version)
			_, err = w.desk.Update(ctx, rq.Actor, ref, desk.UpdateInput{Tags: desk.Some(append(slices.Clone(v.Tags), tag))})
			return err
		}
		done = "tagged"
	default:
		return w.redirect(rw, rq, back, "Choose an action.")
	}
	ok := 0
	var failed []string
	for _, ref := range refs {
		err := apply(rq.Context(), ref)
		switch {
		case err == nil:
			ok++
		case sympoq.ErrorCode(err) == sympoq.EInternal:
			return err
		default:
			failed = append(failed, ref+": "+reason(err))
		}
	}
	msg := plural(ok, "ticket", "tickets") + " " + done + "."
	if len(failed) > 0 {
		msg += " Not done for " + strings.Join(failed, "; ") + "."
	}
	return w.redirect(rw, rq, back, msg)
}

// reason is a short text of why a use case refused.
func reason(err error) string {
	var e *sympoq.Error
	if !asError(err, &e) {
		return "failed"
	}
	if e.Code == sympoq.ENotFound {
		return "not found"
	}
	if len(e.Fields) > 0 {
		return e.Fields[0].Field + " " + e.Fields[0].Message
	}
	return e.Message
}

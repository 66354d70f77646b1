package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// newTicketPage submits a request on behalf of a customer: one found by
// id (from the customer's page) or by email, or created from name and
// email.
type newTicketPage struct {
	L        *lookups
	Customer *sympoq.User // when the form names one by id
}

func (w *Web) newTicketForm(rw http.ResponseWriter, rq *request) error {
	v := url.Values{"channel": {strconv.Itoa(int(sympoq.ChannelPhone))}, "priority": {strconv.Itoa(int(sympoq.PriorityNormal))}}
	if c := rq.URL.Query().Get("customer"); c != "" {
		v.Set("customer_id", c)
	}
	return w.showNewTicket(rw, rq, http.StatusOK, newForm(v))
}

func (w *Web) showNewTicket(rw http.ResponseWriter, rq *request, status int, f *Form) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	p := &newTicketPage{L: l}
	if id := atoi(f.Value("customer_id")); id > 0 {
		u, err := w.desk.User(rq.Context(), rq.Actor, sympoq.KindCustomer, id)
		if err != nil {
			return err
		}
		p.Customer = u
	}
	if f.Value("queue") == "" {
		f.Values.Set("queue", strconv.FormatInt(l.Settings.General.DefaultQueue, 10))
	}
	return w.renderStatus(rw, rq, status, "newticket", &Page{Title: "New ticket", Current: "/app/desk/tickets/new", Form: f, Data: p})
}

func (w *Web) newTicket(rw http.ResponseWriter, rq *request) error {
	f := newForm(rq.PostForm)
	f.Values.Del(csrfField)
	in := desk.SubmitInput{Subject: desk.Some(f.Value("subject")), Description: desk.Some(f.Value("description")),
		Channel: sympoq.Channel(atoi(f.Value("channel")))}
	if in.Channel != sympoq.ChannelPhone && in.Channel != sympoq.ChannelForm {
		f.Set("channel", "Choose Phone or Form.")
	}
	if id := atoi(f.Value("customer_id")); id > 0 {
		in.Customer = desk.Some(desk.CustomerInput{ID: desk.Some(id)})
	} else {
		in.Customer = desk.Some(desk.CustomerInput{Name: desk.Some(f.Value("customer_name")), Email: desk.Some(f.Value("customer_email"))})
	}
	if id := atoi(f.Value("topic")); id > 0 {
		in.Topic = desk.Some(id)
	}
	if id := atoi(f.Value("queue")); id > 0 {
		in.Queue = desk.Some(id)
	}
	if n := atoi(f.Value("priority")); n > 0 {
		in.Priority = desk.Some(sympoq.Priority(n))
	}
	var tags []string
	for _, t := range strings.Split(f.Value("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		in.Tags = desk.Some(tags)
	}
	rename := map[string]string{"customer.email": "customer_email", "customer.name": "customer_name", "customer.id": "customer_email", "customer": "customer_email"}
	if len(f.Errors) > 0 {
		f.Message = "Please correct the marked fields."
		return w.showNewTicket(rw, rq, http.StatusBadRequest, f)
	}
	v, err := w.desk.Submit(rq.Context(), rq.Actor, in)
	if err != nil {
		if !f.fromError(err, rename) {
			return err
		}
		return w.showNewTicket(rw, rq, http.StatusBadRequest, f)
	}
	return w.redirect(rw, rq, "/app/desk/tickets/"+url.PathEscape(v.DisplayID), "Ticket "+v.DisplayID+" created.")
}

package web

import (
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

// customerSorts are the sortable columns of the customer list.
var customerSorts = []string{"name", "email", "group", "role", "company", "created"}

type customersPage struct {
	L       *lookups
	Rows    []*sympoq.User
	Total   int
	Form    *Form
	Columns []Column
	Pager   Pager
	CSV     string
}

// customerQuery reads the list's filters; unknown values are dropped.
func customerQuery(v url.Values) desk.UserList {
	q := desk.UserList{UserFilter: store.UserFilter{Kind: sympoq.KindCustomer, Sort: "name"}, Count: true}
	if g := v.Get("group"); g == "none" {
		q.GroupID = -1
	} else if id := atoi(g); id > 0 {
		q.Group = desk.Ref{ID: id}
	}
	if r := sympoq.CustomerRole(v.Get("role")); r.Valid() {
		q.Role = r
	}
	q.Company = strings.TrimSpace(v.Get("company"))
	q.Country = strings.TrimSpace(v.Get("country"))
	q.Q = strings.TrimSpace(v.Get("q"))
	if s := v.Get("sort"); slices.Contains(customerSorts, s) {
		q.Sort = s
	}
	q.Desc = v.Get("dir") == "desc"
	q.Cursor = v.Get("cursor")
	q.Limit = listLimit
	return q
}

func withQuery(path string, v url.Values, kv ...string) string {
	c := url.Values{}
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	c.Del("cursor")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			c.Del(kv[i])
		} else {
			c.Set(kv[i], kv[i+1])
		}
	}
	if len(c) == 0 {
		return path
	}
	return path + "?" + c.Encode()
}

func (w *Web) customers(rw http.ResponseWriter, rq *request) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	v := rq.URL.Query()
	q := customerQuery(v)
	us, next, total, err := w.desk.Users(rq.Context(), rq.Actor, q)
	if err != nil {
		return err
	}
	p := &customersPage{L: l, Rows: us, Total: total, Form: newForm(v), CSV: withQuery("/app/desk/customers.csv", v)}
	for _, c := range []struct{ label, key string }{{"Customer", "name"}, {"Email", "email"}, {"Group", "group"},
		{"Role", "role"}, {"Company", "company"}, {"Registered", "created"}} {
		col := Column{Label: c.label, Key: c.key}
		dir := "asc"
		if q.Sort == c.key {
			col.Sort = "ascending"
			if q.Desc {
				col.Sort = "descending"
			} else {
				dir = "desc"
			}
		}
		col.Href = withQuery("/app/desk/customers", v, "sort", c.key, "dir", dir)
		p.Columns = append(p.Columns, col)
	}
	if next != "" {
		c := url.Values{}
		for k, vs := range v {
			c[k] = vs
		}
		c.Set("cursor", next)
		p.Pager.Next = "/app/desk/customers?" + c.Encode()
	}
	if q.Cursor != "" {
		p.Pager.Prev, p.Pager.First = true, withQuery("/app/desk/customers", v)
	}
	return w.render(rw, rq, "customers", &Page{Title: "Customers", Current: "/app/desk/customers", Data: p})
}

// customersCSV exports the customers the filters select, with the columns
// of the API's export.
func (w *Web) customersCSV(rw http.ResponseWriter, rq *request) error {
	q := customerQuery(rq.URL.Query())
	q.Limit, q.Cursor, q.Count = 500, "", false
	var all []*sympoq.User
	for {
		us, next, _, err := w.desk.Users(rq.Context(), rq.Actor, q)
		if err != nil {
			return err
		}
		all = append(all, us...)
		if next == "" || len(all) >= csvLimit {
			break
		}
		q.Cursor = next
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="customers.csv"`)
	cw := csv.NewWriter(rw)
	_ = cw.Write([]string{"id", "name", "email", "username", "registered", "active", "notifications", "role", "group",
		"company", "url", "country", "region", "address", "postcode", "city", "phone", "mobile", "external_id", "created"})
	for _, u := range all {
		row := []string{strconv.FormatInt(u.ID, 10), u.Name, u.Email, u.Username, strconv.FormatBool(u.Registered),
			strconv.FormatBool(u.Active), strconv.FormatBool(u.Notifications), string(u.Role), u.Group, u.Company,
			u.URL, u.Country, u.Region, u.Address, u.Postcode, u.City, u.Phone, u.Mobile, u.ExternalID,
			u.Created.UTC().Format(time.RFC3339)}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

type importPage struct {
	Result *desk.ImportResult
}

func (w *Web) importForm(rw http.ResponseWriter, rq *request) error {
	return w.render(rw, rq, "import", &Page{Title: "Import customers", Current: "/app/desk/customers", Form: newForm(nil), Data: importPage{}})
}

func (w *Web) importCustomers(rw http.ResponseWriter, rq *request) error {
	f := newForm(nil)
	if err := parseForm(rq); err != nil {
		return err
	}
	file, _, err := rq.FormFile("file")
	if err != nil {
		f.Set("file", "Choose a CSV file.")
		f.Message = "Please correct the marked fields."
		return w.renderStatus(rw, rq, http.StatusBadRequest, "import", &Page{Title: "Import customers", Current: "/app/desk/customers", Form: f, Data: importPage{}})
	}
	defer file.Close()
	res, err := w.desk.ImportCustomers(rq.Context(), rq.Actor, file)
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		return w.renderStatus(rw, rq, http.StatusBadRequest, "import", &Page{Title: "Import customers", Current: "/app/desk/customers", Form: f, Data: importPage{}})
	}
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return w.renderStatus(rw, rq, status, "import", &Page{Title: "Import customers", Current: "/app/desk/customers", Form: newForm(nil), Data: importPage{Result: res}})
}

// customerPage adds or edits a customer: every field of product.md §2.
type customerPage struct {
	L        *lookups
	Customer *sympoq.User // nil: a new one
	Tickets  []*desk.TicketView
	Action   string
}

// customerFields are the text fields of the form, in order.
var customerFields = []string{"name", "email", "username", "company", "url", "country", "region", "address", "postcode", "city", "phone", "mobile", "external_id"}

func customerValues(u *sympoq.User) url.Values {
	v := url.Values{"name": {u.Name}, "email": {u.Email}, "username": {u.Username}, "company": {u.Company}, "url": {u.URL},
		"country": {u.Country}, "region": {u.Region}, "address": {u.Address}, "postcode": {u.Postcode}, "city": {u.City},
		"phone": {u.Phone}, "mobile": {u.Mobile}, "external_id": {u.ExternalID}, "role": {string(u.Role)}}
	if u.GroupID != 0 {
		v.Set("group", strconv.FormatInt(u.GroupID, 10))
	}
	if u.Active {
		v.Set("active", "1")
	}
	if u.Notifications {
		v.Set("notifications", "1")
	}
	return v
}

func (w *Web) newCustomerForm(rw http.ResponseWriter, rq *request) error {
	return w.showCustomer(rw, rq, http.StatusOK, nil, newForm(url.Values{"active": {"1"}, "notifications": {"1"}, "role": {string(sympoq.RoleCustomer)}}))
}

func (w *Web) customer(rw http.ResponseWriter, rq *request) error {
	u, err := w.desk.User(rq.Context(), rq.Actor, sympoq.KindCustomer, atoi(rq.PathValue("id")))
	if err != nil {
		return err
	}
	return w.showCustomer(rw, rq, http.StatusOK, u, newForm(customerValues(u)))
}

func (w *Web) showCustomer(rw http.ResponseWriter, rq *request, status int, u *sympoq.User, f *Form) error {
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	p := &customerPage{L: l, Customer: u, Action: "/app/desk/customers/new"}
	title := "New customer"
	if u != nil {
		p.Action = "/app/desk/customers/" + strconv.FormatInt(u.ID, 10)
		title = u.Name
		if p.Tickets, _, _, err = w.desk.Tickets(rq.Context(), rq.Actor, desk.TicketList{TicketFilter: store.TicketFilter{Customer: u.ID, Sort: "updated", Desc: true, Limit: 20}}); err != nil {
			return err
		}
	}
	return w.renderStatus(rw, rq, status, "customer", &Page{Title: title, Current: "/app/desk/customers", Form: f, Data: p})
}

// customerInput reads the form. Every field is sent, so on an edit an
// emptied field is cleared; the password is set only when typed.
func customerInput(f *Form, creating bool) desk.UserInput {
	in := desk.UserInput{Name: desk.Some(f.Value("name")), Email: desk.Some(f.Value("email")),
		Company: desk.Some(f.Value("company")), URL: desk.Some(f.Value("url")), Country: desk.Some(f.Value("country")),
		Region: desk.Some(f.Value("region")), Address: desk.Some(strings.ReplaceAll(f.Value("address"), "\r\n", "\n")),
		Postcode: desk.Some(f.Value("postcode")), City: desk.Some(f.Value("city")), Phone: desk.Some(f.Value("phone")),
		Mobile: desk.Some(f.Value("mobile")), ExternalID: desk.Some(f.Value("external_id")),
		Active: desk.Some(f.Value("active") == "1"), Notifications: desk.Some(f.Value("notifications") == "1"),
		Role: desk.Some(sympoq.CustomerRole(f.Value("role")))}
	if u := strings.TrimSpace(f.Value("username")); u != "" || !creating {
		in.Username = desk.Some(u)
	}
	if id := atoi(f.Value("group")); id > 0 {
		in.Group = desk.Some(desk.Ref{ID: id})
	} else {
		in.Group = desk.Opt[desk.Ref]{Set: true, Null: true}
	}
	if pw := f.Value("password"); pw != "" {
		in.Password = desk.Some(pw)
	}
	if f.Value("send_registration") == "1" {
		in.SendRegistration = desk.Some(true)
	}
	return in
}

func (w *Web) createCustomer(rw http.ResponseWriter, rq *request) error {
	f := newForm(rq.PostForm)
	f.Values.Del(csrfField)
	u, err := w.desk.CreateUser(rq.Context(), rq.Actor, sympoq.KindCustomer, customerInput(f, true))
	if err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		f.Values.Del("password")
		return w.showCustomer(rw, rq, http.StatusBadRequest, nil, f)
	}
	msg := "Customer " + u.Name + " created."
	if f.Value("send_registration") == "1" {
		msg = "Customer " + u.Name + " created; a registration email is on its way."
	}
	return w.redirect(rw, rq, "/app/desk/customers/"+strconv.FormatInt(u.ID, 10), msg)
}

func (w *Web) saveCustomer(rw http.ResponseWriter, rq *request) error {
	id := atoi(rq.PathValue("id"))
	cur, err := w.desk.User(rq.Context(), rq.Actor, sympoq.KindCustomer, id)
	if err != nil {
		return err
	}
	f := newForm(rq.PostForm)
	f.Values.Del(csrfField)
	in := customerInput(f, false)
	if in.Username.V == "" && cur.Username == "" {
		in.Username = desk.Opt[string]{} // unregistered customers have none
	}
	if _, err := w.desk.UpdateUser(rq.Context(), rq.Actor, sympoq.KindCustomer, id, in); err != nil {
		if !f.fromError(err, nil) {
			return err
		}
		f.Values.Del("password")
		return w.showCustomer(rw, rq, http.StatusBadRequest, cur, f)
	}
	return w.redirect(rw, rq, "/app/desk/customers/"+strconv.FormatInt(id, 10), "Customer saved.")
}

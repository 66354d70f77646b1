package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// Agents: the list and the add/edit form with the queue permissions grid.
// The grid is rows of queue + role: perm.N.queue, perm.N.role and a
// perm.N.remove checkbox, one empty row to add, and "Add row" (a submit
// button named add_row) that shows the form again with one more empty row
// without saving. Saving sends the rows left as the agent's permissions
// through desk.CreateUser / UpdateUser, as PUT /agent/{id} does.

// agentRow is one agent of the list.
type agentRow struct {
	*sympoq.User
	Roles []string // "Queue: Role"
}

type agentsData struct {
	Agents []agentRow
}

// permRow is one row of the grid.
type permRow struct {
	N            int
	Queue, Role  string
	QueueOptions []Option
	RoleOptions  []Option
	QueueError   string
	RoleError    string
}

type agentData struct {
	ID    int64
	Rows  []permRow
	Queue []Option
	Self  bool
}

func (w *Web) agentList(rw http.ResponseWriter, rq *request) error {
	us, _, _, err := w.desk.Users(rq.Context(), rq.Actor, desk.UserList{UserFilter: store.UserFilter{Kind: sympoq.KindAgent, Sort: "name", Limit: 500}})
	if err != nil {
		return err
	}
	qs, err := w.desk.Queues(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	qn := map[int64]string{}
	for _, q := range qs {
		qn[q.ID] = q.Name
	}
	d := agentsData{}
	for _, u := range us {
		r := agentRow{User: u}
		for _, p := range u.Permissions {
			r.Roles = append(r.Roles, qn[p.Queue]+": "+string(p.Role))
		}
		d.Agents = append(d.Agents, r)
	}
	return w.adminRender(rw, rq, http.StatusOK, "admin_agents", "agents", "Agents", nil, d)
}

// agentValues are the form values of an existing agent.
func agentValues(u *sympoq.User) url.Values {
	v := url.Values{"name": {u.Name}, "email": {u.Email}, "username": {u.Username}, "active": {boolValue(u.Active)},
		"administrator": {boolValue(u.Administrator)}, "signature": {u.Signature}, "notifications": {boolValue(u.Notifications)}}
	for i, p := range u.Permissions {
		v.Set(fmt.Sprintf("perm.%d.queue", i), strconv.FormatInt(p.Queue, 10))
		v.Set(fmt.Sprintf("perm.%d.role", i), string(p.Role))
	}
	v.Set("rows", strconv.Itoa(len(u.Permissions)+1))
	return v
}

func (w *Web) showAgent(rw http.ResponseWriter, rq *request, id int64, status int, f *Form) error {
	qs, err := w.desk.Queues(rq.Context(), rq.Actor)
	if err != nil {
		return err
	}
	d := agentData{ID: id, Self: id == rq.Actor.User.ID}
	qopts := []Option{{Value: "", Label: "Choose a queue…"}}
	for _, q := range qs {
		qopts = append(qopts, Option{Value: strconv.FormatInt(q.ID, 10), Label: q.Name})
	}
	n := max(atoiInt(f.Value("rows")), 1)
	for i := 0; i < n && i < 200; i++ {
		r := permRow{N: i, Queue: f.Value(fmt.Sprintf("perm.%d.queue", i)), Role: f.Value(fmt.Sprintf("perm.%d.role", i)),
			QueueError: f.Error(fmt.Sprintf("perm.%d.queue", i)), RoleError: f.Error(fmt.Sprintf("perm.%d.role", i))}
		if f.Value(fmt.Sprintf("perm.%d.remove", i)) == "1" {
			continue
		}
		for _, o := range qopts {
			r.QueueOptions = append(r.QueueOptions, Option{Value: o.Value, Label: o.Label, Selected: o.Value == r.Queue})
		}
		role := r.Role
		if role == "" {
			role = string(sympoq.RoleAgent)
		}
		for _, ro := range []sympoq.QueueRole{sympoq.RoleAgent, sympoq.RoleQueueManager} {
			r.RoleOptions = append(r.RoleOptions, Option{Value: string(ro), Label: string(ro), Selected: string(ro) == role})
		}
		d.Rows = append(d.Rows, r)
	}
	// Renumber so the rows posted next are 0..n-1.
	for i := range d.Rows {
		d.Rows[i].N = i
	}
	f.Values.Set("rows", strconv.Itoa(len(d.Rows)))
	title := "New agent"
	if id != 0 {
		title = "Edit agent"
	}
	return w.adminRender(rw, rq, status, "admin_agent", "agents", title, f, d)
}

func atoiInt(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func (w *Web) agentNew(rw http.ResponseWriter, rq *request) error {
	return w.showAgent(rw, rq, 0, http.StatusOK, newForm(url.Values{"active": {"1"}, "notifications": {"1"}, "rows": {"1"}}))
}

func (w *Web) agentEdit(rw http.ResponseWriter, rq *request) error {
	id := atoi(rq.PathValue("id"))
	u, err := w.desk.User(rq.Context(), rq.Actor, sympoq.KindAgent, id)
	if err != nil {
		return err
	}
	return w.showAgent(rw, rq, id, http.StatusOK, newForm(agentValues(u)))
}

// permissionsOf reads the grid: the rows with a queue and not marked for
// removal, and where each one's desk errors (permissions[i].…) belong.
func permissionsOf(f *Form) ([]desk.Permission, map[string]string) {
	perms := []desk.Permission{}
	rename := map[string]string{}
	n := atoiInt(f.Value("rows"))
	for i := 0; i < n && i < 200; i++ {
		q := strings.TrimSpace(f.Value(fmt.Sprintf("perm.%d.queue", i)))
		if q == "" || f.Value(fmt.Sprintf("perm.%d.remove", i)) == "1" {
			continue
		}
		qid, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			qid = -1
		}
		k := len(perms)
		perms = append(perms, desk.Permission{Queue: qid, Role: sympoq.QueueRole(f.Value(fmt.Sprintf("perm.%d.role", i)))})
		rename[fmt.Sprintf("permissions[%d].queue", k)] = fmt.Sprintf("perm.%d.queue", i)
		rename[fmt.Sprintf("permissions[%d].role", k)] = fmt.Sprintf("perm.%d.role", i)
		rename[fmt.Sprintf("permissions[%d]", k)] = fmt.Sprintf("perm.%d.queue", i)
	}
	return perms, rename
}

func (w *Web) agentSave(rw http.ResponseWriter, rq *request) error {
	id := int64(0)
	if rq.PathValue("id") != "" {
		if id = atoi(rq.PathValue("id")); id <= 0 {
			return sympoq.NotFound("agent")
		}
	}
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	if f.Value("add_row") != "" {
		// Add row: the same form with one more empty row, nothing saved.
		f.Values.Set("rows", strconv.Itoa(atoiInt(f.Value("rows"))+1))
		return w.showAgent(rw, rq, id, http.StatusOK, f)
	}
	perms, rename := permissionsOf(f)
	in := desk.UserInput{Name: desk.Some(f.Value("name")), Email: desk.Some(f.Value("email")),
		Active: desk.Some(formBool(f, "active")), Administrator: desk.Some(formBool(f, "administrator")),
		Signature: desk.Some(f.Value("signature")), Notifications: desk.Some(formBool(f, "notifications")),
		Permissions: desk.Some(perms)}
	if u := strings.TrimSpace(f.Value("username")); u != "" || id != 0 {
		in.Username = desk.Some(u)
	}
	if pw := f.Value("password"); pw != "" {
		in.Password = desk.Some(pw)
	}
	f.Values.Del("password")
	if id == 0 {
		var u *sympoq.User
		if u, err = w.desk.CreateUser(rq.Context(), rq.Actor, sympoq.KindAgent, in); err == nil {
			id = u.ID
		}
	} else {
		_, err = w.desk.UpdateUser(rq.Context(), rq.Actor, sympoq.KindAgent, id, in)
	}
	if err != nil {
		if !f.fromError(err, rename) {
			return err
		}
		return w.showAgent(rw, rq, id0(rq), formStatus(err), f)
	}
	return w.redirect(rw, rq, "/app/desk/settings/agents", "Agent "+strings.TrimSpace(f.Value("name"))+" saved.")
}

// id0 is the agent of the form's URL (0 on the add form).
func id0(rq *request) int64 { return atoi(rq.PathValue("id")) }

func (w *Web) agentDelete(rw http.ResponseWriter, rq *request) error {
	id := atoi(rq.PathValue("id"))
	if err := w.desk.DeleteUser(rq.Context(), rq.Actor, sympoq.KindAgent, id); err != nil {
		if c := sympoq.ErrorCode(err); c != sympoq.EConflict && c != sympoq.EForbidden && c != sympoq.EInvalid {
			return err
		}
		u, uerr := w.desk.User(rq.Context(), rq.Actor, sympoq.KindAgent, id)
		if uerr != nil {
			return uerr
		}
		f := newForm(agentValues(u))
		f.fromError(err, nil)
		return w.showAgent(rw, rq, id, formStatus(err), f)
	}
	return w.redirect(rw, rq, "/app/desk/settings/agents", "Agent deleted.")
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// The settings lists: queues, topics, customer groups, tags, custom fields
// and canned replies. Each kind is a list with an "add" form and an edit
// page per item; saving and deleting go through the desk's Save… and
// Delete… methods.

// itemRow is one item of a list, as its table shows it.
type itemRow struct {
	ID      int64
	Name    string
	Details []string
}

// itemKind describes one kind of settings item for the generic pages.
type itemKind struct {
	key, one, many string
	// list returns the rows of the list page.
	list func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error)
	// values are the edit form's values of item id.
	values func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error)
	// save creates (id 0) or changes the item from the form.
	save func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error
	del  func(ctx context.Context, w *Web, a desk.Actor, id int64) error
	// defaults are the add form's values.
	defaults func() url.Values
	// rename maps desk field names to form names.
	rename map[string]string
}

// itemData is what an item template sees.
type itemData struct {
	Kind    string
	One     string
	Many    string
	Rows    []itemRow
	ID      int64 // 0: the add form
	Choices itemChoices
}

// itemChoices are the options of the item forms' selects.
type itemChoices struct {
	Queues []Option
	Topics []Option
	Types  []Option
}

func seqValue(n int) string { return strconv.Itoa(n) }

// optInt reads an optional whole number: empty is absent, text that is not
// a number is -1 so the desk names the field.
func optInt(f *Form, name string) desk.Opt[int] {
	s := strings.TrimSpace(f.Value(name))
	if s == "" {
		return desk.Opt[int]{}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	return desk.Some(n)
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var itemKinds = map[string]*itemKind{
	"queues": {key: "queues", one: "queue", many: "Queues",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			qs, err := w.desk.Queues(ctx, a)
			if err != nil {
				return nil, err
			}
			var rows []itemRow
			for _, q := range qs {
				d := []string{plural(len(q.Permissions), "agent", "agents")}
				if len(q.Addresses) > 0 {
					d = append(d, strings.Join(q.Addresses, ", "))
				}
				rows = append(rows, itemRow{ID: q.ID, Name: q.Name, Details: d})
			}
			return rows, nil
		},
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			q, err := w.desk.Queue(ctx, a, id)
			if err != nil {
				return nil, err
			}
			return url.Values{"name": {q.Name}, "sequence": {seqValue(q.Sequence)}, "addresses": {strings.Join(q.Addresses, "\n")}}, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			in := desk.ItemInput{Name: desk.Some(f.Value("name")), Sequence: optInt(f, "sequence"), Addresses: desk.Some(lines(f.Value("addresses")))}
			_, err := w.desk.SaveQueue(ctx, a, id, in)
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error { return w.desk.DeleteQueue(ctx, a, id) },
	},
	"topics": {key: "topics", one: "topic", many: "Topics",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			ts, err := w.desk.Topics(ctx, a)
			if err != nil {
				return nil, err
			}
			qs, err := w.desk.Queues(ctx, a)
			if err != nil {
				return nil, err
			}
			qn := map[int64]string{}
			for _, q := range qs {
				qn[q.ID] = q.Name
			}
			var rows []itemRow
			for _, t := range ts {
				d := []string{}
				if !t.Active {
					d = append(d, "inactive")
				}
				if t.QueueID != 0 {
					d = append(d, "to "+qn[t.QueueID])
				}
				rows = append(rows, itemRow{ID: t.ID, Name: t.Name, Details: d})
			}
			return rows, nil
		},
		defaults: func() url.Values { return url.Values{"active": {"1"}} },
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			t, err := w.desk.Topic(ctx, a, id)
			if err != nil {
				return nil, err
			}
			return url.Values{"name": {t.Name}, "sequence": {seqValue(t.Sequence)}, "active": {boolValue(t.Active)},
				"queue": {strconv.FormatInt(t.QueueID, 10)}}, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			in := desk.ItemInput{Name: desk.Some(f.Value("name")), Sequence: optInt(f, "sequence"), Active: desk.Some(formBool(f, "active")),
				Queue: desk.Some(atoi(f.Value("queue")))}
			_, err := w.desk.SaveTopic(ctx, a, id, in)
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error { return w.desk.DeleteTopic(ctx, a, id) },
	},
	"groups": {key: "groups", one: "customer group", many: "Customer groups",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			gs, err := w.desk.Groups(ctx, a)
			if err != nil {
				return nil, err
			}
			var rows []itemRow
			for _, g := range gs {
				rows = append(rows, itemRow{ID: g.ID, Name: g.Name})
			}
			return rows, nil
		},
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			g, err := w.desk.Group(ctx, a, id)
			if err != nil {
				return nil, err
			}
			return url.Values{"name": {g.Name}, "sequence": {seqValue(g.Sequence)}}, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			_, err := w.desk.SaveGroup(ctx, a, id, desk.ItemInput{Name: desk.Some(f.Value("name")), Sequence: optInt(f, "sequence")})
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error { return w.desk.DeleteGroup(ctx, a, id) },
	},
	"tags": {key: "tags", one: "tag", many: "Tags",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			ts, err := w.desk.Tags(ctx, a)
			if err != nil {
				return nil, err
			}
			var rows []itemRow
			for _, t := range ts {
				rows = append(rows, itemRow{ID: t.ID, Name: t.Name})
			}
			return rows, nil
		},
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			t, err := w.desk.Tag(ctx, a, id)
			if err != nil {
				return nil, err
			}
			return url.Values{"name": {t.Name}}, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			_, err := w.desk.SaveTag(ctx, a, id, desk.ItemInput{Name: desk.Some(f.Value("name"))})
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error { return w.desk.DeleteTag(ctx, a, id) },
	},
	"fields": {key: "fields", one: "custom field", many: "Custom fields",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			cfs, err := w.desk.CustomFields(ctx, a)
			if err != nil {
				return nil, err
			}
			var rows []itemRow
			for _, c := range cfs {
				d := []string{string(c.Type)}
				if c.Required {
					d = append(d, "required")
				}
				switch {
				case c.CustomerEditable:
					d = append(d, "customers fill it in")
				case c.CustomerVisible:
					d = append(d, "customers see it")
				default:
					d = append(d, "agents only")
				}
				rows = append(rows, itemRow{ID: c.ID, Name: c.Label, Details: d})
			}
			return rows, nil
		},
		defaults: func() url.Values {
			return url.Values{"type": {string(sympoq.CustomText)}, "customer_visible": {"1"}, "customer_editable": {"1"}}
		},
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			c, err := w.desk.CustomField(ctx, a, id)
			if err != nil {
				return nil, err
			}
			v := url.Values{"label": {c.Label}, "key": {c.Key}, "type": {string(c.Type)}, "options": {strings.Join(c.Options, "\n")},
				"required": {boolValue(c.Required)}, "customer_visible": {boolValue(c.CustomerVisible)},
				"customer_editable": {boolValue(c.CustomerEditable)}, "sequence": {seqValue(c.Sequence)}}
			for _, t := range c.Topics {
				v.Add("topics", strconv.FormatInt(t, 10))
			}
			return v, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			in := desk.CustomFieldInput{Label: desk.Some(f.Value("label")), Type: desk.Some(sympoq.CustomFieldType(f.Value("type"))),
				Required: desk.Some(formBool(f, "required")), CustomerVisible: desk.Some(formBool(f, "customer_visible")),
				CustomerEditable: desk.Some(formBool(f, "customer_editable")), Sequence: optInt(f, "sequence"),
				Topics: desk.Some(append([]int64{}, ids(f.Values["topics"])...))}
			if k := strings.TrimSpace(f.Value("key")); k != "" {
				in.Key = desk.Some(k)
			}
			if sympoq.CustomFieldType(f.Value("type")).HasOptions() {
				in.Options = desk.Some(lines(f.Value("options")))
			} else if id != 0 {
				in.Options = desk.Some([]string{})
			}
			_, err := w.desk.SaveCustomField(ctx, a, id, in)
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error {
			return w.desk.DeleteCustomField(ctx, a, id)
		},
	},
	"canned": {key: "canned", one: "canned reply", many: "Canned replies",
		list: func(ctx context.Context, w *Web, a desk.Actor) ([]itemRow, error) {
			cs, err := w.desk.CannedReplies(ctx, a)
			if err != nil {
				return nil, err
			}
			qs, err := w.desk.Queues(ctx, a)
			if err != nil {
				return nil, err
			}
			qn := map[int64]string{}
			for _, q := range qs {
				qn[q.ID] = q.Name
			}
			var rows []itemRow
			for _, c := range cs {
				d := []string{"everyone"}
				switch {
				case c.Owner != 0:
					d = []string{"personal"}
				case c.Queue != 0:
					d = []string{"queue " + qn[c.Queue]}
				}
				rows = append(rows, itemRow{ID: c.ID, Name: c.Name, Details: d})
			}
			return rows, nil
		},
		values: func(ctx context.Context, w *Web, a desk.Actor, id int64) (url.Values, error) {
			c, err := w.desk.CannedReply(ctx, a, id)
			if err != nil {
				return nil, err
			}
			return url.Values{"name": {c.Name}, "body": {c.Body}, "queue": {strconv.FormatInt(c.Queue, 10)}, "personal": {boolValue(c.Owner != 0)}}, nil
		},
		save: func(ctx context.Context, w *Web, a desk.Actor, id int64, f *Form) error {
			in := desk.CannedInput{Name: desk.Some(f.Value("name")), Body: desk.Some(f.Value("body")), Queue: desk.Some(atoi(f.Value("queue"))),
				Personal: desk.Some(formBool(f, "personal"))}
			_, err := w.desk.SaveCannedReply(ctx, a, id, in)
			return err
		},
		del: func(ctx context.Context, w *Web, a desk.Actor, id int64) error {
			return w.desk.DeleteCannedReply(ctx, a, id)
		},
	},
}

func (w *Web) itemChoices(rq *request) (itemChoices, error) {
	var c itemChoices
	qs, err := w.desk.Queues(rq.Context(), rq.Actor)
	if err != nil {
		return c, err
	}
	c.Queues = append(c.Queues, Option{Value: "0", Label: "—"})
	for _, q := range qs {
		c.Queues = append(c.Queues, Option{Value: strconv.FormatInt(q.ID, 10), Label: q.Name})
	}
	ts, err := w.desk.Topics(rq.Context(), rq.Actor)
	if err != nil {
		return c, err
	}
	for _, t := range ts {
		c.Topics = append(c.Topics, Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	for _, t := range sympoq.CustomFieldTypes {
		c.Types = append(c.Types, Option{Value: string(t), Label: string(t)})
	}
	return c, nil
}

// showItems renders the list of a kind with its add form (f: the add form
// shown again after an error).
func (w *Web) showItems(rw http.ResponseWriter, rq *request, k *itemKind, status int, f *Form) error {
	rows, err := k.list(rq.Context(), w, rq.Actor)
	if err != nil {
		return err
	}
	ch, err := w.itemChoices(rq)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(nil)
		if k.defaults != nil {
			f = newForm(k.defaults())
		}
	}
	return w.adminRender(rw, rq, status, "admin_items", k.key, k.many, f, itemData{Kind: k.key, One: k.one, Many: k.many, Rows: rows, Choices: ch})
}

func (w *Web) showItem(rw http.ResponseWriter, rq *request, k *itemKind, id int64, status int, f *Form) error {
	if f == nil {
		v, err := k.values(rq.Context(), w, rq.Actor, id)
		if err != nil {
			return err
		}
		f = newForm(v)
	}
	ch, err := w.itemChoices(rq)
	if err != nil {
		return err
	}
	return w.adminRender(rw, rq, status, "admin_item", k.key, "Edit "+k.one, f, itemData{Kind: k.key, One: k.one, Many: k.many, ID: id, Choices: ch})
}

func (w *Web) kindOf(rq *request) (*itemKind, error) {
	k, ok := itemKinds[rq.PathValue("kind")]
	if !ok {
		return nil, sympoq.NotFound("page")
	}
	return k, nil
}

func (w *Web) itemList(rw http.ResponseWriter, rq *request) error {
	k, err := w.kindOf(rq)
	if err != nil {
		return err
	}
	return w.showItems(rw, rq, k, http.StatusOK, nil)
}

func (w *Web) itemCreate(rw http.ResponseWriter, rq *request) error {
	k, err := w.kindOf(rq)
	if err != nil {
		return err
	}
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	if err := k.save(rq.Context(), w, rq.Actor, 0, f); err != nil {
		if !f.fromError(err, k.rename) {
			return err
		}
		return w.showItems(rw, rq, k, formStatus(err), f)
	}
	return w.redirect(rw, rq, "/app/desk/settings/"+k.key, capitalize(k.one)+" added.")
}

func (w *Web) itemEdit(rw http.ResponseWriter, rq *request) error {
	k, err := w.kindOf(rq)
	if err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	if id <= 0 {
		return sympoq.NotFound(k.one)
	}
	return w.showItem(rw, rq, k, id, http.StatusOK, nil)
}

func (w *Web) itemSave(rw http.ResponseWriter, rq *request) error {
	k, err := w.kindOf(rq)
	if err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	if id <= 0 {
		return sympoq.NotFound(k.one)
	}
	f, err := postedForm(rq)
	if err != nil {
		return err
	}
	if err := k.save(rq.Context(), w, rq.Actor, id, f); err != nil {
		if !f.fromError(err, k.rename) {
			return err
		}
		return w.showItem(rw, rq, k, id, formStatus(err), f)
	}
	return w.redirect(rw, rq, "/app/desk/settings/"+k.key, capitalize(k.one)+" saved.")
}

func (w *Web) itemDelete(rw http.ResponseWriter, rq *request) error {
	k, err := w.kindOf(rq)
	if err != nil {
		return err
	}
	id := atoi(rq.PathValue("id"))
	if id <= 0 {
		return sympoq.NotFound(k.one)
	}
	if err := k.del(rq.Context(), w, rq.Actor, id); err != nil {
		if c := sympoq.ErrorCode(err); c != sympoq.EConflict && c != sympoq.EInvalid && c != sympoq.EForbidden {
			return err
		}
		// Refused (the default queue, an item in use): the edit page says why.
		v, verr := k.values(rq.Context(), w, rq.Actor, id)
		if verr != nil {
			return verr
		}
		f := newForm(v)
		f.fromError(err, nil)
		f.Action = "delete"
		return w.showItem(rw, rq, k, id, formStatus(err), f)
	}
	return w.redirect(rw, rq, "/app/desk/settings/"+k.key, capitalize(k.one)+" deleted.")
}

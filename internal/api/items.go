package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// queueJSON is the compat queue shape; permissions appear only when asked.
type queueJSON struct {
	ID          int64                  `json:"id"`
	Name        string                 `json:"name"`
	Sequence    int                    `json:"sequence"`
	Permissions *[]queuePermissionJSON `json:"permissions,omitempty"`
	Addresses   []string               `json:"addresses"`
}

type queuePermissionJSON struct {
	Agent int64            `json:"agent"`
	Role  sympoq.QueueRole `json:"role"`
}

func toQueueJSON(q *sympoq.Queue, withPerms bool) queueJSON {
	out := queueJSON{ID: q.ID, Name: q.Name, Sequence: q.Sequence, Addresses: q.Addresses}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	if withPerms {
		ps := make([]queuePermissionJSON, len(q.Permissions))
		for i, p := range q.Permissions {
			ps[i] = queuePermissionJSON{Agent: p.Agent, Role: p.Role}
		}
		out.Permissions = &ps
	}
	return out
}

// permissionsSwitch reads the compat permission switch from the path
// (/queue/1/1) or the query (?permissions=1).
func permissionsSwitch(r *http.Request) (bool, error) {
	if v := r.PathValue("permissions"); v != "" {
		switch v {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return false, sympoq.FieldErr("permissions", sympoq.FieldInvalid, "must be 0 or 1")
	}
	return flag(r, "permissions")
}

func (a *API) queues(w http.ResponseWriter, r *http.Request) error {
	perms, err := permissionsSwitch(r)
	if err != nil {
		return err
	}
	qs, err := a.desk.Queues(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]queueJSON, len(qs))
	for i, q := range qs {
		out[i] = toQueueJSON(q, perms)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) queue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	perms, err := permissionsSwitch(r)
	if err != nil {
		return err
	}
	q, err := a.desk.Queue(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toQueueJSON(q, perms))
	return nil
}

type topicJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Active   bool   `json:"active"`
	Sequence int    `json:"sequence"`
	Queue    *int64 `json:"queue"`
}

func toTopicJSON(t *sympoq.Topic) topicJSON {
	out := topicJSON{ID: t.ID, Name: t.Name, Active: t.Active, Sequence: t.Sequence}
	if t.QueueID != 0 {
		out.Queue = &t.QueueID
	}
	return out
}

type groupJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Sequence int    `json:"sequence"`
}

type tagJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// item bundles the use cases of one kind of settings item so that list,
// get, create, update and delete are written once.
type item[T, In any] struct {
	list   func(a *API, r *http.Request) ([]T, error)
	get    func(a *API, r *http.Request, id int64) (T, error)
	save   func(a *API, r *http.Request, id int64, in In) (T, error)
	delete func(a *API, r *http.Request, id int64) error
	json   func(T) any
}

func (it item[T, In]) listHandler(a *API) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		xs, err := it.list(a, r)
		if err != nil {
			return err
		}
		out := make([]any, len(xs))
		for i, x := range xs {
			out[i] = it.json(x)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (it item[T, In]) getHandler(a *API) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		x, err := it.get(a, r, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, it.json(x))
		return nil
	}
}

func (it item[T, In]) saveHandler(a *API, create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		in, err := decode[In](w, r)
		if err != nil {
			return err
		}
		x, err := it.save(a, r, id, in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		writeJSON(w, status, it.json(x))
		return nil
	}
}

func (it item[T, In]) deleteHandler(a *API) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := it.delete(a, r, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusGone)
		return nil
	}
}

var queueItem = item[*sympoq.Queue, desk.ItemInput]{
	save: func(a *API, r *http.Request, id int64, in desk.ItemInput) (*sympoq.Queue, error) {
		return a.desk.SaveQueue(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error { return a.desk.DeleteQueue(r.Context(), actor(r), id) },
	json:   func(q *sympoq.Queue) any { return toQueueJSON(q, true) },
}

var topicItem = item[*sympoq.Topic, desk.ItemInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.Topic, error) { return a.desk.Topics(r.Context(), actor(r)) },
	get: func(a *API, r *http.Request, id int64) (*sympoq.Topic, error) {
		return a.desk.Topic(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.ItemInput) (*sympoq.Topic, error) {
		return a.desk.SaveTopic(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error { return a.desk.DeleteTopic(r.Context(), actor(r), id) },
	json:   func(t *sympoq.Topic) any { return toTopicJSON(t) },
}

var groupItem = item[*sympoq.Group, desk.ItemInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.Group, error) { return a.desk.Groups(r.Context(), actor(r)) },
	get: func(a *API, r *http.Request, id int64) (*sympoq.Group, error) {
		return a.desk.Group(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.ItemInput) (*sympoq.Group, error) {
		return a.desk.SaveGroup(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error { return a.desk.DeleteGroup(r.Context(), actor(r), id) },
	json:   func(g *sympoq.Group) any { return groupJSON{ID: g.ID, Name: g.Name, Sequence: g.Sequence} },
}

var tagItem = item[*sympoq.Tag, desk.ItemInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.Tag, error) { return a.desk.Tags(r.Context(), actor(r)) },
	get: func(a *API, r *http.Request, id int64) (*sympoq.Tag, error) {
		return a.desk.Tag(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.ItemInput) (*sympoq.Tag, error) {
		return a.desk.SaveTag(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error { return a.desk.DeleteTag(r.Context(), actor(r), id) },
	json:   func(t *sympoq.Tag) any { return tagJSON{ID: t.ID, Name: t.Name} },
}

// enum serves a fixed enumeration: the list, and one entry by id.
func enumList(list []sympoq.Named) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, list)
		return nil
	}
}

func enumOne(list []sympoq.Named, what string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			return sympoq.FieldErr("id", sympoq.FieldInvalid, "must be a whole number")
		}
		for _, n := range list {
			if n.ID == id {
				writeJSON(w, http.StatusOK, n)
				return nil
			}
		}
		return sympoq.NotFound(what)
	}
}

func (a *API) settings(w http.ResponseWriter, r *http.Request) error {
	s, err := a.desk.Settings(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

// updateSettings decodes the body onto the current settings: fields not
// sent keep their values.
func (a *API) updateSettings(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	s, err := a.desk.UpdateSettings(r.Context(), actor(r), func(s *sympoq.Settings) error {
		return DecodeJSON(bytes.NewReader(body), s)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

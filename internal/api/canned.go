package api

import (
	"net/http"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

type cannedJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Body     string `json:"body"`
	Queue    *int64 `json:"queue"`
	Personal bool   `json:"personal"`
}

func toCannedJSON(c *sympoq.CannedReply) cannedJSON {
	out := cannedJSON{ID: c.ID, Name: c.Name, Body: c.Body, Personal: c.Owner != 0}
	if c.Queue != 0 {
		out.Queue = &c.Queue
	}
	return out
}

var cannedItem = item[*sympoq.CannedReply, desk.CannedInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.CannedReply, error) {
		return a.desk.CannedReplies(r.Context(), actor(r))
	},
	get: func(a *API, r *http.Request, id int64) (*sympoq.CannedReply, error) {
		return a.desk.CannedReply(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.CannedInput) (*sympoq.CannedReply, error) {
		return a.desk.SaveCannedReply(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error {
		return a.desk.DeleteCannedReply(r.Context(), actor(r), id)
	},
	json: func(c *sympoq.CannedReply) any { return toCannedJSON(c) },
}

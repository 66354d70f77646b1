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

func (a *API) cannedReplies(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.desk.CannedReplies(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]cannedJSON, len(cs))
	for i, c := range cs {
		out[i] = toCannedJSON(c)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) cannedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.desk.CannedReply(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCannedJSON(c))
	return nil
}

func (a *API) saveCannedReply(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		in, err := decode[desk.CannedInput](w, r)
		if err != nil {
			return err
		}
		c, err := a.desk.SaveCannedReply(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		writeJSON(w, status, toCannedJSON(c))
		return nil
	}
}

func (a *API) deleteCannedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.desk.DeleteCannedReply(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}

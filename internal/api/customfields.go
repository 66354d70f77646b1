package api

import (
	"net/http"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

type customFieldJSON struct {
	ID               int64                  `json:"id"`
	Label            string                 `json:"label"`
	Key              string                 `json:"key"`
	Type             sympoq.CustomFieldType `json:"type"`
	Options          []string               `json:"options"`
	Required         bool                   `json:"required"`
	CustomerVisible  bool                   `json:"customer_visible"`
	CustomerEditable bool                   `json:"customer_editable"`
	Topics           []int64                `json:"topics"`
	Sequence         int                    `json:"sequence"`
}

func toCustomFieldJSON(f *sympoq.CustomField) customFieldJSON {
	out := customFieldJSON{ID: f.ID, Label: f.Label, Key: f.Key, Type: f.Type, Options: f.Options, Required: f.Required,
		CustomerVisible: f.CustomerVisible, CustomerEditable: f.CustomerEditable, Topics: f.Topics, Sequence: f.Sequence}
	if out.Options == nil {
		out.Options = []string{}
	}
	if out.Topics == nil {
		out.Topics = []int64{}
	}
	return out
}

func (a *API) customFields(w http.ResponseWriter, r *http.Request) error {
	fs, err := a.desk.CustomFields(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]customFieldJSON, len(fs))
	for i, f := range fs {
		out[i] = toCustomFieldJSON(f)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) customField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := a.desk.CustomField(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCustomFieldJSON(f))
	return nil
}

func (a *API) saveCustomField(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		in, err := decode[desk.CustomFieldInput](w, r)
		if err != nil {
			return err
		}
		f, err := a.desk.SaveCustomField(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		writeJSON(w, status, toCustomFieldJSON(f))
		return nil
	}
}

func (a *API) deleteCustomField(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.desk.DeleteCustomField(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}

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

var customFieldItem = item[*sympoq.CustomField, desk.CustomFieldInput]{
	list: func(a *API, r *http.Request) ([]*sympoq.CustomField, error) {
		return a.desk.CustomFields(r.Context(), actor(r))
	},
	get: func(a *API, r *http.Request, id int64) (*sympoq.CustomField, error) {
		return a.desk.CustomField(r.Context(), actor(r), id)
	},
	save: func(a *API, r *http.Request, id int64, in desk.CustomFieldInput) (*sympoq.CustomField, error) {
		return a.desk.SaveCustomField(r.Context(), actor(r), id, in)
	},
	delete: func(a *API, r *http.Request, id int64) error {
		return a.desk.DeleteCustomField(r.Context(), actor(r), id)
	},
	json: func(f *sympoq.CustomField) any { return toCustomFieldJSON(f) },
}

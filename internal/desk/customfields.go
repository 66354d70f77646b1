package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// CustomFieldInput creates or changes a custom field definition.
type CustomFieldInput struct {
	Label            Opt[string]                 `json:"label"`
	Key              Opt[string]                 `json:"key"`
	Type             Opt[sympoq.CustomFieldType] `json:"type"`
	Options          Opt[[]string]               `json:"options"`
	Required         Opt[bool]                   `json:"required"`
	CustomerVisible  Opt[bool]                   `json:"customer_visible"`
	CustomerEditable Opt[bool]                   `json:"customer_editable"`
	Topics           Opt[[]int64]                `json:"topics"`
	Sequence         Opt[int]                    `json:"sequence"`
	ID               Opt[json.RawMessage]        `json:"id"`
}

// CustomFields lists the field definitions: all to agents, the visible ones
// to customers and guests (who fill them in when they submit).
func (s *Service) CustomFields(ctx context.Context, a Actor) ([]*sympoq.CustomField, error) {
	fs, err := s.db.Read().CustomFields(ctx, a.AccountID)
	if err != nil || a.IsAgent() {
		return fs, err
	}
	out := []*sympoq.CustomField{}
	for _, f := range fs {
		if f.CustomerVisible {
			out = append(out, f)
		}
	}
	return out, nil
}

// CustomField returns one definition the caller may see.
func (s *Service) CustomField(ctx context.Context, a Actor, id int64) (*sympoq.CustomField, error) {
	fs, err := s.CustomFields(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, sympoq.NotFound("custom field")
}

// SaveCustomField creates (id 0) or changes a field definition.
func (s *Service) SaveCustomField(ctx context.Context, a Actor, id int64, in CustomFieldInput) (*sympoq.CustomField, error) {
	var f *sympoq.CustomField
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		all, err := tx.CustomFields(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if id == 0 {
			f = &sympoq.CustomField{AccountID: a.AccountID, Type: sympoq.CustomText, CustomerVisible: true,
				CustomerEditable: true, Sequence: nextSequence(all, func(x *sympoq.CustomField) int { return x.Sequence })}
		} else {
			for _, x := range all {
				if x.ID == id {
					f = x
				}
			}
			if f == nil {
				return sympoq.NotFound("custom field")
			}
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set})
		if in.Label.Set {
			f.Label = strings.TrimSpace(in.Label.V)
		}
		if in.Key.Set {
			f.Key = strings.TrimSpace(in.Key.V)
		} else if id == 0 {
			f.Key = keyOf(f.Label)
		}
		if in.Type.Set {
			f.Type = in.Type.V
		}
		if in.Options.Set {
			f.Options = in.Options.V
		}
		boolean(&p, "required", in.Required, &f.Required)
		boolean(&p, "customer_visible", in.CustomerVisible, &f.CustomerVisible)
		boolean(&p, "customer_editable", in.CustomerEditable, &f.CustomerEditable)
		if in.Topics.Set {
			f.Topics = in.Topics.V
			for i, t := range f.Topics {
				if _, err := tx.Topic(ctx, a.AccountID, t); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add(fmt.Sprintf("topics[%d]", i), sympoq.FieldInvalid, "is not a topic of this account")
				} else if err != nil {
					return err
				}
			}
		}
		if in.Sequence.Set {
			f.Sequence = in.Sequence.V
		}
		p.Merge(f.Validate())
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateCustomField(ctx, f)
		}
		return tx.UpdateCustomField(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	s.forgetConfig(a.AccountID)
	return f, nil
}

// keyOf derives a field key from its label: "Browser version" → browser_version.
func keyOf(label string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	k := strings.TrimSuffix(b.String(), "_")
	if len(k) > 40 {
		k = strings.TrimSuffix(k[:40], "_")
	}
	return k
}

// DeleteCustomField removes a field definition.
func (s *Service) DeleteCustomField(ctx context.Context, a Actor, id int64) error {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		return tx.DeleteCustomField(ctx, a.AccountID, id)
	})
	s.forgetConfig(a.AccountID)
	return err
}

// applyCustomFields validates submitted values against the definitions and
// writes them onto t: keys (or labels) must name a field that applies to the
// ticket's topic; customers may set only the fields they may edit; on
// submission every required field that applies must have a value.
func applyCustomFields(defs []*sympoq.CustomField, a Actor, t *sympoq.Ticket, in Opt[map[string]jsonValue], submit bool, p *sympoq.Problems) {
	if !submit && (!in.Set || in.Null) {
		return
	}
	byName := map[string]*sympoq.CustomField{}
	for _, f := range defs {
		byName[f.Key] = f
		byName[strings.ToLower(f.Label)] = f
	}
	if t.CustomFields == nil {
		t.CustomFields = map[string]string{}
	}
	if in.Set && !in.Null {
		for name, raw := range in.V {
			field := "custom_fields." + name
			f := byName[name]
			if f == nil {
				f = byName[strings.ToLower(name)]
			}
			switch {
			case f == nil:
				p.Add(field, sympoq.FieldUnknown, "is not a custom field of this account")
				continue
			case !a.IsAgent() && !f.CustomerEditable:
				p.Add(field, sympoq.FieldReadonly, "is filled in by the help desk")
				continue
			case !f.AppliesTo(t.Topic):
				p.Add(field, sympoq.FieldInvalid, "does not apply to this ticket's topic")
				continue
			}
			v, err := f.Value(raw, field)
			if err != nil {
				if !p.Merge(err) {
					p.Add(field, sympoq.FieldInvalid, "%v", err)
				}
				continue
			}
			if v == "" {
				delete(t.CustomFields, f.Key)
			} else {
				t.CustomFields[f.Key] = v
			}
		}
	}
	if submit {
		for _, f := range defs {
			if f.Required && f.AppliesTo(t.Topic) && (a.IsAgent() || f.CustomerEditable) && t.CustomFields[f.Key] == "" {
				p.Add("custom_fields."+f.Key, sympoq.FieldMissing, "is required")
			}
		}
	}
}

// fieldDisplay is what a ticket shows of its custom fields: label → display
// string in the account's date format, only visible fields for customers.
func fieldDisplay(defs []*sympoq.CustomField, t *sympoq.Ticket, set *sympoq.Settings, forCustomer bool) map[string]string {
	out := map[string]string{}
	for _, f := range defs {
		v, ok := t.CustomFields[f.Key]
		if !ok || forCustomer && !f.CustomerVisible {
			continue
		}
		out[f.Label] = f.Display(v, set.General.DateFormat, set.Location())
	}
	return out
}

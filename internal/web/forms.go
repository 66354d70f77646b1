package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
)

// Form is a form's state when it is shown again: what the user typed, and
// what is wrong with it, field by field. The field names are those of the
// desk's input (and of sympoq.Error.Fields), so an error from a use case
// lands beside the field that caused it.
type Form struct {
	Values  url.Values
	Errors  map[string]string
	Message string // about the form as a whole
	// Action, when set, tells templates with several forms which one
	// failed.
	Action string
}

// newForm starts a form with the given values (nil: empty).
func newForm(v url.Values) *Form {
	if v == nil {
		v = url.Values{}
	}
	return &Form{Values: v, Errors: map[string]string{}}
}

// Value is the value of a field as the user typed it.
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether the field holds value (checkboxes, multi-selects).
func (f *Form) Has(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Error is the message beside a field, "" when it is fine.
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Failed reports whether the form has any error to show.
func (f *Form) Failed() bool { return f != nil && (len(f.Errors) > 0 || f.Message != "") }

// Set records an error of a field (the first one wins).
func (f *Form) Set(name, msg string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

// SummaryItem is one line of a failed form's summary: the field's name in
// words, its message, and the id of its control to link to.
type SummaryItem struct {
	ID, Name, Message string
}

// FieldErrors are the form's errors in a stable order, for the summary at
// its top, which links each to its field.
func (f *Form) FieldErrors() []SummaryItem {
	if f == nil {
		return nil
	}
	names := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]SummaryItem, 0, len(names))
	for _, k := range names {
		out = append(out, SummaryItem{ID: Field{Name: k}.ID(), Name: humanize(k), Message: f.Errors[k]})
	}
	return out
}

// humanize turns a field name into words: "customer_email" → "Customer
// email", "custom_fields.order_no" → "Order no".
func humanize(name string) string {
	name = strings.TrimPrefix(name, "custom_fields.")
	return capitalize(strings.NewReplacer("_", " ", ".", " ").Replace(name))
}

// fromError puts a use case's error into the form: field errors beside
// their fields (rename maps a desk field to the form's field, e.g.
// "customer.email" to "email"), any other message at the top. It reports
// false when err is not the user's to fix, and the caller returns it.
func (f *Form) fromError(err error, rename map[string]string) bool {
	var e *sympoq.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case sympoq.EInvalid, sympoq.EConflict, sympoq.EForbidden, sympoq.EReadonly, sympoq.EPrecondition, sympoq.ETooLarge, sympoq.EUnsupported, sympoq.EUnauthorized:
	default:
		return false
	}
	for _, fe := range e.Fields {
		name := fe.Field
		if r, ok := rename[name]; ok {
			name = r
		}
		f.Set(name, capitalize(fe.Message)+".")
	}
	if len(e.Fields) == 0 {
		switch e.Code {
		case sympoq.EPrecondition:
			f.Message = "Someone changed this while you were editing, so nothing was saved. Reload the page to see the change, then try again."
		default:
			f.Message = capitalize(e.Message) + "."
		}
	} else if f.Message == "" {
		f.Message = "Please correct the marked fields."
	}
	return true
}

// Field is one labelled control for the "field" partial.
type Field struct {
	Form         *Form
	Name, Label  string
	Type         string // text, email, password, textarea, checkbox, select, number, date, …
	Value        string
	Error        string
	Hint         string
	Required     bool
	Autocomplete string
	Rows         int
	Options      []Option
	Multiple     bool
	Checked      bool
	Placeholder  string
	Min, Max     string
	Step         string
	List         string // the id of a datalist of suggestions
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// ID is the control's element id.
func (f Field) ID() string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(f.Name)
}

// newField builds a Field for templates: field .Form "name" "Label" "type"
// followed by options: "required", "hint=…", "autocomplete=…", "rows=N",
// "placeholder=…", "min=…", "max=…", "step=…", "multiple", or an []Option for a select.
func newField(f *Form, name, label, typ string, opts ...any) Field {
	fd := Field{Form: f, Name: name, Label: label, Type: typ, Value: f.Value(name), Error: f.Error(name)}
	for _, o := range opts {
		switch v := o.(type) {
		case []Option:
			fd.Options = slices.Clone(v)
		case string:
			k, val, _ := strings.Cut(v, "=")
			switch k {
			case "required":
				fd.Required = true
			case "multiple":
				fd.Multiple = true
			case "hint":
				fd.Hint = val
			case "autocomplete":
				fd.Autocomplete = val
			case "rows":
				fd.Rows, _ = strconv.Atoi(val)
			case "value":
				if f == nil || f.Values[name] == nil {
					fd.Value = val
				}
			case "placeholder":
				fd.Placeholder = val
			case "min":
				fd.Min = val
			case "max":
				fd.Max = val
			case "step":
				fd.Step = val
			case "list":
				fd.List = val
			}
		}
	}
	if typ == "checkbox" {
		fd.Checked = fd.Value != "" && fd.Value != "0" && fd.Value != "false"
	}
	for i, op := range fd.Options {
		if f.Has(name, op.Value) || (f != nil && f.Values[name] == nil && op.Selected) {
			fd.Options[i].Selected = true
		} else if f != nil && f.Values[name] != nil {
			fd.Options[i].Selected = false
		}
	}
	return fd
}

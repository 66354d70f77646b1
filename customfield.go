package sympoq

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CustomField is an account's own ticket field (product.md §3). Ticket
// values are kept as canonical strings (Ticket.CustomFields, by Key):
// Value makes one from submitted JSON, Display turns it into the text the
// API and the pages show.
type CustomField struct {
	ID               int64
	AccountID        int64
	Label            string // shown to people, and the key of Ticket custom_fields in the API
	Key              string // stable machine name
	Type             CustomFieldType
	Options          []string // the choices of a select or multiselect field, in display order
	Required         bool     // on submission
	CustomerVisible  bool
	CustomerEditable bool    // implies CustomerVisible
	Topics           []int64 // the topics the field applies to; empty: all topics
	Sequence         int
}

// CustomFieldType is the kind of value a custom field holds. (The name
// FieldType is taken by the datatype_mismatch field error code.)
type CustomFieldType string

// The custom field types.
const (
	CustomText        CustomFieldType = "text"        // one line, up to 1000 characters
	CustomTextarea    CustomFieldType = "textarea"    // several lines, up to 10000 characters
	CustomNumber      CustomFieldType = "number"      // a finite decimal number
	CustomDate        CustomFieldType = "date"        // a calendar day, 2006-01-02
	CustomDatetime    CustomFieldType = "datetime"    // an instant, stored in UTC
	CustomSelect      CustomFieldType = "select"      // one of Options
	CustomMultiselect CustomFieldType = "multiselect" // any of Options
	CustomCheckbox    CustomFieldType = "checkbox"    // yes or no
	CustomURL         CustomFieldType = "url"         // an http or https address
	CustomEmail       CustomFieldType = "email"       // one plain email address
)

// CustomFieldTypes lists the custom field types in the order the pages offer
// them.
var CustomFieldTypes = []CustomFieldType{
	CustomText, CustomTextarea, CustomNumber, CustomDate, CustomDatetime,
	CustomSelect, CustomMultiselect, CustomCheckbox, CustomURL, CustomEmail,
}

// Valid reports whether t is a known custom field type.
func (t CustomFieldType) Valid() bool { return slices.Contains(CustomFieldTypes, t) }

// HasOptions reports whether fields of type t choose from a list of options.
func (t CustomFieldType) HasOptions() bool { return t == CustomSelect || t == CustomMultiselect }

// Limits of custom fields.
const (
	MaxCustomFieldOptions   = 100
	MaxCustomFieldOptionLen = 100
	MaxCustomTextLen        = 1000
	MaxCustomTextareaLen    = 10000
	MaxCustomURLLen         = 2048
)

// Layouts of stored custom field values.
const (
	customDateLayout     = "2006-01-02"
	customDatetimeLayout = "2006-01-02T15:04:05Z"
)

var customFieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Validate reports every problem with the definition of f, on the fields
// label, key, type, options, customer_editable, topics and sequence.
func (f *CustomField) Validate() error {
	var p Problems
	if strings.TrimSpace(f.Label) == "" {
		p.Add("label", FieldMissing, "is required")
	} else {
		CheckText(&p, "label", f.Label, MaxItemNameLen, false)
	}
	switch {
	case f.Key == "":
		p.Add("key", FieldMissing, "is required")
	case !customFieldKeyRE.MatchString(f.Key):
		p.Add("key", FieldInvalid, "must be 1-40 characters of a-z, 0-9 and _, starting with a letter")
	}
	if !f.Type.Valid() {
		p.Add("type", FieldInvalid, "must be one of %s", quoteList(CustomFieldTypes))
	}
	if f.Type.HasOptions() {
		f.validateOptions(&p)
	} else if len(f.Options) > 0 && f.Type.Valid() {
		p.Add("options", FieldInvalid, "are only for select and multiselect fields")
	}
	if f.CustomerEditable && !f.CustomerVisible {
		p.Add("customer_editable", FieldInvalid, "needs customer_visible: customers cannot edit a field they cannot see")
	}
	seen := map[int64]bool{}
	for i, t := range f.Topics {
		switch {
		case t <= 0:
			p.Add(fmt.Sprintf("topics[%d]", i), FieldInvalid, "must be the id of a topic")
		case seen[t]:
			p.Add(fmt.Sprintf("topics[%d]", i), FieldDuplicate, "is listed twice")
		}
		seen[t] = true
	}
	if f.Sequence < 0 || f.Sequence > 1_000_000 {
		p.Add("sequence", FieldInvalid, "must be a whole number from 0 to 1000000")
	}
	return p.Err()
}

func (f *CustomField) validateOptions(p *Problems) {
	if len(f.Options) == 0 {
		p.Add("options", FieldMissing, "are required for a %s field: list 1-%d choices", f.Type, MaxCustomFieldOptions)
		return
	}
	if len(f.Options) > MaxCustomFieldOptions {
		p.Add("options", FieldInvalid, "may hold at most %d choices", MaxCustomFieldOptions)
		return
	}
	seen := map[string]bool{}
	for i, o := range f.Options {
		field := fmt.Sprintf("options[%d]", i)
		n := p.Len()
		CheckText(p, field, o, MaxCustomFieldOptionLen, false)
		switch {
		case p.Len() > n:
		case strings.TrimSpace(o) == "":
			p.Add(field, FieldInvalid, "must not be empty")
		case strings.TrimSpace(o) != o:
			// Values must match an option exactly; invisible spaces would
			// make that a trap.
			p.Add(field, FieldInvalid, "must not start or end with spaces")
		case seen[o]:
			p.Add(field, FieldDuplicate, "is listed twice")
		}
		seen[o] = true
	}
}

// Value checks one submitted JSON value for f and returns the canonical
// string to store; "" means no value (JSON null, "", or blank text). Field
// names the value in errors, which are *Error with code datatype_mismatch
// for a JSON value of the wrong kind, invalid_value for a bad value,
// too_long, or duplicate_value for a choice listed twice. Whether a
// required field may be empty is for the caller to decide.
func (f *CustomField) Value(raw json.RawMessage, field string) (stored string, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(raw) {
		return "", FieldErr(field, FieldInvalid, "must be valid UTF-8")
	}
	if !json.Valid(raw) {
		return "", FieldErr(field, FieldJSON, "must be valid JSON")
	}
	switch f.Type {
	case CustomText, CustomTextarea:
		return f.textValue(raw, field)
	case CustomNumber:
		return numberValue(raw, field)
	case CustomDate:
		s, err := stringValue(raw, field, "a date such as 2024-09-13")
		if s = strings.TrimSpace(s); err != nil || s == "" {
			return "", err
		}
		t, err := time.Parse(customDateLayout, s)
		if err != nil || t.Format(customDateLayout) != s || t.Year() < 1 {
			return "", FieldErr(field, FieldInvalid, "must be a date such as 2024-09-13")
		}
		return s, nil
	case CustomDatetime:
		s, err := stringValue(raw, field, "a date and time such as 2024-09-13T16:25:00+02:00")
		if s = strings.TrimSpace(s); err != nil || s == "" {
			return "", err
		}
		t, err := time.Parse(time.RFC3339, s)
		if t = t.UTC(); err != nil || t.Year() < 1 || t.Year() > 9999 {
			return "", FieldErr(field, FieldInvalid, "must be a date and time with a zone (RFC 3339) such as 2024-09-13T16:25:00+02:00")
		}
		return t.Format(customDatetimeLayout), nil
	case CustomSelect:
		s, err := stringValue(raw, field, "one of "+quoteList(f.Options))
		if err != nil || s == "" {
			return "", err
		}
		if !slices.Contains(f.Options, s) {
			return "", FieldErr(field, FieldInvalid, "must be one of %s", quoteList(f.Options))
		}
		return s, nil
	case CustomMultiselect:
		return f.multiselectValue(raw, field)
	case CustomCheckbox:
		switch string(raw) {
		case "true", "false":
			return string(raw), nil
		}
		return "", FieldErr(field, FieldType, "must be true or false")
	case CustomURL:
		s, err := stringValue(raw, field, "a web address such as https://example.com/")
		if err != nil {
			return "", err
		}
		return urlValue(strings.TrimSpace(s), field)
	case CustomEmail:
		s, err := stringValue(raw, field, "an email address like name@example.com")
		if err != nil {
			return "", err
		}
		if s = strings.TrimSpace(s); s == "" {
			return "", nil
		}
		if code, msg := ValidateEmail(s); code != "" {
			return "", FieldErr(field, code, "%s", msg)
		}
		return s, nil
	}
	return "", fmt.Errorf("custom field %q has unknown type %q", f.Key, f.Type)
}

// stringValue decodes a JSON string; want says what is expected instead of
// anything else.
func stringValue(raw []byte, field, want string) (string, error) {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", FieldErr(field, FieldType, "must be %s, as a JSON string", want)
	}
	return s, nil
}

func (f *CustomField) textValue(raw []byte, field string) (string, error) {
	multiline := f.Type == CustomTextarea
	max := MaxCustomTextLen
	if multiline {
		max = MaxCustomTextareaLen
	}
	s, err := stringValue(raw, field, "text")
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if multiline {
		// One kind of line break, whatever the browser or mailer sent.
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	} else if strings.ContainsAny(s, "\r\n") {
		return "", FieldErr(field, FieldInvalid, "must be a single line")
	}
	var p Problems
	CheckText(&p, field, s, max, multiline)
	if err := p.Err(); err != nil {
		return "", err
	}
	return s, nil
}

// numberValue accepts a JSON number or a string holding one, as forms send
// numbers as text.
func numberValue(raw []byte, field string) (string, error) {
	const want = "must be a number such as 42 or -3.5"
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", FieldErr(field, FieldType, want)
		}
		if s = strings.TrimSpace(s); s == "" {
			return "", nil
		}
		// The JSON grammar, not strconv's: no "Inf", "NaN", "0x1p4" or "1_000".
		if !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') || !json.Valid([]byte(s)) {
			return "", FieldErr(field, FieldInvalid, want)
		}
	} else if !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return "", FieldErr(field, FieldType, want)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return "", FieldErr(field, FieldInvalid, "must be a finite number within ±1.8e308")
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64), nil
}

func (f *CustomField) multiselectValue(raw []byte, field string) (string, error) {
	want := "must be a list of choices from " + quoteList(f.Options)
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return "", FieldErr(field, FieldType, "%s", want)
	}
	picked := map[string]bool{}
	for _, it := range items {
		var s string
		if len(it) == 0 || it[0] != '"' || json.Unmarshal(it, &s) != nil {
			return "", FieldErr(field, FieldType, "%s", want)
		}
		if !slices.Contains(f.Options, s) {
			return "", FieldErr(field, FieldInvalid, "%q is not a choice; %s", s, want)
		}
		if picked[s] {
			return "", FieldErr(field, FieldDuplicate, "lists %q twice", s)
		}
		picked[s] = true
	}
	var out []string
	for _, o := range f.Options {
		if picked[o] {
			out = append(out, o)
		}
	}
	return strings.Join(out, "\n"), nil
}

func urlValue(s, field string) (string, error) {
	const want = "must be a web address such as https://example.com/"
	if s == "" {
		return "", nil
	}
	if len(s) > MaxCustomURLLen {
		return "", FieldErr(field, FieldTooLong, "must be at most %d characters", MaxCustomURLLen)
	}
	var p Problems
	CheckText(&p, field, s, MaxCustomURLLen, false)
	if err := p.Err(); err != nil {
		return "", err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || strings.ContainsAny(s, " \u00a0") {
		return "", FieldErr(field, FieldInvalid, want)
	}
	return s, nil
}

// Display returns the text shown for a stored value: a date in the date
// part of dateFormat (a Go layout; the part before its first space), a date
// and time in loc with the whole layout, the choices of a multiselect
// separated by ", ", a checkbox as Yes or No, anything else as stored. A
// value that does not parse (stored under another type) is shown as it is.
func (f *CustomField) Display(stored string, dateFormat string, loc *time.Location) string {
	if stored == "" {
		return ""
	}
	if dateFormat == "" {
		dateFormat = DateFormats[0]
	}
	if loc == nil {
		loc = time.UTC
	}
	switch f.Type {
	case CustomDate:
		t, err := time.Parse(customDateLayout, stored)
		if err != nil {
			return stored
		}
		layout, _, _ := strings.Cut(dateFormat, " ")
		return t.Format(layout)
	case CustomDatetime:
		t, err := time.Parse(customDatetimeLayout, stored)
		if err != nil {
			return stored
		}
		return t.In(loc).Format(dateFormat)
	case CustomMultiselect:
		return strings.ReplaceAll(stored, "\n", ", ")
	case CustomCheckbox:
		switch stored {
		case "true":
			return "Yes"
		case "false":
			return "No"
		}
	}
	return stored
}

// AppliesTo reports whether f belongs on tickets of the topic (0: none).
// A field without topics applies to every ticket; one with topics only to
// tickets of those topics.
func (f *CustomField) AppliesTo(topic int64) bool {
	return len(f.Topics) == 0 || slices.Contains(f.Topics, topic)
}

// quoteList writes "a", "b", "c".
func quoteList[T ~string](list []T) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(string(s))
	}
	return strings.Join(q, ", ")
}

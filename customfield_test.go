package sympoq

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// testField returns a valid field of type t, with options when t has them.
func testField(t CustomFieldType) *CustomField {
	f := &CustomField{Label: "Field", Key: "field", Type: t}
	switch t {
	case CustomSelect:
		f.Options = []string{"Chrome", "Firefox"}
	case CustomMultiselect:
		f.Options = []string{"Windows", "macOS", "Linux"}
	}
	return f
}

// fieldCode returns the code of the one field error of err, "" for nil,
// and fails the test for anything else.
func fieldCode(t *testing.T, err error, field string) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Fatalf("error = %#v, want an %s *Error on the one field %q", err, EInvalid, field)
	}
	return e.Fields[0].Code
}

func TestCustomFieldValue(t *testing.T) {
	long := func(s string, n int) string { return `"` + strings.Repeat(s, n) + `"` }
	type tc struct {
		raw  string
		want string // stored value when code is ""
		code string
	}
	table := map[CustomFieldType][]tc{
		CustomText: {
			{`"Chrome 120"`, "Chrome 120", ""},
			{`"  padded  "`, "padded", ""},
			{`"héllo wörld ✓ 日本"`, "héllo wörld ✓ 日本", ""},
			{`"\u00e9t\u00e9"`, "été", ""},
			{`null`, "", ""},
			{`""`, "", ""},
			{`" \t "`, "", ""},
			{` "spaces around the JSON" `, "spaces around the JSON", ""},
			{long("é", 1000), strings.Repeat("é", 1000), ""},
			{long("é", 1001), "", FieldTooLong},
			{`"line\nbreak"`, "", FieldInvalid},
			{`"carriage\rreturn"`, "", FieldInvalid},
			{`"tab\there"`, "", FieldInvalid},
			{`"bell\u0007"`, "", FieldInvalid},
			{`"nul\u0000"`, "", FieldInvalid},
			{`"del\u007f"`, "", FieldInvalid},
			{"\"bad \xff utf-8\"", "", FieldInvalid},
			{"\"overlong \xc0\xaf\"", "", FieldInvalid},
			{`42`, "", FieldType},
			{`true`, "", FieldType},
			{`["a"]`, "", FieldType},
			{`{"a":"b"}`, "", FieldType},
			{`"unterminated`, "", FieldJSON},
			{`'single'`, "", FieldJSON},
		},
		CustomTextarea: {
			{`"line 1\r\nline 2\n\ttabbed"`, "line 1\nline 2\n\ttabbed", ""},
			{`"old\rmac\r\r\nmixed"`, "old\nmac\n\nmixed", ""},
			{`"\n\n  trimmed \n"`, "trimmed", ""},
			{long("a", 10000), strings.Repeat("a", 10000), ""},
			{long("a", 10001), "", FieldTooLong},
			{`"nul\u0000"`, "", FieldInvalid},
			{`"escape\u001b[31m"`, "", FieldInvalid},
			{"\"\xed\xa0\x80\"", "", FieldInvalid}, // a UTF-16 surrogate in UTF-8
			{`5`, "", FieldType},
		},
		CustomNumber: {
			{`42`, "42", ""},
			{`-3.5`, "-3.5", ""},
			{`1e3`, "1000", ""},
			{`1.0`, "1", ""},
			{`0.1`, "0.1", ""},
			{`-0`, "0", ""},
			{`-0.0`, "0", ""},
			{`1E-2`, "0.01", ""},
			{`1e-400`, "0", ""},
			{`12345678901234567890`, "12345678901234567000", ""},
			{`1e21`, "1000000000000000000000", ""},
			{`"42"`, "42", ""},
			{`" 7.25 "`, "7.25", ""},
			{`"-1e2"`, "-100", ""},
			{`""`, "", ""},
			{`"  "`, "", ""},
			{`null`, "", ""},
			{`1e400`, "", FieldInvalid},
			{`-1e400`, "", FieldInvalid},
			{`"1e400"`, "", FieldInvalid},
			{`"NaN"`, "", FieldInvalid},
			{`"nan"`, "", FieldInvalid},
			{`"Inf"`, "", FieldInvalid},
			{`"+Inf"`, "", FieldInvalid},
			{`"-Infinity"`, "", FieldInvalid},
			{`"0x10"`, "", FieldInvalid},
			{`"0x1p-2"`, "", FieldInvalid},
			{`"1_000"`, "", FieldInvalid},
			{`"1,5"`, "", FieldInvalid},
			{`"1 000"`, "", FieldInvalid},
			{`"12abc"`, "", FieldInvalid},
			{`"+5"`, "", FieldInvalid},
			{`".5"`, "", FieldInvalid},
			{`"007"`, "", FieldInvalid},
			{`"--1"`, "", FieldInvalid},
			{`"[1]"`, "", FieldInvalid},
			{`NaN`, "", FieldJSON},
			{`Infinity`, "", FieldJSON},
			{`+1`, "", FieldJSON},
			{`01`, "", FieldJSON},
			{`true`, "", FieldType},
			{`[1]`, "", FieldType},
			{`{"v":1}`, "", FieldType},
		},
		CustomDate: {
			{`"2024-09-13"`, "2024-09-13", ""},
			{`" 2024-02-29 "`, "2024-02-29", ""},
			{`""`, "", ""},
			{`"2023-02-29"`, "", FieldInvalid},
			{`"2024-02-30"`, "", FieldInvalid},
			{`"2024-13-01"`, "", FieldInvalid},
			{`"2024-9-13"`, "", FieldInvalid},
			{`"13-09-2024"`, "", FieldInvalid},
			{`"2024/09/13"`, "", FieldInvalid},
			{`"2024-09-13T10:00:00Z"`, "", FieldInvalid},
			{`"0000-01-01"`, "", FieldInvalid},
			{`"tomorrow"`, "", FieldInvalid},
			{`20240913`, "", FieldType},
			{`false`, "", FieldType},
		},
		CustomDatetime: {
			{`"2024-09-13T16:25:00+02:00"`, "2024-09-13T14:25:00Z", ""},
			{`"2024-09-13T14:25:00.123456Z"`, "2024-09-13T14:25:00Z", ""},
			{`"2024-12-31T23:30:00-05:00"`, "2025-01-01T04:30:00Z", ""},
			{`" 2024-09-13T14:25:00Z "`, "2024-09-13T14:25:00Z", ""},
			{`""`, "", ""},
			{`"2024-09-13 14:25"`, "", FieldInvalid},
			{`"2024-09-13T14:25:00"`, "", FieldInvalid},
			{`"2024-09-13"`, "", FieldInvalid},
			{`"2024-09-13T25:00:00Z"`, "", FieldInvalid},
			{`"2024-09-13t14:25:00z"`, "", FieldInvalid},
			{`"0001-01-01T00:30:00+01:00"`, "", FieldInvalid},
			{`"9999-12-31T23:00:00-02:00"`, "", FieldInvalid},
			{`1726237500`, "", FieldType},
		},
		CustomSelect: {
			{`"Chrome"`, "Chrome", ""},
			{`"Firefox"`, "Firefox", ""},
			{`""`, "", ""},
			{`null`, "", ""},
			{`"chrome"`, "", FieldInvalid},
			{`" Chrome"`, "", FieldInvalid},
			{`"Safari"`, "", FieldInvalid},
			{`["Chrome"]`, "", FieldType},
			{`1`, "", FieldType},
		},
		CustomMultiselect: {
			{`["Linux","Windows"]`, "Windows\nLinux", ""},
			{`["macOS"]`, "macOS", ""},
			{`[ "Linux" , "macOS" , "Windows" ]`, "Windows\nmacOS\nLinux", ""},
			{`[]`, "", ""},
			{`null`, "", ""},
			{`["Linux","Linux"]`, "", FieldDuplicate},
			{`["BeOS"]`, "", FieldInvalid},
			{`["linux"]`, "", FieldInvalid},
			{`[""]`, "", FieldInvalid},
			{`"Linux"`, "", FieldType},
			{`""`, "", FieldType},
			{`[1]`, "", FieldType},
			{`[null]`, "", FieldType},
			{`[["Linux"]]`, "", FieldType},
			{`{"Linux":true}`, "", FieldType},
		},
		CustomCheckbox: {
			{`true`, "true", ""},
			{`false`, "false", ""},
			{`null`, "", ""},
			{`"true"`, "", FieldType},
			{`""`, "", FieldType},
			{`1`, "", FieldType},
			{`[true]`, "", FieldType},
			{`True`, "", FieldJSON},
		},
		CustomURL: {
			{`"https://example.com/a?b=c#d"`, "https://example.com/a?b=c#d", ""},
			{`"http://localhost:8080"`, "http://localhost:8080", ""},
			{`"HTTPS://Example.com/"`, "HTTPS://Example.com/", ""},
			{`"https://bücher.example/"`, "https://bücher.example/", ""},
			{`" https://example.com "`, "https://example.com", ""},
			{`""`, "", ""},
			{`"https://example.com/` + strings.Repeat("a", 2048-len("https://example.com/")) + `"`, "https://example.com/" + strings.Repeat("a", 2048-len("https://example.com/")), ""},
			{`"https://example.com/` + strings.Repeat("a", 2049-len("https://example.com/")) + `"`, "", FieldTooLong},
			{`"ftp://example.com/"`, "", FieldInvalid},
			{`"javascript:alert(1)"`, "", FieldInvalid},
			{`"example.com"`, "", FieldInvalid},
			{`"//example.com"`, "", FieldInvalid},
			{`"https://"`, "", FieldInvalid},
			{`"https://:443/"`, "", FieldInvalid},
			{`"https://exa mple.com"`, "", FieldInvalid},
			{`"https://example.com/a b"`, "", FieldInvalid},
			{`"https://example.com/\u0000"`, "", FieldInvalid},
			{`"https://example.com/a\nb"`, "", FieldInvalid},
			{`"https://example.com/\n"`, "https://example.com/", ""},
			{`5`, "", FieldType},
		},
		CustomEmail: {
			{`"name@example.com"`, "name@example.com", ""},
			{`" Name.Last+tag@example.com "`, "Name.Last+tag@example.com", ""},
			{`""`, "", ""},
			{`"Name <name@example.com>"`, "", FieldInvalid},
			{`"not-an-email"`, "", FieldInvalid},
			{`"a@b@c"`, "", FieldInvalid},
			{`"name@example.com\u0000"`, "", FieldInvalid},
			{`"` + strings.Repeat("a", 243) + `@example.com"`, "", FieldTooLong},
			{`["name@example.com"]`, "", FieldType},
		},
	}
	for _, typ := range CustomFieldTypes {
		if len(table[typ]) == 0 {
			t.Errorf("no cases for type %s", typ)
		}
		for _, c := range table[typ] {
			name := c.raw
			if len(name) > 40 {
				name = name[:40]
			}
			t.Run(string(typ)+"/"+name, func(t *testing.T) {
				got, err := testField(typ).Value(json.RawMessage(c.raw), "custom_fields.field")
				if code := fieldCode(t, err, "custom_fields.field"); code != c.code || got != c.want {
					t.Errorf("%s Value(%s) = %q, code %q (%v), want %q, code %q", typ, c.raw, got, code, err, c.want, c.code)
				}
			})
		}
	}
}

// TestCustomFieldValueAnyType checks what every type shares.
func TestCustomFieldValueAnyType(t *testing.T) {
	for _, typ := range CustomFieldTypes {
		f := testField(typ)
		for _, raw := range []string{"", "null", " null ", "\tnull\n"} {
			if got, err := f.Value(json.RawMessage(raw), "x"); got != "" || err != nil {
				t.Errorf("%s Value(%q) = %q, %v, want no value", typ, raw, got, err)
			}
		}
		if got, err := f.Value(nil, "x"); got != "" || err != nil {
			t.Errorf("%s Value(nil) = %q, %v, want no value", typ, got, err)
		}
		if got, err := f.Value(json.RawMessage(`{}`), "x"); fieldCode(t, err, "x") != FieldType {
			t.Errorf("%s Value({}) = %q, %v, want %s", typ, got, err, FieldType)
		}
		if got, err := f.Value(json.RawMessage("\"\xff\""), "x"); fieldCode(t, err, "x") != FieldInvalid {
			t.Errorf("%s Value(invalid UTF-8) = %q, %v, want %s", typ, got, err, FieldInvalid)
		}
	}
	if _, err := (&CustomField{Key: "odd", Type: "color"}).Value(json.RawMessage(`"red"`), "x"); ErrorCode(err) != EInternal {
		t.Errorf("Value on an unknown type: %v, want an internal error", err)
	}
}

func TestCustomFieldValueMessages(t *testing.T) {
	for _, c := range []struct {
		typ  CustomFieldType
		raw  string
		want string
	}{
		{CustomSelect, `"Safari"`, `must be one of "Chrome", "Firefox"`},
		{CustomSelect, `3`, `must be one of "Chrome", "Firefox", as a JSON string`},
		{CustomMultiselect, `["BeOS"]`, `"BeOS" is not a choice; must be a list of choices from "Windows", "macOS", "Linux"`},
		{CustomMultiselect, `["Linux","Linux"]`, `lists "Linux" twice`},
		{CustomCheckbox, `"yes"`, `must be true or false`},
		{CustomNumber, `"NaN"`, `must be a number such as 42 or -3.5`},
		{CustomText, `"a\nb"`, `must be a single line`},
		{CustomText, `"` + strings.Repeat("a", 1001) + `"`, `must be at most 1000 characters`},
		{CustomDate, `"2024-02-30"`, `must be a date such as 2024-09-13`},
	} {
		_, err := testField(c.typ).Value(json.RawMessage(c.raw), "f")
		var e *Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Message != c.want {
			t.Errorf("%s Value(%.30s) error = %v, want message %q", c.typ, c.raw, err, c.want)
		}
	}
}

func TestCustomFieldValidate(t *testing.T) {
	for _, typ := range CustomFieldTypes {
		if err := testField(typ).Validate(); err != nil {
			t.Errorf("Validate(valid %s field) = %v, want nil", typ, err)
		}
	}
	type fe struct{ Field, Code string }
	opts := func(n int) []string {
		o := make([]string, n)
		for i := range o {
			o[i] = fmt.Sprintf("Option %d", i+1)
		}
		return o
	}
	for _, c := range []struct {
		name string
		edit func(f *CustomField)
		want []fe
	}{
		{"text", func(f *CustomField) {}, nil},
		{"select", func(f *CustomField) { f.Type, f.Options = CustomSelect, []string{"Chrome", "Firefox"} }, nil},
		{"multiselect with 100 options", func(f *CustomField) { f.Type, f.Options = CustomMultiselect, opts(100) }, nil},
		{"all fields", func(f *CustomField) {
			f.Label, f.Key, f.Sequence = strings.Repeat("é", 100), "a"+strings.Repeat("_9", 19)+"z", 1_000_000
			f.CustomerVisible, f.CustomerEditable, f.Required, f.Topics = true, true, true, []int64{3, 1}
		}, nil},
		{"empty", func(f *CustomField) { *f = CustomField{} }, []fe{{"label", FieldMissing}, {"key", FieldMissing}, {"type", FieldInvalid}}},
		{"blank label", func(f *CustomField) { f.Label = "   " }, []fe{{"label", FieldMissing}}},
		{"label too long", func(f *CustomField) { f.Label = strings.Repeat("é", 101) }, []fe{{"label", FieldTooLong}}},
		{"label with a newline", func(f *CustomField) { f.Label = "Two\nlines" }, []fe{{"label", FieldInvalid}}},
		{"label invalid UTF-8", func(f *CustomField) { f.Label = "bad \xff" }, []fe{{"label", FieldInvalid}}},
		{"key upper case", func(f *CustomField) { f.Key = "Browser" }, []fe{{"key", FieldInvalid}}},
		{"key starts with a digit", func(f *CustomField) { f.Key = "1st" }, []fe{{"key", FieldInvalid}}},
		{"key starts with _", func(f *CustomField) { f.Key = "_x" }, []fe{{"key", FieldInvalid}}},
		{"key with a dash", func(f *CustomField) { f.Key = "os-version" }, []fe{{"key", FieldInvalid}}},
		{"key 40", func(f *CustomField) { f.Key = strings.Repeat("k", 40) }, nil},
		{"key 41", func(f *CustomField) { f.Key = strings.Repeat("k", 41) }, []fe{{"key", FieldInvalid}}},
		{"key one letter", func(f *CustomField) { f.Key = "k" }, nil},
		{"key with a newline", func(f *CustomField) { f.Key = "key\n" }, []fe{{"key", FieldInvalid}}},
		{"unknown type", func(f *CustomField) { f.Type = "color" }, []fe{{"type", FieldInvalid}}},
		{"unknown type with options", func(f *CustomField) { f.Type, f.Options = "Select", []string{"a"} }, []fe{{"type", FieldInvalid}}},
		{"select without options", func(f *CustomField) { f.Type = CustomSelect }, []fe{{"options", FieldMissing}}},
		{"multiselect with empty options", func(f *CustomField) { f.Type, f.Options = CustomMultiselect, []string{} }, []fe{{"options", FieldMissing}}},
		{"text with options", func(f *CustomField) { f.Options = []string{"a"} }, []fe{{"options", FieldInvalid}}},
		{"checkbox with options", func(f *CustomField) { f.Type, f.Options = CustomCheckbox, []string{"Yes", "No"} }, []fe{{"options", FieldInvalid}}},
		{"101 options", func(f *CustomField) { f.Type, f.Options = CustomSelect, opts(101) }, []fe{{"options", FieldInvalid}}},
		{"bad options", func(f *CustomField) {
			f.Type = CustomSelect
			f.Options = []string{"Chrome", "", " ", "Chrome", " Edge", "Safari ", strings.Repeat("o", 101), strings.Repeat("o", 100), "a\nb", "bad \xff", "chrome"}
		}, []fe{
			{"options[1]", FieldInvalid}, {"options[2]", FieldInvalid}, {"options[3]", FieldDuplicate},
			{"options[4]", FieldInvalid}, {"options[5]", FieldInvalid}, {"options[6]", FieldTooLong},
			{"options[8]", FieldInvalid}, {"options[9]", FieldInvalid},
		}},
		{"editable but hidden", func(f *CustomField) { f.CustomerEditable = true }, []fe{{"customer_editable", FieldInvalid}}},
		{"bad topics", func(f *CustomField) { f.Topics = []int64{2, 0, -1, 2} }, []fe{{"topics[1]", FieldInvalid}, {"topics[2]", FieldInvalid}, {"topics[3]", FieldDuplicate}}},
		{"sequence -1", func(f *CustomField) { f.Sequence = -1 }, []fe{{"sequence", FieldInvalid}}},
		{"sequence too big", func(f *CustomField) { f.Sequence = 1_000_001 }, []fe{{"sequence", FieldInvalid}}},
		{"many problems", func(f *CustomField) {
			*f = CustomField{Label: strings.Repeat("x", 101), Key: "Key", Type: CustomMultiselect, Sequence: -5}
		}, []fe{{"label", FieldTooLong}, {"key", FieldInvalid}, {"options", FieldMissing}, {"sequence", FieldInvalid}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &CustomField{Label: "Browser", Key: "browser", Type: CustomText}
			c.edit(f)
			err := f.Validate()
			var got []fe
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code != EInvalid {
					t.Fatalf("Validate() = %v, want an %s *Error", err, EInvalid)
				}
				for _, x := range e.Fields {
					got = append(got, fe{x.Field, x.Code})
					if x.Message == "" {
						t.Errorf("field %s has no message", x.Field)
					}
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Validate() problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomFieldDisplay(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ    CustomFieldType
		stored string
		format string
		loc    *time.Location
		want   string
	}{
		{CustomDate, "2022-09-05", "02-Jan-06 15:04", berlin, "05-Sep-22"},
		{CustomDate, "2022-09-05", "2006-01-02 15:04", berlin, "2022-09-05"},
		{CustomDate, "2022-09-05", "02/01/2006 15:04", newYork, "05/09/2022"},
		{CustomDate, "2022-09-05", "01/02/2006 03:04 PM", newYork, "09/05/2022"},
		{CustomDate, "2022-09-05", "02.01.2006 15:04", nil, "05.09.2022"},
		{CustomDate, "2022-09-05", "", nil, "05-Sep-22"},
		{CustomDatetime, "2022-09-05T14:25:00Z", "02-Jan-06 15:04", berlin, "05-Sep-22 16:25"},
		{CustomDatetime, "2022-09-05T14:25:00Z", "01/02/2006 03:04 PM", newYork, "09/05/2022 10:25 AM"},
		{CustomDatetime, "2022-09-05T23:30:00Z", "2006-01-02 15:04", berlin, "2022-09-06 01:30"},
		{CustomDatetime, "2022-09-05T14:25:00Z", "2006-01-02 15:04", nil, "2022-09-05 14:25"},
		{CustomDatetime, "2022-01-05T14:25:00Z", "02.01.2006 15:04", berlin, "05.01.2022 15:25"},
		{CustomDate, "not a date", "02-Jan-06 15:04", berlin, "not a date"},
		{CustomDatetime, "2022-09-05", "02-Jan-06 15:04", berlin, "2022-09-05"},
		{CustomMultiselect, "Windows\nLinux", "", nil, "Windows, Linux"},
		{CustomMultiselect, "macOS", "", nil, "macOS"},
		{CustomCheckbox, "true", "", nil, "Yes"},
		{CustomCheckbox, "false", "", nil, "No"},
		{CustomCheckbox, "maybe", "", nil, "maybe"},
		{CustomNumber, "-3.5", "", nil, "-3.5"},
		{CustomText, "Chrome 120", "02-Jan-06 15:04", berlin, "Chrome 120"},
		{CustomTextarea, "two\nlines", "", nil, "two\nlines"},
		{CustomSelect, "Chrome", "", nil, "Chrome"},
		{CustomURL, "https://example.com/", "", nil, "https://example.com/"},
		{CustomEmail, "name@example.com", "", nil, "name@example.com"},
		{CustomDate, "", "02-Jan-06 15:04", berlin, ""},
		{CustomCheckbox, "", "", nil, ""},
	} {
		if got := testField(c.typ).Display(c.stored, c.format, c.loc); got != c.want {
			t.Errorf("%s Display(%q, %q, %v) = %q, want %q", c.typ, c.stored, c.format, c.loc, got, c.want)
		}
	}
}

func TestCustomFieldAppliesTo(t *testing.T) {
	all := &CustomField{}
	some := &CustomField{Topics: []int64{2, 5}}
	for _, c := range []struct {
		f     *CustomField
		topic int64
		want  bool
	}{
		{all, 0, true}, {all, 7, true},
		{some, 2, true}, {some, 5, true}, {some, 3, false}, {some, 0, false},
	} {
		if got := c.f.AppliesTo(c.topic); got != c.want {
			t.Errorf("CustomField{Topics: %v}.AppliesTo(%d) = %v, want %v", c.f.Topics, c.topic, got, c.want)
		}
	}
}

// FuzzCustomFieldValue checks that Value never panics, fails only with a
// field error, and that a stored value, submitted again in its plain JSON
// form, is accepted and stored unchanged.
func FuzzCustomFieldValue(f *testing.F) {
	for i := range CustomFieldTypes {
		for _, seed := range []string{`"x"`, `""`, `null`, `42`, `"42"`, `-0.0`, `1e400`, `true`, `[]`,
			`["Chrome","Linux"]`, `"2024-09-13"`, `"2024-09-13T16:25:00+02:00"`, `"https://example.com/"`,
			`"name@example.com"`, `"a\r\nb"`, "\"\xff\"", `"\u0000"`, `{"a":1}`, `" Chrome "`} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	codes := map[string]bool{FieldType: true, FieldInvalid: true, FieldTooLong: true, FieldDuplicate: true, FieldJSON: true}
	f.Fuzz(func(t *testing.T, ti uint8, raw []byte) {
		cf := testField(CustomFieldTypes[int(ti)%len(CustomFieldTypes)])
		cf.Options = []string{"Chrome", "Firefox", "Linux", "a b", "ü"}
		stored, err := cf.Value(raw, "f")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EInvalid || len(e.Fields) != 1 || !codes[e.Fields[0].Code] {
				t.Fatalf("%s Value(%q) error = %#v, want one field error", cf.Type, raw, err)
			}
			if stored != "" {
				t.Fatalf("%s Value(%q) = %q with error %v, want no value", cf.Type, raw, stored, err)
			}
			return
		}
		if !utf8.ValidString(stored) {
			t.Fatalf("%s Value(%q) = %q, not UTF-8", cf.Type, raw, stored)
		}
		_ = cf.Display(stored, DateFormats[0], time.UTC)
		if stored == "" {
			return
		}
		// The plain JSON form of the stored value.
		var again []byte
		switch cf.Type {
		case CustomCheckbox:
			again = []byte(stored)
		case CustomMultiselect:
			again, err = json.Marshal(strings.Split(stored, "\n"))
		default:
			again, err = json.Marshal(stored)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, err := cf.Value(again, "f"); got != stored || err != nil {
			t.Fatalf("%s Value(%q) = %q, but Value(%s) = %q, %v: not stable", cf.Type, raw, stored, again, got, err)
		}
	})
}

package api_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/desk"
)

// TestDecodeNamesEveryField checks that a body with several wrongly typed
// or unknown members gets one answer naming each of them, in body order,
// and that one bad member still gets exactly one.
func TestDecodeNamesEveryField(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string // field:code
	}{
		{`{"description":5,"subject":"s","priority":"high","bogus":1,"customer":{"email":7}}`,
			[]string{"description:datatype_mismatch", "priority:datatype_mismatch", "bogus:invalid_field", "customer.email:datatype_mismatch"}},
		{`{"description":"ok","priority":"high"}`, []string{"priority:datatype_mismatch"}},
		{`{"zzz":1,"description":[],"yyy":2}`, []string{"zzz:invalid_field", "description:datatype_mismatch", "yyy:invalid_field"}},
		{`[1,2]`, []string{"body:datatype_mismatch"}},
	} {
		var in desk.SubmitInput
		err := api.DecodeJSON(strings.NewReader(tc.body), &in)
		var e *sympoq.Error
		if !errors.As(err, &e) {
			t.Fatalf("DecodeJSON(%s) = %v, want a *sympoq.Error", tc.body, err)
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field+":"+f.Code)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("DecodeJSON(%s) fields = %v, want %v", tc.body, got, tc.want)
		}
	}
	// The message names the JSON kind wanted: a named integer type such as
	// the priority is a number.
	err := api.DecodeJSON(strings.NewReader(`{"priority":"high","tags":"a","subject":1}`), &desk.SubmitInput{})
	var e *sympoq.Error
	if !errors.As(err, &e) || len(e.Fields) != 3 {
		t.Fatalf("three wrongly typed members: %v", err)
	}
	for i, want := range []string{"must be a number, not string", "must be an array, not string", "must be a string, not number"} {
		if e.Fields[i].Message != want {
			t.Errorf("field %s: message %q, want %q", e.Fields[i].Field, e.Fields[i].Message, want)
		}
	}
	// A body of many bad members is answered with a bounded list.
	body := "{" + strings.Repeat(`"x":1,`, 500) + `"y":1}`
	err = api.DecodeJSON(strings.NewReader(body), &desk.SubmitInput{})
	if !errors.As(err, &e) || len(e.Fields) == 0 || len(e.Fields) > 20 {
		t.Errorf("500 unknown members: %v, want 1 to 20 fields named", err)
	}
	// Past the members it looks at one by one, the decoder's own first
	// error still names the field.
	body = "{" + strings.Repeat(`"subject":"a",`, 5000) + `"bogus":1}`
	err = api.DecodeJSON(strings.NewReader(body), &desk.SubmitInput{})
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "bogus" {
		t.Errorf("5000 good members, then an unknown one: %v, want bogus named", err)
	}
}

package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/desk"
)

// smallLimit bounds the body in the second half of each fuzz run, so that
// the too-large path is reached with small inputs.
const smallLimit = 64

// fieldCodes are the field error codes of api.md §3.
var fieldCodes = map[string]bool{
	sympoq.FieldMissing: true, sympoq.FieldInvalid: true, sympoq.FieldUnknown: true, sympoq.FieldDuplicate: true,
	sympoq.FieldType: true, sympoq.FieldReadonly: true, sympoq.FieldJSON: true, sympoq.FieldTooLong: true,
}

// checkDecode decodes b onto a fresh value from newV, whole and under a
// small body limit, and checks that a failure is a client error that names
// a field: a *sympoq.Error mapped to 400, or 413 when over the limit.
func checkDecode(t *testing.T, b []byte, newV func() any) {
	for _, limited := range []bool{false, true} {
		v := newV()
		var err error
		if limited {
			err = api.DecodeJSON(http.MaxBytesReader(nil, readCloser{bytes.NewReader(b)}, smallLimit), v)
		} else {
			err = api.DecodeJSON(bytes.NewReader(b), v)
		}
		if err == nil {
			if limited && len(b) > smallLimit {
				t.Errorf("DecodeJSON(%q) under a %d-byte limit = nil, want too_large", b, smallLimit)
			}
			continue
		}
		var e *sympoq.Error
		if !errors.As(err, &e) {
			t.Fatalf("DecodeJSON(%q) error = %T %v, want a *sympoq.Error", b, err, err)
		}
		status := api.StatusOf(e.Code)
		switch {
		case e.Code == sympoq.ETooLarge:
			if !limited {
				t.Errorf("DecodeJSON(%q) without a limit = %v, want no too_large", b, err)
			}
		case status != http.StatusBadRequest:
			t.Errorf("DecodeJSON(%q) code %q is status %d, want 400 or 413", b, e.Code, status)
		case len(e.Fields) == 0:
			t.Errorf("DecodeJSON(%q) names no field", b)
		}
		for _, f := range e.Fields {
			if f.Field == "" || !fieldCodes[f.Code] || f.Message == "" {
				t.Errorf("DecodeJSON(%q) fields = %+v, want each a named field error with a known code", b, e.Fields)
			}
		}
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// seeds are bodies every fuzzer starts from: valid ones, and each way a
// body can be broken.
var seeds = []string{
	``, ` `, `null`, `{}`, `[]`, `"x"`, `1`, `true`, `{} {}`, `{}x`, `{"name":`, `{name: 1}`, `{"name":"a","name":"b"}`,
	`{"bogus":1}`, `{"":0}`, `{"a\"b":1}`, `{"name":"\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":1e400}`, `{"id":5}`,
	strings.Repeat("[", 10000), `{"a":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 101),
}

func addSeeds(f *testing.F, extra ...string) {
	for _, s := range append(seeds, extra...) {
		f.Add([]byte(s))
	}
}

// FuzzDecodeUser checks that no body makes decoding a user input panic or
// fail with anything but a field-level client error.
func FuzzDecodeUser(f *testing.F) {
	addSeeds(f,
		`{"name":"Ann Agent","email":"ann@example.com","username":"ann.agent","password":"long-enough","administrator":true,"permissions":[{"queue":1,"role":"Agent"}]}`,
		`{"name":"Carl","role":"Customer Manager","group":"VIP","company":"Acme","send_registration":true}`,
		`{"group":12}`, `{"group":null}`, `{"group":true}`, `{"group":{"id":1}}`, `{"group":1.5}`, `{"group":-1}`,
		`{"permissions":[{"queue":"1"}]}`, `{"permissions":[{"queue":1,"x":1}]}`, `{"permissions":{}}`, `{"permissions":[null]}`,
		`{"active":null}`, `{"active":"yes"}`, `{"registered":true}`, `{"created":{"a":[1,2]}}`, `{"Name":"case"}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, func() any { return &desk.UserInput{} })
	})
}

// FuzzDecodeQueue checks the same for the input of queues, topics, groups
// and tags.
func FuzzDecodeQueue(f *testing.F) {
	addSeeds(f,
		`{"name":"Inbox","sequence":10,"permissions":[{"agent":1,"role":"Queue Manager"}],"addresses":["inbox@example.com"]}`,
		`{"name":"Topic","active":false,"queue":1}`, `{"queue":null}`, `{"sequence":-1}`, `{"sequence":1.5}`,
		`{"sequence":"10"}`, `{"sequence":99999999999999999999}`, `{"permissions":[{"agent":"x"}]}`, `{"addresses":"a"}`,
		`{"addresses":[1]}`, `{"permissions":[{"agent":1,"role":5}]}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, func() any { return &desk.ItemInput{} })
	})
}

// FuzzDecodeSettings checks the same for a settings change decoded onto the
// defaults, and that a decoded change can be written back as JSON.
func FuzzDecodeSettings(f *testing.F) {
	addSeeds(f,
		`{"general":{"title":"Acme","time_zone":"Europe/Berlin","working_time":{"always":true}},"rate_limits":{"read":10,"write":5}}`,
		`{"ticket_id_format":"{YYYY}-{SEQ:6}"}`, `{"service_targets":{"low":{"first_response":"1d 4h"}}}`,
		`{"general":null}`, `{"general":"x"}`, `{"general":{"colour":"red"}}`, `{"rate_limits":{"read":"600"}}`,
		`{"attachments":{"max_file_mb":1e3}}`, `{"service_targets":{"low":{"first_response":5}}}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, func() any { s := sympoq.DefaultSettings(); return &s })
		s := sympoq.DefaultSettings()
		if api.DecodeJSON(bytes.NewReader(b), &s) == nil {
			if _, err := json.Marshal(s); err != nil {
				t.Errorf("settings decoded from %q do not encode: %v", b, err)
			}
			_ = s.Validate() // must not panic, whatever it finds
		}
	})
}

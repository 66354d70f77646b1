package server_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

func TestTicketCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		_, custKey := s.customerKey(accountID, "c@example.com")
		for _, f := range []map[string]any{
			{"label": "Browser", "type": "select", "options": []string{"Chrome", "Firefox"}, "required": true},
			{"label": "Timing", "type": "datetime"},
			{"label": "Seats", "type": "number"},
			{"label": "Internal score", "type": "number", "customer_visible": false, "customer_editable": false},
		} {
			if r := s.call("POST", "", api+"/custom_field", admin, f); r.status != 201 {
				t.Fatalf("POST /custom_field %v = %d %s", f, r.status, r.body)
			}
		}
		if r := s.call("POST", "", api+"/custom_field", admin, map[string]any{"label": "Bad", "type": "select"}); r.status != 400 {
			t.Errorf("select without options = %d, want 400", r.status)
		}
		var listed []struct{ Key string }
		s.call("GET", "", api+"/custom_fields", custKey, nil).decode(t, &listed)
		if len(listed) != 3 {
			t.Errorf("customer sees %d custom fields, want the 3 visible ones", len(listed))
		}

		bad := []struct {
			fields map[string]any
			status int
			field  string
			code   string
		}{
			{map[string]any{}, 400, "custom_fields.browser", "missing_field"},
			{map[string]any{"browser": "Safari"}, 400, "custom_fields.browser", "invalid_value"},
			{map[string]any{"browser": "Chrome", "seats": true}, 400, "custom_fields.seats", "datatype_mismatch"},
			{map[string]any{"browser": "Chrome", "seats": "many"}, 400, "custom_fields.seats", "invalid_value"},
			{map[string]any{"browser": "Chrome", "timing": "yesterday"}, 400, "custom_fields.timing", "invalid_value"},
			{map[string]any{"browser": "Chrome", "colour": "red"}, 400, "custom_fields.colour", "invalid_field"},
			{map[string]any{"browser": "Chrome", "internal_score": 5}, 403, "custom_fields.internal_score", "readonly_field"},
		}
		for _, b := range bad {
			r := s.call("POST", "", api+"/request", custKey, map[string]any{"description": "x", "custom_fields": b.fields})
			p := r.problem()
			if r.status != b.status || len(p.Errors) == 0 || p.Errors[0].Field != b.field || p.Errors[0].Code != b.code {
				t.Errorf("custom fields %v = %d %s, want %d %s %s", b.fields, r.status, r.body, b.status, b.field, b.code)
			}
		}
		var n []json.RawMessage
		s.call("GET", "", api+"/tickets", admin, nil).decode(t, &n)
		if len(n) != 0 {
			t.Fatalf("%d tickets exist after only rejected submissions", len(n))
		}

		r := s.call("POST", "", api+"/request", custKey, map[string]any{"description": "x",
			"custom_fields": map[string]any{"Browser": "Chrome", "timing": "2022-09-05T16:25:00Z", "seats": 12}})
		if r.status != 201 {
			t.Fatalf("submit = %d %s", r.status, r.body)
		}
		var tk struct {
			ID           string
			CustomFields map[string]string `json:"custom_fields"`
		}
		r.decode(t, &tk)
		want := map[string]string{"Browser": "Chrome", "Timing": "05-Sep-22 16:25", "Seats": "12"}
		if diff := cmp.Diff(want, tk.CustomFields); diff != "" {
			t.Errorf("custom_fields (-want +got):\n%s", diff)
		}
		r = s.call("PUT", "", api+"/ticket/"+tk.ID, admin, map[string]any{"custom_fields": map[string]any{"internal_score": 7, "seats": nil}})
		if r.status != 200 {
			t.Fatalf("PUT custom fields = %d %s", r.status, r.body)
		}
		tk.CustomFields = nil // Unmarshal would merge into the old map
		r.decode(t, &tk)
		want = map[string]string{"Browser": "Chrome", "Timing": "05-Sep-22 16:25", "Internal score": "7"}
		if diff := cmp.Diff(want, tk.CustomFields); diff != "" {
			t.Errorf("agent's view after PUT (-want +got):\n%s", diff)
		}
		tk.CustomFields = nil
		s.call("GET", "", api+"/ticket/"+tk.ID, custKey, nil).decode(t, &tk)
		delete(want, "Internal score")
		if diff := cmp.Diff(want, tk.CustomFields); diff != "" {
			t.Errorf("customer's view (-want +got):\n%s", diff)
		}
	})
}

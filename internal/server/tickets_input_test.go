package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestTicketBadInput: every malformed or hostile ticket request gets a
// precise 4xx naming the field, and writes nothing.
func TestTicketBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		_, custKey := s.customerKey(accountID, "c@example.com")
		other, _ := s.agentKey(accountID, "Outsider Agent") // no queue role
		_, agentKey := s.agentKey(accountID, "Inbox Agent", desk.Permission{Queue: 1, Role: sympoq.RoleAgent})
		s.call("PUT", "", api+"/settings", admin, map[string]any{"automation": map[string]any{"agents_create_tags": false, "agents_change_status": false}})

		r := s.call("POST", "", api+"/request", admin, map[string]any{"description": "first", "customer": map[string]any{"email": "c@example.com"}})
		if r.status != 201 {
			t.Fatalf("submit = %d %s", r.status, r.body)
		}
		var tk struct{ ID string }
		r.decode(t, &tk)
		tp := api + "/ticket/" + tk.ID
		if r := s.call("POST", "", api+"/agent", admin, map[string]any{"name": "Agent With Mail", "email": "agent@example.com"}); r.status != 201 {
			t.Fatalf("POST /agent = %d %s", r.status, r.body)
		}

		counts := func() string {
			var n [3]int
			for i, q := range []string{"tickets", "events", "users"} {
				if err := db.Writer().QueryRow("SELECT count(*) FROM " + q).Scan(&n[i]); err != nil {
					t.Fatal(err)
				}
			}
			return fmt.Sprint(n)
		}
		before := counts()
		long := strings.Repeat("x", desk.MaxMessageLen+1)
		cust := map[string]any{"name": "N", "email": "n@example.com"}
		for _, tc := range []struct {
			name, method, path, key string
			body                    any
			status                  int
			field, code             string
		}{
			{"no description", "POST", "/request", admin, map[string]any{"customer": cust}, 400, "description", "missing_field"},
			{"blank description", "POST", "/request", admin, map[string]any{"description": " \n ", "customer": cust}, 400, "description", "missing_field"},
			{"long description", "POST", "/request", admin, map[string]any{"description": long, "customer": cust}, 400, "description", "too_long"},
			{"invalid UTF-8", "POST", "/request", admin, "{\"description\":\"\xff\xfe\",\"customer\":{\"email\":\"n@example.com\"}}", 400, "body", "invalid_json"},
			{"control characters", "POST", "/request", admin, map[string]any{"description": "ok", "subject": "a\x00b", "customer": cust}, 400, "subject", "invalid_value"},
			{"priority out of range", "POST", "/request", admin, map[string]any{"description": "x", "priority": 9, "customer": cust}, 400, "priority", "invalid_value"},
			{"priority wrong type", "POST", "/request", admin, map[string]any{"description": "x", "priority": "high", "customer": cust}, 400, "priority", "datatype_mismatch"},
			{"unknown topic", "POST", "/request", admin, map[string]any{"description": "x", "topic": 999, "customer": cust}, 400, "topic", "invalid_value"},
			{"unknown queue", "POST", "/request", admin, map[string]any{"description": "x", "queue": 999, "customer": cust}, 400, "queue", "invalid_value"},
			{"customer picks a queue", "POST", "/request", custKey, map[string]any{"description": "x", "queue": 1}, 403, "queue", "readonly_field"},
			{"customer names a customer", "POST", "/request", custKey, map[string]any{"description": "x", "customer": cust}, 403, "customer", "readonly_field"},
			{"no customer", "POST", "/request", admin, map[string]any{"description": "x"}, 400, "customer", "missing_field"},
			{"bad customer email", "POST", "/request", admin, map[string]any{"description": "x", "customer": map[string]any{"email": "not-an-email"}}, 400, "customer.email", "invalid_value"},
			{"customer is an agent", "POST", "/request", admin, map[string]any{"description": "x", "customer": map[string]any{"id": other.ID}}, 400, "customer.id", "invalid_value"},
			{"customer email of an agent", "POST", "/ticket", admin, map[string]any{"description": "x", "customer": map[string]any{"email": "agent@example.com"}}, 400, "customer.email", "invalid_value"},
			{"new tag by a customer", "POST", "/request", custKey, map[string]any{"description": "x", "tags": []string{"Brand new"}}, 400, "tags[0]", "invalid_value"},
			{"tag with a comma", "POST", "/request", admin, map[string]any{"description": "x", "tags": []string{"a,b"}, "customer": cust}, 400, "tags[0]", "invalid_value"},
			{"unknown field", "POST", "/request", admin, map[string]any{"description": "x", "customer": cust, "colour": 1}, 400, "colour", "invalid_field"},
			{"unknown nested field", "POST", "/request", admin, map[string]any{"description": "x", "customer": map[string]any{"email": "n@example.com", "age": 3}}, 400, "age", "invalid_field"},
			{"empty reply", "POST", "/ticket/" + tk.ID + "/reply", admin, map[string]any{"message": ""}, 400, "message", "missing_field"},
			{"long reply", "POST", "/ticket/" + tk.ID + "/reply", admin, map[string]any{"message": long}, 400, "message", "too_long"},
			{"negative billable", "POST", "/ticket/" + tk.ID + "/note", admin, map[string]any{"message": "n", "billable": -1}, 400, "billable", "invalid_value"},
			{"note with bad status", "POST", "/ticket/" + tk.ID + "/note", admin, map[string]any{"message": "n", "status": 7}, 400, "status", "invalid_value"},
			{"status by hand not allowed", "POST", "/ticket/" + tk.ID + "/note", admin, map[string]any{"message": "n", "status": 3}, 403, "", "forbidden"},
			{"call without direction", "POST", "/ticket/" + tk.ID + "/call", admin, map[string]any{"summary": "s"}, 400, "direction", "invalid_value"},
			{"assign to a customer", "POST", "/ticket/" + tk.ID + "/assign", admin, map[string]any{"agent": 2}, 400, "agent", "invalid_value"},
			{"assign to an agent of no role here", "POST", "/ticket/" + tk.ID + "/assign", admin, map[string]any{"agent": other.ID}, 400, "agent", "invalid_value"},
			{"assign without agent", "POST", "/ticket/" + tk.ID + "/assign", admin, map[string]any{}, 400, "agent", "missing_field"},
			{"rate out of range", "POST", "/ticket/" + tk.ID + "/rating", custKey, map[string]any{"event": 1, "rating": 6}, 400, "rating", "invalid_value"},
			{"rate with a string event", "POST", "/ticket/" + tk.ID + "/rating", custKey, map[string]any{"event": "one", "rating": 5}, 400, "event", "datatype_mismatch"},
			{"rate a non-reply", "POST", "/ticket/" + tk.ID + "/rating", custKey, map[string]any{"event": 1, "rating": 5}, 400, "event", "invalid_value"},
			{"merge into itself", "POST", "/ticket/" + tk.ID + "/merge", admin, map[string]any{"into": tk.ID}, 400, "into", "invalid_value"},
			{"merge into nothing", "POST", "/ticket/" + tk.ID + "/merge", admin, map[string]any{"into": "nope"}, 400, "into", "invalid_value"},
			{"reopen an open ticket", "POST", "/ticket/" + tk.ID + "/reopen", admin, nil, 409, "", "conflict"},
			{"read-only on PUT", "PUT", "/ticket/" + tk.ID, admin, map[string]any{"created": "2020-01-01T00:00:00Z", "priority": 4}, 403, "created", "readonly_field"},
			{"status on PUT not allowed", "PUT", "/ticket/" + tk.ID, admin, map[string]any{"status": 3}, 403, "", "forbidden"},
			{"deadline wrong type", "PUT", "/ticket/" + tk.ID, admin, map[string]any{"deadline": "tomorrow"}, 400, "deadline", "datatype_mismatch"},
			{"customer PUTs", "PUT", "/ticket/" + tk.ID, custKey, map[string]any{"priority": 4}, 403, "", "forbidden"},
			{"agent replies to unassigned ticket without taking it", "POST", "/ticket/" + tk.ID + "/reply", agentKey, map[string]any{"message": "hi"}, 403, "", "forbidden"},
			{"path traversal id", "GET", "/ticket/..%2F..%2Fetc", admin, nil, 404, "", "not_found"},
			{"over-long id", "GET", "/ticket/" + strings.Repeat("9", 300), admin, nil, 404, "", "not_found"},
			{"bad event_log switch", "GET", "/ticket/" + tk.ID + "?event_log=yes", admin, nil, 400, "event_log", "invalid_value"},
			{"bad list filter", "GET", "/tickets?status=9", admin, nil, 400, "status", "invalid_value"},
			{"bad list sort", "GET", "/tickets?sort=name", admin, nil, 400, "sort", "invalid_value"},
			{"bad list date", "GET", "/tickets?created_from=yesterday", admin, nil, 400, "created_from", "invalid_value"},
			{"bad cursor", "GET", "/tickets?cursor=bm90LWEtY3Vyc29y", admin, nil, 400, "cursor", "invalid_value"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := s.call(tc.method, "", api+tc.path, tc.key, tc.body)
				p := r.problem()
				if r.status != tc.status {
					t.Fatalf("%s %s = %d, want %d (%s)", tc.method, tc.path, r.status, tc.status, r.body)
				}
				if tc.status < 300 {
					before = counts() // an accepted request; the rest must still write nothing
					return
				}
				if p.Code != tc.code || tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
					t.Errorf("%s %s: problem %s, want field %q code %q", tc.method, tc.path, r.body, tc.field, tc.code)
				}
				if after := counts(); after != before {
					t.Errorf("%s %s wrote something: rows %s → %s", tc.method, tc.path, before, after)
				}
			})
		}

		// Script and markup are stored as given and come back escaped in
		// the rendered body.
		r = s.call("POST", "", tp+"/reply", admin, map[string]any{"message": `<script>alert("x")</script><img src=x onerror=alert(1)>`})
		if r.status != 200 {
			t.Fatalf("reply = %d %s", r.status, r.body)
		}
		r = s.call("GET", "", tp+"?event_log=1", admin, nil)
		body := string(r.body)
		if strings.Contains(body, `"body":"\u003cscript`) || !strings.Contains(body, `\u0026lt;script\u0026gt;`) {
			t.Errorf("reply body not escaped: %s", body)
		}
		if !strings.Contains(body, `"description":"\u003cscript\u003ealert(\"x\")\u003c/script\u003e`) {
			t.Errorf("reply text not stored as given: %s", body)
		}
	})
}

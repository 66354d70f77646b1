package server_test

import (
	"testing"

	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestEditConflicts: GET /ticket gives an ETag; a change with an older
// If-Match fails with 412 and changes nothing.
func TestEditConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, admin := s.account("default")
		r := s.call("POST", "", api+"/request", admin, map[string]any{"description": "d", "customer": map[string]any{"email": "c@example.com"}})
		var tk struct{ ID string }
		r.decode(t, &tk)
		path := api + "/ticket/" + tk.ID
		first := s.call("GET", "", path, admin, nil).header.Get("ETag")
		if first == "" {
			t.Fatal("GET /ticket has no ETag")
		}
		withIfMatch := func(method, p, tag string, body any) response {
			t.Helper()
			return s.callWith(method, p, admin, body, map[string]string{"If-Match": tag})
		}
		r = withIfMatch("PUT", path, first, map[string]any{"priority": 3})
		if r.status != 200 || r.header.Get("ETag") == first {
			t.Fatalf("PUT with the current ETag = %d, ETag %q (%s)", r.status, r.header.Get("ETag"), r.body)
		}
		second := r.header.Get("ETag")
		for _, tc := range []struct {
			method, path string
			body         any
		}{{"PUT", path, map[string]any{"priority": 4}}, {"POST", path + "/note", map[string]any{"message": "n"}},
			{"POST", path + "/reopen", nil}, {"DELETE", path, nil}} {
			if r := withIfMatch(tc.method, tc.path, first, tc.body); r.status != 412 || r.problem().Code != "precondition_failed" {
				t.Errorf("%s %s with a stale If-Match = %d %s, want 412", tc.method, tc.path, r.status, r.body)
			}
		}
		if got := s.call("GET", "", path, admin, nil).header.Get("ETag"); got != second {
			t.Errorf("ETag after refused changes = %s, want %s", got, second)
		}
		if r := withIfMatch("PUT", path, "not-a-tag", map[string]any{"priority": 4}); r.status != 400 {
			t.Errorf("garbage If-Match = %d, want 400", r.status)
		}
		if r := withIfMatch("PUT", path, "*", map[string]any{"priority": 4}); r.status != 200 {
			t.Errorf("If-Match * = %d, want 200", r.status)
		}
	})
}

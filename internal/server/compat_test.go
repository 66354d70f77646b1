package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestQueueCompatForms checks both URL forms of the permission switch and
// that the permissions key is absent when it is off (api.md §9).
func TestQueueCompatForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, key := s.account("default")
		ag := s.call("POST", "", api+"/agent", key, map[string]any{"name": "Ann Agent", "email": "ann@example.com"})
		if ag.status != 201 {
			t.Fatalf("POST /agent = %d %s", ag.status, ag.body)
		}
		var agent struct{ ID int64 }
		ag.decode(t, &agent)
		r := s.call("PUT", "", api+"/queue/1", key, map[string]any{"permissions": []map[string]any{{"agent": agent.ID, "role": "Agent"}}})
		if r.status != 200 {
			t.Fatalf("PUT /queue/1 = %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			path  string
			perms bool
			list  bool
		}{
			{"/queue/1", false, false},
			{"/queue/1/0", false, false},
			{"/queue/1/1", true, false},
			{"/queue/1?permissions=1", true, false},
			{"/queue/1?permissions=0", false, false},
			{"/queues", false, true},
			{"/queues/1", true, true},
			{"/queues/0", false, true},
			{"/queues?permissions=1", true, true},
		} {
			r := s.call("GET", "", api+tc.path, key, nil)
			if r.status != 200 {
				t.Errorf("GET %s = %d %s", tc.path, r.status, r.body)
				continue
			}
			var objs []map[string]json.RawMessage
			if tc.list {
				r.decode(t, &objs)
			} else {
				var o map[string]json.RawMessage
				r.decode(t, &o)
				objs = append(objs, o)
			}
			if len(objs) != 1 {
				t.Fatalf("GET %s: %d queues, want 1", tc.path, len(objs))
			}
			o := objs[0]
			if string(o["id"]) != "1" || string(o["name"]) != `"Inbox"` || string(o["sequence"]) != "10" {
				t.Errorf("GET %s = %s", tc.path, r.body)
			}
			p, has := o["permissions"]
			if has != tc.perms {
				t.Errorf("GET %s: permissions present = %v, want %v (%s)", tc.path, has, tc.perms, r.body)
			}
			if tc.perms && !strings.Contains(string(p), `"role":"Agent"`) {
				t.Errorf("GET %s: permissions = %s", tc.path, p)
			}
		}
		if r := s.call("GET", "", api+"/queue/1/2", key, nil); r.status != 400 {
			t.Errorf("GET /queue/1/2 = %d, want 400", r.status)
		}
	})
}

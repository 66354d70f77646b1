package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// agentKey creates an agent with the given queue roles and returns its key.
func (s *stack) agentKey(accountID int64, name string, perms ...desk.Permission) (*sympoq.User, string) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.desk.CreateUser(ctx, desk.System(accountID), sympoq.KindAgent, desk.UserInput{Name: desk.Some(name),
		Username: desk.Some(fmt.Sprintf("agent%d", len(name)*1000+len(perms))), Permissions: desk.Some(perms)})
	if err != nil {
		s.t.Fatal(err)
	}
	k, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(u), desk.APIKeyInput{Name: desk.Some("test")})
	if err != nil {
		s.t.Fatal(err)
	}
	return u, k.Key
}

func TestCannedReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		_, inQueue := s.agentKey(accountID, "In Queue", desk.Permission{Queue: 1, Role: sympoq.RoleAgent})
		_, noQueue := s.agentKey(accountID, "No Queue Agent")
		_, custKey := s.customerKey(accountID, "c@example.com")

		create := func(key string, body map[string]any, want int) int64 {
			t.Helper()
			r := s.call("POST", "", api+"/canned_reply", key, body)
			if r.status != want {
				t.Fatalf("POST /canned_reply %v = %d, want %d (%s)", body, r.status, want, r.body)
			}
			var c struct{ ID int64 }
			if want == 201 {
				r.decode(t, &c)
			}
			return c.ID
		}
		shared := create(admin, map[string]any{"name": "Greeting", "body": "Hello {customer},"}, 201)
		queued := create(admin, map[string]any{"name": "Inbox only", "body": "Inbox text", "queue": 1}, 201)
		mine := create(noQueue, map[string]any{"name": "Mine", "body": "my text", "personal": true}, 201)
		create(noQueue, map[string]any{"name": "Shared by agent", "body": "x"}, 403)
		create(admin, map[string]any{"name": "", "body": ""}, 400)
		create(custKey, map[string]any{"name": "c", "body": "c"}, 403)

		ids := func(key string) map[int64]bool {
			t.Helper()
			r := s.call("GET", "", api+"/canned_replies", key, nil)
			var cs []struct{ ID int64 }
			r.decode(t, &cs)
			out := map[int64]bool{}
			for _, c := range cs {
				out[c.ID] = true
			}
			return out
		}
		if got := ids(inQueue); !got[shared] || !got[queued] || got[mine] || len(got) != 2 {
			t.Errorf("agent in the queue sees %v, want shared and queue ones", got)
		}
		if got := ids(noQueue); !got[shared] || got[queued] || !got[mine] || len(got) != 2 {
			t.Errorf("agent without the queue sees %v, want shared and own", got)
		}
		if r := s.call("GET", "", api+fmt.Sprintf("/canned_reply/%d", mine), inQueue, nil); r.status != 404 {
			t.Errorf("another agent's personal reply = %d, want 404", r.status)
		}
		if r := s.call("PUT", "", api+fmt.Sprintf("/canned_reply/%d", shared), noQueue, map[string]any{"body": "changed"}); r.status != 403 {
			t.Errorf("agent changes a shared reply = %d, want 403", r.status)
		}
		if r := s.call("PUT", "", api+fmt.Sprintf("/canned_reply/%d", mine), noQueue, map[string]any{"body": "changed"}); r.status != 200 {
			t.Errorf("agent changes own reply = %d (%s)", r.status, r.body)
		}
		if r := s.call("DELETE", "", api+fmt.Sprintf("/canned_reply/%d", mine), noQueue, nil); r.status != 410 {
			t.Errorf("agent deletes own reply = %d", r.status)
		}
		if r := s.call("GET", "", api+"/canned_replies", custKey, nil); r.status != 403 {
			t.Errorf("customer lists canned replies = %d, want 403", r.status)
		}
	})
}

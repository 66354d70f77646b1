package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestAutomationAPI: administrators write submission rules and scheduled
// actions; agents read them; customers get 403. A rule made over the API
// runs on POST /request (channel API); bad rules are 400 with field errors;
// the Catch all cannot be deleted; a scheduled action shows its pending
// count.
func TestAutomationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, admin := s.account("default")
		sales := s.create(admin, "/queue", map[string]any{"name": "Sales"})
		_, agent := s.agentKey(acct, "Reader", desk.Permission{Queue: sales, Role: "Agent"})
		_, customer := s.customerKey(acct, "cust@example.com")

		var rules []struct {
			ID          int64
			Channel     int
			System      bool
			Description string
		}
		r := s.call("GET", "", api+"/rules?channel=3", agent, nil)
		if r.status != 200 {
			t.Fatalf("agent lists rules: %d %s", r.status, r.body)
		}
		r.decode(t, &rules)
		if len(rules) != 1 || !rules[0].System || rules[0].Channel != 3 || rules[0].Description != "Catch all" {
			t.Fatalf("API rules of a new account: %s", r.body)
		}
		if r := s.call("GET", "", api+"/rules", agent, nil); r.status != 200 || strings.Count(string(r.body), `"system":true`) != 4 {
			t.Errorf("all channels' rules: %d %s", r.status, r.body)
		}
		if r := s.call("DELETE", "", api+fmt.Sprintf("/rule/%d", rules[0].ID), admin, nil); r.status != 409 {
			t.Errorf("deleting the Catch all = %d %s", r.status, r.body)
		}
		body := map[string]any{"description": "Urgent words", "channel": 3, "priority": 5,
			"conditions": []map[string]any{{"field": "description", "op": "matches", "value": `\b(outage|down)\b`}},
			"set":        map[string]any{"priority": 4, "queue": sales, "tags": []string{"outage"}}}
		for _, key := range []string{agent, customer} {
			if r := s.call("POST", "", api+"/rule", key, body); r.status != 403 {
				t.Errorf("non-administrator creates a rule: %d %s", r.status, r.body)
			}
		}
		if r := s.call("GET", "", api+"/rules", customer, nil); r.status != 403 {
			t.Errorf("customer lists rules: %d", r.status)
		}
		id := s.create(admin, "/rule", body)
		if r := s.call("GET", "", api+fmt.Sprintf("/rule/%d", id), agent, nil); r.status != 200 || !strings.Contains(string(r.body), `"matches"`) {
			t.Errorf("agent reads the rule: %d %s", r.status, r.body)
		}

		r = s.call("POST", "", api+"/request", admin, map[string]any{"description": "The site is down", "customer": map[string]any{"email": "x@example.com"}})
		var tk struct {
			ID       string
			Priority int
			Queue    int64
			Tags     []string
		}
		r.decode(t, &tk)
		if r.status != 201 || tk.Priority != 4 || tk.Queue != sales || strings.Join(tk.Tags, ",") != "outage" {
			t.Errorf("submission under the rule: %d %s", r.status, r.body)
		}
		if r := s.call("GET", "", api+"/ticket/"+tk.ID+"?event_log=1", admin, nil); !strings.Contains(string(r.body), `Rule \"Urgent words\" applied: queue Sales; priority Urgent; tags outage`) {
			t.Errorf("no Rule event: %s", r.body)
		}
		// Agents see the service-target times; the customer neither them
		// nor the internal Rule event.
		r = s.call("POST", "", api+"/request", customer, map[string]any{"description": "down again"})
		r.decode(t, &tk)
		if r := s.call("GET", "", api+"/ticket/"+tk.ID+"?event_log=1", customer, nil); r.status != 200 || strings.Contains(string(r.body), `"Rule"`) ||
			strings.Contains(string(r.body), `"response_due"`) {
			t.Errorf("customer's view: %d %s", r.status, r.body)
		}
		if r := s.call("GET", "", api+"/ticket/"+tk.ID, admin, nil); !strings.Contains(string(r.body), `"response_due":"`) ||
			strings.Contains(string(r.body), `"response_breached"`) {
			t.Errorf("agent's view: %s", r.body)
		}
		if r := s.call("PUT", "", api+"/ticket/"+tk.ID, admin, map[string]any{"response_breached": nil}); r.status != 403 {
			t.Errorf("writing response_breached: %d %s", r.status, r.body)
		}

		r = s.call("POST", "", api+"/rule", admin, map[string]any{"description": "Broken", "channel": 3,
			"conditions": []map[string]any{{"field": "subject", "op": "matches", "value": "(["}}, "set": map[string]any{"queue": 99999}})
		if p := r.problem(); r.status != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "conditions[0].value" || p.Errors[1].Field != "set.queue" {
			t.Errorf("broken rule: %d %s", r.status, r.body)
		}
		if r := s.call("POST", "", api+"/rule", admin, map[string]any{"description": "x", "channel": 3, "colour": "red"}); r.status != 400 {
			t.Errorf("unknown field: %d %s", r.status, r.body)
		}
		if r := s.call("PUT", "", api+fmt.Sprintf("/rule/%d", id), admin, map[string]any{"system": true}); r.status != 403 {
			t.Errorf("writing system: %d %s", r.status, r.body)
		}

		// Scheduled actions, with what the next run would touch.
		sid := s.create(admin, "/scheduled_action", map[string]any{"description": "Tag everything open",
			"not": []string{"closed"}, "time": map[string]any{"event": "after_created", "hours": 0},
			"set":    map[string]any{"tags": []string{"seen"}},
			"notify": []map[string]any{{"template": "DEADLINE", "recipients": []map[string]any{{"kind": "queue_managers"}, {"kind": "address", "address": "ops@example.com"}}}}})
		var acts []struct {
			ID      int64
			Pending int
		}
		r = s.call("GET", "", api+"/scheduled_actions", agent, nil)
		r.decode(t, &acts)
		if r.status != 200 || len(acts) != 1 || acts[0].ID != sid || acts[0].Pending != 2 {
			t.Errorf("scheduled actions: %d %s", r.status, r.body)
		}
		if r := s.call("GET", "", api+fmt.Sprintf("/scheduled_action/%d", sid), customer, nil); r.status != 403 {
			t.Errorf("customer reads a scheduled action: %d", r.status)
		}
		if r := s.call("GET", "", api+fmt.Sprintf("/scheduled_action/%d", id), admin, nil); r.status != 404 {
			t.Errorf("a submission rule's id as a scheduled action: %d", r.status)
		}
		if r := s.call("PUT", "", api+fmt.Sprintf("/scheduled_action/%d", sid), admin, map[string]any{"active": false}); r.status != 200 || !strings.Contains(string(r.body), `"pending":0`) {
			t.Errorf("deactivated: %d %s", r.status, r.body)
		}
		if r := s.call("DELETE", "", api+fmt.Sprintf("/scheduled_action/%d", sid), admin, nil); r.status != 410 {
			t.Errorf("delete: %d", r.status)
		}
		if r := s.call("DELETE", "", api+fmt.Sprintf("/rule/%d", id), admin, nil); r.status != 410 {
			t.Errorf("delete rule: %d", r.status)
		}
	})
}

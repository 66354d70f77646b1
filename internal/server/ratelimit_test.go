package server_test

import (
	"strconv"
	"testing"

	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestRateLimits: separate read and write budgets per key, the RateLimit
// headers on every answer, and 429 with Retry-After past the budget.
func TestRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		accountID, admin := s.account("default")
		_, other := s.customerKey(accountID, "c@example.com")
		r := s.call("PUT", "", api+"/settings", admin, map[string]any{"rate_limits": map[string]any{"read": 5, "write": 3}})
		if r.status != 200 {
			t.Fatalf("PUT /settings = %d %s", r.status, r.body)
		}
		// A fresh key, whose budgets start whole under the new limits.
		var k struct{ Key string }
		s.call("POST", "", api+"/profile/apikeys", admin, map[string]any{"name": "limited"}).decode(t, &k)
		admin = k.Key
		for i := 0; i < 3; i++ {
			r := s.call("POST", "", api+"/tag", admin, map[string]any{"name": "t" + strconv.Itoa(i)})
			if r.status != 201 {
				t.Fatalf("write %d = %d %s", i, r.status, r.body)
			}
			if got := r.header.Get("RateLimit-Remaining"); got != strconv.Itoa(2-i) || r.header.Get("RateLimit-Limit") != "3" ||
				r.header.Get("RateLimit-Policy") != "3;w=60" || r.header.Get("RateLimit-Reset") == "" {
				t.Errorf("write %d headers: %v", i, r.header)
			}
		}
		r = s.call("POST", "", api+"/tag", admin, map[string]any{"name": "over"})
		if r.status != 429 || r.problem().Code != "rate_limited" || r.header.Get("Retry-After") == "" {
			t.Fatalf("write over the budget = %d %s %v, want 429 with Retry-After", r.status, r.body, r.header)
		}
		var tags []struct{ Name string }
		r = s.call("GET", "", api+"/tags", admin, nil)
		r.decode(t, &tags)
		if r.status != 200 || len(tags) != 3 || r.header.Get("RateLimit-Limit") != "5" {
			t.Errorf("reads use their own budget: %d, %d tags, headers %v", r.status, len(tags), r.header)
		}
		for i := 0; i < 4; i++ {
			s.call("GET", "", api+"/tags", admin, nil)
		}
		if r := s.call("GET", "", api+"/tags", admin, nil); r.status != 429 {
			t.Errorf("sixth read = %d, want 429", r.status)
		}
		if r := s.call("GET", "", api+"/profile", other, nil); r.status != 200 {
			t.Errorf("another key is limited by the first one's budget: %d", r.status)
		}
	})
}

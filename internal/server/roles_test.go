package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// roleFixture is an account with an administrator, an agent with a queue
// role, one without, a customer (each with a key) and one settings item of
// each kind.
type roleFixture struct {
	account                                int64
	admin, queueAgent, noRole, customer    int64 // user ids
	adminKey, queueKey, noRoleKey, custKey string
	topic, hiddenTopic, group, tag, queue  int64
}

func newRoleFixture(s *stack) roleFixture {
	s.t.Helper()
	var f roleFixture
	f.account, f.adminKey = s.account("default")
	f.admin = s.profileID(f.adminKey)
	f.queueAgent = s.create(f.adminKey, "/agent", map[string]any{"name": "Quinn Queue", "email": "quinn@example.com",
		"permissions": []map[string]any{{"queue": 1, "role": "Agent"}}})
	f.noRole = s.create(f.adminKey, "/agent", map[string]any{"name": "Nora Norole", "email": "nora@example.com"})
	f.customer = s.create(f.adminKey, "/customer", map[string]any{"name": "Cora Customer", "email": "cora@example.com",
		"password": "cora-password"})
	f.queueKey = s.keyFor(f.account, f.queueAgent)
	f.noRoleKey = s.keyFor(f.account, f.noRole)
	f.custKey = s.keyFor(f.account, f.customer)
	f.topic = s.create(f.adminKey, "/topic", map[string]any{"name": "Billing questions"})
	f.hiddenTopic = s.create(f.adminKey, "/topic", map[string]any{"name": "Internal matters", "active": false})
	f.group = s.create(f.adminKey, "/group", map[string]any{"name": "VIP"})
	f.tag = s.create(f.adminKey, "/tag", map[string]any{"name": "Help"})
	f.queue = s.create(f.adminKey, "/queue", map[string]any{"name": "Sales"})
	return f
}

// profileID returns the id of the user whose key it is.
func (s *stack) profileID(key string) int64 {
	s.t.Helper()
	r := s.call("GET", "", api+"/profile", key, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("GET /profile status = %d, want 200 (%s)", r.status, r.body)
	}
	var u struct{ ID int64 }
	r.decode(s.t, &u)
	return u.ID
}

type roleCall struct {
	method, path string
	body         any
}

// TestAgentsReadButDoNotConfigure checks that every agent, with or without
// a queue role, lists and views settings items and users but may not
// change settings items, settings or agents.
func TestAgentsReadButDoNotConfigure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		reads := []string{"/queues", "/queues/1", "/queue/1", "/queue/1/1", "/topics", fmt.Sprintf("/topic/%d", f.topic),
			fmt.Sprintf("/topic/%d", f.hiddenTopic), "/groups", fmt.Sprintf("/group/%d", f.group), "/tags",
			fmt.Sprintf("/tag/%d", f.tag), "/settings", "/users", "/agents", fmt.Sprintf("/agent/%d", f.admin),
			"/customers", fmt.Sprintf("/customer/%d", f.customer), "/statuses", "/priorities", "/channels", "/profile",
			"/profile/apikeys"}
		writes := []roleCall{
			{"POST", "/queue", map[string]any{"name": "Nope"}},
			{"PUT", "/queue/1", map[string]any{"name": "Nope"}},
			{"DELETE", fmt.Sprintf("/queue/%d", f.queue), nil},
			{"POST", "/topic", map[string]any{"name": "Nope"}},
			{"PUT", fmt.Sprintf("/topic/%d", f.topic), map[string]any{"name": "Nope"}},
			{"DELETE", fmt.Sprintf("/topic/%d", f.topic), nil},
			{"POST", "/group", map[string]any{"name": "Nope"}},
			{"PUT", fmt.Sprintf("/group/%d", f.group), map[string]any{"name": "Nope"}},
			{"DELETE", fmt.Sprintf("/group/%d", f.group), nil},
			{"POST", "/tag", map[string]any{"name": "Nope"}},
			{"PUT", fmt.Sprintf("/tag/%d", f.tag), map[string]any{"name": "Nope"}},
			{"DELETE", fmt.Sprintf("/tag/%d", f.tag), nil},
			{"PUT", "/settings", map[string]any{"general": map[string]any{"title": "Nope"}}},
			{"POST", "/agent", map[string]any{"name": "Nope", "email": "nope@example.com"}},
			{"PUT", fmt.Sprintf("/agent/%d", f.admin), map[string]any{"name": "Nope"}},
			{"PUT", fmt.Sprintf("/agent/%d", f.queueAgent), map[string]any{"administrator": true}},
			{"DELETE", fmt.Sprintf("/agent/%d", f.admin), nil},
		}
		for _, who := range []struct{ name, key string }{{"agent with a queue role", f.queueKey}, {"agent without a queue role", f.noRoleKey}} {
			t.Run(who.name, func(t *testing.T) {
				for _, p := range reads {
					if r := s.call("GET", "", api+p, who.key, nil); r.status != http.StatusOK {
						t.Errorf("GET %s status = %d, want 200 (%s)", p, r.status, r.body)
					}
				}
				var topics []struct{ ID int64 }
				s.call("GET", "", api+"/topics", who.key, nil).decode(t, &topics)
				if len(topics) != 2 {
					t.Errorf("GET /topics = %d topics, want 2 (agents see inactive ones)", len(topics))
				}
				before := dump(t, db)
				for _, c := range writes {
					r := s.call(c.method, "", api+c.path, who.key, c.body)
					checkProblem(t, c.method+" "+c.path, r, http.StatusForbidden, sympoq.EForbidden, "")
				}
				if diff := cmp.Diff(before, dump(t, db)); diff != "" {
					t.Errorf("forbidden writes changed the account (-before +after):\n%s", diff)
				}
			})
		}
	})
}

// TestCustomerWrites checks that agents with a queue role (and
// administrators) create, change and deactivate customers, and agents
// without one may not.
func TestCustomerWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		for _, who := range []struct {
			name string
			key  string
		}{{"administrator", f.adminKey}, {"agent with a queue role", f.queueKey}} {
			t.Run(who.name, func(t *testing.T) {
				email := strings.ReplaceAll(who.name, " ", ".") + "@example.com"
				id := s.create(who.key, "/customer", map[string]any{"name": "New Customer", "email": email})
				path := fmt.Sprintf("/customer/%d", id)
				if r := s.call("PUT", "", api+path, who.key, map[string]any{"company": "Acme"}); r.status != http.StatusOK {
					t.Errorf("PUT %s status = %d, want 200 (%s)", path, r.status, r.body)
				}
				if r := s.call("DELETE", "", api+path, who.key, nil); r.status != http.StatusGone {
					t.Errorf("DELETE %s status = %d, want 410 (%s)", path, r.status, r.body)
				}
			})
		}
		t.Run("agent without a queue role", func(t *testing.T) {
			before := dump(t, db)
			cust := fmt.Sprintf("/customer/%d", f.customer)
			for _, c := range []roleCall{
				{"POST", "/customer", map[string]any{"name": "Nope", "email": "nope@example.com"}},
				{"PUT", cust, map[string]any{"company": "Nope"}},
				{"DELETE", cust, nil},
			} {
				r := s.call(c.method, "", api+c.path, f.noRoleKey, c.body)
				checkProblem(t, c.method+" "+c.path, r, http.StatusForbidden, sympoq.EForbidden, "")
			}
			if diff := cmp.Diff(before, dump(t, db)); diff != "" {
				t.Errorf("forbidden writes changed the account (-before +after):\n%s", diff)
			}
		})
	})
}

// TestAdministratorWritesEverything walks every settings item and user
// through create, change and delete as an administrator.
func TestAdministratorWritesEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, key := s.account("default")
		for _, tc := range []struct {
			kind         string
			create, edit map[string]any
			gone         int // GET status after DELETE
		}{
			{"queue", map[string]any{"name": "Sales"}, map[string]any{"name": "Sales EMEA", "sequence": 5}, 404},
			{"topic", map[string]any{"name": "Billing"}, map[string]any{"active": false}, 404},
			{"group", map[string]any{"name": "Gold"}, map[string]any{"name": "Platinum"}, 404},
			{"tag", map[string]any{"name": "Refund"}, map[string]any{"name": "Refunds"}, 404},
			{"agent", map[string]any{"name": "Ann Agent", "email": "ann@example.com"}, map[string]any{"signature": "Ann"}, 200},
			{"customer", map[string]any{"name": "Carl", "email": "carl@example.com"}, map[string]any{"company": "Acme"}, 200},
		} {
			id := s.create(key, "/"+tc.kind, tc.create)
			path := fmt.Sprintf("/%s/%d", tc.kind, id)
			if r := s.call("PUT", "", api+path, key, tc.edit); r.status != http.StatusOK {
				t.Errorf("PUT %s status = %d, want 200 (%s)", path, r.status, r.body)
			}
			if r := s.call("DELETE", "", api+path, key, nil); r.status != http.StatusGone {
				t.Errorf("DELETE %s status = %d, want 410 (%s)", path, r.status, r.body)
			}
			r := s.call("GET", "", api+path, key, nil)
			if r.status != tc.gone {
				t.Errorf("GET %s after DELETE status = %d, want %d (%s)", path, r.status, tc.gone, r.body)
			}
			if r.status == http.StatusOK && !strings.Contains(string(r.body), `"active":false`) {
				t.Errorf("GET %s after DELETE = %s, want active false", path, r.body)
			}
		}
		r := s.call("PUT", "", api+"/settings", key, map[string]any{"general": map[string]any{"title": "Acme Support"}})
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"title":"Acme Support"`) {
			t.Errorf("PUT /settings status = %d, want 200 with the new title (%s)", r.status, r.body)
		}
	})
}

// TestCustomerReach checks what a customer's key reaches: the fixed lists
// and active topics, their own profile and keys, and nothing else.
func TestCustomerReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		key := f.custKey
		for _, p := range []string{"/settings", "/queues", "/queue/1", "/users", "/agents", fmt.Sprintf("/agent/%d", f.admin),
			"/customers", fmt.Sprintf("/customer/%d", f.customer), "/groups", fmt.Sprintf("/group/%d", f.group), "/tags",
			fmt.Sprintf("/tag/%d", f.tag)} {
			checkProblem(t, "GET "+p, s.call("GET", "", api+p, key, nil), http.StatusForbidden, sympoq.EForbidden, "")
		}
		before := dump(t, db)
		for _, c := range []roleCall{
			{"POST", "/customer", map[string]any{"name": "Nope"}},
			{"PUT", fmt.Sprintf("/customer/%d", f.customer), map[string]any{"company": "Nope"}},
			{"DELETE", fmt.Sprintf("/customer/%d", f.customer), nil},
			{"POST", "/tag", map[string]any{"name": "Nope"}},
			{"POST", "/topic", map[string]any{"name": "Nope"}},
			{"PUT", "/settings", map[string]any{"general": map[string]any{"title": "Nope"}}},
		} {
			r := s.call(c.method, "", api+c.path, key, c.body)
			checkProblem(t, c.method+" "+c.path, r, http.StatusForbidden, sympoq.EForbidden, "")
		}
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("a customer's forbidden writes changed the account (-before +after):\n%s", diff)
		}
		for _, p := range []string{"/statuses", "/priorities", "/channels", "/status/1", "/topics", fmt.Sprintf("/topic/%d", f.topic)} {
			if r := s.call("GET", "", api+p, key, nil); r.status != http.StatusOK {
				t.Errorf("GET %s status = %d, want 200 (%s)", p, r.status, r.body)
			}
		}
		var topics []struct {
			ID     int64
			Active bool
		}
		s.call("GET", "", api+"/topics", key, nil).decode(t, &topics)
		if len(topics) != 1 || topics[0].ID != f.topic || !topics[0].Active {
			t.Errorf("GET /topics as a customer = %+v, want only the active topic %d", topics, f.topic)
		}
		checkProblem(t, "GET /topic/{inactive}", s.call("GET", "", api+fmt.Sprintf("/topic/%d", f.hiddenTopic), key, nil),
			http.StatusNotFound, sympoq.ENotFound, "")

		r := s.call("GET", "", api+"/profile", key, nil)
		var prof map[string]any
		r.decode(t, &prof)
		if r.status != http.StatusOK || prof["type"] != "customer" || prof["id"] != float64(f.customer) || prof["role"] != "Customer" {
			t.Errorf("GET /profile as a customer = %d %s", r.status, r.body)
		}
		for _, k := range []string{"administrator", "permissions", "signature"} {
			if _, ok := prof[k]; ok {
				t.Errorf("GET /profile as a customer has agent field %q (%s)", k, r.body)
			}
		}
		r = s.call("PUT", "", api+"/profile", key, map[string]any{"name": "Cora C.", "phone": "+1 555 0100", "mobile": "+1 555 0101", "notifications": false})
		if r.status != http.StatusOK {
			t.Fatalf("PUT /profile as a customer status = %d, want 200 (%s)", r.status, r.body)
		}
		r = s.call("GET", "", api+"/profile", key, nil)
		for _, want := range []string{`"name":"Cora C."`, `"phone":"+1 555 0100"`, `"mobile":"+1 555 0101"`, `"notifications":false`} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("GET /profile after PUT = %s, want %s", r.body, want)
			}
		}
		before = dump(t, db)
		for _, tc := range []struct {
			body        string
			status      int
			code, field string
		}{
			{`{"signature":"Cora"}`, 400, sympoq.FieldUnknown, "signature"},
			{`{"company":"Acme"}`, 400, sympoq.FieldUnknown, "company"},
			{`{"role":"Customer Manager"}`, 403, sympoq.FieldReadonly, "role"},
			{`{"group":"VIP"}`, 403, sympoq.FieldReadonly, "group"},
			{`{"registered":false}`, 403, sympoq.FieldReadonly, "registered"},
		} {
			r := s.call("PUT", "", api+"/profile", key, tc.body)
			checkProblem(t, "PUT /profile "+tc.body, r, tc.status, tc.code, tc.field)
		}
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("refused profile changes changed the account (-before +after):\n%s", diff)
		}
		r = s.call("POST", "", api+"/profile/apikeys", key, map[string]any{"name": "my script"})
		if r.status != http.StatusCreated {
			t.Errorf("POST /profile/apikeys as a customer status = %d, want 201 (%s)", r.status, r.body)
		}
	})
}

// TestAPIKeys checks scopes, expiry, revocation, deactivated owners, the
// Bearer form, and that every refusal is a 401 with WWW-Authenticate.
func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// The store's clock, moved forward to let keys expire. It is set
		// before the server starts, so its goroutines see the function.
		var skew atomic.Int64
		db.Now = func() time.Time { return time.Now().UTC().Add(time.Duration(skew.Load())) }
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		newKey := func(key string, body map[string]any) (int64, string) {
			t.Helper()
			r := s.call("POST", "", api+"/profile/apikeys", key, body)
			if r.status != http.StatusCreated {
				t.Fatalf("POST /profile/apikeys %v status = %d, want 201 (%s)", body, r.status, r.body)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("POST /profile/apikeys Cache-Control = %q, want no-store", cc)
			}
			var k struct {
				ID     int64
				Key    string
				Prefix string
				Scopes []string
			}
			r.decode(t, &k)
			if k.Key == "" || !strings.HasPrefix(k.Key, k.Prefix) || len(k.Prefix) < 4 {
				t.Errorf("POST /profile/apikeys = %s, want the key with its prefix", r.body)
			}
			return k.ID, k.Key
		}
		unauthorized := func(what string, r response) {
			t.Helper()
			checkProblem(t, what, r, http.StatusUnauthorized, sympoq.EUnauthorized, "")
			if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("%s WWW-Authenticate = %q, want a Bearer challenge", what, h)
			}
		}

		t.Run("read scope", func(t *testing.T) {
			_, ro := newKey(f.queueKey, map[string]any{"name": "read only", "scopes": []string{"read"}})
			if r := s.call("GET", "", api+"/tags", ro, nil); r.status != http.StatusOK {
				t.Errorf("GET /tags with a read key status = %d, want 200", r.status)
			}
			for _, c := range []roleCall{{"POST", "/customer", map[string]any{"name": "Nope"}}, {"PUT", "/profile", map[string]any{"name": "Nope"}},
				{"POST", "/profile/apikeys", map[string]any{"name": "escalate"}}} {
				checkProblem(t, c.method+" "+c.path+" with a read key", s.call(c.method, "", api+c.path, ro, c.body), http.StatusForbidden, sympoq.EForbidden, "")
			}
		})
		t.Run("write scope", func(t *testing.T) {
			_, wo := newKey(f.queueKey, map[string]any{"name": "write only", "scopes": []string{"write"}})
			checkProblem(t, "GET /tags with a write key", s.call("GET", "", api+"/tags", wo, nil), http.StatusForbidden, sympoq.EForbidden, "")
			if r := s.call("PUT", "", api+"/profile", wo, map[string]any{"signature": "Quinn"}); r.status != http.StatusOK {
				t.Errorf("PUT /profile with a write key status = %d, want 200 (%s)", r.status, r.body)
			}
		})
		t.Run("expired", func(t *testing.T) {
			exp := db.Now().Add(time.Hour).Format(time.RFC3339)
			_, short := newKey(f.queueKey, map[string]any{"name": "one hour", "expires": exp})
			if r := s.call("GET", "", api+"/profile", short, nil); r.status != http.StatusOK {
				t.Errorf("GET /profile with an unexpired key status = %d, want 200", r.status)
			}
			skew.Store(int64(2 * time.Hour))
			defer skew.Store(0)
			unauthorized("GET /profile with an expired key", s.call("GET", "", api+"/profile", short, nil))
			if r := s.call("GET", "", api+"/profile", f.queueKey, nil); r.status != http.StatusOK {
				t.Errorf("GET /profile with a key without expiry status = %d, want 200", r.status)
			}
		})
		t.Run("revoked", func(t *testing.T) {
			id, tmp := newKey(f.queueKey, map[string]any{"name": "temporary"})
			if r := s.call("GET", "", api+"/profile", tmp, nil); r.status != http.StatusOK {
				t.Errorf("GET /profile with a new key status = %d, want 200", r.status)
			}
			path := fmt.Sprintf("/profile/apikey/%d", id)
			checkProblem(t, "DELETE "+path+" of another user", s.call("DELETE", "", api+path, f.adminKey, nil), http.StatusNotFound, sympoq.ENotFound, "")
			if r := s.call("GET", "", api+"/profile", tmp, nil); r.status != http.StatusOK {
				t.Errorf("GET /profile after another user's DELETE status = %d, want 200", r.status)
			}
			if r := s.call("DELETE", "", api+path, f.queueKey, nil); r.status != http.StatusGone {
				t.Errorf("DELETE %s status = %d, want 410 (%s)", path, r.status, r.body)
			}
			unauthorized("GET /profile with a revoked key", s.call("GET", "", api+"/profile", tmp, nil))
			checkProblem(t, "DELETE "+path+" again", s.call("DELETE", "", api+path, f.queueKey, nil), http.StatusNotFound, sympoq.ENotFound, "")

			r := s.call("GET", "", api+"/profile/apikeys", f.queueKey, nil)
			var keys []map[string]any
			r.decode(t, &keys)
			for _, k := range keys {
				if _, ok := k["key"]; ok {
					t.Errorf("GET /profile/apikeys shows a key value: %v", k)
				}
				if k["id"] == float64(id) && k["revoked"] == nil {
					t.Errorf("GET /profile/apikeys: revoked key %d has revoked = null", id)
				}
				if k["name"] == "test" && (k["last_used"] == nil || k["last_address"] != "127.0.0.1") {
					t.Errorf("GET /profile/apikeys: used key has last_used %v, last_address %v", k["last_used"], k["last_address"])
				}
			}
		})
		t.Run("bearer", func(t *testing.T) {
			for _, h := range []string{"Bearer " + f.custKey, "bearer " + f.custKey, "BEARER  " + f.custKey} {
				r := s.callRaw("GET", api+"/profile", http.Header{"Authorization": {h}}, nil)
				if r.status != http.StatusOK || s.idOf(r) != f.customer {
					t.Errorf("GET /profile with Authorization %.8q… = %d %s, want 200 for the customer", h, r.status, r.body)
				}
			}
			r := s.callRaw("POST", api+"/profile/apikeys", http.Header{"Authorization": {"Bearer " + f.custKey},
				"Content-Type": {"application/json"}}, []byte(`{"name":"via bearer"}`))
			if r.status != http.StatusCreated {
				t.Errorf("POST /profile/apikeys with Bearer status = %d, want 201 (%s)", r.status, r.body)
			}
		})
		t.Run("missing or unknown", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				h    http.Header
			}{
				{"no key", http.Header{}},
				{"empty apikey", http.Header{"Apikey": {""}}},
				{"unknown key", http.Header{"Apikey": {"dWIeGMRlikMIle"}}},
				{"over-long key", http.Header{"Apikey": {strings.Repeat("k", 5000)}}},
				{"basic auth", http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}},
				{"empty bearer", http.Header{"Authorization": {"Bearer "}}},
				{"key with a prefix", http.Header{"Apikey": {"x" + f.adminKey}}},
			} {
				unauthorized("GET /profile with "+tc.name, s.callRaw("GET", api+"/profile", tc.h, nil))
			}
		})
		t.Run("deactivated user", func(t *testing.T) {
			path := fmt.Sprintf("/agent/%d", f.queueAgent)
			if r := s.call("DELETE", "", api+path, f.adminKey, nil); r.status != http.StatusGone {
				t.Fatalf("DELETE %s status = %d, want 410 (%s)", path, r.status, r.body)
			}
			unauthorized("GET /profile with a deactivated agent's key", s.call("GET", "", api+"/profile", f.queueKey, nil))
			r := s.call("GET", "", api+path, f.adminKey, nil)
			if !strings.Contains(string(r.body), `"active":false`) {
				t.Errorf("GET %s after DELETE = %s, want active false", path, r.body)
			}
			cust := fmt.Sprintf("/customer/%d", f.customer)
			if r := s.call("DELETE", "", api+cust, f.adminKey, nil); r.status != http.StatusGone {
				t.Fatalf("DELETE %s status = %d, want 410 (%s)", cust, r.status, r.body)
			}
			unauthorized("GET /profile with a deactivated customer's key", s.call("GET", "", api+"/profile", f.custKey, nil))
		})
	})
}

func (s *stack) idOf(r response) int64 {
	var v struct{ ID int64 }
	_ = json.Unmarshal(r.body, &v)
	return v.ID
}

// TestRoleChangeNextRequest checks that roles are read on every request: a
// grant or a withdrawal applies to the very next call.
func TestRoleChangeNextRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		agent := fmt.Sprintf("/agent/%d", f.noRole)
		set := func(path string, body any) {
			t.Helper()
			if r := s.call("PUT", "", api+path, f.adminKey, body); r.status != http.StatusOK {
				t.Fatalf("PUT %s status = %d, want 200 (%s)", path, r.status, r.body)
			}
		}
		try := func(step, path string, body any, want int) {
			t.Helper()
			if r := s.call("POST", "", api+path, f.noRoleKey, body); r.status != want {
				t.Errorf("%s: POST %s status = %d, want %d (%s)", step, path, r.status, want, r.body)
			}
		}
		try("no role", "/customer", map[string]any{"name": "One"}, 403)
		set(agent, map[string]any{"permissions": []map[string]any{{"queue": 1, "role": "Queue Manager"}}})
		try("Queue Manager of the Inbox", "/customer", map[string]any{"name": "Two"}, 201)
		set("/queue/1", map[string]any{"permissions": []map[string]any{}})
		try("removed from the Inbox's permissions", "/customer", map[string]any{"name": "Three"}, 403)
		set(fmt.Sprintf("/queue/%d", f.queue), map[string]any{"permissions": []map[string]any{{"agent": f.noRole, "role": "Agent"}}})
		try("Agent of Sales", "/customer", map[string]any{"name": "Four"}, 201)
		set(agent, map[string]any{"permissions": []map[string]any{}})
		try("permissions cleared", "/customer", map[string]any{"name": "Five"}, 403)

		try("not an administrator", "/tag", map[string]any{"name": "One"}, 403)
		set(agent, map[string]any{"administrator": true})
		try("promoted", "/tag", map[string]any{"name": "Two"}, 201)
		set(agent, map[string]any{"administrator": false})
		try("demoted", "/tag", map[string]any{"name": "Three"}, 403)
	})
}

// TestAdministratorSafeguards checks that an administrator cannot
// deactivate themself and that the last active administrator stays one.
func TestAdministratorSafeguards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, key := s.account("default")
		a := s.profileID(key)
		self := fmt.Sprintf("/agent/%d", a)
		conflict := func(what string, r response) {
			t.Helper()
			checkProblem(t, what, r, http.StatusConflict, sympoq.EConflict, "")
		}
		before := dump(t, db)
		conflict("DELETE own agent", s.call("DELETE", "", api+self, key, nil))
		conflict("demote the only administrator", s.call("PUT", "", api+self, key, map[string]any{"administrator": false}))
		conflict("deactivate the only administrator", s.call("PUT", "", api+self, key, map[string]any{"active": false}))
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("refused changes changed the account (-before +after):\n%s", diff)
		}

		b := s.create(key, "/agent", map[string]any{"name": "Bea Admin", "email": "bea@example.com", "administrator": true})
		bKey := s.keyFor(acct, b)
		c := s.create(key, "/agent", map[string]any{"name": "Cid Admin", "email": "cid@example.com", "administrator": true})
		if r := s.call("DELETE", "", api+fmt.Sprintf("/agent/%d", c), key, nil); r.status != http.StatusGone {
			t.Errorf("DELETE another administrator status = %d, want 410 (%s)", r.status, r.body)
		}
		// With Bea there, deactivating oneself is still refused, on either path.
		conflict("DELETE own agent with another administrator", s.call("DELETE", "", api+self, key, nil))
		conflict("PUT own agent active false", s.call("PUT", "", api+self, key, map[string]any{"active": false}))
		if r := s.call("PUT", "", api+self, key, map[string]any{"administrator": false}); r.status != http.StatusOK {
			t.Fatalf("demote oneself beside another administrator status = %d, want 200 (%s)", r.status, r.body)
		}
		checkProblem(t, "POST /tag after demoting oneself", s.call("POST", "", api+"/tag", key, map[string]any{"name": "x"}),
			http.StatusForbidden, sympoq.EForbidden, "")
		// Bea is the last active administrator: Cid is inactive.
		bea := fmt.Sprintf("/agent/%d", b)
		conflict("demote the last active administrator", s.call("PUT", "", api+bea, bKey, map[string]any{"administrator": false}))
		conflict("DELETE own agent as the last administrator", s.call("DELETE", "", api+bea, bKey, nil))
		var prof struct{ Administrator, Active bool }
		s.call("GET", "", api+"/profile", bKey, nil).decode(t, &prof)
		if !prof.Administrator || !prof.Active {
			t.Errorf("GET /profile of the last administrator = %+v, want an active administrator", prof)
		}
	})
}

// TestProfile checks self-service: a password change needs the current
// password, and the fields only administrators set are read-only.
func TestProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, adminKey := s.account("default")
		id := s.create(adminKey, "/agent", map[string]any{"name": "Pat Agent", "email": "pat@example.com",
			"password": "first-password", "permissions": []map[string]any{{"queue": 1, "role": "Agent"}}})
		key := s.keyFor(acct, id)
		password := func() string {
			t.Helper()
			u, err := db.Read().User(context.Background(), acct, id)
			if err != nil {
				t.Fatal(err)
			}
			return u.PasswordHash
		}
		before := dump(t, db)
		for _, tc := range []struct {
			name        string
			body        string
			status      int
			code, field string
		}{
			{"no current password", `{"password":"second-password"}`, 400, sympoq.FieldInvalid, "current_password"},
			{"wrong current password", `{"password":"second-password","current_password":"wrong-password"}`, 400, sympoq.FieldInvalid, "current_password"},
			{"short new password", `{"password":"short","current_password":"first-password"}`, 400, sympoq.FieldInvalid, "password"},
			{"administrator", `{"administrator":true}`, 403, sympoq.FieldReadonly, "administrator"},
			{"permissions", `{"permissions":[{"queue":1,"role":"Queue Manager"}]}`, 403, sympoq.FieldReadonly, "permissions"},
			{"username", `{"username":"pat.the.admin"}`, 403, sympoq.FieldReadonly, "username"},
			{"active", `{"active":true}`, 403, sympoq.FieldReadonly, "active"},
			{"id", `{"id":1}`, 403, sympoq.FieldReadonly, "id"},
			{"customer field", `{"phone":"+1 555 0100"}`, 400, sympoq.FieldUnknown, "phone"},
		} {
			checkProblem(t, "PUT /profile "+tc.name, s.call("PUT", "", api+"/profile", key, tc.body), tc.status, tc.code, tc.field)
		}
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("refused profile changes changed the account (-before +after):\n%s", diff)
		}
		if !desk.CheckPassword(password(), "first-password") {
			t.Errorf("the refused changes replaced the password")
		}

		r := s.call("PUT", "", api+"/profile", key, map[string]any{"password": "second-password", "current_password": "first-password",
			"name": "Pat P.", "email": "pat.p@example.com", "signature": "Regards, Pat", "notifications": false})
		if r.status != http.StatusOK {
			t.Fatalf("PUT /profile status = %d, want 200 (%s)", r.status, r.body)
		}
		if strings.Contains(string(r.body), "password") || strings.Contains(string(r.body), "argon2") {
			t.Errorf("PUT /profile answer mentions the password: %s", r.body)
		}
		h := password()
		if !desk.CheckPassword(h, "second-password") || desk.CheckPassword(h, "first-password") {
			t.Errorf("after the change the stored password is not the new one")
		}
		var got map[string]any
		s.call("GET", "", api+"/profile", key, nil).decode(t, &got)
		want := map[string]any{"name": "Pat P.", "email": "pat.p@example.com", "signature": "Regards, Pat", "notifications": false,
			"username": "pat@example.com", "administrator": false}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("GET /profile %s = %v, want %v", k, got[k], v)
			}
		}
	})
}

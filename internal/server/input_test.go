package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// badInput is one request the API must refuse with a precise problem and
// without writing anything.
type badInput struct {
	name         string
	method, path string
	contentType  string // "" sends application/json, "-" sends none
	body         string
	status       int
	code         string // the problem's code
	field        string // an errors[] entry with this field and code; "" when the problem has none
}

// inputFixture is what the bad-input cases refer to.
type inputFixture struct {
	agent, customer, queue, topic, group, tag int64
}

// TestBadInput sends malformed, mistyped, out-of-range, over-long,
// duplicate and read-only input to every endpoint that takes a body and
// checks the exact problem answer, and that nothing changed.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, key := s.account("default")
		s.unlimit(acct) // a write budget lasts 120 requests a minute
		f := inputFixture{
			agent: s.create(key, "/agent", map[string]any{"name": "Ann Agent", "email": "ann@example.com",
				"username": "ann.agent", "permissions": []map[string]any{{"queue": 1, "role": "Agent"}}}),
			customer: s.create(key, "/customer", map[string]any{"name": "Carl Customer", "email": "carl@example.com"}),
			queue:    s.create(key, "/queue", map[string]any{"name": "Billing"}),
			topic:    s.create(key, "/topic", map[string]any{"name": "General"}),
			group:    s.create(key, "/group", map[string]any{"name": "VIP"}),
			tag:      s.create(key, "/tag", map[string]any{"name": "Help"}),
		}
		for _, tc := range append(genericBadInput(f), specificBadInput(f)...) {
			t.Run(tc.name, func(t *testing.T) {
				before := dump(t, db)
				h := http.Header{"Apikey": {key}}
				switch tc.contentType {
				case "":
					h.Set("Content-Type", "application/json")
				case "-":
				default:
					h.Set("Content-Type", tc.contentType)
				}
				r := s.callRaw(tc.method, api+tc.path, h, []byte(tc.body))
				what := tc.method + " " + tc.path
				checkProblem(t, what, r, tc.status, tc.code, tc.field)
				if diff := cmp.Diff(before, dump(t, db)); diff != "" {
					t.Errorf("%s changed the account (-before +after):\n%s", what, diff)
				}
			})
		}
	})
}

// genericBadInput is what every JSON endpoint must refuse the same way.
func genericBadInput(f inputFixture) []badInput {
	endpoints := []struct{ method, path string }{
		{"POST", "/agent"}, {"PUT", fmt.Sprintf("/agent/%d", f.agent)},
		{"POST", "/customer"}, {"PUT", fmt.Sprintf("/customer/%d", f.customer)},
		{"POST", "/queue"}, {"PUT", fmt.Sprintf("/queue/%d", f.queue)},
		{"POST", "/topic"}, {"POST", "/group"}, {"POST", "/tag"},
		{"PUT", "/settings"}, {"PUT", "/profile"}, {"POST", "/profile/apikeys"},
	}
	huge := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	var out []badInput
	for _, e := range endpoints {
		add := func(name, ct, body string, status int, code, field string) {
			out = append(out, badInput{name: e.method + " " + e.path + " " + name, method: e.method, path: e.path,
				contentType: ct, body: body, status: status, code: code, field: field})
		}
		add("malformed", "", `{"name": "x",`, 400, sympoq.FieldJSON, "body")
		add("empty body", "", ``, 400, sympoq.FieldJSON, "body")
		add("trailing value", "", `{} {}`, 400, sympoq.FieldJSON, "body")
		add("array", "", `[{"name":"x"}]`, 400, sympoq.FieldType, "body")
		add("unknown field", "", `{"bogus": 1}`, 400, sympoq.FieldUnknown, "bogus")
		add("text/plain", "text/plain", `{"name":"x"}`, 415, sympoq.EUnsupported, "")
		add("over 1 MiB", "", huge, 413, sympoq.ETooLarge, "")
		if e.path != "/agent" && e.path != "/settings" {
			continue
		}
		// Variants of the same failures, on one endpoint of each decoder.
		add("syntax error", "", `{name: "x"}`, 400, sympoq.FieldJSON, "body")
		add("empty body without content type", "-", ``, 400, sympoq.FieldJSON, "body")
		add("blank body", "", " \r\n\t", 400, sympoq.FieldJSON, "body")
		add("trailing garbage", "", `{}x`, 400, sympoq.FieldJSON, "body")
		add("string", "", `"name"`, 400, sympoq.FieldType, "body")
		add("form", "application/x-www-form-urlencoded", `name=x`, 415, sympoq.EUnsupported, "")
		add("bad content type", ";;", `{"name":"x"}`, 415, sympoq.EUnsupported, "")
	}
	return out
}

// specificBadInput are the per-field cases: wrong types, out-of-range and
// over-long values, duplicates and read-only fields.
func specificBadInput(f inputFixture) []badInput {
	agent := fmt.Sprintf("/agent/%d", f.agent)
	customer := fmt.Sprintf("/customer/%d", f.customer)
	queue := fmt.Sprintf("/queue/%d", f.queue)
	long := func(n int) string { return strings.Repeat("x", n) }
	j := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	const (
		bad      = 400
		readonly = 403
	)
	return []badInput{
		// Wrong types name the field, nested ones with their path.
		{"agent name number", "POST", "/agent", "", `{"name": 5}`, bad, sympoq.FieldType, "name"},
		{"agent administrator string", "POST", "/agent", "", `{"name":"X","email":"x@example.com","administrator":"yes"}`, bad, sympoq.FieldType, "administrator"},
		{"agent permissions object", "POST", "/agent", "", `{"name":"X","email":"x@example.com","permissions":{"queue":1}}`, bad, sympoq.FieldType, "permissions"},
		{"agent permission queue string", "POST", "/agent", "", `{"name":"X","email":"x@example.com","permissions":[{"queue":"1","role":"Agent"}]}`, bad, sympoq.FieldType, "permissions.queue"},
		{"agent permission unknown field", "PUT", agent, "", `{"permissions":[{"queue":1,"role":"Agent","agent":3}]}`, bad, sympoq.FieldUnknown, "agent"},
		{"agent active null", "PUT", agent, "", `{"active": null}`, bad, sympoq.FieldInvalid, "active"},
		{"customer group bool", "POST", "/customer", "", `{"name":"X","group":true}`, bad, sympoq.FieldType, "group"},
		{"customer role number", "POST", "/customer", "", `{"name":"X","role":5}`, bad, sympoq.FieldType, "role"},
		{"customer phone number", "PUT", customer, "", `{"phone": 123}`, bad, sympoq.FieldType, "phone"},
		{"queue sequence string", "POST", "/queue", "", `{"name":"Q","sequence":"10"}`, bad, sympoq.FieldType, "sequence"},
		{"queue sequence fraction", "POST", "/queue", "", `{"name":"Q","sequence":1.5}`, bad, sympoq.FieldType, "sequence"},
		{"queue sequence huge", "PUT", queue, "", `{"sequence":1e40}`, bad, sympoq.FieldType, "sequence"},
		{"queue addresses string", "POST", "/queue", "", `{"name":"Q","addresses":"q@example.com"}`, bad, sympoq.FieldType, "addresses"},
		{"queue permission agent string", "PUT", queue, "", `{"permissions":[{"agent":"x","role":"Agent"}]}`, bad, sympoq.FieldType, "permissions.agent"},
		{"queue permission unknown field", "PUT", queue, "", `{"permissions":[{"agent":1,"role":"Agent","queue":1}]}`, bad, sympoq.FieldUnknown, "queue"},
		{"topic active string", "POST", "/topic", "", `{"name":"T","active":"yes"}`, bad, sympoq.FieldType, "active"},
		{"topic queue name", "POST", "/topic", "", `{"name":"T","queue":"Inbox"}`, bad, sympoq.FieldType, "queue"},
		{"group sequence bool", "POST", "/group", "", `{"name":"G","sequence":true}`, bad, sympoq.FieldType, "sequence"},
		{"tag name array", "POST", "/tag", "", `{"name":["a"]}`, bad, sympoq.FieldType, "name"},
		{"settings general string", "PUT", "/settings", "", `{"general":"x"}`, bad, sympoq.FieldType, "general"},
		{"settings read string", "PUT", "/settings", "", `{"rate_limits":{"read":"600"}}`, bad, sympoq.FieldType, "rate_limits.read"},
		{"settings guest number", "PUT", "/settings", "", `{"general":{"guest":{"submit_request":1}}}`, bad, sympoq.FieldType, "general.guest.submit_request"},
		{"settings target number", "PUT", "/settings", "", `{"service_targets":{"low":{"first_response":5}}}`, bad, sympoq.FieldType, "service_targets.low.first_response"},
		{"settings nested unknown", "PUT", "/settings", "", `{"general":{"colour":"red"}}`, bad, sympoq.FieldUnknown, "colour"},
		{"profile notifications string", "PUT", "/profile", "", `{"notifications":"on"}`, bad, sympoq.FieldType, "notifications"},
		{"apikey scopes string", "POST", "/profile/apikeys", "", `{"name":"k","scopes":"read"}`, bad, sympoq.FieldType, "scopes"},
		{"apikey expires number", "POST", "/profile/apikeys", "", `{"name":"k","expires":5}`, bad, sympoq.FieldType, "expires"},
		{"apikey expires not RFC 3339", "POST", "/profile/apikeys", "", `{"name":"k","expires":"tomorrow"}`, bad, sympoq.FieldType, "expires"},
		{"apikey expires bad month", "POST", "/profile/apikeys", "", `{"name":"k","expires":"2030-13-01T00:00:00Z"}`, bad, sympoq.FieldType, "expires"},

		// Values out of range, or not among the allowed ones.
		{"queue sequence -1", "POST", "/queue", "", `{"name":"Q","sequence":-1}`, bad, sympoq.FieldInvalid, "sequence"},
		{"queue sequence too big", "PUT", queue, "", `{"sequence":1000001}`, bad, sympoq.FieldInvalid, "sequence"},
		{"topic sequence -1", "POST", "/topic", "", `{"name":"T","sequence":-1}`, bad, sympoq.FieldInvalid, "sequence"},
		{"group sequence -1", "POST", "/group", "", `{"name":"G","sequence":-1}`, bad, sympoq.FieldInvalid, "sequence"},
		{"topic unknown queue", "POST", "/topic", "", `{"name":"T","queue":99999}`, bad, sympoq.FieldInvalid, "queue"},
		{"queue unknown agent", "PUT", queue, "", `{"permissions":[{"agent":99999,"role":"Agent"}]}`, bad, sympoq.FieldInvalid, "permissions[0].agent"},
		{"queue customer as agent", "PUT", queue, "", j(map[string]any{"permissions": []map[string]any{{"agent": f.customer, "role": "Agent"}}}), bad, sympoq.FieldInvalid, "permissions[0].agent"},
		{"queue bad role", "PUT", queue, "", j(map[string]any{"permissions": []map[string]any{{"agent": f.agent, "role": "Boss"}}}), bad, sympoq.FieldInvalid, "permissions[0].role"},
		{"queue agent twice", "PUT", queue, "", j(map[string]any{"permissions": []map[string]any{{"agent": f.agent, "role": "Agent"}, {"agent": f.agent, "role": "Queue Manager"}}}), bad, sympoq.FieldDuplicate, "permissions[1].agent"},
		{"queue bad address", "POST", "/queue", "", `{"name":"Q","addresses":["not an address"]}`, bad, sympoq.FieldInvalid, "addresses[0]"},
		{"settings read 0", "PUT", "/settings", "", `{"rate_limits":{"read":0}}`, bad, sympoq.FieldInvalid, "rate_limits.read"},
		{"settings write -1", "PUT", "/settings", "", `{"rate_limits":{"write":-1}}`, bad, sympoq.FieldInvalid, "rate_limits.write"},
		{"settings password_min_length 3", "PUT", "/settings", "", `{"general":{"password_min_length":3}}`, bad, sympoq.FieldInvalid, "general.password_min_length"},
		{"settings unknown time zone", "PUT", "/settings", "", `{"general":{"time_zone":"Mars/Olympus_Mons"}}`, bad, sympoq.FieldInvalid, "general.time_zone"},
		{"settings time zone Local", "PUT", "/settings", "", `{"general":{"time_zone":"Local"}}`, bad, sympoq.FieldInvalid, "general.time_zone"},
		{"settings time zone path", "PUT", "/settings", "", `{"general":{"time_zone":"../../etc/passwd"}}`, bad, sympoq.FieldInvalid, "general.time_zone"},
		{"settings ticket id unknown token", "PUT", "/settings", "", `{"ticket_id_format":"{Q}"}`, bad, sympoq.FieldInvalid, "ticket_id_format"},
		{"settings ticket id no randomness", "PUT", "/settings", "", `{"ticket_id_format":"AB"}`, bad, sympoq.FieldInvalid, "ticket_id_format"},
		{"settings ticket id two random", "PUT", "/settings", "", `{"ticket_id_format":"{MM}-{L}{L}"}`, bad, sympoq.FieldInvalid, "ticket_id_format"},
		{"settings ticket id unclosed", "PUT", "/settings", "", `{"ticket_id_format":"{SEQ"}`, bad, sympoq.FieldInvalid, "ticket_id_format"},
		{"settings theme", "PUT", "/settings", "", `{"general":{"theme":"neon"}}`, bad, sympoq.FieldInvalid, "general.theme"},
		{"settings day_end", "PUT", "/settings", "", `{"general":{"working_time":{"always":false,"day_start":9,"day_end":9}}}`, bad, sympoq.FieldInvalid, "general.working_time.day_end"},
		{"settings unknown default queue", "PUT", "/settings", "", `{"general":{"default_queue":99999}}`, bad, sympoq.FieldInvalid, "general.default_queue"},
		{"settings service target", "PUT", "/settings", "", `{"service_targets":{"low":{"first_response":"soon"}}}`, bad, sympoq.FieldInvalid, "service_targets.low.first_response"},
		{"settings max_file_mb 0", "PUT", "/settings", "", `{"attachments":{"max_file_mb":0}}`, bad, sympoq.FieldInvalid, "attachments.max_file_mb"},
		{"agent unknown queue", "POST", "/agent", "", `{"name":"X","email":"x@example.com","permissions":[{"queue":99999,"role":"Agent"}]}`, bad, sympoq.FieldInvalid, "permissions[0].queue"},
		{"agent bad role", "POST", "/agent", "", `{"name":"X","email":"x@example.com","permissions":[{"queue":1,"role":"Boss"}]}`, bad, sympoq.FieldInvalid, "permissions[0].role"},
		{"agent queue twice", "PUT", agent, "", `{"permissions":[{"queue":1,"role":"Agent"},{"queue":1,"role":"Queue Manager"}]}`, bad, sympoq.FieldDuplicate, "permissions[1].queue"},
		{"agent bad email", "POST", "/agent", "", `{"name":"X","email":"not-an-email"}`, bad, sympoq.FieldInvalid, "email"},
		{"agent short username", "POST", "/agent", "", `{"name":"X","username":"abc"}`, bad, sympoq.FieldInvalid, "username"},
		{"agent username characters", "PUT", agent, "", `{"username":"ann agent"}`, bad, sympoq.FieldInvalid, "username"},
		{"agent no username", "POST", "/agent", "", `{"name":"X"}`, bad, sympoq.FieldMissing, "username"},
		{"agent short password", "POST", "/agent", "", `{"name":"X","email":"x@example.com","password":"abc"}`, bad, sympoq.FieldInvalid, "password"},
		{"agent customer field", "POST", "/agent", "", `{"name":"X","email":"x@example.com","company":"Acme"}`, bad, sympoq.FieldUnknown, "company"},
		{"agent control character", "POST", "/agent", "", `{"name":"X\u0000Y","email":"x@example.com"}`, bad, sympoq.FieldInvalid, "name"},
		{"agent empty name", "PUT", agent, "", `{"name":"  "}`, bad, sympoq.FieldMissing, "name"},
		{"customer no name", "POST", "/customer", "", `{"email":"x@example.com"}`, bad, sympoq.FieldMissing, "name"},
		{"customer bad role", "POST", "/customer", "", `{"name":"X","role":"Boss"}`, bad, sympoq.FieldInvalid, "role"},
		{"customer unknown group", "POST", "/customer", "", `{"name":"X","group":"Nope"}`, bad, sympoq.FieldInvalid, "group"},
		{"customer unknown group id", "PUT", customer, "", `{"group":99999}`, bad, sympoq.FieldInvalid, "group"},
		{"customer javascript url", "POST", "/customer", "", `{"name":"X","url":"javascript:alert(1)"}`, bad, sympoq.FieldInvalid, "url"},
		{"customer agent field", "PUT", customer, "", `{"administrator":true}`, bad, sympoq.FieldUnknown, "administrator"},
		{"customer control character", "PUT", customer, "", `{"city":"Ber\u0007lin"}`, bad, sympoq.FieldInvalid, "city"},
		{"customer send_registration on PUT", "PUT", customer, "", `{"send_registration":true}`, bad, sympoq.FieldUnknown, "send_registration"},
		{"tag comma", "POST", "/tag", "", `{"name":"a,b"}`, bad, sympoq.FieldInvalid, "name"},
		{"tag sequence", "POST", "/tag", "", `{"name":"T","sequence":1}`, bad, sympoq.FieldUnknown, "sequence"},
		{"group active", "POST", "/group", "", `{"name":"G","active":true}`, bad, sympoq.FieldUnknown, "active"},
		{"topic addresses", "POST", "/topic", "", `{"name":"T","addresses":[]}`, bad, sympoq.FieldUnknown, "addresses"},
		{"apikey bad scope", "POST", "/profile/apikeys", "", `{"name":"k","scopes":["admin"]}`, bad, sympoq.FieldInvalid, "scopes"},
		{"apikey no scopes", "POST", "/profile/apikeys", "", `{"name":"k","scopes":[]}`, bad, sympoq.FieldInvalid, "scopes"},
		{"apikey expired", "POST", "/profile/apikeys", "", `{"name":"k","expires":"2000-01-01T00:00:00Z"}`, bad, sympoq.FieldInvalid, "expires"},
		{"apikey no name", "POST", "/profile/apikeys", "", `{"scopes":["read"]}`, bad, sympoq.FieldMissing, "name"},
		{"profile wrong current password", "PUT", "/profile", "", `{"password":"new-password-1","current_password":"wrong"}`, bad, sympoq.FieldInvalid, "current_password"},
		{"profile phone of an agent", "PUT", "/profile", "", `{"phone":"+49 30 1234"}`, bad, sympoq.FieldUnknown, "phone"},

		// Over-long strings.
		{"agent name too long", "POST", "/agent", "", j(map[string]any{"name": long(256), "email": "x@example.com"}), bad, sympoq.FieldTooLong, "name"},
		{"agent email too long", "POST", "/agent", "", j(map[string]any{"name": "X", "username": "x.agent", "email": long(250) + "@example.com"}), bad, sympoq.FieldTooLong, "email"},
		{"agent password too long", "POST", "/agent", "", j(map[string]any{"name": "X", "email": "x@example.com", "password": long(257)}), bad, sympoq.FieldTooLong, "password"},
		{"agent signature too long", "PUT", agent, "", j(map[string]any{"signature": long(10001)}), bad, sympoq.FieldTooLong, "signature"},
		{"customer company too long", "POST", "/customer", "", j(map[string]any{"name": "X", "company": long(256)}), bad, sympoq.FieldTooLong, "company"},
		{"customer city too long", "PUT", customer, "", j(map[string]any{"city": long(256)}), bad, sympoq.FieldTooLong, "city"},
		{"queue name too long", "POST", "/queue", "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		{"queue rename too long", "PUT", queue, "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		{"topic name too long", "POST", "/topic", "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		{"group name too long", "POST", "/group", "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		{"tag name too long", "POST", "/tag", "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		{"settings title too long", "PUT", "/settings", "", j(map[string]any{"general": map[string]any{"title": long(256)}}), bad, sympoq.FieldTooLong, "general.title"},
		{"settings login text too long", "PUT", "/settings", "", j(map[string]any{"general": map[string]any{"login_text": long(5001)}}), bad, sympoq.FieldTooLong, "general.login_text"},
		{"profile name too long", "PUT", "/profile", "", j(map[string]any{"name": long(256)}), bad, sympoq.FieldTooLong, "name"},
		{"apikey name too long", "POST", "/profile/apikeys", "", j(map[string]any{"name": long(101)}), bad, sympoq.FieldTooLong, "name"},
		// A body of exactly 1 MiB is read; only the field is too long.
		{"tag body of exactly 1 MiB", "POST", "/tag", "", `{"name":"` + long(1<<20-len(`{"name":""}`)) + `"}`, bad, sympoq.FieldTooLong, "name"},

		// Duplicates, compared without case.
		{"agent email taken", "POST", "/agent", "", `{"name":"Ann Two","username":"ann.two","email":"ANN@Example.COM"}`, bad, sympoq.FieldDuplicate, "email"},
		{"agent username taken", "POST", "/agent", "", `{"name":"Ann Three","username":"ANN.Agent","email":"ann3@example.com"}`, bad, sympoq.FieldDuplicate, "username"},
		{"agent rename to admin", "PUT", agent, "", `{"username":"Admin"}`, bad, sympoq.FieldDuplicate, "username"},
		{"customer email taken", "POST", "/customer", "", `{"name":"Carl Two","email":"Carl@EXAMPLE.com"}`, bad, sympoq.FieldDuplicate, "email"},
		{"customer email of an agent", "POST", "/customer", "", `{"name":"Not Ann","email":"ann@example.com"}`, bad, sympoq.FieldDuplicate, "email"},
		{"customer change to taken email", "PUT", customer, "", `{"email":"Ann@example.com"}`, bad, sympoq.FieldDuplicate, "email"},
		{"queue name taken", "POST", "/queue", "", `{"name":"inbox"}`, bad, sympoq.FieldDuplicate, "name"},
		{"queue rename to taken", "PUT", queue, "", `{"name":"INBOX"}`, bad, sympoq.FieldDuplicate, "name"},
		{"queue address twice", "POST", "/queue", "", `{"name":"Q","addresses":["q@example.com","Q@example.com"]}`, bad, sympoq.FieldDuplicate, "addresses[1]"},
		{"topic name taken", "POST", "/topic", "", `{"name":"general"}`, bad, sympoq.FieldDuplicate, "name"},
		{"group name taken", "POST", "/group", "", `{"name":"vip"}`, bad, sympoq.FieldDuplicate, "name"},
		{"tag name taken", "POST", "/tag", "", `{"name":"HELP"}`, bad, sympoq.FieldDuplicate, "name"},

		// Read-only fields are a 403, not a silent no-op.
		{"agent id", "POST", "/agent", "", `{"id":5,"name":"X","email":"x@example.com"}`, readonly, sympoq.FieldReadonly, "id"},
		{"agent change id", "PUT", agent, "", `{"id":5}`, readonly, sympoq.FieldReadonly, "id"},
		{"agent id with bad email", "PUT", agent, "", `{"id":5,"email":"not-an-email"}`, readonly, sympoq.FieldReadonly, "id"},
		{"agent type", "PUT", agent, "", `{"type":"customer"}`, readonly, sympoq.FieldReadonly, "type"},
		{"customer registered", "POST", "/customer", "", `{"name":"X","registered":true}`, readonly, sympoq.FieldReadonly, "registered"},
		{"customer change registered", "PUT", customer, "", `{"registered":false}`, readonly, sympoq.FieldReadonly, "registered"},
		{"customer created", "PUT", customer, "", `{"created":"2024-09-05T14:20:54Z"}`, readonly, sympoq.FieldReadonly, "created"},
		{"customer group_id", "PUT", customer, "", `{"group_id":1}`, readonly, sympoq.FieldReadonly, "group_id"},
		{"queue id", "POST", "/queue", "", `{"id":9,"name":"Q"}`, readonly, sympoq.FieldReadonly, "id"},
		{"queue change id", "PUT", queue, "", `{"id":1}`, readonly, sympoq.FieldReadonly, "id"},
		{"topic id", "POST", "/topic", "", `{"id":9,"name":"T"}`, readonly, sympoq.FieldReadonly, "id"},
		{"group id", "POST", "/group", "", `{"id":9,"name":"G"}`, readonly, sympoq.FieldReadonly, "id"},
		{"tag id", "POST", "/tag", "", `{"id":9,"name":"T"}`, readonly, sympoq.FieldReadonly, "id"},
		{"profile administrator", "PUT", "/profile", "", `{"administrator":false}`, readonly, sympoq.FieldReadonly, "administrator"},
		{"profile username", "PUT", "/profile", "", `{"username":"root"}`, readonly, sympoq.FieldReadonly, "username"},
		{"profile permissions", "PUT", "/profile", "", `{"permissions":[]}`, readonly, sympoq.FieldReadonly, "permissions"},
		{"profile active", "PUT", "/profile", "", `{"active":false}`, readonly, sympoq.FieldReadonly, "active"},
	}
}

// TestRejectedPutKeepsEntity checks that a PUT refused for one field does
// not apply the valid fields sent with it.
func TestRejectedPutKeepsEntity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, key := s.account("default")
		agent := s.create(key, "/agent", map[string]any{"name": "Ann Agent", "email": "ann@example.com"})
		customer := s.create(key, "/customer", map[string]any{"name": "Carl Customer", "email": "carl@example.com"})
		queue := s.create(key, "/queue", map[string]any{"name": "Billing"})
		for _, tc := range []struct {
			path string
			body any
			code string
		}{
			{fmt.Sprintf("/agent/%d", agent), map[string]any{"name": "Renamed", "email": "bad"}, sympoq.FieldInvalid},
			{fmt.Sprintf("/agent/%d", agent), map[string]any{"name": "Renamed", "permissions": []map[string]any{{"queue": 1, "role": "Agent"}, {"queue": 99999, "role": "Agent"}}}, sympoq.FieldInvalid},
			{fmt.Sprintf("/customer/%d", customer), map[string]any{"name": "Renamed", "company": "Acme", "registered": true}, sympoq.FieldReadonly},
			{fmt.Sprintf("/queue/%d", queue), map[string]any{"name": "Renamed", "sequence": -1}, sympoq.FieldInvalid},
			{"/settings", map[string]any{"general": map[string]any{"title": "Renamed"}, "rate_limits": map[string]any{"read": 0}}, sympoq.FieldInvalid},
		} {
			before := s.call("GET", "", api+tc.path, key, nil)
			r := s.call("PUT", "", api+tc.path, key, tc.body)
			if r.status < 400 || r.status >= 500 || r.problem().Code != tc.code {
				t.Errorf("PUT %s status = %d, want 4xx %s (%s)", tc.path, r.status, tc.code, r.body)
			}
			after := s.call("GET", "", api+tc.path, key, nil)
			if diff := cmp.Diff(string(before.body), string(after.body)); diff != "" {
				t.Errorf("rejected PUT %s changed it (-before +after):\n%s", tc.path, diff)
			}
		}
	})
}

// checkProblem asserts that r is the problem+json answer with status and
// code, listing field (when not "") with that code, and carrying the
// response's request id.
func checkProblem(t *testing.T, what string, r response, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s status = %d, want %d (%s)", what, r.status, status, clipBody(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s Content-Type = %q, want application/problem+json", what, ct)
	}
	p := r.problem()
	if p.Status != r.status {
		t.Errorf("%s problem status = %d, response status %d", what, p.Status, r.status)
	}
	if p.Code != code {
		t.Errorf("%s code = %q, want %q (%s)", what, p.Code, code, clipBody(r.body))
	}
	if id := r.header.Get("X-Request-Id"); id == "" || p.RequestID != id {
		t.Errorf("%s request_id = %q, X-Request-Id = %q; want them equal and set", what, p.RequestID, id)
	}
	if field == "" {
		if len(p.Errors) != 0 {
			t.Errorf("%s errors = %+v, want none", what, p.Errors)
		}
		return
	}
	found := false
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code && e.Message != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("%s errors = %+v, want field %q with code %q", what, p.Errors, field, code)
	}
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// callRaw sends a request with exactly the given headers and body.
func (s *stack) callRaw(method, path string, h http.Header, body []byte) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// create POSTs body to path (under the API prefix), requires 201 and returns
// the new entity's id.
func (s *stack) create(key, path string, body any) int64 {
	s.t.Helper()
	r := s.call("POST", "", api+path, key, body)
	if r.status != http.StatusCreated {
		s.t.Fatalf("POST %s status = %d, want 201 (%s)", path, r.status, r.body)
	}
	var v struct{ ID int64 }
	r.decode(s.t, &v)
	return v.ID
}

// unlimit lifts the account's rate limits, for a test that sends more than
// a minute's budget with one key. It writes the store directly, before any
// request has cached the limits.
func (s *stack) unlimit(accountID int64) {
	s.t.Helper()
	ctx := context.Background()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, accountID)
		if err != nil {
			return err
		}
		set.RateLimits = sympoq.RateLimits{Read: 1000000, Write: 1000000}
		return tx.SaveSettings(ctx, accountID, set)
	})
	if err != nil {
		s.t.Fatalf("lift the rate limits: %v", err)
	}
}

// keyFor makes an API key for a user straight through the use cases, as the
// user would on their profile page.
func (s *stack) keyFor(accountID, userID int64, scopes ...sympoq.Scope) string {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.db.Read().User(ctx, accountID, userID)
	if err != nil {
		s.t.Fatalf("User(%d): %v", userID, err)
	}
	if len(scopes) == 0 {
		scopes = []sympoq.Scope{sympoq.ScopeRead, sympoq.ScopeWrite}
	}
	k, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(u), desk.APIKeyInput{Name: desk.Some("test"), Scopes: desk.Some(scopes)})
	if err != nil {
		s.t.Fatalf("CreateAPIKey for user %d: %v", userID, err)
	}
	return k.Key
}

// dump renders every row of the account-data tables (leaving out the key
// bookkeeping that each request updates) and the job queue, so that a test
// can tell that a request wrote nothing. It reads the store directly: a
// snapshot through the API would cost dozens of requests per case.
func dump(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT * FROM accounts ORDER BY id`,
		`SELECT * FROM settings ORDER BY account_id`,
		`SELECT * FROM users ORDER BY id`,
		`SELECT * FROM customer_groups ORDER BY id`,
		`SELECT * FROM queues ORDER BY id`,
		`SELECT * FROM queue_permissions ORDER BY queue_id, agent_id`,
		`SELECT * FROM queue_addresses ORDER BY address`,
		`SELECT * FROM topics ORDER BY id`,
		`SELECT * FROM tags ORDER BY id`,
		`SELECT id, account_id, user_id, name, prefix, hash, scopes, created_at, expires_at, revoked_at FROM api_keys ORDER BY id`,
		`SELECT count(*) FROM river_job`,
		`SELECT * FROM kb_categories ORDER BY id`,
		`SELECT * FROM kb_category_groups ORDER BY category_id, group_id`,
		`SELECT * FROM kb_articles ORDER BY id`,
	} {
		rows, err := db.Writer().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s\n", q)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %s=%v", cols[i], v)
			}
			b.WriteString("\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows.Close()
	}
	return b.String()
}

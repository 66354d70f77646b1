package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// listedCustomer is a customer of the list fixture. Values that sort start
// with distinct letters, so that byte order and the PostgreSQL collation
// agree on the expected order.
type listedCustomer struct {
	id                                int64
	name, email, role, group, company string
	country                           string
}

// TestCustomerList checks the filters, sorts, paging, counting and CSV
// export of GET /customers, and GET /users.
func TestCustomerList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, key := s.account("default")
		gold := s.create(key, "/group", map[string]any{"name": "Gold"})
		s.create(key, "/group", map[string]any{"name": "VIP"})
		s.create(key, "/agent", map[string]any{"name": "Zora Agent", "email": "zora@example.com"})
		all := []listedCustomer{
			{name: "Aaron", email: "aaron@example.com", role: "Customer", group: "Gold", company: "Acme", country: "DE"},
			{name: "Bella", email: "bella@example.net", role: "Customer Manager", group: "VIP", company: "Globex", country: "US"},
			{name: "Carla", email: "carla@example.com", role: "Customer", company: "Acme", country: "US"},
			{name: "Dario", email: "dario@example.org", role: "Customer", group: "VIP", country: "FR"},
			{name: "Erin", role: "Customer Manager", group: "Gold", company: "Initech", country: "de"},
		}
		for i := range all {
			c := &all[i]
			body := map[string]any{"name": c.name, "role": c.role, "company": c.company, "country": c.country}
			if c.email != "" {
				body["email"] = c.email
			}
			if c.group != "" {
				body["group"] = c.group
			}
			c.id = s.create(key, "/customer", body)
		}
		ids := func(cs []listedCustomer) []int64 {
			out := []int64{}
			for _, c := range cs {
				out = append(out, c.id)
			}
			return out
		}
		where := func(keep func(c listedCustomer) bool) []int64 {
			var out []listedCustomer
			for _, c := range all {
				if keep(c) {
					out = append(out, c)
				}
			}
			return ids(out)
		}
		get := func(path string, h http.Header) ([]int64, response) {
			t.Helper()
			if h == nil {
				h = http.Header{}
			}
			h.Set("apikey", key)
			r := s.callRaw("GET", api+path, h, nil)
			if r.status != http.StatusOK {
				t.Errorf("GET %s status = %d, want 200 (%s)", path, r.status, r.body)
				return nil, r
			}
			var items []struct {
				ID   int64
				Type string
			}
			r.decode(t, &items)
			out := []int64{}
			for _, it := range items {
				out = append(out, it.ID)
			}
			return out, r
		}

		t.Run("filters", func(t *testing.T) {
			q := func(s string) string { return url.QueryEscape(s) }
			for _, tc := range []struct {
				query  string
				header http.Header
				want   []int64
			}{
				{"", nil, ids(all)},
				{"?group=" + strconv.FormatInt(gold, 10), nil, where(func(c listedCustomer) bool { return c.group == "Gold" })},
				{"?group=Gold", nil, where(func(c listedCustomer) bool { return c.group == "Gold" })},
				{"?group=vip", nil, where(func(c listedCustomer) bool { return c.group == "VIP" })},
				{"?group=Nope", nil, []int64{}},
				{"?group=99999", nil, []int64{}},
				{"?role=" + q("Customer Manager"), nil, where(func(c listedCustomer) bool { return c.role == "Customer Manager" })},
				{"?role=Customer", nil, where(func(c listedCustomer) bool { return c.role == "Customer" })},
				{"?company=acme", nil, where(func(c listedCustomer) bool { return c.company == "Acme" })},
				{"?country=DE", nil, where(func(c listedCustomer) bool { return strings.EqualFold(c.country, "de") })},
				{"?q=AR", nil, where(func(c listedCustomer) bool {
					return strings.Contains(strings.ToLower(c.name+" "+c.email), "ar")
				})},
				{"?q=example.net", nil, where(func(c listedCustomer) bool { return strings.HasSuffix(c.email, "example.net") })},
				{"?q=" + q("%"), nil, []int64{}},
				{"?q=" + q("_"), nil, []int64{}},
				{"?group=Gold&role=Customer", nil, where(func(c listedCustomer) bool { return c.group == "Gold" && c.role == "Customer" })},
				// Filters as request headers; a query parameter wins.
				{"", http.Header{"Group": {"VIP"}}, where(func(c listedCustomer) bool { return c.group == "VIP" })},
				{"", http.Header{"Role": {"Customer Manager"}, "Country": {"us"}}, where(func(c listedCustomer) bool {
					return c.role == "Customer Manager" && c.country == "US"
				})},
				{"?group=Gold", http.Header{"Group": {"VIP"}}, where(func(c listedCustomer) bool { return c.group == "Gold" })},
				{"", http.Header{"Q": {"dario"}}, where(func(c listedCustomer) bool { return c.name == "Dario" })},
			} {
				got, _ := get("/customers"+tc.query, tc.header)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("GET /customers%s (headers %v) ids (-want +got):\n%s", tc.query, tc.header, diff)
				}
			}
		})

		t.Run("sort", func(t *testing.T) {
			keys := map[string]func(c listedCustomer) string{
				"name":    func(c listedCustomer) string { return c.name },
				"email":   func(c listedCustomer) string { return c.email },
				"group":   func(c listedCustomer) string { return c.group },
				"role":    func(c listedCustomer) string { return c.role },
				"company": func(c listedCustomer) string { return c.company },
				// Created in this order, so ids order them.
				"created": func(c listedCustomer) string { return "" },
			}
			for name, k := range keys {
				sorted := slices.Clone(all)
				slices.SortStableFunc(sorted, func(a, b listedCustomer) int {
					if c := strings.Compare(k(a), k(b)); c != 0 {
						return c
					}
					return int(a.id - b.id)
				})
				asc := ids(sorted)
				desc := slices.Clone(asc)
				slices.Reverse(desc)
				for _, tc := range []struct {
					sort string
					want []int64
				}{{name, asc}, {"-" + name, desc}} {
					got, _ := get("/customers?sort="+tc.sort, nil)
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("GET /customers?sort=%s ids (-want +got):\n%s", tc.sort, diff)
					}
					// Paging by one visits the same order, each customer once.
					paged := s.walk(t, key, "/customers?limit=2&sort="+tc.sort, true)
					if diff := cmp.Diff(tc.want, paged); diff != "" {
						t.Errorf("paging /customers?sort=%s&limit=2 ids (-want +got):\n%s", tc.sort, diff)
					}
				}
			}
			if got, _ := get("/customers", http.Header{"Sort": {"-name"}}); got != nil && got[0] != all[len(all)-1].id {
				t.Errorf("GET /customers with header sort: -name = %v, want %s first", got, all[len(all)-1].name)
			}
		})

		t.Run("paging", func(t *testing.T) {
			for _, link := range []bool{true, false} {
				got := s.walk(t, key, "/customers?limit=2", link)
				if diff := cmp.Diff(ids(all), got); diff != "" {
					t.Errorf("paging /customers?limit=2 (follow Link %v) ids (-want +got):\n%s", link, diff)
				}
			}
			got := s.walk(t, key, "/customers?limit=1&role="+url.QueryEscape("Customer Manager")+"&sort=-company", false)
			if diff := cmp.Diff([]int64{all[4].id, all[1].id}, got); diff != "" {
				t.Errorf("paging a filtered list ids (-want +got):\n%s", diff)
			}
			_, r := get("/customers?count=1&limit=2", nil)
			if n := r.header.Get("X-Total-Count"); n != "5" {
				t.Errorf("GET /customers?count=1 X-Total-Count = %q, want 5", n)
			}
			_, r = get("/customers?count=1&limit=1&role="+url.QueryEscape("Customer Manager"), nil)
			if n := r.header.Get("X-Total-Count"); n != "2" || r.header.Get("X-Next-Cursor") == "" {
				t.Errorf("GET /customers?count=1&limit=1&role=… X-Total-Count = %q, X-Next-Cursor = %q; want 2 and a cursor",
					n, r.header.Get("X-Next-Cursor"))
			}
			_, r = get("/customers", nil)
			for _, h := range []string{"X-Total-Count", "X-Next-Cursor", "Link"} {
				if v := r.header.Get(h); v != "" {
					t.Errorf("GET /customers (one page, no count) %s = %q, want none", h, v)
				}
			}
		})

		t.Run("bad parameters", func(t *testing.T) {
			for _, tc := range []struct {
				query, field string
			}{
				{"?sort=bogus", "sort"},
				{"?sort=-bogus", "sort"},
				{"?sort=id", "sort"},
				{"?limit=0", "limit"},
				{"?limit=501", "limit"},
				{"?limit=abc", "limit"},
				{"?limit=-1", "limit"},
				{"?cursor=garbage", "cursor"},
				{"?cursor=" + strings.Repeat("A", 600), "cursor"},
				{"?count=2", "count"},
				{"?role=Boss", "role"},
				{"?format=xml", "format"},
			} {
				r := s.call("GET", "", api+"/customers"+tc.query, key, nil)
				checkProblem(t, "GET /customers"+clipBody([]byte(tc.query)), r, http.StatusBadRequest, sympoq.FieldInvalid, tc.field)
			}
			r := s.callRaw("GET", api+"/customers", http.Header{"Apikey": {key}, "Limit": {"0"}}, nil)
			checkProblem(t, "GET /customers with header limit: 0", r, http.StatusBadRequest, sympoq.FieldInvalid, "limit")
			r = s.call("GET", "", api+"/users?type=robot", key, nil)
			checkProblem(t, "GET /users?type=robot", r, http.StatusBadRequest, sympoq.FieldInvalid, "type")
		})

		t.Run("users", func(t *testing.T) {
			r := s.call("GET", "", api+"/users?limit=500", key, nil)
			var items []map[string]any
			r.decode(t, &items)
			kinds := map[string]int{}
			for _, it := range items {
				kinds[fmt.Sprint(it["type"])]++
				_, admin := it["administrator"]
				_, role := it["role"]
				if it["type"] == "agent" && (!admin || role) || it["type"] == "customer" && (admin || !role) {
					t.Errorf("GET /users item of type %v has the wrong shape: %v", it["type"], it)
				}
			}
			if want := map[string]int{"agent": 2, "customer": 5}; !cmp.Equal(kinds, want) {
				t.Errorf("GET /users types = %v, want %v", kinds, want)
			}
			for _, typ := range []string{"agent", "customer"} {
				var items []struct{ Type string }
				s.call("GET", "", api+"/users?type="+typ, key, nil).decode(t, &items)
				if len(items) != kinds[typ] {
					t.Errorf("GET /users?type=%s = %d items, want %d", typ, len(items), kinds[typ])
				}
				for _, it := range items {
					if it.Type != typ {
						t.Errorf("GET /users?type=%s has an item of type %q", typ, it.Type)
					}
				}
			}
			got, _ := get("/agents", nil)
			if len(got) != 2 {
				t.Errorf("GET /agents = %v, want the 2 agents", got)
			}
		})

		t.Run("csv", func(t *testing.T) {
			evil := s.create(key, "/customer", map[string]any{"name": "@SUM(1+1)", "email": "fiona@example.info",
				"company": `=HYPERLINK("http://evil.example","x")`, "city": "+49", "region": "-1"})
			for _, h := range []http.Header{{"Apikey": {key}}, {"Apikey": {key}, "Format": {"csv"}}} {
				path := api + "/customers?format=csv"
				if h.Get("Format") != "" {
					path = api + "/customers"
				}
				r := s.callRaw("GET", path, h, nil)
				if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
					t.Fatalf("GET %s = %d %s, want 200 text/csv", path, r.status, r.header.Get("Content-Type"))
				}
				rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
				if err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
				header := []string{"id", "name", "email", "username", "registered", "active", "notifications", "role", "group",
					"company", "url", "country", "region", "address", "postcode", "city", "phone", "mobile", "external_id", "created"}
				if diff := cmp.Diff(header, rows[0]); diff != "" {
					t.Errorf("CSV header (-want +got):\n%s", diff)
				}
				if len(rows) != len(all)+2 {
					t.Errorf("CSV has %d rows, want a header and %d customers", len(rows), len(all)+1)
				}
				col := func(name string) int { return slices.Index(header, name) }
				found := false
				for _, row := range rows[1:] {
					if row[col("id")] != strconv.FormatInt(evil, 10) {
						continue
					}
					found = true
					for name, want := range map[string]string{"name": "'@SUM(1+1)", "company": `'=HYPERLINK("http://evil.example","x")`,
						"city": "'+49", "region": "'-1", "email": "fiona@example.info"} {
						if got := row[col(name)]; got != want {
							t.Errorf("CSV %s = %q, want %q", name, got, want)
						}
					}
				}
				if !found {
					t.Errorf("CSV lacks customer %d", evil)
				}
			}
			r := s.call("GET", "", api+"/customers?format=csv&group=Gold", key, nil)
			rows, _ := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
			if len(rows) != 3 {
				t.Errorf("GET /customers?format=csv&group=Gold = %d rows, want a header and 2 customers", len(rows))
			}
		})

		t.Run("paging under inserts", func(t *testing.T) {
			// A customer inserted before the cursor is not seen, one after
			// it is; none is repeated or skipped.
			const list = "/customers?sort=name&limit=1&q=example.com"
			r := s.call("GET", "", api+list, key, nil)
			var first []struct{ ID int64 }
			r.decode(t, &first)
			next := r.header.Get("X-Next-Cursor")
			if len(first) != 1 || next == "" {
				t.Fatalf("GET %s = %s with cursor %q, want one customer and a cursor", list, r.body, next)
			}
			early := s.create(key, "/customer", map[string]any{"name": "Aabel", "email": "aabel@example.com"})
			late := s.create(key, "/customer", map[string]any{"name": "Yuri", "email": "yuri@example.com"})
			got := append([]int64{first[0].ID}, s.walk(t, key, list+"&cursor="+url.QueryEscape(next), false)...)
			want := []int64{all[0].id, all[2].id, late} // Aaron, Carla, Yuri
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("paging with inserts ids (-want +got):\n%s", diff)
			}
			if slices.Contains(got, early) {
				t.Errorf("paging shows customer %d inserted before the cursor", early)
			}
		})
	})
}

var linkRE = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// walk pages through a list from path to its end, by the Link header or by
// X-Next-Cursor, and returns the ids in the order seen. It fails on a
// repeated id.
func (s *stack) walk(t *testing.T, key, path string, byLink bool) []int64 {
	t.Helper()
	seen := map[int64]bool{}
	out := []int64{}
	next := api + path
	for pages := 0; next != ""; pages++ {
		if pages > 100 {
			t.Fatalf("paging %s: more than 100 pages", path)
		}
		r := s.call("GET", "", next, key, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s status = %d, want 200 (%s)", next, r.status, r.body)
		}
		var items []struct{ ID int64 }
		r.decode(t, &items)
		for _, it := range items {
			if seen[it.ID] {
				t.Errorf("paging %s: id %d seen twice", path, it.ID)
			}
			seen[it.ID] = true
			out = append(out, it.ID)
		}
		link, cursor := r.header.Get("Link"), r.header.Get("X-Next-Cursor")
		if (link == "") != (cursor == "") {
			t.Fatalf("GET %s: Link %q and X-Next-Cursor %q must come together", next, link, cursor)
		}
		if cursor == "" {
			break
		}
		if byLink {
			m := linkRE.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("GET %s: Link = %q, want <…>; rel=\"next\"", next, link)
			}
			u, err := url.Parse(m[1])
			if err != nil || u.Query().Get("cursor") != cursor {
				t.Fatalf("GET %s: Link %q does not carry X-Next-Cursor %q", next, link, cursor)
			}
			next = m[1]
		} else {
			u, _ := url.Parse(next)
			v := u.Query()
			v.Set("cursor", cursor)
			u.RawQuery = v.Encode()
			next = u.String()
		}
	}
	return out
}

// TestCustomerRegistration checks that send_registration enqueues one
// registration_email job with the customer in the transaction that creates
// them, and nothing when the request fails.
func TestCustomerRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		// The stack's runner is not started, so the jobs stay in the table
		// to be counted.
		acct, key := s.account("default")
		queued := func() []string {
			t.Helper()
			args := "args::text"
			if db.Dialect() == store.SQLite {
				args = "json(args)" // River keeps SQLite's args as JSONB
			}
			rows, err := db.Writer().QueryContext(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = 'registration_email' ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				var args struct {
					AccountID int64 `json:"account_id"`
					UserID    int64 `json:"user_id"`
				}
				if err := json.Unmarshal(b, &args); err != nil {
					t.Fatalf("job args %s: %v", b, err)
				}
				out = append(out, fmt.Sprintf("%d/%d", args.AccountID, args.UserID))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}

		id := s.create(key, "/customer", map[string]any{"name": "Reggie", "email": "reggie@example.com", "send_registration": true})
		want := []string{fmt.Sprintf("%d/%d", acct, id)}
		if diff := cmp.Diff(want, queued()); diff != "" {
			t.Errorf("jobs after POST /customer with send_registration (-want +got):\n%s", diff)
		}

		before := dump(t, db)
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
			code  string
		}{
			{"no email", map[string]any{"name": "Nomail", "send_registration": true}, "send_registration", sympoq.FieldInvalid},
			{"email taken", map[string]any{"name": "Reggie Two", "email": "REGGIE@example.com", "send_registration": true}, "email", sympoq.FieldDuplicate},
			{"not a bool", map[string]any{"name": "Str", "email": "str@example.com", "send_registration": "yes"}, "send_registration", sympoq.FieldType},
		} {
			r := s.call("POST", "", api+"/customer", key, tc.body)
			checkProblem(t, "POST /customer "+tc.name, r, http.StatusBadRequest, tc.code, tc.field)
		}
		r := s.call("POST", "", api+"/agent", key, map[string]any{"name": "Agent Reg", "email": "agentreg@example.com", "send_registration": true})
		checkProblem(t, "POST /agent with send_registration", r, http.StatusBadRequest, sympoq.FieldUnknown, "send_registration")
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("refused registrations changed the account or the jobs (-before +after):\n%s", diff)
		}

		// No email asked for, or the customer is registered already.
		s.create(key, "/customer", map[string]any{"name": "Quiet", "email": "quiet@example.com"})
		s.create(key, "/customer", map[string]any{"name": "Quiet Two", "email": "quiet2@example.com", "send_registration": false})
		s.create(key, "/customer", map[string]any{"name": "Has Password", "email": "haspw@example.com", "password": "a-password", "send_registration": true})
		if diff := cmp.Diff(want, queued()); diff != "" {
			t.Errorf("jobs after customers that need no registration email (-want +got):\n%s", diff)
		}
	})
}

// TestDeleteCustomer checks that DELETE deactivates: 410, and the customer
// stays, inactive, with their key refused.
func TestDeleteCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, key := s.account("default")
		id := s.create(key, "/customer", map[string]any{"name": "Gone Soon", "email": "gone@example.com", "password": "gone-password"})
		agent := s.create(key, "/agent", map[string]any{"name": "Ann Agent", "email": "ann@example.com"})
		custKey := s.keyFor(acct, id)
		path := fmt.Sprintf("/customer/%d", id)
		r := s.call("DELETE", "", api+path, key, nil)
		if r.status != http.StatusGone {
			t.Fatalf("DELETE %s status = %d, want 410 (%s)", path, r.status, r.body)
		}
		var c struct {
			Active     bool
			Registered bool
			Name       string
		}
		s.call("GET", "", api+path, key, nil).decode(t, &c)
		if c.Active || !c.Registered || c.Name != "Gone Soon" {
			t.Errorf("GET %s after DELETE = %+v, want the inactive customer with their data", path, c)
		}
		var list []struct {
			ID     int64
			Active bool
		}
		s.call("GET", "", api+"/customers", key, nil).decode(t, &list)
		if len(list) != 1 || list[0].ID != id || list[0].Active {
			t.Errorf("GET /customers after DELETE = %+v, want the customer, inactive", list)
		}
		if r := s.call("GET", "", api+"/profile", custKey, nil); r.status != http.StatusUnauthorized {
			t.Errorf("GET /profile with the deleted customer's key status = %d, want 401", r.status)
		}
		if r := s.call("DELETE", "", api+path, key, nil); r.status != http.StatusGone {
			t.Errorf("DELETE %s again status = %d, want 410 (%s)", path, r.status, r.body)
		}
		for _, p := range []string{fmt.Sprintf("/customer/%d", agent), fmt.Sprintf("/agent/%d", id), "/customer/99999"} {
			checkProblem(t, "DELETE "+p, s.call("DELETE", "", api+p, key, nil), http.StatusNotFound, sympoq.ENotFound, "")
		}
		checkProblem(t, "DELETE /customer/abc", s.call("DELETE", "", api+"/customer/abc", key, nil), http.StatusBadRequest, sympoq.FieldInvalid, "id")
	})
}

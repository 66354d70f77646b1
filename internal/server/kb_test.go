package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// kbFixture is an account with one category of each access (a customer
// category for the Gold group and one for every customer), a published
// article in each, a draft, and a key for each role.
type kbFixture struct {
	account  int64
	cat, art map[string]int64
	keys     map[string]string // role → key
	ticket   string            // an open ticket about zebras, of the customer "none"
}

func newKBFixture(t *testing.T, s *stack) kbFixture {
	t.Helper()
	f := kbFixture{cat: map[string]int64{}, art: map[string]int64{}, keys: map[string]string{}}
	var adminKey string
	f.account, adminKey = s.account("default")
	s.unlimit(f.account)
	f.keys["administrator"] = adminKey
	gold := s.create(adminKey, "/group", map[string]any{"name": "Gold"})
	silver := s.create(adminKey, "/group", map[string]any{"name": "Silver"})
	for name, body := range map[string]map[string]any{
		"internal":  {"title": "Internal", "access": "internal"},
		"gold":      {"title": "Gold customers", "access": "customer", "groups": []int64{gold}},
		"customers": {"title": "Gold and Silver", "access": "customer", "groups": []int64{gold, silver}},
		"public":    {"title": "Public", "access": "public", "icon": "globe"},
	} {
		f.cat[name] = s.create(adminKey, "/kb/category", body)
		f.art[name] = s.create(adminKey, "/kb/article", map[string]any{"category": f.cat[name], "title": "Zebra care " + name,
			"body": "How to feed the zebras (" + name + ").", "published": true})
	}
	f.art["draft"] = s.create(adminKey, "/kb/article", map[string]any{"category": f.cat["public"], "title": "Zebra draft",
		"body": "Zebras, not yet published.", "published": false})
	agent := s.create(adminKey, "/agent", map[string]any{"name": "Andy Agent", "email": "andy@example.com",
		"permissions": []map[string]any{{"queue": 1, "role": "Agent"}}})
	f.keys["agent"] = s.keyFor(f.account, agent)
	for role, body := range map[string]map[string]any{
		"gold customer":     {"name": "Gina Gold", "email": "gina@example.com", "group": gold},
		"gold manager":      {"name": "Gus Gold", "email": "gus@example.com", "group": gold, "role": "Customer Manager"},
		"silver customer":   {"name": "Sam Silver", "email": "sam@example.com", "group": silver},
		"no-group customer": {"name": "Nina None", "email": "nina@example.com"},
	} {
		f.keys[role] = s.keyFor(f.account, s.create(adminKey, "/customer", body))
	}
	r := s.call("POST", "", api+"/request", f.keys["no-group customer"], map[string]any{"subject": "Zebra feeding",
		"description": "How often should the zebras be fed?"})
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var tk struct{ ID string }
	r.decode(t, &tk)
	f.ticket = tk.ID
	return f
}

// TestKnowledgeBaseAccess walks roles × access levels through every path
// that shows knowledge-base content: the category list and each category,
// the article list, search, each category's list, each article, and the
// suggestions; guests through the use cases the public pages call.
func TestKnowledgeBaseAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newKBFixture(t, s)
		all := []string{"internal", "gold", "customers", "public", "draft"}
		reads := map[string][]string{
			"administrator":     {"internal", "gold", "customers", "public", "draft"},
			"agent":             {"internal", "gold", "customers", "public"},
			"gold customer":     {"gold", "customers", "public"},
			"gold manager":      {"gold", "customers", "public"},
			"silver customer":   {"customers", "public"},
			"no-group customer": {"public"},
		}
		ids := func(t *testing.T, r response) []int64 {
			t.Helper()
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var xs []struct{ ID int64 }
			r.decode(t, &xs)
			var out []int64
			for _, x := range xs {
				out = append(out, x.ID)
			}
			slices.Sort(out)
			return out
		}
		expect := func(names []string, m map[string]int64) []int64 {
			var out []int64
			for _, n := range names {
				if id, ok := m[n]; ok {
					out = append(out, id)
				}
			}
			slices.Sort(out)
			return out
		}
		for role, may := range reads {
			t.Run(role, func(t *testing.T) {
				key := f.keys[role]
				if got, want := ids(t, s.call("GET", "", api+"/kb/categories", key, nil)), expect(may, f.cat); !slices.Equal(got, want) {
					t.Errorf("GET /kb/categories = %v, want %v", got, want)
				}
				var cats []struct{ ID, Articles int64 }
				s.call("GET", "", api+"/kb/categories", key, nil).decode(t, &cats)
				for _, c := range cats {
					want := int64(1) // one published article each, and the draft for editors
					if c.ID == f.cat["public"] && slices.Contains(may, "draft") {
						want = 2
					}
					if c.Articles != want {
						t.Errorf("category %d counts %d articles, want %d", c.ID, c.Articles, want)
					}
				}
				wantArts := expect(may, f.art)
				if got := ids(t, s.call("GET", "", api+"/kb/articles", key, nil)); !slices.Equal(got, wantArts) {
					t.Errorf("GET /kb/articles = %v, want %v", got, wantArts)
				}
				if got := ids(t, s.call("GET", "", api+"/kb/articles?q=zebra", key, nil)); !slices.Equal(got, wantArts) {
					t.Errorf("GET /kb/articles?q=zebra = %v, want %v", got, wantArts)
				}
				for _, name := range all {
					if id, ok := f.cat[name]; ok {
						want := 404
						if slices.Contains(may, name) {
							want = 200
						}
						if r := s.call("GET", "", api+fmt.Sprint("/kb/category/", id), key, nil); r.status != want {
							t.Errorf("GET category %s = %d, want %d", name, r.status, want)
						}
						if r := s.call("GET", "", api+fmt.Sprint("/kb/articles?q=zebra&category=", id), key, nil); r.status != want {
							t.Errorf("search in category %s = %d, want %d", name, r.status, want)
						}
					}
					want := 404
					if slices.Contains(may, name) {
						want = 200
					}
					r := s.call("GET", "", api+fmt.Sprint("/kb/article/", f.art[name]), key, nil)
					if r.status != want {
						t.Errorf("GET article %s = %d, want %d", name, r.status, want)
					}
				}
				r := s.call("GET", "", api+"/ticket/"+f.ticket+"/suggestions", key, nil)
				if !strings.Contains(role, "customer") && !strings.Contains(role, "manager") {
					if r.status != 200 {
						t.Fatalf("suggestions = %d %s", r.status, r.body)
					}
					var ss []struct {
						Type    string
						Article *int64
						Matched []string
					}
					r.decode(t, &ss)
					var got []int64
					for _, x := range ss {
						if x.Type == "article" {
							got = append(got, *x.Article)
							if !slices.Contains(x.Matched, "zebra") && !slices.Contains(x.Matched, "zebras") {
								t.Errorf("suggestion %d matched %v, want zebra", *x.Article, x.Matched)
							}
						}
					}
					slices.Sort(got)
					// Suggestions offer published articles only, even to editors.
					if want := expect(slices.DeleteFunc(slices.Clone(may), func(n string) bool { return n == "draft" }), f.art); !slices.Equal(got, want) {
						t.Errorf("suggested articles = %v, want %v", got, want)
					}
				} else if r.status != 403 {
					t.Errorf("suggestions for a customer = %d, want 403", r.status)
				}
			})
		}

		t.Run("guest", func(t *testing.T) {
			ctx := context.Background()
			guest := sympoq.Guest(f.account)
			check := func(toggle bool, want []string) {
				t.Helper()
				cs, err := s.desk.KBCategories(ctx, guest)
				must(t, err)
				var got []int64
				for _, c := range cs {
					got = append(got, c.ID)
				}
				slices.Sort(got)
				if w := expect(want, f.cat); !slices.Equal(got, w) {
					t.Errorf("toggle %v: guest categories = %v, want %v", toggle, got, w)
				}
				for _, q := range []string{"", "zebra"} {
					as, _, err := s.desk.KBArticles(ctx, guest, desk.KBQuery{Q: q})
					must(t, err)
					got = got[:0]
					for _, a := range as {
						got = append(got, a.ID)
					}
					slices.Sort(got)
					if w := expect(want, f.art); !slices.Equal(got, w) {
						t.Errorf("toggle %v: guest articles (q=%q) = %v, want %v", toggle, q, got, w)
					}
				}
				for _, name := range all {
					_, err := s.desk.KBArticle(ctx, guest, f.art[name])
					if slices.Contains(want, name) != (err == nil) {
						t.Errorf("toggle %v: guest reads article %s: err = %v", toggle, name, err)
					}
				}
				if _, err := s.desk.Suggestions(ctx, guest, f.ticket); sympoq.ErrorCode(err) != sympoq.EForbidden {
					t.Errorf("guest suggestions: err = %v, want forbidden", err)
				}
			}
			check(false, nil)
			r := s.call("PUT", "", api+"/settings", f.keys["administrator"], map[string]any{"general": map[string]any{"guest": map[string]any{"public_kb": true}}})
			if r.status != 200 {
				t.Fatalf("PUT /settings: %d %s", r.status, r.body)
			}
			check(true, []string{"public"})
		})
	})
}

// TestKnowledgeBaseEditing covers who may edit, bad input, deleting,
// sanitized rendering, views, search syntax and paging.
func TestKnowledgeBaseEditing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newKBFixture(t, s)
		admin, agent := f.keys["administrator"], f.keys["agent"]
		ctx := context.Background()

		// Editing: administrators; agents only when allowed; never customers.
		newCat := map[string]any{"title": "Agents' corner"}
		if r := s.call("POST", "", api+"/kb/category", agent, newCat); r.status != 403 {
			t.Errorf("agent creates a category = %d, want 403", r.status)
		}
		if r := s.call("PUT", "", api+fmt.Sprint("/kb/article/", f.art["internal"]), agent, map[string]any{"title": "x"}); r.status != 403 {
			t.Errorf("agent changes an article = %d, want 403", r.status)
		}
		if r := s.call("GET", "", api+fmt.Sprint("/kb/article/", f.art["draft"]), agent, nil); r.status != 404 {
			t.Errorf("agent reads a draft = %d, want 404", r.status)
		}
		if r := s.call("PUT", "", api+"/settings", admin, map[string]any{"automation": map[string]any{"agents_edit_kb": true}}); r.status != 200 {
			t.Fatalf("PUT /settings: %d %s", r.status, r.body)
		}
		if r := s.call("POST", "", api+"/kb/category", agent, newCat); r.status != 201 {
			t.Errorf("allowed agent creates a category = %d, want 201 (%s)", r.status, r.body)
		}
		if r := s.call("GET", "", api+fmt.Sprint("/kb/article/", f.art["draft"]), agent, nil); r.status != 200 {
			t.Errorf("allowed agent reads a draft = %d, want 200", r.status)
		}
		for _, role := range []string{"gold customer", "gold manager"} {
			if r := s.call("POST", "", api+"/kb/article", f.keys[role], map[string]any{"category": f.cat["gold"], "title": "x", "body": "x"}); r.status != 403 {
				t.Errorf("%s creates an article = %d, want 403", role, r.status)
			}
			if r := s.call("DELETE", "", api+fmt.Sprint("/kb/article/", f.art["gold"]), f.keys[role], nil); r.status != 403 {
				t.Errorf("%s deletes an article = %d, want 403", role, r.status)
			}
		}

		// Bad input: precise 4xx, nothing written.
		for _, tc := range []struct {
			method, path string
			body         any
			status       int
			code, field  string
		}{
			{"POST", "/kb/category", map[string]any{}, 400, "missing_field", "title"},
			{"POST", "/kb/category", map[string]any{"title": "X", "access": "secret"}, 400, "invalid_value", "access"},
			{"POST", "/kb/category", map[string]any{"title": "X", "access": "customer", "groups": []int64{999999}}, 400, "invalid_value", "groups"},
			{"POST", "/kb/category", map[string]any{"title": "X", "access": "public", "groups": []int64{1}}, 400, "invalid_value", "groups"},
			{"POST", "/kb/category", map[string]any{"title": "X", "access": "customer"}, 400, "missing_field", "groups"},
			{"PUT", fmt.Sprint("/kb/category/", f.cat["gold"]), map[string]any{"groups": []int64{}}, 400, "missing_field", "groups"},
			{"POST", "/kb/category", map[string]any{"title": "Public"}, 400, "duplicate_value", "title"},
			{"POST", "/kb/category", map[string]any{"title": "X", "sequence": -1}, 400, "invalid_value", "sequence"},
			{"POST", "/kb/category", map[string]any{"title": "X", "colour": "red"}, 400, "invalid_field", "colour"},
			{"POST", "/kb/category", map[string]any{"title": "X", "created": "2024-01-01T00:00:00Z"}, 403, "readonly_field", "created"},
			{"POST", "/kb/article", map[string]any{"title": "X", "body": "x"}, 400, "missing_field", "category"},
			{"POST", "/kb/article", map[string]any{"category": 999999, "title": "X", "body": "x"}, 400, "invalid_value", "category"},
			{"POST", "/kb/article", map[string]any{"category": f.cat["public"], "title": "X", "body": "  "}, 400, "missing_field", "body"},
			{"POST", "/kb/article", map[string]any{"category": f.cat["public"], "title": "X", "body": "x", "kind": "novel"}, 400, "invalid_value", "kind"},
			{"POST", "/kb/article", map[string]any{"category": f.cat["public"], "title": strings.Repeat("x", 201), "body": "x"}, 400, "too_long", "title"},
			{"PUT", fmt.Sprint("/kb/article/", f.art["public"]), map[string]any{"html": "<b>x</b>"}, 403, "readonly_field", "html"},
			{"PUT", fmt.Sprint("/kb/article/", f.art["public"]), map[string]any{"views": 1000}, 403, "readonly_field", "views"},
			{"PUT", "/kb/article/999999", map[string]any{"title": "X"}, 404, "not_found", ""},
			{"GET", "/kb/articles?category=abc", nil, 400, "invalid_value", "category"},
			{"GET", "/kb/articles?limit=0", nil, 400, "invalid_value", "limit"},
			{"GET", "/kb/articles?cursor=bogus", nil, 400, "invalid_value", "cursor"},
			{"DELETE", fmt.Sprint("/kb/category/", f.cat["public"]), nil, 409, "conflict", ""},
		} {
			before := dump(t, db)
			r := s.call(tc.method, "", api+tc.path, admin, tc.body)
			checkProblem(t, tc.method+" "+tc.path, r, tc.status, tc.code, tc.field)
			if after := dump(t, db); after != before {
				t.Errorf("%s %s changed the account", tc.method, tc.path)
			}
		}

		// Deleting a category's last group narrows it to no customer; it
		// never widens to every customer.
		bronze := s.create(admin, "/group", map[string]any{"name": "Bronze"})
		bronzeKey := s.keyFor(f.account, s.create(admin, "/customer", map[string]any{"name": "Bo Bronze", "email": "bo@example.com", "group": bronze}))
		bronzeCat := s.create(admin, "/kb/category", map[string]any{"title": "Bronze", "access": "customer", "groups": []int64{bronze}})
		bronzeArt := s.create(admin, "/kb/article", map[string]any{"category": bronzeCat, "title": "Bronze", "body": "For Bronze.", "published": true})
		if r := s.call("GET", "", api+fmt.Sprint("/kb/article/", bronzeArt), bronzeKey, nil); r.status != 200 {
			t.Errorf("Bronze customer reads the Bronze article = %d", r.status)
		}
		if r := s.call("DELETE", "", api+fmt.Sprint("/group/", bronze), admin, nil); r.status != 410 {
			t.Fatalf("DELETE group = %d %s", r.status, r.body)
		}
		for _, key := range []string{bronzeKey, f.keys["no-group customer"], f.keys["silver customer"]} {
			if r := s.call("GET", "", api+fmt.Sprint("/kb/article/", bronzeArt), key, nil); r.status != 404 {
				t.Errorf("after its group went, a customer reads the Bronze article = %d, want 404", r.status)
			}
		}

		// Deleting: an article, then its emptied category.
		doomed := s.create(admin, "/kb/category", map[string]any{"title": "Doomed"})
		art := s.create(admin, "/kb/article", map[string]any{"category": doomed, "title": "Short-lived", "body": "bye"})
		if r := s.call("DELETE", "", api+fmt.Sprint("/kb/article/", art), admin, nil); r.status != 410 {
			t.Errorf("DELETE article = %d", r.status)
		}
		if r := s.call("GET", "", api+fmt.Sprint("/kb/article/", art), admin, nil); r.status != 404 {
			t.Errorf("GET deleted article = %d", r.status)
		}
		if r := s.call("GET", "", api+"/kb/articles?q=lived", admin, nil); strings.Contains(string(r.body), "Short-lived") {
			t.Errorf("a deleted article is still found: %s", r.body)
		}
		if r := s.call("DELETE", "", api+fmt.Sprint("/kb/category/", doomed), admin, nil); r.status != 410 {
			t.Errorf("DELETE empty category = %d", r.status)
		}

		// Changing an article changes what search finds.
		r := s.call("PUT", "", api+fmt.Sprint("/kb/article/", f.art["public"]), admin, map[string]any{"title": "Giraffe care", "body": "Giraffes eat leaves."})
		if r.status != 200 {
			t.Fatalf("PUT article: %d %s", r.status, r.body)
		}
		if got := s.call("GET", "", api+"/kb/articles?q=giraffe", admin, nil); !strings.Contains(string(got.body), "Giraffe care") {
			t.Errorf("search after a change: %s", got.body)
		}
		if got := s.call("GET", "", api+"/kb/articles?q=feed+public", admin, nil); strings.Contains(string(got.body), "Giraffe") {
			t.Errorf("search finds the old text: %s", got.body)
		}

		// Rendering: Markdown becomes HTML, and nothing in it can run.
		body := "# Title\n\n**bold** and [a link](https://example.com/x)\n\n<script>alert(1)</script>\n\n" +
			"<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [caps](JaVaScRiPt:alert(4)) " +
			"<a href=\"javascript:alert(5)\" onclick=\"alert(6)\">raw</a> [data](data:text/html;base64,PHNjcmlwdD4=)\n\n" +
			"| a | b |\n|---|---|\n| 1 | 2 |\n"
		r = s.call("POST", "", api+"/kb/article", admin, map[string]any{"category": f.cat["internal"], "title": "Dangerous", "body": body, "published": true})
		if r.status != 201 {
			t.Fatalf("POST article: %d %s", r.status, r.body)
		}
		var a struct {
			ID    int64
			HTML  string
			Views int64
		}
		r.decode(t, &a)
		low := strings.ToLower(a.HTML)
		for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "data:text", "alert("} {
			if strings.Contains(low, bad) {
				t.Errorf("rendered HTML contains %q: %s", bad, a.HTML)
			}
		}
		for _, good := range []string{"<h1", "<strong>bold</strong>", `href="https://example.com/x"`, `rel="nofollow`, `target="_blank"`, "<table>"} {
			if !strings.Contains(a.HTML, good) {
				t.Errorf("rendered HTML lacks %q: %s", good, a.HTML)
			}
		}

		// Views: each read counts, written in batches.
		for i := 1; i <= 3; i++ {
			r := s.call("GET", "", api+fmt.Sprint("/kb/article/", a.ID), admin, nil)
			r.decode(t, &a)
			if a.Views != int64(i) {
				t.Errorf("read %d: views = %d", i, a.Views)
			}
		}
		must(t, s.desk.FlushKBViews(ctx))
		stored, err := s.db.Read().KBArticle(ctx, f.account, a.ID)
		must(t, err)
		if stored.Views != 3 {
			t.Errorf("stored views = %d, want 3", stored.Views)
		}

		// Search: prefixes match, query syntax of either engine is only text.
		s.create(admin, "/kb/article", map[string]any{"category": f.cat["internal"], "title": "Printer setup", "body": "Add the printer.", "published": true})
		for _, q := range []string{"print", "how do I add the printer?", "Printer"} {
			if r := s.call("GET", "", api+"/kb/articles?q="+url.QueryEscape(q), admin, nil); !strings.Contains(string(r.body), "Printer setup") {
				t.Errorf("q=%q does not find the printer article: %s", q, r.body)
			}
		}
		if r := s.call("GET", "", api+"/kb/articles?q=printer+giraffe", admin, nil); strings.Contains(string(r.body), "Printer setup") {
			t.Errorf("q=printer giraffe finds an article without giraffes: %s", r.body)
		}
		// Customers do not learn which other groups read a category.
		r = s.call("GET", "", api+fmt.Sprint("/kb/category/", f.cat["customers"]), f.keys["gold customer"], nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"groups":[]`) {
			t.Errorf("a customer's view of a category = %d %s, want no groups", r.status, r.body)
		}
		if r := s.call("GET", "", api+fmt.Sprint("/kb/category/", f.cat["customers"]), agent, nil); strings.Contains(string(r.body), `"groups":[]`) {
			t.Errorf("an agent's view of a category lacks its groups: %s", r.body)
		}
		for _, q := range []string{`"`, `*`, `zebra OR giraffe`, `NEAR(zebra giraffe)`, `title:zebra`, `zebra & !giraffe | (x`, `'`, `:*`, `^zebra`, `-`, `{title}: x`, "\u00e9l\u00e8ve"} {
			r := s.call("GET", "", api+"/kb/articles?q="+url.QueryEscape(q), admin, nil)
			if r.status != 200 {
				t.Errorf("q=%q: %d %s", q, r.status, r.body)
			}
		}

		// Paging by title: every article once.
		var seen []int64
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			r := s.call("GET", "", api+"/kb/articles?limit=2&cursor="+url.QueryEscape(cursor), admin, nil)
			if r.status != 200 {
				t.Fatalf("page: %d %s", r.status, r.body)
			}
			var xs []struct{ ID int64 }
			r.decode(t, &xs)
			for _, x := range xs {
				if slices.Contains(seen, x.ID) {
					t.Errorf("article %d on two pages", x.ID)
				}
				seen = append(seen, x.ID)
			}
			if cursor = r.header.Get("X-Next-Cursor"); cursor == "" {
				break
			}
		}
		everything := s.call("GET", "", api+"/kb/articles?limit=500", admin, nil)
		var xs []struct{ ID int64 }
		everything.decode(t, &xs)
		if len(seen) != len(xs) || len(xs) < 6 {
			t.Errorf("paging saw %d articles, one page has %d", len(seen), len(xs))
		}
	})
}

// TestSuggestionsScope: suggestions offer only closed tickets with a
// solution that the agent may see, never the ticket itself or open ones.
func TestSuggestionsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newKBFixture(t, s)
		admin, agent := f.keys["administrator"], f.keys["agent"]
		sales := s.create(admin, "/queue", map[string]any{"name": "Sales"})
		submit := func(queue int64, subject, solution string) string {
			r := s.call("POST", "", api+"/ticket", admin, map[string]any{"subject": subject, "description": subject + " in detail",
				"queue": queue, "customer": map[string]any{"name": "Cy", "email": "cy@example.com"}})
			if r.status != 201 {
				t.Fatalf("submit: %d %s", r.status, r.body)
			}
			var tk struct{ ID string }
			r.decode(t, &tk)
			if solution != "" {
				if r := s.call("POST", "", api+"/ticket/"+tk.ID+"/close", admin, map[string]any{"solution": solution}); r.status != 200 {
					t.Fatalf("close: %d %s", r.status, r.body)
				}
			}
			return tk.ID
		}
		inbox := submit(1, "Zebra escaped from enclosure", "Fixed the gate latch of the zebra enclosure.")
		again := submit(1, "Zebra escaped from enclosure", "Fixed the gate latch of the zebra enclosure.")
		salesSolved := submit(sales, "Zebra stripes fading", "Zebra stripes fade in strong sun; added shade.")
		closedNoSolution := submit(1, "Zebra question", "")
		if r := s.call("POST", "", api+"/ticket/"+closedNoSolution+"/close", admin, map[string]any{}); r.status != 200 {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		open := submit(1, "Zebra noises at night", "")

		suggested := func(key, ticket string) []string {
			t.Helper()
			r := s.call("GET", "", api+"/ticket/"+ticket+"/suggestions", key, nil)
			if r.status != 200 {
				t.Fatalf("suggestions: %d %s", r.status, r.body)
			}
			var ss []struct {
				Type    string
				Ticket  *string
				Excerpt string
			}
			r.decode(t, &ss)
			var out []string
			for _, x := range ss {
				if x.Type == "ticket" {
					out = append(out, *x.Ticket)
				}
			}
			return out
		}
		got := suggested(admin, f.ticket)
		if !slices.Contains(got, inbox) || !slices.Contains(got, salesSolved) {
			t.Errorf("administrator's suggestions %v lack %s or %s", got, inbox, salesSolved)
		}
		if slices.Contains(got, inbox) == slices.Contains(got, again) {
			t.Errorf("the same problem solved the same way twice should be suggested once: %v", got)
		}
		got = suggested(agent, f.ticket)
		if !slices.Contains(got, inbox) && !slices.Contains(got, again) || slices.Contains(got, salesSolved) {
			t.Errorf("agent's suggestions = %v: want %s, not %s of a queue they do not work", got, inbox, salesSolved)
		}
		for _, bad := range []string{open, closedNoSolution, f.ticket} {
			if slices.Contains(got, bad) {
				t.Errorf("suggestions %v include %s", got, bad)
			}
		}
		if got := suggested(admin, inbox); slices.Contains(got, inbox) {
			t.Errorf("a ticket suggests itself: %v", got)
		}
		if r := s.call("GET", "", api+"/ticket/"+salesSolved+"/suggestions", agent, nil); r.status != 404 {
			t.Errorf("suggestions for a ticket out of reach = %d, want 404", r.status)
		}
		if r := s.call("GET", "", api+"/ticket/nosuch/suggestions", admin, nil); r.status != 404 {
			t.Errorf("suggestions for no ticket = %d, want 404", r.status)
		}
	})
}

package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/demo"
)

// The knowledge base in a real browser: a guest reads the public article,
// a customer their group's, an agent the internal one, and each gets the
// 404 page for what is not theirs (guest: the customer and internal
// articles; customer: the internal one and another group's).
func TestBrowserKBReaders(t *testing.T) {
	ctx := chrome(t)
	f := newKB(t, demoSite(t))
	base := f.srv.URL
	read := func(who, path, title string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`.kb-body`))); err != nil {
			t.Fatalf("%s reads %s: %v", who, path, err)
		}
		h1 := textOf(t, ctx, `.kb-article h1`)
		if h1 != title {
			t.Errorf("%s at %s: heading %q, want %q", who, path, h1, title)
		}
	}
	refused := func(who, path string, x *sympoq.KBArticle) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
			t.Fatalf("%s opens %s: %v", who, path, err)
		}
		h1, body := textOf(t, ctx, `main h1`), textOf(t, ctx, `body`)
		if h1 != "Page not found" || strings.Contains(body, x.Title) || strings.Contains(body, x.Body) {
			t.Errorf("%s at %s: heading %q, want the 404 page without the article; page: %.300s", who, path, h1, body)
		}
	}

	// A guest, on the public site.
	read("guest", articlePath("/app/kb", f.public), f.public.Title)
	refused("guest", articlePath("/app/kb", f.group), f.group)
	refused("guest", articlePath("/app/kb", f.internal), f.internal)
	// The portal's address sends a guest to sign in, without the article.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+articlePath("/app/portal/kb", f.group)), chromedp.WaitVisible(chromedp.CSS(`#f-login`))); err != nil {
		t.Fatalf("guest at the portal's article: %v", err)
	}
	if body := textOf(t, ctx, `body`); strings.Contains(body, f.group.Title) {
		t.Errorf("the sign-in page shows the group's article: %.300s", body)
	}

	// A customer of the group, in the portal.
	if err := signIn(ctx, base, kbCustomer, kbPassword); err != nil {
		t.Fatalf("customer signs in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/app/portal/"), chromedp.Click(chromedp.Search(`//nav//a[.="Knowledge base"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.kb-cats`))); err != nil {
		t.Fatalf("customer opens the knowledge base from the navigation: %v", err)
	}
	// Browse to the group's article as a reader would: category, then article.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//a[contains(., "Partner guides")]`)),
		chromedp.Click(chromedp.Search(`//li[contains(@class,"kb-row")]/a[.="`+f.group.Title+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.kb-body`))); err != nil {
		t.Fatalf("customer browses to the group's article: %v", err)
	}
	read("customer", articlePath("/app/portal/kb", f.group), f.group.Title)
	refused("customer", articlePath("/app/portal/kb", f.internal), f.internal)
	refused("customer", articlePath("/app/portal/kb", f.other), f.other)
	refused("customer", articlePath("/app/desk/kb", f.internal), f.internal)

	// An agent, in the desk (a fresh browser state: sign out first).
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/app/profile"), chromedp.Click(chromedp.CSS(`form[action="/app/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-login`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if err := signIn(ctx, base, demoAgent, demo.AgentPassword); err != nil {
		t.Fatalf("agent signs in: %v", err)
	}
	// Search as a user would.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/app/desk/kb/"), chromedp.WaitVisible(chromedp.CSS(`#f-q`)),
		chromedp.SendKeys(chromedp.CSS(`#f-q`), "duplicate charge"), chromedp.Submit(chromedp.CSS(`#f-q`)),
		chromedp.WaitVisible(chromedp.CSS(`.kb-results`))); err != nil {
		t.Fatalf("agent searches: %v", err)
	}
	if results := textOf(t, ctx, `.kb-results`); !strings.Contains(results, f.internal.Title) {
		t.Errorf("agent's search results = %q", results)
	}
	read("agent", articlePath("/app/desk/kb", f.internal), f.internal.Title)
	refused("agent", articlePath("/app/portal/kb", f.public), f.public) // the portal is not the agents'
}

// Screenshots of the desk's knowledge base, an article and a ticket with
// its suggested solutions, over the demo data.
func TestBrowserKBScreenshots(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	bg := context.Background()
	tk := s.ticket("Password reset link does not arrive", "I forgot my password and asked for a reset link, but no email arrives. How do I reset my password?", "houston.brooks@initech.example")
	admin := s.admin
	xs, err := s.desk.KBCategories(bg, admin)
	if err != nil || len(xs) == 0 {
		t.Fatalf("demo categories: %d, %v", len(xs), err)
	}
	if err := signIn(ctx, s.srv.URL, "admin", adminPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/app/desk/kb/"), chromedp.WaitVisible(chromedp.CSS(`.kb-cats`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "kb")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//a[contains(., "Getting started")]`)),
		chromedp.Click(chromedp.Search(`//li[contains(@class,"kb-row")]/a[.="Submitting a request"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.kb-body ol`))); err != nil {
		t.Fatalf("open the article: %v", err)
	}
	screenshot(t, ctx, "kb-article")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/app/desk/tickets/"+tk.DisplayID), chromedp.WaitVisible(chromedp.CSS(`.similar`))); err != nil {
		t.Fatal(err)
	}
	panel := textOf(t, ctx, `.similar`)
	if !strings.Contains(panel, "How to reset your password") {
		t.Errorf("the suggestions panel lacks the password article: %q", panel)
	}
	// With the script, choosing an article adds its address at once.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#f-message`), "This explains it:")); err != nil {
		t.Fatal(err)
	}
	id := optionValue(t, ctx, "How to reset your password")
	// Choose it as a user would: the select changes and says so.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(s => { s.value = "`+id+`"; return s.dispatchEvent(new Event("change")) })(document.getElementById("f-article"))`)); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-message`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg, "This explains it:\n\n"+s.srv.URL+"/app/") || !strings.Contains(msg, "/kb/articles/") {
		t.Errorf("message after choosing the article = %q", msg)
	}
	if sel, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-article`))); err != nil || sel != "" {
		t.Errorf("the select stays on %q after inserting (it would be added again on submit)", sel)
	}
	screenshot(t, ctx, "ticket-suggestions")
}

// optionValue is the value of the article select's option with that title.
func optionValue(t *testing.T, ctx context.Context, title string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(Array.from(document.querySelectorAll("#f-article option")).find(o => o.textContent.endsWith(`+"`"+`: `+title+"`"+`)) || {value: ""}).value`))
	if err != nil || v == "" {
		t.Fatalf("no article option %q: %v", title, err)
	}
	return v
}

// textOf is the text of the first element sel finds.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// kbFixture is a knowledge base with one category of each kind of reach:
// public, one customer group's, another group's, and internal, each with a
// published article; and a customer of the first group.
type kbFixture struct {
	*site
	public, group, other, internal *sympoq.KBArticle
	draft                          *sympoq.KBArticle // unpublished, public category
	cats                           map[string]*sympoq.KBCategory
}

const (
	kbCustomer = "gina@partner.example"
	kbPassword = "gina-password-1"
	kbAgent    = "alan@example.com"
	kbAgentPW  = "alan-password-1"
)

func newKB(t *testing.T, s *site) *kbFixture {
	t.Helper()
	ctx := context.Background()
	f := &kbFixture{site: s, cats: map[string]*sympoq.KBCategory{}}
	partners, err := s.desk.SaveGroup(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Gold partners")})
	if err != nil {
		t.Fatal(err)
	}
	resellers, err := s.desk.SaveGroup(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Bronze resellers")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.desk.CreateUser(ctx, s.admin, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Gina Partner"),
		Email: desk.Some(kbCustomer), Password: desk.Some(kbPassword), Group: desk.Some(desk.Ref{ID: partners.ID})}); err != nil {
		t.Fatal(err)
	}
	s.agent("Alan Agent", kbAgent, kbAgentPW)
	cat := func(title string, access sympoq.KBAccess, groups ...int64) *sympoq.KBCategory {
		in := desk.KBCategoryInput{Title: desk.Some(title), Access: desk.Some(access)}
		if groups != nil {
			in.Groups = desk.Some(groups)
		}
		c, err := s.desk.SaveKBCategory(ctx, s.admin, 0, in)
		if err != nil {
			t.Fatalf("category %s: %v", title, err)
		}
		f.cats[title] = c
		return c
	}
	art := func(c *sympoq.KBCategory, title, body string, published bool) *sympoq.KBArticle {
		x, err := s.desk.SaveKBArticle(ctx, s.admin, 0, desk.KBArticleInput{Category: desk.Some(c.ID), Title: desk.Some(title),
			Body: desk.Some(body), Published: desk.Some(published)})
		if err != nil {
			t.Fatalf("article %s: %v", title, err)
		}
		return x
	}
	pub := cat("Public help", sympoq.KBPublic)
	f.public = art(pub, "Resetting your password", "Choose **Forgot password** on the sign-in page.", true)
	f.draft = art(pub, "Unfinished printer guide", "Not ready.", false)
	f.group = art(cat("Partner guides", sympoq.KBCustomer, partners.ID), "Partner discount codes", "Partners get *ten percent* off.", true)
	f.other = art(cat("Reseller guides", sympoq.KBCustomer, resellers.ID), "Reseller margins", "Resellers keep a margin.", true)
	f.internal = art(cat("Staff procedures", sympoq.KBInternal), "Refunding a duplicate charge", "Refund the later charge.", true)
	s.settings(func(set *sympoq.Settings) { set.General.Guest.PublicKB = true })
	return f
}

func articlePath(base string, x *sympoq.KBArticle) string { return base + "/articles/" + itoa(x.ID) }

// Each reader sees exactly what the desk lets them read, at each front
// door; the rest is the 404 page, and the lists never name it.
func TestKBVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { kbVisibility(t, newKB(t, newSite(t, db))) })
}

func kbVisibility(t *testing.T, f *kbFixture) {
	guest := f.browser()
	cust := f.browserAs(t, kbCustomer, kbPassword)
	agent := f.browserAs(t, kbAgent, kbAgentPW)
	cases := []struct {
		who  string
		b    *browser
		base string
		see  []*sympoq.KBArticle
		not  []*sympoq.KBArticle
	}{
		{"guest", guest, "/app/kb", []*sympoq.KBArticle{f.public}, []*sympoq.KBArticle{f.group, f.other, f.internal, f.draft}},
		{"customer", cust, "/app/portal/kb", []*sympoq.KBArticle{f.public, f.group}, []*sympoq.KBArticle{f.other, f.internal, f.draft}},
		{"agent", agent, "/app/desk/kb", []*sympoq.KBArticle{f.public, f.group, f.other, f.internal}, []*sympoq.KBArticle{f.draft}},
	}
	for _, c := range cases {
		idx := c.b.get(c.base + "/")
		wantStatus(t, c.who+" index", idx, http.StatusOK)
		for _, x := range c.see {
			p := c.b.get(articlePath(c.base, x))
			wantStatus(t, c.who+" reads "+x.Title, p, http.StatusOK)
			if got := p.text(".kb-article h1"); got != x.Title {
				t.Errorf("%s: article heading = %q, want %q", c.who, got, x.Title)
			}
			if !strings.Contains(idx.text(".kb-cats"), f.categoryOf(x).Title) {
				t.Errorf("%s: index lacks the category %q: %q", c.who, f.categoryOf(x).Title, idx.text(".kb-cats"))
			}
			// The category page lists it.
			cp := c.b.get(c.base + "/categories/" + itoa(x.Category))
			if cp.doc.Find(`.kb-row a[href="`+articlePath(c.base, x)+`"]`).Length() != 1 {
				t.Errorf("%s: category page of %q does not list it: %q", c.who, x.Title, cp.text(".kb-list"))
			}
		}
		for _, x := range c.not {
			p := c.b.get(articlePath(c.base, x))
			wantStatus(t, c.who+" refused "+x.Title, p, http.StatusNotFound)
			if strings.Contains(p.body, x.Title) {
				t.Errorf("%s: the 404 page names %q", c.who, x.Title)
			}
			if x != f.draft {
				if strings.Contains(idx.body, f.categoryOf(x).Title) {
					t.Errorf("%s: index names the category %q", c.who, f.categoryOf(x).Title)
				}
				wantStatus(t, c.who+" category of "+x.Title, c.b.get(c.base+"/categories/"+itoa(x.Category)), http.StatusNotFound)
			}
			if s := c.b.get(c.base + "/?q=" + url.QueryEscape(x.Title)); strings.Contains(s.text(".kb-results .kb-list"), x.Title) {
				t.Errorf("%s: search finds %q", c.who, x.Title)
			}
		}
		// Search finds what may be read.
		s := c.b.get(c.base + "/?q=" + url.QueryEscape(c.see[len(c.see)-1].Title))
		if !strings.Contains(s.text(".kb-results .kb-list"), c.see[len(c.see)-1].Title) {
			t.Errorf("%s: search for %q found %q", c.who, c.see[len(c.see)-1].Title, s.text(".kb-results"))
		}
	}
	// The counts are the reader's: the guest's public category has one
	// published article, the agent's two (editors? no: agents who may not
	// edit see published ones only).
	if got := guest.get("/app/kb/").text(".kb-cat .kb-count"); got != "1" {
		t.Errorf("guest's count = %q, want 1", got)
	}
	// Other roles at the wrong door: an agent has no portal, a customer no desk.
	wantStatus(t, "agent in the portal's KB", agent.get("/app/portal/kb/"), http.StatusNotFound)
	wantStatus(t, "customer in the desk's KB", cust.get("/app/desk/kb/"), http.StatusNotFound)
	// The sign-in page links the public site while it is on.
	if f.browser().get("/app/login").doc.Find(`a[href="/app/kb/"]`).Length() != 1 {
		t.Error("no link to the public knowledge base on the sign-in page")
	}
	// The public site is only there while the setting is on.
	f.settings(func(set *sympoq.Settings) { set.General.Guest.PublicKB = false })
	if f.browser().get("/app/login").doc.Find(`a[href="/app/kb/"]`).Length() != 0 {
		t.Error("the sign-in page links the public knowledge base while it is off")
	}
	wantStatus(t, "public KB off", guest.get("/app/kb/"), http.StatusNotFound)
	wantStatus(t, "public article while off", guest.get(articlePath("/app/kb", f.public)), http.StatusNotFound)
	wantStatus(t, "portal while the public site is off", cust.get(articlePath("/app/portal/kb", f.public)), http.StatusOK)
}

func (f *kbFixture) categoryOf(x *sympoq.KBArticle) *sympoq.KBCategory {
	for _, c := range f.cats {
		if c.ID == x.Category {
			return c
		}
	}
	f.t.Fatalf("no category %d", x.Category)
	return nil
}

// Editing: field errors beside their fields with the input kept, a body's
// HTML rendered harmless, and no editing for an agent without the right.
func TestKBEditing(t *testing.T) {
	f := newKB(t, sqliteSite(t))
	admin := f.browserAs(t, "admin", adminPassword)
	p := admin.get("/app/desk/kb/")
	if p.doc.Find(`a[href="/app/desk/kb/categories/new"]`).Length() != 1 {
		t.Fatal("no New category link for an administrator")
	}
	// A customer category without groups, and a sequence that is no number.
	admin.get("/app/desk/kb/categories/new")
	p = admin.post("/app/desk/kb/categories/new", url.Values{"title": {"Billing <b>help</b>"}, "sequence": {"soon"}, "access": {"customer"}})
	wantStatus(t, "category without groups", p, http.StatusBadRequest)
	if p.text("#f-groups-err") == "" || p.text("#f-sequence-err") == "" {
		t.Errorf("messages: groups %q, sequence %q", p.text("#f-groups-err"), p.text("#f-sequence-err"))
	}
	if v, _ := p.doc.Find("#f-title").Attr("value"); v != "Billing <b>help</b>" {
		t.Errorf("title kept = %q", v)
	}
	if p.doc.Find(".form-errors a[href='#f-groups']").Length() != 1 {
		t.Errorf("summary does not link to the groups field: %q", p.text(".form-errors"))
	}
	p = admin.post("/app/desk/kb/categories/new", url.Values{"title": {"Billing"}, "sequence": {"5"}, "icon": {"€"}, "access": {"public"}})
	if p.status != http.StatusOK || p.text("h1") != "€ Billing" || !strings.Contains(p.text(".flash"), "saved") {
		t.Fatalf("created category page: %d %q %q", p.status, p.text("h1"), p.text(".flash"))
	}
	catPath := p.url.Path
	catID := strings.TrimPrefix(catPath, "/app/desk/kb/categories/")

	// An article: required fields, then a body with a script.
	admin.get("/app/desk/kb/articles/new?category=" + catID)
	p = admin.post("/app/desk/kb/articles/new", url.Values{"category": {catID}, "kind": {"faq"}, "title": {""}, "body": {"  "}})
	wantStatus(t, "empty article", p, http.StatusBadRequest)
	if p.text("#f-title-err") == "" || p.text("#f-body-err") == "" {
		t.Errorf("messages: title %q, body %q", p.text("#f-title-err"), p.text("#f-body-err"))
	}
	if v, _ := p.doc.Find("#f-kind option[selected]").Attr("value"); v != "faq" {
		t.Errorf("kind kept = %q", v)
	}
	body := "Pay by **card**.\n\n<script>alert('kb')</script>\n\n<img src=x onerror=alert(1)> [link](javascript:alert(2))"
	p = admin.post("/app/desk/kb/articles/new", url.Values{"category": {catID}, "kind": {"article"}, "title": {"Paying <i>invoices</i>"},
		"body": {body}, "published": {"1"}})
	if p.status != http.StatusOK || p.text(".kb-article h1") != "Paying <i>invoices</i>" {
		t.Fatalf("article page: %d %q", p.status, p.text("main"))
	}
	// checkPage already failed the test on any inline script or handler;
	// the text is there and nothing runnable is.
	if p.doc.Find(".kb-body strong").Text() != "card" {
		t.Errorf("Markdown not rendered: %s", p.doc.Find(".kb-body").Text())
	}
	if strings.Contains(p.body, "alert('kb')</script>") || strings.Contains(p.body, "javascript:") || p.doc.Find(".kb-body script, .kb-body [onerror]").Length() != 0 {
		t.Errorf("the body's HTML reached the page:\n%s", p.doc.Find(".kb-body").Text())
	}
	artPath := p.url.Path
	// The guest reads it on the public site.
	if g := f.browser().get(strings.Replace(artPath, "/app/desk/kb", "/app/kb", 1)); g.status != http.StatusOK {
		t.Errorf("guest reads the new public article: %d", g.status)
	}
	// Edit: unpublish, then the guest gets a 404. The form counts no view.
	artID := atoi64(t, strings.TrimPrefix(artPath, "/app/desk/kb/articles/"))
	views := func() int64 {
		if err := f.desk.FlushKBViews(context.Background()); err != nil {
			t.Fatal(err)
		}
		x, err := f.db.Read().KBArticle(context.Background(), f.account, artID)
		if err != nil {
			t.Fatal(err)
		}
		return x.Views
	}
	before := views()
	p = admin.get(artPath + "/edit")
	if after := views(); after != before {
		t.Errorf("the edit form counted a view: %d → %d", before, after)
	}
	if v := p.doc.Find("#f-body").Text(); v != body {
		t.Errorf("edit form body = %q", v)
	}
	p = admin.post(artPath+"/edit", url.Values{"category": {catID}, "kind": {"article"}, "title": {"Paying invoices"}, "body": {"By card."}})
	if p.text(".kb-article h1") != "Paying invoices" || !strings.Contains(p.text(".kb-article"), "Draft") {
		t.Errorf("after edit: %q", p.text(".kb-article"))
	}
	if g := f.browser().get(strings.Replace(artPath, "/app/desk/kb", "/app/kb", 1)); g.status != http.StatusNotFound {
		t.Errorf("guest reads the unpublished article: %d", g.status)
	}
	// A category with an article is not deleted; the form says why.
	p = admin.post(catPath+"/delete", nil)
	wantStatus(t, "delete a category with an article", p, http.StatusConflict)
	if p.text(".form-errors") == "" {
		t.Error("no message on a refused delete")
	}
	p = admin.post(artPath+"/delete", nil)
	if p.url.Path != catPath || !strings.Contains(p.text(".flash"), "deleted") {
		t.Errorf("delete article ended at %s: %q", p.url, p.text(".flash"))
	}
	p = admin.post(catPath+"/delete", nil)
	if p.url.Path != "/app/desk/kb/" || strings.Contains(p.text(".kb-cats"), "Billing") {
		t.Errorf("delete category ended at %s: %q", p.url, p.text(".kb-cats"))
	}

	// An agent reads but does not edit, unless the setting allows it.
	agent := f.browserAs(t, kbAgent, kbAgentPW)
	p = agent.get("/app/desk/kb/")
	if p.doc.Find(".kb-edit").Length() != 0 {
		t.Error("editing controls shown to an agent who may not edit")
	}
	wantStatus(t, "agent opens the new-article form", agent.get("/app/desk/kb/articles/new"), http.StatusForbidden)
	wantStatus(t, "agent opens an article's edit form", agent.get(articlePath("/app/desk/kb", f.public)+"/edit"), http.StatusForbidden)
	wantStatus(t, "agent opens a category's edit form", agent.get("/app/desk/kb/categories/"+itoa(f.public.Category)+"/edit"), http.StatusForbidden)
	agent.get("/app/desk/kb/")
	p = agent.post("/app/desk/kb/articles/new", url.Values{"category": {itoa(f.public.Category)}, "title": {"Sneaky"}, "body": {"x"}})
	wantStatus(t, "agent posts an article", p, http.StatusForbidden)
	if xs, _, err := f.desk.KBArticles(context.Background(), f.admin, desk.KBQuery{Q: "Sneaky"}); err != nil || len(xs) != 0 {
		t.Errorf("agent's article was saved: %d, %v", len(xs), err)
	}
	f.settings(func(set *sympoq.Settings) { set.Automation.AgentsEditKB = true })
	p = agent.get("/app/desk/kb/articles/new")
	wantStatus(t, "agent allowed to edit", p, http.StatusOK)
	p = agent.post("/app/desk/kb/articles/new", url.Values{"category": {itoa(f.public.Category)}, "kind": {"article"}, "title": {"Agent tip"}, "body": {"Tip."}, "published": {"1"}})
	if p.text(".kb-article h1") != "Agent tip" {
		t.Errorf("agent with the right: %d %q", p.status, p.text("main"))
	}
}

// The ticket page's side panel lists solved tickets and articles with the
// words that picked them; the Reply form adds an article's address.
func TestTicketSuggestionsAndArticleLink(t *testing.T) {
	f := newKB(t, sqliteSite(t))
	ctx := context.Background()
	if _, err := f.desk.SaveKBArticle(ctx, f.admin, 0, desk.KBArticleInput{Category: desk.Some(f.public.Category),
		Title: desk.Some("Printer shows paper jam"), Body: desk.Some("Open the printer tray and remove the jammed paper."), Published: desk.Some(true)}); err != nil {
		t.Fatal(err)
	}
	solved := f.ticket("Printer paper jam on floor two", "The printer jams with paper.", "a@example.com")
	if _, err := f.desk.Close(ctx, f.admin, solved.DisplayID, desk.CloseInput{Solution: desk.Some("Cleaned the printer rollers.")}); err != nil {
		t.Fatal(err)
	}
	tk := f.ticket("Printer paper jam again", "The printer has a paper jam.", kbCustomer)
	admin := f.browserAs(t, "admin", adminPassword)
	p := admin.get("/app/desk/tickets/" + tk.DisplayID)
	panel := p.doc.Find(".similar")
	if panel.Find(".suggestion-ticket a[href='/app/desk/tickets/"+solved.DisplayID+"']").Length() != 1 {
		t.Errorf("solved ticket not suggested: %q", panel.Text())
	}
	art := panel.Find(".suggestion-article")
	if art.Length() != 1 || !strings.Contains(art.Text(), "Printer shows paper jam") || !strings.Contains(art.Find(".why").Text(), "jam") {
		t.Errorf("article suggestion = %q", art.Text())
	}
	if !strings.Contains(panel.Text(), "Cleaned the printer rollers") {
		t.Errorf("the solution is not shown: %q", panel.Text())
	}

	// The article select offers public and customer articles, never internal
	// ones, each with the address customers open.
	opts := p.doc.Find("#f-article option")
	var labels []string
	opts.Each(func(_ int, o *goquery.Selection) { labels = append(labels, o.Text()) })
	all := strings.Join(labels, "|")
	if strings.Contains(all, f.internal.Title) || !strings.Contains(all, f.public.Title) || !strings.Contains(all, f.group.Title) || strings.Contains(all, f.draft.Title) {
		t.Errorf("article choices = %q", all)
	}
	pubURL := f.srv.URL + articlePath("/app/kb", f.public)
	if u, _ := p.doc.Find(`#f-article option[value="` + itoa(f.public.ID) + `"]`).Attr("data-url"); u != pubURL {
		t.Errorf("public article's address = %q, want %q", u, pubURL)
	}
	groupURL := f.srv.URL + articlePath("/app/portal/kb", f.group)
	if u, _ := p.doc.Find(`#f-article option[value="` + itoa(f.group.ID) + `"]`).Attr("data-url"); u != groupURL {
		t.Errorf("group article's address = %q, want %q", u, groupURL)
	}
	ver, _ := p.doc.Find(`#reply input[name="version"]`).Attr("value")
	// Without JavaScript the select is sent and the server adds the link.
	p = admin.postMultipart("/app/desk/tickets/"+tk.DisplayID+"/reply", url.Values{"version": {ver}, "message": {"This should help:"}, "article": {itoa(f.public.ID)}}, nil)
	if !strings.Contains(p.text(".flash"), "Reply sent") {
		t.Fatalf("reply: %d %q %q", p.status, p.text(".flash"), p.text(".form-errors"))
	}
	v, err := f.desk.Ticket(ctx, f.admin, tk.DisplayID, true)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, e := range v.Events {
		if e.Action == sympoq.EvReply {
			body = e.Body
		}
	}
	if body != "This should help:\n\n"+pubURL {
		t.Errorf("reply body = %q", body)
	}
	// An internal article's id is refused beside the select, the text kept.
	ver, _ = p.doc.Find(`#reply input[name="version"]`).Attr("value")
	p = admin.postMultipart("/app/desk/tickets/"+tk.DisplayID+"/reply", url.Values{"version": {ver}, "message": {"Look here"}, "article": {itoa(f.internal.ID)}}, nil)
	wantStatus(t, "internal article linked", p, http.StatusBadRequest)
	if p.text("#f-article-err") == "" || p.doc.Find("#reply textarea").Text() != "Look here" {
		t.Errorf("refusal: %q, text %q", p.text("#f-article-err"), p.doc.Find("#reply textarea").Text())
	}
}

func atoi64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// automationPages are the administration pages of email and automation.
var automationPages = []string{
	"/app/desk/settings/templates", "/app/desk/settings/templates/NEW_REQUEST", "/app/desk/settings/notifications",
	"/app/desk/settings/rules", "/app/desk/settings/rules?channel=2", "/app/desk/settings/rules/new?channel=4",
	"/app/desk/settings/scheduled", "/app/desk/settings/scheduled/new", "/app/desk/settings/mail",
	"/app/desk/settings/mailboxes", "/app/desk/settings/received",
}

func TestAutomationPagesForAdministratorsOnly(t *testing.T) {
	s := sqliteSite(t)
	set, _ := s.desk.Settings(context.Background(), s.admin)
	s.agent("Alice Agent", "alice@example.com", "alice-password", desk.Permission{Queue: set.General.DefaultQueue, Role: sympoq.RoleQueueManager})
	s.customer("Carl Customer", "carl@example.com", "carl-password")
	admin := s.browser()
	admin.login("admin", adminPassword)
	agent := s.browser()
	agent.login("alice@example.com", "alice-password")
	cust := s.browser()
	cust.login("carl@example.com", "carl-password")
	rules, err := s.desk.Rules(context.Background(), s.admin, sympoq.RuleSubmission, sympoq.ChannelEmail)
	if err != nil || len(rules) == 0 {
		t.Fatalf("Rules = %v, %v", rules, err)
	}
	pages := append(slicesClone(automationPages), "/app/desk/settings/rules/"+strconv.FormatInt(rules[len(rules)-1].ID, 10))
	for _, path := range pages {
		p := admin.get(path)
		wantStatus(t, "admin "+path, p, http.StatusOK)
		if p.doc.Find("nav.admin-nav a[aria-current=page]").Length() != 1 {
			t.Errorf("%s: the section navigation marks no current page", path)
		}
		if p.doc.Find("main h1").Length() == 0 {
			t.Errorf("%s: no heading", path)
		}
		if p := agent.get(path); p.status != http.StatusForbidden || !strings.Contains(p.text("main h1"), "Administrators only") {
			t.Errorf("agent %s: status %d %q, want the 403 page", path, p.status, p.text("main h1"))
		}
		if p := cust.get(path); p.status != http.StatusNotFound {
			t.Errorf("customer %s: status %d, want the 404 page", path, p.status)
		}
	}
	// Nothing in the navigation is "not available yet" any more.
	p := admin.get("/app/desk/settings/")
	if n := p.doc.Find("nav.admin-nav span.muted").Length(); n != 0 {
		t.Errorf("%d sections still marked as coming", n)
	}
	for _, href := range []string{"/app/desk/settings/templates", "/app/desk/settings/rules", "/app/desk/settings/mailboxes"} {
		if p.doc.Find(`nav.admin-nav a[href="`+href+`"]`).Length() != 1 {
			t.Errorf("navigation has no link to %s", href)
		}
	}
	// An agent's posts change nothing.
	agent.get("/app/profile")
	if p := agent.post("/app/desk/settings/templates/NEW_REQUEST", url.Values{"subject": {"Hijacked"}, "body": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("agent template post: %d", p.status)
	}
	if tp, _ := s.desk.EmailTemplate(context.Background(), s.admin, sympoq.TplNewRequest); !tp.Default {
		t.Error("an agent changed a template")
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func TestAdminEmailTemplateEditPreviewAndReset(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	v := s.ticket("Printer on floor 3 is jammed", "It beeps.", "pat.jones@example.com")
	admin := s.browser()
	admin.login("admin", adminPassword)

	p := admin.get("/app/desk/settings/templates")
	if n := p.doc.Find("table.items tbody tr").Length(); n != len(desk.TemplateNames) {
		t.Errorf("template list has %d rows, want %d", n, len(desk.TemplateNames))
	}
	if n := p.doc.Find("table.items .badge:contains('Default')").Length(); n != len(desk.TemplateNames) {
		t.Errorf("%d templates marked default, want all", n)
	}
	const path = "/app/desk/settings/templates/AGENT_REPLY"
	p = admin.get(path)
	vals := formValues(p, `form[action="`+path+`"]`)
	if vals.Get("subject") == "" || !strings.Contains(vals.Get("body"), "{{") {
		t.Fatalf("form values = %v", vals)
	}
	if p.doc.Find(".placeholders code:contains('{{ticket_id}}')").Length() != 1 {
		t.Error("the allowed placeholders are not listed beside the form")
	}

	// A broken placeholder is refused beside the body; nothing is stored.
	bad := cloneValues(vals)
	bad.Set("body", "Hello {{customer}}, see {{nope}}.")
	p = admin.post(path, bad)
	wantStatus(t, "broken placeholder", p, http.StatusBadRequest)
	if msg := p.text("#f-body-err"); !strings.Contains(msg, "nope") {
		t.Errorf("body message = %q, want it to name the placeholder", msg)
	}
	if got := p.doc.Find("#f-body").Text(); !strings.Contains(got, "{{nope}}") {
		t.Errorf("body shown again = %q, want what was typed", got)
	}
	if tp, _ := s.desk.EmailTemplate(ctx, s.admin, sympoq.TplAgentReply); !tp.Default {
		t.Error("a refused template was stored")
	}

	// Preview over a real ticket, with markup in the text: shown as text.
	pv := cloneValues(vals)
	pv.Set("subject", "Re: {{subject}} [{{ticket_id}}]")
	pv.Set("body", "Dear {{customer}},\n<script>alert(1)</script> <b>bold</b>\n{{ticket_link}}")
	pv.Set("ticket", v.DisplayID)
	pv.Set("preview", "1")
	p = admin.post(path, pv)
	wantStatus(t, "preview", p, http.StatusOK)
	if got := p.text(".pv-subject"); got != "Re: Printer on floor 3 is jammed ["+v.DisplayID+"]" {
		t.Errorf("preview subject = %q", got)
	}
	if got := p.text(".pv-text"); !strings.Contains(got, "Dear Pat Jones") || !strings.Contains(got, "<script>alert(1)</script>") {
		t.Errorf("preview text = %q", got)
	}
	html := p.text(".pv-html")
	if !strings.Contains(html, "Pat Jones") || strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("HTML source = %q, want the rendered part with the markup escaped", html)
	}
	if p.doc.Find("script:not([src])").Length() != 0 || p.doc.Find("b:contains('bold')").Length() != 0 {
		t.Error("the preview let markup of the template into the page")
	}
	src, ok := p.doc.Find("iframe.pv-frame").Attr("src")
	if _, sandboxed := p.doc.Find("iframe.pv-frame").Attr("sandbox"); !ok || !sandboxed {
		t.Fatalf("no sandboxed frame of the HTML part")
	}
	if tp, _ := s.desk.EmailTemplate(ctx, s.admin, sympoq.TplAgentReply); !tp.Default {
		t.Error("a preview stored the template")
	}
	// The served HTML part has a policy of its own: nothing runs.
	res, err := admin.client.Get(s.srv.URL + src)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script-src") {
		t.Errorf("served preview = %d, CSP %q", res.StatusCode, csp)
	}
	if !strings.Contains(string(body), v.DisplayID) || !strings.Contains(string(body), "<body>") {
		t.Errorf("served preview body = %q", body)
	}
	// An unknown ticket is named beside its field.
	pv.Set("ticket", "NO-SUCH-1")
	p = admin.post(path, pv)
	wantStatus(t, "preview unknown ticket", p, http.StatusBadRequest)
	if p.text("#f-ticket-err") == "" {
		t.Error("no message beside the ticket")
	}
	// Sample data without a ticket.
	pv.Del("ticket")
	p = admin.post(path, pv)
	if !strings.Contains(p.text(".pv-text"), "Sam Sample") {
		t.Errorf("sample preview = %q", p.text(".pv-text"))
	}

	// Save, then reset to the default.
	good := cloneValues(vals)
	good.Set("subject", "Re: {{subject}} ({{ticket_id}})")
	p = admin.post(path, good)
	wantStatus(t, "save", p, http.StatusOK)
	if !strings.Contains(p.text(".flash"), "saved") {
		t.Errorf("flash = %q", p.text(".flash"))
	}
	tp, _ := s.desk.EmailTemplate(ctx, s.admin, sympoq.TplAgentReply)
	if tp.Default || tp.Subject != "Re: {{subject}} ({{ticket_id}})" {
		t.Errorf("saved template = %+v", tp)
	}
	if admin.get("/app/desk/settings/templates").doc.Find("table.items .badge:contains('Customised')").Length() != 1 {
		t.Error("the list does not mark the changed template")
	}
	p = admin.post(path+"/reset", url.Values{})
	wantStatus(t, "reset", p, http.StatusOK)
	if tp, _ := s.desk.EmailTemplate(ctx, s.admin, sympoq.TplAgentReply); !tp.Default || tp.Subject == "Re: {{subject}} ({{ticket_id}})" {
		t.Errorf("after reset = %+v", tp)
	}
}

func TestAdminActionNotifications(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	set, _ := s.desk.Settings(ctx, s.admin)
	alice := s.agent("Alice Agent", "alice@example.com", "alice-password", desk.Permission{Queue: set.General.DefaultQueue, Role: sympoq.RoleQueueManager})
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/notifications")
	if n := p.doc.Find("form.notif").Length(); n != len(sympoq.ActionTriggers) {
		t.Fatalf("%d notification forms, want one per trigger (%d)", n, len(sympoq.ActionTriggers))
	}
	const action = "/app/desk/settings/notifications/agent_call"
	vals := formValues(p, `form[action="`+action+`"]`)

	// "Add another recipient" shows one more row and saves nothing.
	rows := p.doc.Find(`form[action="` + action + `"] .rcpt-grid tbody tr`).Length()
	add := cloneValues(vals)
	add.Set("add_row", "1")
	p = admin.post(action, add)
	if got := p.doc.Find(`form[action="` + action + `"] .rcpt-grid tbody tr`).Length(); got != rows+1 {
		t.Errorf("after add row: %d rows, want %d", got, rows+1)
	}

	// Bad rows: a customer for a logged call, and an address that is none.
	bad := cloneValues(vals)
	bad.Set("agent_call.enabled", "1")
	bad.Set("agent_call.template", sympoq.TplAssignment)
	bad.Set("agent_call.rcpt.0.kind", "customer")
	bad.Set("agent_call.rcpt.1.kind", "address")
	bad.Set("agent_call.rcpt.1.address", "not-an-address")
	p = admin.post(action, bad)
	wantStatus(t, "bad recipients", p, http.StatusBadRequest)
	if msg := p.text("#f-agent_call-rcpt-0-kind-err"); !strings.Contains(msg, "internal") {
		t.Errorf("kind message = %q", msg)
	}
	if msg := p.text("#f-agent_call-rcpt-1-address-err"); !strings.Contains(msg, "email address") {
		t.Errorf("address message = %q", msg)
	}
	if v, _ := p.doc.Find("#f-agent_call-rcpt-1-address").Attr("value"); v != "not-an-address" {
		t.Errorf("address shown again = %q", v)
	}
	p.doc.Find(`form[action="` + action + `"] .form-errors a`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		if p.doc.Find(href).Length() != 1 {
			t.Errorf("summary link %q leads nowhere", href)
		}
	})
	// Enabled without recipients names the recipients.
	none := cloneValues(vals)
	none.Set("agent_call.enabled", "1")
	for k := range none {
		if strings.Contains(k, ".rcpt.") {
			none.Del(k)
		}
	}
	p = admin.post(action, none)
	wantStatus(t, "no recipients", p, http.StatusBadRequest)
	if msg := p.text("#f-agent_call-rcpt-0-kind-err"); !strings.Contains(msg, "recipient") {
		t.Errorf("recipients message = %q", msg)
	}

	// A named agent and an address: saved.
	good := cloneValues(vals)
	good.Set("agent_call.enabled", "1")
	good.Set("agent_call.template", sympoq.TplAssignment)
	good.Set("agent_call.rcpt.0.kind", "agent")
	good.Set("agent_call.rcpt.0.user", strconv.FormatInt(alice.ID, 10))
	good.Set("agent_call.rcpt.1.kind", "address")
	good.Set("agent_call.rcpt.1.address", "Calls@Example.com")
	p = admin.post(action, good)
	wantStatus(t, "save", p, http.StatusOK)
	ns, _ := s.desk.ActionNotifications(ctx, s.admin)
	var got *sympoq.ActionNotification
	for _, n := range ns {
		if n.Trigger == sympoq.TrigAgentCall {
			got = n
		}
	}
	want := []sympoq.Recipient{{Kind: sympoq.RcptAgent, User: alice.ID}, {Kind: sympoq.RcptAddress, Address: "calls@example.com"}}
	if got == nil || !got.Enabled || got.Template != sympoq.TplAssignment || len(got.Recipients) != 2 || got.Recipients[0] != want[0] || got.Recipients[1] != want[1] {
		t.Errorf("saved notification = %+v", got)
	}
	// The page shows what was saved.
	p = admin.get("/app/desk/settings/notifications")
	if v, _ := p.doc.Find("#f-agent_call-rcpt-1-address").Attr("value"); v != "calls@example.com" {
		t.Errorf("address shown = %q", v)
	}
	if v, _ := p.doc.Find("#f-agent_call-rcpt-0-user option[selected]").Attr("value"); v != strconv.FormatInt(alice.ID, 10) {
		t.Errorf("agent shown = %q", v)
	}
}

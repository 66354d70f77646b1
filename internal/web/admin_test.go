package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// adminPages are every administration page that exists today.
var adminPages = []string{
	"/app/desk/settings/", "/app/desk/settings/agents", "/app/desk/settings/agents/new",
	"/app/desk/settings/queues", "/app/desk/settings/topics", "/app/desk/settings/groups", "/app/desk/settings/tags",
	"/app/desk/settings/fields", "/app/desk/settings/canned", "/app/desk/settings/general",
	"/app/desk/settings/automation", "/app/desk/settings/targets", "/app/desk/settings/ticket-id",
	"/app/desk/settings/limits",
}

func TestAdminPagesForAdministratorsOnly(t *testing.T) {
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
	for _, path := range adminPages {
		p := admin.get(path)
		wantStatus(t, "admin "+path, p, http.StatusOK)
		if p.doc.Find("nav.admin-nav a[aria-current=page]").Length() != 1 && path != "/app/desk/settings/" {
			t.Errorf("%s: the section navigation marks no current page", path)
		}
		if p.doc.Find("h1").Length() == 0 {
			t.Errorf("%s: no heading", path)
		}
		if p := agent.get(path); p.status != http.StatusForbidden || !strings.Contains(p.text("main h1"), "Administrators only") {
			t.Errorf("agent %s: status %d %q, want the 403 page", path, p.status, p.text("main h1"))
		}
		if p := cust.get(path); p.status != http.StatusNotFound {
			t.Errorf("customer %s: status %d, want the 404 page", path, p.status)
		}
	}
	// A form an agent posts changes nothing.
	before, _ := s.desk.Settings(context.Background(), s.admin)
	agent.get("/app/profile")
	p := agent.post("/app/desk/settings/general", url.Values{"general.title": {"Hijacked"}})
	if p.status != http.StatusForbidden {
		t.Errorf("agent post: status %d, want 403", p.status)
	}
	after, _ := s.desk.Settings(context.Background(), s.admin)
	if after.General.Title != before.General.Title {
		t.Errorf("an agent changed the title to %q", after.General.Title)
	}
	// The Settings link is in the administrator's navigation only.
	if admin.get("/app/desk/").doc.Find(`nav.nav a[href="/app/desk/settings/"]`).Length() != 1 {
		t.Error("administrator's navigation has no Settings")
	}
	if agent.get("/app/desk/").doc.Find(`nav.nav a[href="/app/desk/settings/"]`).Length() != 0 {
		t.Error("agent's navigation has Settings")
	}
}

func TestAdminGeneralSettingsSaveAndRefuse(t *testing.T) {
	s := sqliteSite(t)
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/general")
	vals := formValues(p, `form[action="/app/desk/settings/general"]`)
	if vals.Get("general.title") == "" || vals.Get("general.time_zone") != "UTC" {
		t.Fatalf("form values = %v", vals)
	}
	// Bad input: the page comes back with the input and field messages.
	bad := cloneValues(vals)
	bad.Set("general.title", "My desk")
	bad.Set("general.time_zone", "Mars/Olympus")
	bad.Set("general.password_min_length", "three")
	p = admin.post("/app/desk/settings/general", bad)
	wantStatus(t, "bad general", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-general-time_zone").Attr("value"); v != "Mars/Olympus" {
		t.Errorf("time zone input = %q, want what was typed", v)
	}
	if v, _ := p.doc.Find("#f-general-title").Attr("value"); v != "My desk" {
		t.Errorf("title input = %q, want what was typed", v)
	}
	if msg := p.text("#f-general-time_zone-err"); !strings.Contains(msg, "IANA") {
		t.Errorf("time zone message = %q", msg)
	}
	if msg := p.text("#f-general-password_min_length-err"); msg == "" {
		t.Error("no message beside the password length")
	}
	// Each message of the summary links to its control.
	p.doc.Find(".form-errors a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		if p.doc.Find(href).Length() != 1 {
			t.Errorf("summary link %q leads nowhere", href)
		}
	})
	if n := p.doc.Find(".form-errors a").Length(); n < 2 {
		t.Errorf("summary has %d links", n)
	}
	if set, _ := s.desk.Settings(context.Background(), s.admin); set.General.Title == "My desk" {
		t.Error("a refused form saved the title")
	}
	// Good input: saved, guest access and self-registration included.
	good := cloneValues(vals)
	good.Set("general.title", "Acme Support")
	good.Set("general.login_text", "Welcome to Acme.")
	good.Del("general.guest.submit_request")
	good.Set("general.guest.self_registration", "1")
	p = admin.post("/app/desk/settings/general", good)
	wantStatus(t, "good general", p, http.StatusOK)
	if !strings.Contains(p.text(".flash"), "saved") {
		t.Errorf("flash = %q", p.text(".flash"))
	}
	set, _ := s.desk.Settings(context.Background(), s.admin)
	if set.General.Title != "Acme Support" || set.General.LoginText != "Welcome to Acme." || set.General.Guest.SubmitRequest || !set.General.Guest.SelfRegistration {
		t.Errorf("saved general = %+v", set.General)
	}
}

func TestAdminServiceTargetsAndLimits(t *testing.T) {
	s := sqliteSite(t)
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/targets")
	vals := formValues(p, `form[action="/app/desk/settings/targets"]`)
	vals.Set("service_targets.urgent.first_response", "soon")
	vals.Set("general.working_time.day_end", "8")
	p = admin.post("/app/desk/settings/targets", vals)
	wantStatus(t, "bad targets", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-service_targets-urgent-first_response").Attr("value"); v != "soon" {
		t.Errorf("urgent first response input = %q", v)
	}
	if p.text("#f-service_targets-urgent-first_response-err") == "" || p.text("#f-general-working_time-day_end-err") == "" {
		t.Error("no message beside the bad fields")
	}
	vals.Set("service_targets.urgent.first_response", "30m")
	vals.Set("general.working_time.day_end", "18")
	wantStatus(t, "good targets", admin.post("/app/desk/settings/targets", vals), http.StatusOK)
	set, _ := s.desk.Settings(context.Background(), s.admin)
	if set.ServiceTargets.Urgent.FirstResponse != "30m" || set.General.WorkingTime.DayEnd != 18 {
		t.Errorf("saved = %+v %+v", set.ServiceTargets.Urgent, set.General.WorkingTime)
	}

	p = admin.get("/app/desk/settings/limits")
	vals = formValues(p, `form[action="/app/desk/settings/limits"]`)
	vals.Set("rate_limits.read", "0")
	p = admin.post("/app/desk/settings/limits", vals)
	wantStatus(t, "bad limits", p, http.StatusBadRequest)
	if p.text("#f-rate_limits-read-err") == "" {
		t.Error("no message beside the read limit")
	}
	vals.Set("rate_limits.read", "900")
	wantStatus(t, "good limits", admin.post("/app/desk/settings/limits", vals), http.StatusOK)
	if set, _ := s.desk.Settings(context.Background(), s.admin); set.RateLimits.Read != 900 {
		t.Errorf("read limit = %d", set.RateLimits.Read)
	}

	p = admin.get("/app/desk/settings/automation")
	vals = formValues(p, `form[action="/app/desk/settings/automation"]`)
	vals.Del("automation.customers_rate")
	wantStatus(t, "automation", admin.post("/app/desk/settings/automation", vals), http.StatusOK)
	if set, _ := s.desk.Settings(context.Background(), s.admin); set.Automation.CustomersRate || !set.Automation.CustomersClose {
		t.Errorf("automation = %+v", set.Automation)
	}
}

func TestAdminTicketIDExample(t *testing.T) {
	s := sqliteSite(t)
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/ticket-id")
	wantStatus(t, "ticket id page", p, http.StatusOK)
	ex := p.text("#ticket-id-example code")
	// The default format {MM}-{DD}-{L}-{X:3}: today's month and day.
	now := time.Now().UTC()
	if !strings.HasPrefix(ex, now.Format("01-02-")) || len(ex) != len("09-13-O-TW4") {
		t.Errorf("example = %q", ex)
	}
	// Without JavaScript: Show example renders the typed format, saves nothing.
	p = admin.post("/app/desk/settings/ticket-id", url.Values{"ticket_id_format": {"ACME-{YYYY}-{SEQ:5}"}, "preview": {"1"}})
	wantStatus(t, "preview", p, http.StatusOK)
	if got, want := p.text("#ticket-id-example code"), "ACME-"+strconv.Itoa(now.Year())+"-00042"; got != want {
		t.Errorf("preview example = %q, want %q", got, want)
	}
	if v, _ := p.doc.Find("#f-ticket_id_format").Attr("value"); v != "ACME-{YYYY}-{SEQ:5}" {
		t.Errorf("format input = %q", v)
	}
	if set, _ := s.desk.Settings(context.Background(), s.admin); set.TicketIDFormat != sympoq.DefaultTicketIDFormat {
		t.Errorf("preview saved the format: %q", set.TicketIDFormat)
	}
	// With JavaScript: the example address the script calls as one types.
	res := admin.raw("/app/desk/settings/ticket-id/example?format=" + url.QueryEscape("T{SEQ:3}"))
	if res.status != http.StatusOK || res.body != "T042" {
		t.Errorf("example endpoint = %d %q", res.status, res.body)
	}
	res = admin.raw("/app/desk/settings/ticket-id/example?format=" + url.QueryEscape("{NOPE}"))
	if res.status != http.StatusUnprocessableEntity || res.body == "" {
		t.Errorf("bad format endpoint = %d %q", res.status, res.body)
	}
	// A bad format is refused beside the field; a good one is saved and used.
	p = admin.post("/app/desk/settings/ticket-id", url.Values{"ticket_id_format": {"{NOPE}"}})
	wantStatus(t, "bad format", p, http.StatusBadRequest)
	if p.text("#f-ticket_id_format-err") == "" || p.text("#ticket-id-example .field-error") == "" {
		t.Error("bad format: no messages")
	}
	wantStatus(t, "save format", admin.post("/app/desk/settings/ticket-id", url.Values{"ticket_id_format": {"T{SEQ:4}"}}), http.StatusOK)
	v := s.ticket("After the change", "Body", "x@example.com")
	if !strings.HasPrefix(v.DisplayID, "T") || len(v.DisplayID) != 5 {
		t.Errorf("new ticket id = %q", v.DisplayID)
	}
}

func TestAdminItems(t *testing.T) {
	s := sqliteSite(t)
	admin := s.browser()
	admin.login("admin", adminPassword)
	ctx := context.Background()

	// Queue with inbound addresses; a bad address comes back beside its field.
	admin.get("/app/desk/settings/queues")
	p := admin.post("/app/desk/settings/queues", url.Values{"name": {"Billing"}, "addresses": {"billing@example.com\nnot an address"}})
	wantStatus(t, "bad queue", p, http.StatusBadRequest)
	if got := p.text("#f-addresses"); !strings.Contains(got, "not an address") {
		t.Errorf("addresses textarea = %q", got)
	}
	if p.text(".form-errors") == "" {
		t.Error("no error summary")
	}
	p = admin.post("/app/desk/settings/queues", url.Values{"name": {"Billing"}, "addresses": {"billing@example.com"}})
	wantStatus(t, "queue", p, http.StatusOK)
	qs, _ := s.desk.Queues(ctx, s.admin)
	var billing *sympoq.Queue
	for _, q := range qs {
		if q.Name == "Billing" {
			billing = q
		}
	}
	if billing == nil || len(billing.Addresses) != 1 || billing.Addresses[0] != "billing@example.com" {
		t.Fatalf("queues = %+v", qs)
	}
	if p.doc.Find("tr.item-row").Length() != 2 {
		t.Errorf("queue list has %d rows", p.doc.Find("tr.item-row").Length())
	}
	// Edit it.
	p = admin.get("/app/desk/settings/queues/" + strconv.FormatInt(billing.ID, 10))
	vals := formValues(p, `form[action$="/`+strconv.FormatInt(billing.ID, 10)+`"]`)
	vals.Set("name", "Billing & invoices")
	wantStatus(t, "edit queue", admin.post("/app/desk/settings/queues/"+strconv.FormatInt(billing.ID, 10), vals), http.StatusOK)
	if q, _ := s.desk.Queue(ctx, s.admin, billing.ID); q.Name != "Billing & invoices" {
		t.Errorf("queue name = %q", q.Name)
	}
	// The default queue cannot be deleted: the page says why.
	set, _ := s.desk.Settings(ctx, s.admin)
	p = admin.post("/app/desk/settings/queues/"+strconv.FormatInt(set.General.DefaultQueue, 10)+"/delete", nil)
	if p.status != http.StatusConflict && p.status != http.StatusBadRequest {
		t.Errorf("delete default queue: status %d", p.status)
	}
	if p.text(".form-errors") == "" {
		t.Error("delete default queue: no message")
	}

	// Topic routed to the queue; group; tag; canned reply.
	wantStatus(t, "topic", admin.post("/app/desk/settings/topics", url.Values{"name": {"Invoices"}, "active": {"1"}, "queue": {strconv.FormatInt(billing.ID, 10)}}), http.StatusOK)
	ts, _ := s.desk.Topics(ctx, s.admin)
	if len(ts) != 1 || ts[0].QueueID != billing.ID || !ts[0].Active {
		t.Errorf("topics = %+v", ts)
	}
	wantStatus(t, "group", admin.post("/app/desk/settings/groups", url.Values{"name": {"VIP"}}), http.StatusOK)
	wantStatus(t, "tag", admin.post("/app/desk/settings/tags", url.Values{"name": {"refund"}}), http.StatusOK)
	p = admin.post("/app/desk/settings/tags", url.Values{"name": {""}})
	wantStatus(t, "empty tag", p, http.StatusBadRequest)
	if p.text("#f-name-err") == "" {
		t.Error("empty tag: no message beside the name")
	}
	wantStatus(t, "canned", admin.post("/app/desk/settings/canned", url.Values{"name": {"Thanks"}, "body": {"Thank you for writing."}, "queue": {"0"}}), http.StatusOK)
	gs, _ := s.desk.Groups(ctx, s.admin)
	tags, _ := s.desk.Tags(ctx, s.admin)
	cs, _ := s.desk.CannedReplies(ctx, s.admin)
	if len(gs) != 1 || len(tags) != 1 || len(cs) != 1 || cs[0].Body != "Thank you for writing." {
		t.Errorf("groups %d tags %d canned %d", len(gs), len(tags), len(cs))
	}
	// Delete the tag.
	wantStatus(t, "delete tag", admin.post("/app/desk/settings/tags/"+strconv.FormatInt(tags[0].ID, 10)+"/delete", nil), http.StatusOK)
	if tags, _ := s.desk.Tags(ctx, s.admin); len(tags) != 0 {
		t.Errorf("tags after delete = %d", len(tags))
	}

	// Custom field: a select without options is refused; with options saved.
	p = admin.post("/app/desk/settings/fields", url.Values{"label": {"Plan"}, "type": {"select"}, "options": {""}, "customer_visible": {"1"}, "customer_editable": {"1"}})
	wantStatus(t, "select without options", p, http.StatusBadRequest)
	if p.text("#f-options-err") == "" {
		t.Errorf("no message beside options: %s", p.text(".form-errors"))
	}
	if v, _ := p.doc.Find("#f-label").Attr("value"); v != "Plan" {
		t.Errorf("label input = %q", v)
	}
	wantStatus(t, "select", admin.post("/app/desk/settings/fields", url.Values{"label": {"Plan"}, "type": {"select"}, "options": {"Basic\nPro"},
		"customer_visible": {"1"}, "customer_editable": {"1"}}), http.StatusOK)
	cfs, _ := s.desk.CustomFields(ctx, s.admin)
	if len(cfs) != 1 || cfs[0].Type != sympoq.CustomSelect || len(cfs[0].Options) != 2 || !cfs[0].CustomerEditable {
		t.Errorf("custom fields = %+v", cfs)
	}
}

func TestAdminPermissionsGrid(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	q, err := s.desk.SaveQueue(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Sales")})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := s.desk.Settings(ctx, s.admin)
	inbox := set.General.DefaultQueue
	u := s.agent("Alice Agent", "alice@example.com", "alice-password", desk.Permission{Queue: inbox, Role: sympoq.RoleAgent})
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/agents")
	if !strings.Contains(p.text(".agent-cards"), "Inbox: Agent") {
		t.Errorf("agent cards = %q", p.text(".agent-cards"))
	}
	page := "/app/desk/settings/agents/" + strconv.FormatInt(u.ID, 10)
	p = admin.get(page)
	wantStatus(t, "agent page", p, http.StatusOK)
	if n := p.doc.Find("tr.perm-row").Length(); n != 2 {
		t.Fatalf("grid rows = %d, want the role and an empty row", n)
	}
	vals := formValues(p, `form[action="`+page+`"]`)
	// Add row (without saving) gives one more empty row and keeps what was typed.
	vals.Set("perm.1.queue", strconv.FormatInt(q.ID, 10))
	vals.Set("perm.1.role", string(sympoq.RoleQueueManager))
	vals.Set("add_row", "1")
	p = admin.post(page, vals)
	wantStatus(t, "add row", p, http.StatusOK)
	if n := p.doc.Find("tr.perm-row").Length(); n != 3 {
		t.Errorf("after Add row: %d rows", n)
	}
	if v, _ := p.doc.Find(`select[name="perm.1.queue"] option[selected]`).Attr("value"); v != strconv.FormatInt(q.ID, 10) {
		t.Errorf("row 1 queue = %q", v)
	}
	if got, _ := s.desk.User(ctx, s.admin, sympoq.KindAgent, u.ID); len(got.Permissions) != 1 {
		t.Error("Add row saved")
	}
	// The same queue twice is refused beside the row.
	vals = formValues(p, `form[action="`+page+`"]`)
	vals.Set("perm.2.queue", strconv.FormatInt(q.ID, 10))
	p = admin.post(page, vals)
	wantStatus(t, "duplicate row", p, http.StatusBadRequest)
	if p.text("#f-perm-2-queue-err") == "" {
		t.Errorf("no message beside the duplicate row: %s", p.text(".form-errors"))
	}
	// Save: Sales as Queue Manager added, Inbox removed.
	vals = formValues(p, `form[action="`+page+`"]`)
	vals.Set("perm.2.queue", "")
	vals.Set("perm.0.remove", "1")
	p = admin.post(page, vals)
	wantStatus(t, "save grid", p, http.StatusOK)
	got, _ := s.desk.User(ctx, s.admin, sympoq.KindAgent, u.ID)
	if len(got.Permissions) != 1 || got.Permissions[0].Queue != q.ID || got.Permissions[0].Role != sympoq.RoleQueueManager {
		t.Errorf("permissions = %+v", got.Permissions)
	}
	// A new agent with a bad email comes back with the input.
	admin.get("/app/desk/settings/agents/new")
	p = admin.post("/app/desk/settings/agents", url.Values{"name": {"Bob"}, "email": {"not-an-email"}, "active": {"1"}, "rows": {"1"}})
	wantStatus(t, "bad agent", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-name").Attr("value"); v != "Bob" {
		t.Errorf("name input = %q", v)
	}
	if p.text("#f-email-err") == "" {
		t.Error("no message beside the email")
	}
}

// formValues is what a browser would send for the form: its inputs
// (checked boxes and radios only), selected options and textareas, without
// buttons.
func formValues(p *page, form string) url.Values {
	v := url.Values{}
	f := p.doc.Find(form)
	f.Find("input[name]").Each(func(_ int, el *goquery.Selection) {
		name, _ := el.Attr("name")
		typ, _ := el.Attr("type")
		val, _ := el.Attr("value")
		switch typ {
		case "submit", "button", "file":
			return
		case "checkbox", "radio":
			if _, ok := el.Attr("checked"); !ok {
				return
			}
		}
		v.Add(name, val)
	})
	f.Find("textarea[name]").Each(func(_ int, el *goquery.Selection) {
		name, _ := el.Attr("name")
		v.Add(name, strings.TrimPrefix(el.Text(), "\n"))
	})
	f.Find("select[name]").Each(func(_ int, el *goquery.Selection) {
		name, _ := el.Attr("name")
		sel := el.Find("option[selected]")
		if sel.Length() == 0 {
			if _, multi := el.Attr("multiple"); multi {
				return
			}
			sel = el.Find("option").First()
		}
		sel.Each(func(_ int, o *goquery.Selection) {
			val, _ := o.Attr("value")
			v.Add(name, val)
		})
	})
	return v
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// rawPage is a response read as text.
type rawPage struct {
	status int
	body   string
}

func (b *browser) raw(path string) rawPage {
	b.s.t.Helper()
	res, err := b.client.Get(b.s.srv.URL + path)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return rawPage{res.StatusCode, string(body)}
}

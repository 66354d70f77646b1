package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

func TestTicketCustomFields(t *testing.T) {
	f := newDeskFixture(t)
	ctx := context.Background()
	for _, in := range []desk.CustomFieldInput{
		{Label: desk.Some("Seats"), Key: desk.Some("seats"), Type: desk.Some(sympoq.CustomNumber)},
		{Label: desk.Some("Browser"), Key: desk.Some("browser"), Type: desk.Some(sympoq.CustomSelect), Options: desk.Some([]string{"Firefox", "Chrome"})},
		{Label: desk.Some("Platforms"), Key: desk.Some("platforms"), Type: desk.Some(sympoq.CustomMultiselect), Options: desk.Some([]string{"Linux", "Mac", "Windows"})},
		{Label: desk.Some("Paid"), Key: desk.Some("paid"), Type: desk.Some(sympoq.CustomCheckbox)},
	} {
		if _, err := f.desk.SaveCustomField(ctx, f.admin, 0, in); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browserAs(t, "admin", adminPassword)
	base := "/app/desk/tickets/" + f.salesTkt.DisplayID
	p := b.get(base)
	version, _ := p.doc.Find(`#fields input[name="version"]`).Attr("value")
	present := url.Values{"version": {version}}
	for _, k := range []string{"seats", "browser", "platforms", "paid"} {
		present.Set("custom_fields."+k+".present", "1")
	}
	bad := url.Values{}
	for k, v := range present {
		bad[k] = v
	}
	bad.Set("custom_fields.seats", "twenty")
	bad.Set("custom_fields.browser", "Chrome")
	p = b.post(base+"/fields", bad)
	wantStatus(t, "number field with words", p, http.StatusBadRequest)
	if p.text("#f-custom_fields-seats-err") == "" {
		t.Errorf("no message beside Seats: %s", p.text("#fields"))
	}
	if v, _ := p.doc.Find("#f-custom_fields-browser option[selected]").Attr("value"); v != "Chrome" {
		t.Errorf("browser = %q, want the choice kept", v)
	}
	if href, _ := p.doc.Find("#fields .form-errors a").First().Attr("href"); p.doc.Find(href).Length() != 1 {
		t.Errorf("summary link %q points at nothing", href)
	}
	good := present
	good.Set("custom_fields.seats", "20")
	good.Set("custom_fields.browser", "Firefox")
	good["custom_fields.platforms"] = []string{"Linux", "Windows"}
	good.Set("custom_fields.paid", "1")
	p = b.post(base+"/fields", good)
	if got := p.text(".flash"); got != "Fields saved." {
		t.Fatalf("flash = %q (%s)", got, p.text("#fields .form-errors"))
	}
	v, _ := f.desk.Ticket(ctx, f.admin, f.salesTkt.DisplayID, false)
	want := map[string]string{"seats": "20", "browser": "Firefox", "platforms": "Linux\nWindows", "paid": "true"}
	for k, w := range want {
		if v.CustomFields[k] != w {
			t.Errorf("custom field %s = %q, want %q", k, v.CustomFields[k], w)
		}
	}
	if got := p.text(".props"); !strings.Contains(got, "Firefox") {
		t.Errorf("details panel lacks the field: %q", got)
	}
	// The form shows the stored values again.
	if p.doc.Find(`#f-custom_fields-platforms option[selected]`).Length() != 2 || p.doc.Find(`#f-custom_fields-paid[checked]`).Length() != 1 {
		t.Errorf("stored multiselect/checkbox not shown: %s", p.text("#fields"))
	}
}

// Administrators can end every session of a user (for the agent pages);
// nobody else can.
func TestRevokeUserSessions(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	u := s.agent("Lost Laptop", "lost@example.com", "lost-password")
	b := s.browserAs(t, "lost@example.com", "lost-password")
	actor, err := s.desk.ActorOf(ctx, s.account, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.desk.RevokeUserSessions(ctx, actor, s.admin.ID()); sympoq.ErrorCode(err) != sympoq.EForbidden {
		t.Errorf("agent revoking the admin's sessions: %v, want forbidden", err)
	}
	n, err := s.desk.RevokeUserSessions(ctx, s.admin, u.ID)
	if err != nil || n != 1 {
		t.Fatalf("RevokeUserSessions = %d, %v; want 1", n, err)
	}
	if p := b.get("/app/profile"); p.url.Path != "/app/login" {
		t.Errorf("revoked user's page: %s", p.url)
	}
}

func TestUnknownPage(t *testing.T) {
	s := sqliteSite(t)
	p := s.browser().get("/app/desk/no-such-page")
	if p.status != http.StatusNotFound || p.header.Get("Content-Type") != "text/html; charset=utf-8" || p.text("h1") != "Page not found" {
		t.Errorf("unknown page = %d %q %q", p.status, p.header.Get("Content-Type"), p.text("h1"))
	}
	// The API keeps its problem bodies.
	res, err := http.Get(s.srv.URL + "/app/desk/api/no-such-endpoint")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("unknown API path = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// An agent without any queue role still has a desk: empty, not broken.
func TestAgentWithoutRole(t *testing.T) {
	f := newDeskFixture(t)
	f.site.agent("Nora Norole", "nora@example.com", "nora-password")
	b := f.browserAs(t, "nora@example.com", "nora-password")
	p := b.get("/app/desk/")
	wantStatus(t, "desk of an agent without a role", p, http.StatusOK)
	if n := p.doc.Find("tr.ticket-row").Length(); n != 0 {
		t.Errorf("agent without a role sees %d tickets", n)
	}
	if p := b.get("/app/desk/tickets/" + f.inbox.DisplayID); p.status != http.StatusNotFound {
		t.Errorf("ticket = %d, want 404", p.status)
	}
	if p := b.get("/app/desk/customers"); p.status != http.StatusOK {
		t.Errorf("customers = %d", p.status)
	}
}

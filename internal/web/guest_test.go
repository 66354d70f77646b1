package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

func TestGuestForm(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	b := s.browser()
	p := b.get("/app/request")
	wantStatus(t, "guest form", p, http.StatusOK)
	if p.doc.Find(`a[href="/app/signup"]`).Length() != 0 {
		t.Error("sign-up link while self-registration is off")
	}
	// Bad input comes back with the input and messages.
	p = b.post("/app/request", url.Values{"name": {"Gina Guest"}, "email": {"gina@"}, "subject": {"Order <missing>"}, "description": {"Where is it?"}})
	wantStatus(t, "bad guest request", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-subject").Attr("value"); v != "Order <missing>" {
		t.Errorf("subject = %q", v)
	}
	if p.text("#f-email-err") == "" {
		t.Errorf("no message beside the email: %s", p.text(".form-errors"))
	}
	p = b.post("/app/request", url.Values{"name": {"Gina Guest"}, "email": {"gina@example.com"}, "subject": {"Order missing"}, "description": {"Where is it?"}})
	wantStatus(t, "guest request", p, http.StatusOK)
	id := p.text(".created-id")
	if id == "" {
		t.Fatalf("no request id on the page: %s", p.text("main"))
	}
	v, err := s.desk.Ticket(ctx, s.admin, id, false)
	if err != nil {
		t.Fatalf("the shown id %q: %v", id, err)
	}
	if v.Subject != "Order missing" || v.Channel != sympoq.ChannelForm || v.CustomerUser.Email != "gina@example.com" {
		t.Errorf("ticket = %q %v %q", v.Subject, v.Channel, v.CustomerUser.Email)
	}
	// A form without the browser's token changes nothing.
	p = b.post("/app/request", url.Values{"csrf": {"forged"}, "name": {"X"}, "email": {"x@example.com"}, "subject": {"Forged"}, "description": {"x"}})
	wantStatus(t, "forged", p, http.StatusForbidden)

	// Self-registration on: the form links to it.
	s.settings(func(set *sympoq.Settings) { set.General.Guest.SelfRegistration = true })
	if b.get("/app/request").doc.Find(`a[href="/app/signup"]`).Length() != 1 {
		t.Error("no sign-up link while self-registration is on")
	}
	// Guest submissions off: the form and the widget do not exist.
	s.settings(func(set *sympoq.Settings) { set.General.Guest.SubmitRequest = false })
	for _, path := range []string{"/app/request", "/app/widget"} {
		wantStatus(t, "off "+path, b.get(path), http.StatusNotFound)
	}
	b.get("/app/login")
	p = b.post("/app/request", url.Values{"name": {"Gina"}, "email": {"gina@example.com"}, "subject": {"While off"}, "description": {"x"}})
	wantStatus(t, "post while off", p, http.StatusNotFound)
	if n := countTickets(t, s, "While off"); n != 0 {
		t.Errorf("%d tickets created while guest submissions are off", n)
	}
}

func countTickets(t *testing.T, s *site, q string) int {
	t.Helper()
	_, _, n, err := s.desk.Tickets(context.Background(), s.admin, desk.TicketList{TicketFilter: store.TicketFilter{Q: q}, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGuestFormThrottled(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.get("/app/request")
	for i := 0; i < 10; i++ {
		p := b.post("/app/request", url.Values{"name": {"Flood"}, "email": {"flood@example.com"}, "subject": {"Flood request"}, "description": {"again"}})
		wantStatus(t, "within the budget", p, http.StatusOK)
	}
	p := b.post("/app/request", url.Values{"name": {"Flood"}, "email": {"flood@example.com"}, "subject": {"Flood request"}, "description": {"again"}})
	wantStatus(t, "over the budget", p, http.StatusTooManyRequests)
	if p.header.Get("Retry-After") == "" || !strings.Contains(p.text(".form-errors"), "Too many requests") {
		t.Errorf("429 page: Retry-After %q, message %q", p.header.Get("Retry-After"), p.text(".form-errors"))
	}
	if v, _ := p.doc.Find("#f-subject").Attr("value"); v != "Flood request" {
		t.Errorf("the input is lost on the 429 page: %q", v)
	}
	if n := countTickets(t, s, "Flood"); n != 10 {
		t.Errorf("%d tickets, want 10", n)
	}
	// The widget shares the budget of the address.
	p = s.browser().post("/app/widget", url.Values{"name": {"Flood"}, "email": {"flood@example.com"}, "subject": {"Flood request"}, "description": {"again"}})
	wantStatus(t, "widget over the budget", p, http.StatusTooManyRequests)
}

func TestWidgetFraming(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	p := b.get("/app/widget")
	wantStatus(t, "widget", p, http.StatusOK)
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors *") || p.header.Get("X-Frame-Options") != "" {
		t.Errorf("widget CSP %q, X-Frame-Options %q", csp, p.header.Get("X-Frame-Options"))
	}
	if p.doc.Find("header.top").Length() != 0 {
		t.Error("the widget shows the site header")
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("widget CSP relaxed more than framing: %q", csp)
	}
	for _, path := range []string{"/app/request", "/app/login", "/app/desk/settings/general"} {
		p := b.get(path)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	// Inside another site's frame the browser sends no cookies (SameSite):
	// the widget takes the form without a session token, as a guest.
	p = s.browser().post("/app/widget", url.Values{"csrf": {""}, "name": {"Wanda"}, "email": {"wanda@example.com"}, "subject": {"From the widget"}, "description": {"Hello"}})
	wantStatus(t, "widget submit", p, http.StatusOK)
	id := p.text(".created-id")
	v, err := s.desk.Ticket(context.Background(), s.admin, id, false)
	if err != nil || v.Channel != sympoq.ChannelForm || v.Subject != "From the widget" {
		t.Fatalf("widget ticket %q: %v %+v", id, err, v)
	}
	// A signed-in agent's cookie does not make the widget act for them.
	admin := s.browser()
	admin.login("admin", adminPassword)
	p = admin.get("/app/widget")
	if p.doc.Find(".me-name").Length() != 0 || p.doc.Find(`input[name="email"]`).Length() != 1 {
		t.Error("the widget acts for the signed-in user")
	}
	// A cross-site post (the browser says so) is refused.
	req, _ := http.NewRequest("POST", s.srv.URL+"/app/widget", strings.NewReader(url.Values{"name": {"E"}, "email": {"e@example.com"}, "subject": {"Evil"}, "description": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	p = s.browser().do(req)
	wantStatus(t, "cross-site widget post", p, http.StatusForbidden)
}

func TestWidgetOldAddressAndScript(t *testing.T) {
	s := sqliteSite(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(s.srv.URL + "/app/f?p=widget:view")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/app/widget" {
		t.Errorf("old widget address: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if p := s.browser().get("/app/f?p=other"); p.status != http.StatusNotFound {
		t.Errorf("other /app/f page: %d", p.status)
	}
	r := s.browser().raw("/app/widget.js")
	if r.status != http.StatusOK || !strings.Contains(r.body, "/app/widget") || !strings.Contains(r.body, "data-position") {
		t.Errorf("widget.js: %d, %d bytes", r.status, len(r.body))
	}
	res, err = http.Get(s.srv.URL + "/app/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("widget.js Content-Type %q", ct)
	}
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/server"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// A session belongs to its account: its cookie sent to another account's
// host opens nothing there.
func TestSessionStaysInItsAccount(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := jobs.New(db, logger)
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(db, runner, logger)
	srv := httptest.NewServer(server.New(db, d, server.Options{BaseDomain: "example.test", Logger: logger}))
	defer srv.Close()
	for _, name := range []string{"acme", "beta"} {
		if _, err := d.CreateAccount(ctx, name, adminPassword, ""); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, host, path string, cookies []*http.Cookie, form url.Values) *http.Response {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Host = host
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	// Sign in at acme: the login page's cookie, then the form.
	res := send("GET", "acme.example.test", "/app/login", nil, nil)
	pre := res.Cookies()
	page := func(host, path string, cookies []*http.Cookie) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Host = host
		for _, c := range cookies {
			req.AddCookie(c)
		}
		r, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		return string(b)
	}
	html := page("acme.example.test", "/app/login", pre)
	i := strings.Index(html, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no csrf field on the sign-in page")
	}
	token := html[i+len(`name="csrf" value="`):]
	token = token[:strings.Index(token, `"`)]
	res = send("POST", "acme.example.test", "/app/login", pre, url.Values{"login": {"admin"}, "password": {adminPassword}, "csrf": {token}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/desk/" {
		t.Fatalf("sign in at acme = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	session := res.Cookies()
	if res := send("GET", "acme.example.test", "/app/desk/", session, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("acme desk with acme's session = %d", res.StatusCode)
	}
	res = send("GET", "beta.example.test", "/app/desk/", session, nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/app/login") {
		t.Errorf("beta desk with acme's session = %d to %q, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
	if res := send("GET", "nosuch.example.test", "/app/login", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown account's sign-in page = %d, want 404", res.StatusCode)
	}
}

func TestTrashAndRestore(t *testing.T) {
	f := newDeskFixture(t)
	admin := f.browserAs(t, "admin", adminPassword)
	base := "/app/desk/tickets/" + f.inbox.DisplayID
	p := admin.get(base)
	if csp := p.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, wantCSP) {
		t.Errorf("ticket page CSP = %q", csp)
	}
	version, _ := p.doc.Find(`#delete input[name="version"]`).Attr("value")
	p = admin.post(base+"/delete", url.Values{"version": {version}})
	if p.url.Path != "/app/desk/" || !strings.Contains(p.text(".flash"), "trash") {
		t.Fatalf("after delete at %s: %q", p.url, p.text(".flash"))
	}
	if strings.Contains(p.text("tbody"), f.inbox.DisplayID) {
		t.Error("deleted ticket still in the list")
	}
	p = admin.get("/app/desk/?view=trash")
	if !strings.Contains(p.text("tbody"), f.inbox.DisplayID) {
		t.Fatalf("trash = %q", p.text("tbody"))
	}
	// Only administrators see the trash.
	alice := f.browserAs(t, "alice@example.com", "alice-password")
	if p := alice.get(base); p.status != http.StatusNotFound {
		t.Errorf("agent opens a deleted ticket: %d", p.status)
	}
	if p := alice.get("/app/desk/?view=trash"); strings.Contains(p.text("tbody"), f.inbox.DisplayID) {
		t.Error("agent sees the trash")
	}
	p = admin.get(base)
	version, _ = p.doc.Find(`form[action$="/restore"] input[name="version"]`).Attr("value")
	p = admin.post(base+"/restore", url.Values{"version": {version}})
	if !strings.Contains(p.text(".flash"), "Restored") {
		t.Errorf("restore flash = %q (%s)", p.text(".flash"), p.text("main"))
	}
	if p := alice.get(base); p.status != http.StatusOK {
		t.Errorf("agent after restore: %d", p.status)
	}
}

package web_test

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/server"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
	"github.com/sympoq/sympoq/internal/web"
)

// site is a whole server over a real database with one account, for page
// tests. Jobs are enqueued but not worked; mail lands in outbox.
type site struct {
	t      *testing.T
	db     *store.DB
	desk   *desk.Service
	srv    *httptest.Server
	outbox string
	mailer *jobs.Dispatcher
	// publicURL is the accounts' configured address; empty: the server's.
	publicURL string
	account   int64
	admin     desk.Actor
}

const adminPassword = "admin-password-1"

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatalf("jobs.Migrate: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := jobs.New(db, logger)
	if err != nil {
		t.Fatal(err)
	}
	jobs.Register(runner, &jobs.RegistrationWorker{DB: db, Sender: mail.DirSender{Dir: t.TempDir()},
		AccountURL: func(string) string { return "http://localhost" }})
	outbox := t.TempDir()
	mailer := &jobs.Dispatcher{DB: db, Sender: mail.DirSender{Dir: outbox}}
	jobs.RegisterOutbox(runner, mailer)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Received mail's retry enqueues process_mail; tests call ProcessMail.
	processMail := &jobs.ProcessMailWorker{}
	jobs.Register(runner, processMail)
	s := &site{t: t, db: db, outbox: outbox, mailer: mailer}
	accountURL := func(string) string { return cmp.Or(s.publicURL, s.srv.URL) }
	d := desk.New(db, runner, logger, desk.WithBlobs(blobs),
		desk.WithMail(desk.MailOptions{From: netmail.Address{Name: "Help desk", Address: "help@example.com"}, AccountURL: accountURL}))
	s.desk = d
	srv := httptest.NewServer(server.New(db, d, server.Options{Logger: logger, Web: web.Options{AccountURL: accountURL}}))
	processMail.Desk = d
	t.Cleanup(srv.Close)
	s.srv = srv
	c, err := d.CreateAccount(ctx, sympoq.DefaultAccountName, adminPassword, "")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	s.account = c.Account.ID
	s.admin, err = d.ActorOf(ctx, s.account, s.userID("admin"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sqliteSite is a site on SQLite: the pages' logic is the same on both
// engines, which the store and API tests cover.
func sqliteSite(t *testing.T) *site { return newSite(t, storetest.SQLite(t)) }

func (s *site) userID(login string) int64 {
	s.t.Helper()
	u, err := s.db.Read().UserByLogin(context.Background(), s.account, login)
	if err != nil {
		s.t.Fatalf("UserByLogin(%q): %v", login, err)
	}
	return u.ID
}

// agent creates an agent with a password and the given queue roles.
func (s *site) agent(name, email, password string, perms ...desk.Permission) *sympoq.User {
	s.t.Helper()
	if perms == nil {
		perms = []desk.Permission{}
	}
	u, err := s.desk.CreateUser(context.Background(), s.admin, sympoq.KindAgent, desk.UserInput{Name: desk.Some(name),
		Email: desk.Some(email), Password: desk.Some(password), Permissions: desk.Some(perms)})
	if err != nil {
		s.t.Fatalf("CreateUser(agent %q): %v", name, err)
	}
	return u
}

// customer creates a customer with a password.
func (s *site) customer(name, email, password string) *sympoq.User {
	s.t.Helper()
	u, err := s.desk.CreateUser(context.Background(), s.admin, sympoq.KindCustomer, desk.UserInput{Name: desk.Some(name),
		Email: desk.Some(email), Password: desk.Some(password)})
	if err != nil {
		s.t.Fatalf("CreateUser(customer %q): %v", name, err)
	}
	return u
}

// settings changes the account's settings.
func (s *site) settings(change func(*sympoq.Settings)) {
	s.t.Helper()
	_, err := s.desk.UpdateSettings(context.Background(), s.admin, func(set *sympoq.Settings) error { change(set); return nil })
	if err != nil {
		s.t.Fatalf("UpdateSettings: %v", err)
	}
}

// browser is one browser: a cookie jar, and the CSRF token of the last
// page it loaded, which its forms send.
type browser struct {
	s      *site
	client *http.Client
	csrf   string
	header http.Header // sent with every request
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, client: &http.Client{Jar: jar}, header: http.Header{}}
}

// page is what a request got back, after redirects.
type page struct {
	status int
	header http.Header
	url    *url.URL // where the redirects ended
	body   string
	doc    *goquery.Document
}

func (p *page) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).Text()) }

func (b *browser) do(req *http.Request) *page {
	b.s.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		b.s.t.Fatal(err)
	}
	if v, ok := doc.Find(`input[name="csrf"]`).First().Attr("value"); ok {
		b.csrf = v
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		checkPage(b.s.t, req.Method+" "+req.URL.Path, res.Header, doc)
	}
	return &page{status: res.StatusCode, header: res.Header, url: res.Request.URL, body: string(body), doc: doc}
}

func (b *browser) get(path string) *page {
	b.s.t.Helper()
	req, err := http.NewRequest("GET", b.s.srv.URL+path, nil)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the browser's CSRF token unless v has one.
func (b *browser) post(path string, v url.Values) *page {
	b.s.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["csrf"]; !ok {
		v.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in through the form and fails the test unless it worked.
func (b *browser) login(login, password string) *page {
	b.s.t.Helper()
	b.get("/app/login")
	p := b.post("/app/login", url.Values{"login": {login}, "password": {password}})
	if p.status != http.StatusOK || p.url.Path == "/app/login" {
		b.s.t.Fatalf("login(%q) ended at %s with %d: %s", login, p.url, p.status, p.text(".form-errors"))
	}
	return p
}

// cookie returns the browser's cookie of that name for the site.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.s.srv.URL + "/app/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// mails delivers the queued email (the site's runner is not started) and
// returns the messages in the outbox; a message that could not be
// delivered fails the test.
func (s *site) mails() []string {
	s.t.Helper()
	if _, err := s.mailer.Deliver(context.Background()); err != nil {
		s.t.Fatalf("deliver the outbox: %v", err)
	}
	var id int64
	var status, lastErr string
	err := s.db.Writer().QueryRow(`SELECT id, status, last_error FROM outbound_messages WHERE status <> 'sent' LIMIT 1`).Scan(&id, &status, &lastErr)
	if err == nil {
		s.t.Fatalf("outbound message %d %s: %s", id, status, lastErr)
	} else if !errors.Is(err, sql.ErrNoRows) {
		s.t.Fatal(err)
	}
	var out []string
	files, _ := filepath.Glob(filepath.Join(s.outbox, "*.eml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// wantStatus fails the test unless p has the status.
func wantStatus(t *testing.T, what string, p *page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status = %d, want %d (at %s)\n%s", what, p.status, status, p.url, p.text("main"))
	}
}

// checkPage holds every HTML answer of every test to the rules of the
// pages: the Content-Security-Policy, and nothing inline that it would
// block (style attributes, inline scripts, event handler attributes).
func checkPage(t *testing.T, what string, h http.Header, doc *goquery.Document) {
	t.Helper()
	if csp := h.Get("Content-Security-Policy"); !strings.HasPrefix(csp, wantCSP) {
		t.Errorf("%s: Content-Security-Policy = %q", what, csp)
	}
	if n := doc.Find("[style], style, script:not([src])").Length(); n != 0 {
		t.Errorf("%s: %d inline styles or scripts", what, n)
	}
	doc.Find("*").Each(func(_ int, sel *goquery.Selection) {
		for _, a := range sel.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s: event handler attribute %s on <%s>", what, a.Key, sel.Nodes[0].Data)
			}
		}
	})
	// Every control has a label.
	doc.Find("input:not([type=hidden]):not([type=submit]), select, textarea").Each(func(_ int, sel *goquery.Selection) {
		id, _ := sel.Attr("id")
		_, aria := sel.Attr("aria-label")
		wrapped := sel.ParentsFiltered("label").Length() > 0
		if !aria && !wrapped && (id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0) {
			name, _ := sel.Attr("name")
			t.Errorf("%s: control %q (#%s) has no label", what, name, id)
		}
	})
}

package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

func TestAdminMailSettings(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/mail")
	vals := formValues(p, `form[action="/app/desk/settings/mail"]`)

	bad := cloneValues(vals)
	bad.Set("from", "not an address")
	bad.Set("smtp_url", "ftp://mail.example.com")
	bad.Set("smtp_password", "s3cret-pass")
	p = admin.post("/app/desk/settings/mail", bad)
	wantStatus(t, "bad mail", p, http.StatusBadRequest)
	if p.text("#f-from-err") == "" || !strings.Contains(p.text("#f-smtp_url-err"), "scheme") {
		t.Errorf("messages: from %q, smtp %q", p.text("#f-from-err"), p.text("#f-smtp_url-err"))
	}
	if strings.Contains(p.body, "s3cret-pass") {
		t.Error("the typed password came back in the page")
	}

	good := cloneValues(vals)
	good.Set("from", "Acme Support <help@acme.example>")
	good.Set("smtp_url", "smtp://mailer@smtp.acme.example:587?tls=starttls")
	good.Set("smtp_password", "s3cret-pass")
	p = admin.post("/app/desk/settings/mail", good)
	wantStatus(t, "good mail", p, http.StatusOK)
	if strings.Contains(p.body, "s3cret-pass") {
		t.Fatal("the stored password is shown")
	}
	shown, _ := p.doc.Find("#f-smtp_url").Attr("value")
	if !strings.Contains(shown, "****") || !strings.Contains(shown, "smtp.acme.example") {
		t.Errorf("SMTP URL shown = %q, want it masked", shown)
	}
	if v, _ := p.doc.Find("#f-smtp_password").Attr("value"); v != "" {
		t.Errorf("password field holds %q", v)
	}
	stored, err := s.db.Read().MailSettings(ctx, s.account)
	if err != nil || !strings.Contains(stored.SMTPURL, "s3cret-pass") || stored.From == "" {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	// Saving the form as shown, password blank, keeps the password.
	again := formValues(p, `form[action="/app/desk/settings/mail"]`)
	again.Set("from", "Help <help@acme.example>")
	p = admin.post("/app/desk/settings/mail", again)
	wantStatus(t, "again", p, http.StatusOK)
	stored, _ = s.db.Read().MailSettings(ctx, s.account)
	if !strings.Contains(stored.SMTPURL, "s3cret-pass") || !strings.Contains(stored.From, "help@acme.example") {
		t.Errorf("after saving as shown: %+v", stored)
	}
}

func TestAdminMailboxesAndTokens(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	set, _ := s.desk.Settings(ctx, s.admin)
	if _, err := s.desk.SaveQueue(ctx, s.admin, set.General.DefaultQueue, desk.ItemInput{Addresses: desk.Some([]string{"help@acme.example"})}); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on, so "Test connection" fails at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/mailboxes")
	if txt := p.text("ul.addresses"); !strings.Contains(txt, "help@acme.example") || p.doc.Find(`ul.addresses a[href="/app/desk/settings/queues/`+strconv.FormatInt(set.General.DefaultQueue, 10)+`"]`).Length() != 1 {
		t.Errorf("inbound addresses = %q", txt)
	}
	vals := formValues(p, `form[action="/app/desk/settings/mailboxes"]`)
	bad := cloneValues(vals)
	bad.Set("name", "Support")
	bad.Set("host", "127.0.0.1")
	bad.Set("port", "99999")
	bad.Set("username", "support")
	bad.Set("password", "imap-secret")
	p = admin.post("/app/desk/settings/mailboxes", bad)
	wantStatus(t, "bad mailbox", p, http.StatusBadRequest)
	if p.text("#f-port-err") == "" || strings.Contains(p.body, "imap-secret") {
		t.Errorf("port message %q; password echoed: %v", p.text("#f-port-err"), strings.Contains(p.body, "imap-secret"))
	}
	good := cloneValues(bad)
	good.Set("port", strconv.Itoa(port))
	good.Set("security", "none")
	p = admin.post("/app/desk/settings/mailboxes", good)
	wantStatus(t, "good mailbox", p, http.StatusOK)
	ms, _ := s.desk.Mailboxes(ctx, s.admin)
	if len(ms) != 1 || ms[0].Host != "127.0.0.1" || ms[0].Port != port || ms[0].Security != sympoq.SecurityNone {
		t.Fatalf("mailboxes = %+v", ms)
	}
	path := "/app/desk/settings/mailboxes/" + strconv.FormatInt(ms[0].ID, 10)
	if p.url.Path != path || strings.Contains(p.body, "imap-secret") {
		t.Errorf("after add at %s; password shown: %v", p.url.Path, strings.Contains(p.body, "imap-secret"))
	}
	// Test connection: the failure is shown, without the password.
	p = admin.post(path+"/test", nil)
	wantStatus(t, "test", p, http.StatusOK)
	if txt := p.text(".test-result"); !strings.Contains(txt, "failed") || strings.Contains(txt, "imap-secret") {
		t.Errorf("test result = %q", txt)
	}
	// Edit with the password blank: the stored one stays.
	edit := formValues(p, `form[action="`+path+`"]`)
	edit.Set("folder", "Support")
	edit.Set("interval", "300")
	p = admin.post(path, edit)
	wantStatus(t, "edit", p, http.StatusOK)
	m, _ := s.db.Read().Mailbox(ctx, s.account, ms[0].ID)
	if m.Folder != "Support" || m.Interval.Seconds() != 300 || m.Password != "imap-secret" {
		t.Errorf("after edit = folder %q interval %v password kept %v", m.Folder, m.Interval, m.Password == "imap-secret")
	}
	p = admin.post(path+"/delete", nil)
	wantStatus(t, "delete", p, http.StatusOK)
	if ms, _ := s.desk.Mailboxes(ctx, s.admin); len(ms) != 0 {
		t.Errorf("after delete: %d mailboxes", len(ms))
	}

	// Tokens: a name is required; the value is shown once.
	p = admin.post("/app/desk/settings/inbound-tokens", url.Values{"token_name": {""}, "token_queue": {"0"}})
	wantStatus(t, "bad token", p, http.StatusBadRequest)
	if p.text("#f-token_name-err") == "" {
		t.Error("no message beside the token name")
	}
	p = admin.post("/app/desk/settings/inbound-tokens", url.Values{"token_name": {"Postfix"}, "token_queue": {"0"}})
	wantStatus(t, "token", p, http.StatusCreated)
	value, _ := p.doc.Find("#new-token").Attr("value")
	if value == "" || p.doc.Find(`[data-copy="new-token"]`).Length() != 1 {
		t.Fatalf("token value %q, copy button %d", value, p.doc.Find(`[data-copy="new-token"]`).Length())
	}
	if tok, err := s.desk.InboundToken(ctx, s.account, value); err != nil || tok.Name != "Postfix" {
		t.Errorf("the shown value does not authenticate: %v", err)
	}
	p = admin.get("/app/desk/settings/mailboxes")
	if strings.Contains(p.body, value) || !strings.Contains(p.text("table.tokens"), "Postfix") {
		t.Error("the token's value is shown again, or the token is not listed")
	}
	toks, _ := s.desk.InboundTokens(ctx, s.admin)
	p = admin.post("/app/desk/settings/inbound-tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", nil)
	wantStatus(t, "revoke", p, http.StatusOK)
	if toks, _ := s.desk.InboundTokens(ctx, s.admin); len(toks) != 0 {
		t.Errorf("after revoke: %d tokens", len(toks))
	}
}

func TestAdminReceivedMail(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	const junk = "this is not an email\x00\xff"
	row, err := s.desk.IntakeMail(ctx, s.account, desk.Incoming{Source: sympoq.SourceHTTP}, strings.NewReader(junk))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.desk.ProcessMail(ctx, s.account, row.ID); err != nil {
		t.Fatal(err)
	}
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/received")
	tr := p.doc.Find("table.received tbody tr")
	if tr.Length() != 1 || !strings.Contains(tr.Find(".state").Text(), "failed") || tr.Find(".field-error").Text() == "" {
		t.Fatalf("received list = %q", strings.TrimSpace(tr.Text()))
	}
	id := strconv.FormatInt(row.ID, 10)
	if tr.Find(`form[action="/app/desk/settings/received/`+id+`/retry"]`).Length() != 1 || tr.Find(`form[action="/app/desk/settings/received/`+id+`/dismiss"]`).Length() != 1 {
		t.Error("a failed message has no retry and dismiss")
	}
	// Raw download: the bytes as received.
	res, err := admin.client.Get(s.srv.URL + "/app/desk/settings/received/" + id + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != junk || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("raw = %d %q %q", res.StatusCode, body, res.Header.Get("Content-Disposition"))
	}
	// Retry queues it again (state new); dismiss sets it aside.
	p = admin.post("/app/desk/settings/received/"+id+"/retry", nil)
	wantStatus(t, "retry", p, http.StatusOK)
	if m, _ := s.desk.InboundMail(ctx, s.admin, row.ID); m.State != sympoq.InboundNew {
		t.Errorf("after retry: %s", m.State)
	}
	if err := s.desk.ProcessMail(ctx, s.account, row.ID); err != nil {
		t.Fatal(err)
	}
	p = admin.post("/app/desk/settings/received/"+id+"/dismiss", nil)
	wantStatus(t, "dismiss", p, http.StatusOK)
	if m, _ := s.desk.InboundMail(ctx, s.admin, row.ID); m.State != sympoq.InboundIgnored {
		t.Errorf("after dismiss: %s", m.State)
	}
	if n := p.doc.Find("table.received tbody tr").Length(); n != 0 {
		t.Errorf("the default list still shows %d messages", n)
	}
	p = admin.get("/app/desk/settings/received?state=ignored")
	if tr := p.doc.Find("table.received tbody tr"); tr.Length() != 1 || tr.Find("form").Length() != 0 {
		t.Errorf("ignored list = %q", strings.TrimSpace(tr.Text()))
	}
}

package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// apiGet calls the REST API with a key.
func (s *site) apiGet(path, key string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+"/app/desk/api"+path, nil)
	req.Header.Set("apikey", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestProfileAPIKeys(t *testing.T) {
	s := sqliteSite(t)
	s.agent("Kim Keys", "kim@example.com", "kim-password")
	b := s.browserAs(t, "kim@example.com", "kim-password")
	p := b.get("/app/profile")
	wantStatus(t, "profile", p, http.StatusOK)
	if n := p.doc.Find("tr.key-row").Length(); n != 0 {
		t.Fatalf("new agent has %d keys", n)
	}
	p = b.post("/app/profile/apikeys", url.Values{"name": {""}, "scope": {"read"}})
	wantStatus(t, "key without a name", p, http.StatusBadRequest)
	if p.text("#keys #f-name-err") == "" {
		t.Errorf("no message beside the key name: %s", p.text("#keys"))
	}
	if p.doc.Find(`#keys input[name="scope"][value="read"][checked]`).Length() != 1 || p.doc.Find(`#keys input[name="scope"][value="write"][checked]`).Length() != 0 {
		t.Error("scopes not kept as chosen")
	}
	p = b.post("/app/profile/apikeys", url.Values{"name": {"Reporting"}, "scope": {"read"}, "expires": {"2020-01-01"}})
	wantStatus(t, "key expiring in the past", p, http.StatusBadRequest)
	if p.text("#keys #f-expires-err") == "" {
		t.Errorf("no message beside expires")
	}
	p = b.post("/app/profile/apikeys", url.Values{"name": {"Reporting"}, "scope": {"read"}})
	wantStatus(t, "create key", p, http.StatusOK)
	key, _ := p.doc.Find("#new-key").Attr("value")
	if len(key) != 32 || p.doc.Find(`button[data-copy="new-key"]`).Length() != 1 {
		t.Fatalf("new key %q shown without a copy button", key)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("page with the key has Cache-Control %q", p.header.Get("Cache-Control"))
	}
	if status, body := s.apiGet("/profile", key); status != 200 || !strings.Contains(body, "kim@example.com") {
		t.Errorf("GET /profile with the new key = %d %s", status, body)
	}
	// Shown once: the next page has only its prefix.
	p = b.get("/app/profile")
	if strings.Contains(p.body, key) || p.doc.Find("tr.key-row").Length() != 1 || !strings.Contains(p.text("tr.key-row"), key[:4]) {
		t.Errorf("profile after create: %q", p.text("tr.key-row"))
	}
	if !strings.Contains(p.text("tr.key-row"), "from 127.0.0.1") {
		t.Errorf("key row does not show its last use: %q", p.text("tr.key-row"))
	}
	action, _ := p.doc.Find("tr.key-row form").Attr("action")
	p = b.post(action, nil)
	if p.text(".flash") != "The API key is revoked." {
		t.Errorf("revoke flash %q", p.text(".flash"))
	}
	if status, _ := s.apiGet("/profile", key); status != http.StatusUnauthorized {
		t.Errorf("revoked key = %d, want 401", status)
	}
}

func TestProfileEdit(t *testing.T) {
	s := sqliteSite(t)
	s.agent("Pat Profile", "pat@example.com", "pat-password")
	b := s.browserAs(t, "pat@example.com", "pat-password")
	b.get("/app/profile")
	p := b.post("/app/profile", url.Values{"name": {"Pat <i>P</i>"}, "email": {"pat.example.com"}, "signature": {"-- Pat"}, "notifications": {"1"}})
	wantStatus(t, "bad email", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-name").Attr("value"); v != "Pat <i>P</i>" {
		t.Errorf("name = %q, want the input kept", v)
	}
	if p.text("#f-email-err") == "" || p.text("#f-signature") != "-- Pat" {
		t.Errorf("email message %q, signature %q", p.text("#f-email-err"), p.text("#f-signature"))
	}
	p = b.post("/app/profile/password", url.Values{"current_password": {"wrong"}, "password": {"pat-new-password"}, "confirm": {"pat-new-password"}})
	wantStatus(t, "wrong current password", p, http.StatusBadRequest)
	if p.text("#f-current_password-err") == "" {
		t.Errorf("no message beside the current password: %s", p.text("#h-password ~ form"))
	}
	other := s.browserAs(t, "pat@example.com", "pat-password")
	p = b.post("/app/profile/password", url.Values{"current_password": {"pat-password"}, "password": {"pat-new-password"}, "confirm": {"pat-new-password"}})
	if !strings.Contains(p.text(".flash"), "password is changed") {
		t.Fatalf("flash %q (%s)", p.text(".flash"), p.text(".form-errors"))
	}
	if p := other.get("/app/profile"); p.url.Path != "/app/login" {
		t.Errorf("other session survived the password change: %s", p.url)
	}
	s.browserAs(t, "pat@example.com", "pat-new-password")
}

package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mime/quotedprintable"

	"github.com/PuerkitoBio/goquery"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"

func TestLoginPage(t *testing.T) {
	s := sqliteSite(t)
	s.settings(func(set *sympoq.Settings) { set.General.LoginText = "Staff only <b>please</b>" })
	p := s.browser().get("/app/login")
	wantStatus(t, "GET /app/login", p, http.StatusOK)
	if csp := p.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, wantCSP) || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want it to start with %q and forbid framing", csp, wantCSP)
	}
	for _, id := range []string{"f-login", "f-password"} {
		if p.doc.Find(`label[for="`+id+`"]`).Length() != 1 || p.doc.Find("#"+id).Length() != 1 {
			t.Errorf("control #%s has no label", id)
		}
	}
	if got := p.text(".login-text"); got != "Staff only <b>please</b>" {
		t.Errorf("login text = %q, want the setting as text", got)
	}
	if p.doc.Find(".login-text b").Length() != 0 {
		t.Error("login text was rendered as HTML")
	}
	if p.doc.Find("[style], script:not([src])").Length() != 0 {
		t.Error("page has an inline style attribute or an inline script")
	}
	if href, _ := p.doc.Find(`a.skip`).Attr("href"); href != "#main" || p.doc.Find("main#main").Length() != 1 {
		t.Error("no skip link to main")
	}
	if p.doc.Find(`a[href="/app/signup"]`).Length() != 0 {
		t.Error("sign-up link shown while self-registration is off")
	}
}

func TestLoginLogout(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.get("/app/login")
	// The session cookie as the server sets it.
	req, _ := http.NewRequest("POST", s.srv.URL+"/app/login", strings.NewReader(url.Values{"login": {"admin"},
		"password": {adminPassword}, "csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u, _ := url.Parse(s.srv.URL + "/app/login")
	for _, c := range b.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/desk/" {
		t.Fatalf("POST /app/login = %d to %q, want 303 to /app/desk/", res.StatusCode, res.Header.Get("Location"))
	}
	var sc string
	for _, v := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "sympoq_session=") {
			sc = v
		}
	}
	for _, want := range []string{"Path=/app/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("session cookie %q is Secure over plain HTTP", sc)
	}
	token := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "sympoq_session=")
	var n int
	if err := s.db.Writer().QueryRow(`SELECT count(*) FROM sessions WHERE hash = $1`, desk.HashKey(token)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("sessions with the token's hash = %d (%v), want 1", n, err)
	}
	if err := s.db.Writer().QueryRow(`SELECT count(*) FROM sessions WHERE hash = $1`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions storing the token itself = %d (%v), want 0", n, err)
	}

	// Through the browser: in, profile, out.
	b = s.browser()
	b.login("admin", adminPassword)
	p := b.get("/app/profile")
	wantStatus(t, "GET /app/profile", p, http.StatusOK)
	if got := p.text(".me-name"); got != "Administrator" {
		t.Errorf("header user = %q, want Administrator", got)
	}
	old := b.cookie("sympoq_session")
	p = b.post("/app/logout", nil)
	if p.url.Path != "/app/login" || !strings.Contains(p.text(".notice"), "signed out") {
		t.Errorf("after logout at %s with notice %q", p.url, p.text(".notice"))
	}
	if err := s.db.Writer().QueryRow(`SELECT count(*) FROM sessions WHERE account_id = $1`, s.account).Scan(&n); err != nil || n != 1 {
		t.Errorf("sessions after logout = %d (%v), want 1 (only the first browser's)", n, err)
	}
	// The old cookie no longer opens anything.
	b2 := s.browser()
	b2.client.Jar.SetCookies(u, []*http.Cookie{old})
	if p := b2.get("/app/profile"); p.url.Path != "/app/login" {
		t.Errorf("old session cookie after logout opened %s", p.url)
	}
}

func TestLoginBadInput(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.get("/app/login")
	p := b.post("/app/login", url.Values{"login": {"admin"}, "password": {"wrong-password"}})
	wantStatus(t, "wrong password", p, http.StatusUnauthorized)
	if v, _ := p.doc.Find("#f-login").Attr("value"); v != "admin" {
		t.Errorf("login field = %q, want the input kept", v)
	}
	if v, ok := p.doc.Find("#f-password").Attr("value"); ok && v != "" {
		t.Errorf("password field echoed %q", v)
	}
	if !strings.Contains(p.text(".form-errors"), "do not match") {
		t.Errorf("errors = %q", p.text(".form-errors"))
	}
	p = b.post("/app/login", url.Values{"login": {"  "}, "password": {""}})
	wantStatus(t, "empty form", p, http.StatusBadRequest)
	if got := p.text(".has-error #f-login ~ .field-error"); got == "" {
		t.Errorf("no message beside the login field: %s", p.text("form"))
	}
	if got := p.text("#f-password-err"); got != "Is required." {
		t.Errorf("password field message = %q, want \"Is required.\"", got)
	}
	// Each line of the summary links to its field.
	links := p.doc.Find(".form-errors a")
	if links.Length() != 2 {
		t.Errorf("summary links = %d, want 2", links.Length())
	}
	links.Each(func(_ int, a *goquery.Selection) {
		if href, _ := a.Attr("href"); p.doc.Find(href).Length() != 1 {
			t.Errorf("summary link %s (%q) points at nothing", href, a.Text())
		}
	})
	// Inactive users cannot sign in.
	u := s.agent("Ina Active", "ina@example.com", "ina-password")
	if _, err := s.desk.UpdateUser(context.Background(), s.admin, sympoq.KindAgent, u.ID, desk.UserInput{Active: desk.Some(false)}); err != nil {
		t.Fatal(err)
	}
	p = b.post("/app/login", url.Values{"login": {"ina@example.com"}, "password": {"ina-password"}})
	wantStatus(t, "inactive user", p, http.StatusUnauthorized)
	// An open redirect is refused.
	p = b.post("/app/login", url.Values{"login": {"admin"}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	if p.url.Host != strings.TrimPrefix(s.srv.URL, "http://") || p.url.Path != "/app/desk/" && p.url.Path != "/app/login" {
		t.Errorf("next=//evil.example ended at %s", p.url)
	}
}

func TestLoginThrottle(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.get("/app/login")
	var p *page
	for i := range 11 {
		p = b.post("/app/login", url.Values{"login": {"Admin"}, "password": {"guess-" + string(rune('a'+i))}})
	}
	wantStatus(t, "11th attempt", p, http.StatusTooManyRequests)
	if p.header.Get("Retry-After") == "" || !strings.Contains(p.text(".form-errors"), "Too many") {
		t.Errorf("throttled answer lacks Retry-After or message: %q", p.text(".form-errors"))
	}
	// Even the right password waits now: the budget is per name.
	p = b.post("/app/login", url.Values{"login": {"admin"}, "password": {adminPassword}})
	wantStatus(t, "right password while throttled", p, http.StatusTooManyRequests)
	// Another user from the same address is still let in.
	s.agent("Other One", "other@example.com", "other-password")
	b.login("other@example.com", "other-password")
}

func TestCSRF(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.login("admin", adminPassword)
	b.get("/app/profile")
	good := b.csrf
	save := func(name string, v url.Values) *page {
		v.Set("name", name)
		v.Set("email", "")
		return b.post("/app/profile", v)
	}
	name := func() string {
		u, err := s.db.Read().User(context.Background(), s.account, s.admin.ID())
		if err != nil {
			t.Fatal(err)
		}
		return u.Name
	}
	p := save("No Token", url.Values{"csrf": {""}})
	wantStatus(t, "POST without a token", p, http.StatusForbidden)
	if !strings.Contains(p.text("main"), "nothing was changed") {
		t.Errorf("403 page says %q", p.text("main"))
	}
	p = save("Wrong Token", url.Values{"csrf": {good[:len(good)-2] + "xx"}})
	wantStatus(t, "POST with a wrong token", p, http.StatusForbidden)
	// A token of another session is foreign here.
	other := s.browser()
	other.login("admin", adminPassword)
	other.get("/app/profile")
	p = save("Foreign Token", url.Values{"csrf": {other.csrf}})
	wantStatus(t, "POST with another session's token", p, http.StatusForbidden)
	// A cross-site form with the right token is refused by origin.
	b.header.Set("Origin", "http://evil.example")
	b.header.Set("Sec-Fetch-Site", "cross-site")
	p = save("Cross Site", url.Values{"csrf": {good}})
	wantStatus(t, "cross-site POST", p, http.StatusForbidden)
	b.header = http.Header{}
	if got := name(); got != "Administrator" {
		t.Fatalf("name = %q after refused forms, want Administrator", got)
	}
	p = save("Ada Admin", url.Values{"csrf": {good}})
	wantStatus(t, "POST with the right token", p, http.StatusOK)
	if got := name(); got != "Ada Admin" {
		t.Errorf("name = %q, want Ada Admin", got)
	}
	if got := p.text(".flash"); got != "Your profile is saved." {
		t.Errorf("flash = %q", got)
	}
	if got := b.get("/app/profile").text(".flash"); got != "" {
		t.Errorf("flash shown twice: %q", got)
	}
	// The sign-in form of a browser without the pre-session cookie fails.
	fresh := s.browser()
	p = fresh.post("/app/login", url.Values{"login": {"admin"}, "password": {adminPassword}, "csrf": {"x"}})
	wantStatus(t, "sign-in without the form's cookie", p, http.StatusForbidden)
}

func TestExpiredSession(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	b.login("admin", adminPassword)
	b.get("/app/profile")
	clock := time.Now().UTC()
	s.db.Now = func() time.Time { return clock.Add(desk.SessionIdle + time.Minute) }
	p := b.post("/app/profile", url.Values{"name": {"Late Change"}})
	if p.url.Path != "/app/login" || p.url.Query().Get("m") != "expired" {
		t.Fatalf("POST with an expired session ended at %s", p.url)
	}
	if !strings.Contains(p.text(".notice"), "session has ended") {
		t.Errorf("notice = %q", p.text(".notice"))
	}
	u, _ := s.db.Read().User(context.Background(), s.account, s.admin.ID())
	if u.Name != "Administrator" {
		t.Errorf("name = %q after an expired session's form, want no change", u.Name)
	}
	// Signing out of an ended session just goes to the sign-in page.
	if p := b.post("/app/logout", nil); p.status != http.StatusOK || p.url.Path != "/app/login" {
		t.Errorf("logout with an ended session = %d at %s", p.status, p.url)
	}
	// A page remembers where it was going.
	p = b.get("/app/profile#keys")
	if p.url.Path != "/app/login" || p.url.Query().Get("next") != "/app/profile" {
		t.Errorf("GET with an expired session ended at %s", p.url)
	}
	s.db.Now = func() time.Time { return time.Now().UTC() }
	p = b.post("/app/login", url.Values{"login": {"admin"}, "password": {adminPassword}, "next": {"/app/profile"}})
	if p.url.Path != "/app/profile" {
		t.Errorf("sign-in with next ended at %s", p.url)
	}
}

func TestDeactivationAppliesAtOnce(t *testing.T) {
	s := sqliteSite(t)
	u := s.agent("Dee Active", "dee@example.com", "dee-password")
	b := s.browser()
	b.login("dee@example.com", "dee-password")
	if p := b.get("/app/profile"); p.status != http.StatusOK {
		t.Fatalf("profile = %d", p.status)
	}
	if _, err := s.desk.UpdateUser(context.Background(), s.admin, sympoq.KindAgent, u.ID, desk.UserInput{Active: desk.Some(false)}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/app/profile"); p.url.Path != "/app/login" {
		t.Errorf("deactivated user's next page was %s, want the sign-in page", p.url)
	}
}

func TestSessionRevoke(t *testing.T) {
	s := sqliteSite(t)
	laptop, phone := s.browser(), s.browser()
	laptop.login("admin", adminPassword)
	phone.login("admin", adminPassword)
	p := laptop.get("/app/profile")
	if n := p.doc.Find("tr.session-row").Length(); n != 2 {
		t.Fatalf("session rows = %d, want 2", n)
	}
	p = laptop.post("/app/profile/sessions/others/revoke", nil)
	if got := p.text(".flash"); got != "1 other session is signed out." {
		t.Errorf("flash = %q", got)
	}
	if p := phone.get("/app/profile"); p.url.Path != "/app/login" {
		t.Errorf("revoked session opened %s", p.url)
	}
	if p := laptop.get("/app/profile"); p.status != http.StatusOK || p.url.Path != "/app/profile" {
		t.Errorf("own session ended too: %s", p.url)
	}
}

var linkRE = regexp.MustCompile(`http://[^\s"<>]+/app/password/reset\?token=[A-Za-z0-9_%-]+`)

func TestForgotPassword(t *testing.T) {
	s := sqliteSite(t)
	s.agent("Fay Forget", "fay@example.com", "fay-old-password")
	b := s.browser()
	b.get("/app/password/forgot")
	p := b.post("/app/password/forgot", url.Values{"login": {"nobody@example.com"}})
	sent := p.text("main")
	if !strings.Contains(sent, "If an account") {
		t.Fatalf("answer for an unknown user: %q", sent)
	}
	if n := len(s.mails()); n != 0 {
		t.Fatalf("mails for an unknown user = %d, want 0", n)
	}
	p = b.post("/app/password/forgot", url.Values{"login": {"FAY@example.com"}})
	if got := p.text("main"); got != sent {
		t.Errorf("answer for a known user differs from an unknown one:\n%q\n%q", got, sent)
	}
	mails := s.mails()
	if len(mails) != 1 {
		t.Fatalf("mails = %d, want 1", len(mails))
	}
	raw, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(mails[0])))
	link := linkRE.FindString(string(raw))
	if link == "" || !strings.Contains(mails[0], "To: \"Fay Forget\" <fay@example.com>") {
		t.Fatalf("no reset link to fay in:\n%s", raw)
	}
	lu, _ := url.Parse(link)
	token := lu.Query().Get("token")
	var n int
	if err := s.db.Writer().QueryRow(`SELECT count(*) FROM user_tokens WHERE hash = $1`, token).Scan(&n); err != nil || n != 0 {
		t.Errorf("tokens stored in the clear = %d (%v)", n, err)
	}

	p = b.get(lu.RequestURI())
	if v, _ := p.doc.Find(`input[name="token"]`).Attr("value"); v != token {
		t.Fatalf("reset form token = %q, want the link's", v)
	}
	p = b.post("/app/password/reset", url.Values{"token": {token}, "password": {"fay-new-password"}, "confirm": {"fay-typo"}})
	wantStatus(t, "differing passwords", p, http.StatusBadRequest)
	p = b.post("/app/password/reset", url.Values{"token": {token}, "password": {"abc"}, "confirm": {"abc"}})
	wantStatus(t, "short password", p, http.StatusBadRequest)
	if p.text("#f-password-err") == "" {
		t.Errorf("no message beside the password: %s", p.text("form"))
	}
	p = b.post("/app/password/reset", url.Values{"token": {token}, "password": {"fay-new-password"}, "confirm": {"fay-new-password"}})
	if p.url.Path != "/app/login" || !strings.Contains(p.text(".notice"), "password is saved") {
		t.Fatalf("reset ended at %s: %s", p.url, p.text("main"))
	}
	// Single use.
	b.get(lu.RequestURI())
	p = b.post("/app/password/reset", url.Values{"token": {token}, "password": {"fay-third-password"}, "confirm": {"fay-third-password"}})
	wantStatus(t, "second use of the link", p, http.StatusBadRequest)
	if !strings.Contains(p.text(".form-errors"), "unknown, used or expired") {
		t.Errorf("second use says %q", p.text(".form-errors"))
	}
	s.browser().login("fay@example.com", "fay-new-password")
	b2 := s.browser()
	b2.get("/app/login")
	if p := b2.post("/app/login", url.Values{"login": {"fay@example.com"}, "password": {"fay-old-password"}}); p.status != http.StatusUnauthorized {
		t.Errorf("old password after reset: %d", p.status)
	}
}

// The reset link builds on the account's configured address, not on the
// address the request came to, and the email is the PASSWORD_RESET
// template's.
func TestResetLinkFromConfiguredURL(t *testing.T) {
	s := sqliteSite(t)
	s.publicURL = "https://help.example.test"
	s.agent("Hal Host", "hal@example.com", "hal-old-password")
	b := s.browser()
	b.get("/app/password/forgot")
	if p := b.post("/app/password/forgot", url.Values{"login": {"hal@example.com"}}); !strings.Contains(p.text("main"), "If an account") {
		t.Fatalf("forgot: %d %q", p.status, p.text("main"))
	}
	mails := s.mails()
	if len(mails) != 1 {
		t.Fatalf("mails = %d, want 1", len(mails))
	}
	raw, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(mails[0])))
	if !strings.Contains(string(raw), "https://help.example.test/app/password/reset?token=") || strings.Contains(string(raw), s.srv.URL) {
		t.Errorf("the link is not on the configured address:\n%s", raw)
	}
	if !strings.Contains(mails[0], "Subject: Reset your password at") {
		t.Errorf("not the PASSWORD_RESET template's subject:\n%.400s", mails[0])
	}
}

func TestSignup(t *testing.T) {
	s := sqliteSite(t)
	b := s.browser()
	if p := b.get("/app/signup"); p.status != http.StatusNotFound {
		t.Fatalf("sign-up while off = %d, want 404", p.status)
	}
	s.settings(func(set *sympoq.Settings) { set.General.Guest.SelfRegistration = true })
	p := b.get("/app/login")
	if p.doc.Find(`a[href="/app/signup"]`).Length() != 1 {
		t.Error("no sign-up link while self-registration is on")
	}
	b.get("/app/signup")
	p = b.post("/app/signup", url.Values{"name": {"Sam <script>alert(1)</script>"}, "email": {"not-an-email"}, "password": {"sam-password"}})
	wantStatus(t, "bad email", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-name").Attr("value"); v != "Sam <script>alert(1)</script>" {
		t.Errorf("name field = %q, want the input kept", v)
	}
	if p.text("#f-email-err") == "" {
		t.Errorf("no message beside the email field")
	}
	if strings.Contains(p.body, "<script>alert") {
		t.Error("user input reached the page unescaped")
	}
	p = b.post("/app/signup", url.Values{"name": {"Sam Signup"}, "email": {"sam@example.com"}, "password": {"sam-password"}})
	if p.url.Path != "/app/portal/" || p.text(".me-name") != "Sam Signup" { // customers start in the portal
		t.Fatalf("after sign-up at %s as %q", p.url, p.text(".me-name"))
	}
	u, err := s.db.Read().UserByLogin(context.Background(), s.account, "sam@example.com")
	if err != nil || u.Kind != sympoq.KindCustomer || !u.Registered {
		t.Fatalf("signed-up user = %+v, %v; want a registered customer", u, err)
	}
	// A customer gets no desk.
	if p := b.get("/app/desk/"); p.status != http.StatusNotFound {
		t.Errorf("customer at the desk = %d, want 404", p.status)
	}
	// The same address again is refused beside the field.
	b2 := s.browser()
	b2.get("/app/signup")
	p = b2.post("/app/signup", url.Values{"name": {"Sam Again"}, "email": {"sam@example.com"}, "password": {"sam-password"}})
	wantStatus(t, "duplicate email", p, http.StatusBadRequest)
	if !strings.Contains(p.text("#f-email-err"), "Already has an account") {
		t.Errorf("duplicate email says %q", p.text("#f-email-err"))
	}
}

func TestStaticAssets(t *testing.T) {
	s := sqliteSite(t)
	p := s.browser().get("/app/login")
	href, _ := p.doc.Find(`link[rel="stylesheet"]`).Attr("href")
	src, _ := p.doc.Find(`script[src]`).Attr("src")
	for _, u := range []string{href, src} {
		if !strings.Contains(u, "?v=") {
			t.Errorf("asset URL %q carries no version", u)
		}
		res, err := http.Get(s.srv.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("GET %s = %d, Cache-Control %q", u, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}

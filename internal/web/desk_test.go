package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// ticket submits a ticket for a customer as the administrator.
func (s *site) ticket(subject, desc, customerEmail string) *desk.TicketView {
	s.t.Helper()
	// The name from the address: houston.brooks@… is Houston Brooks.
	local, _, _ := strings.Cut(customerEmail, "@")
	parts := strings.Split(local, ".")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	v, err := s.desk.Submit(context.Background(), s.admin, desk.SubmitInput{Subject: desk.Some(subject), Description: desk.Some(desc),
		Customer: desk.Some(desk.CustomerInput{Name: desk.Some(strings.Join(parts, " ")), Email: desk.Some(customerEmail)}), Channel: sympoq.ChannelPhone})
	if err != nil {
		s.t.Fatalf("Submit(%q): %v", subject, err)
	}
	return v
}

// deskFixture is a site with a second queue, an agent of each kind and a
// few tickets.
type deskFixture struct {
	*site
	sales           int64
	agent, manager  *sympoq.User
	inbox, salesTkt *desk.TicketView
}

func newDeskFixture(t *testing.T) *deskFixture {
	s := sqliteSite(t)
	q, err := s.desk.SaveQueue(context.Background(), s.admin, 0, desk.ItemInput{Name: desk.Some("Sales")})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := s.desk.Settings(context.Background(), s.admin)
	f := &deskFixture{site: s, sales: q.ID}
	f.agent = s.agent("Alice Agent", "alice@example.com", "alice-password", desk.Permission{Queue: set.General.DefaultQueue, Role: sympoq.RoleAgent})
	f.manager = s.agent("Mona Manager", "mona@example.com", "mona-password", desk.Permission{Queue: q.ID, Role: sympoq.RoleQueueManager})
	f.inbox = s.ticket("Printer <script>alert(1)</script> jams", "It jams on page 2.", "carl@example.com")
	f.salesTkt = s.ticket("Quote for 20 seats", "Please send a quote.", "dora@example.com")
	if _, err := s.desk.Update(context.Background(), s.admin, f.salesTkt.DisplayID, desk.UpdateInput{Queue: desk.Some(q.ID)}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTicketListByRole(t *testing.T) {
	f := newDeskFixture(t)
	admin := f.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/")
	wantStatus(t, "admin list", p, http.StatusOK)
	if n := p.doc.Find("tr.ticket-row").Length(); n != 2 {
		t.Errorf("admin sees %d rows, want 2", n)
	}
	if got := p.doc.Find(`.views a[href="/app/desk/?view=trash"]`).Length(); got != 1 {
		t.Error("administrator has no Trash view")
	}
	// The subject is text, not markup.
	if p.doc.Find("td.subject script").Length() != 0 || !strings.Contains(p.text("td.subject"), "<script>alert(1)</script>") {
		t.Errorf("subject cell = %q", p.text("td.subject"))
	}
	if strings.Contains(p.body, "<script>alert(1)") {
		t.Error("subject reached the page unescaped")
	}

	mona := f.browser()
	mona.login("mona@example.com", "mona-password")
	p = mona.get("/app/desk/")
	rows := p.doc.Find("tr.ticket-row")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), f.salesTkt.DisplayID) {
		t.Errorf("queue manager of Sales sees %q", rows.Text())
	}
	if p.doc.Find(`.views a[href="/app/desk/?view=trash"]`).Length() != 0 {
		t.Error("queue manager has a Trash view")
	}
	// Out of reach is a 404 page, not a 403.
	p = mona.get(desk.DeskTicketPath(f.inbox.DisplayID)) // the address notification emails link to
	wantStatus(t, "ticket of another queue", p, http.StatusNotFound)
	if !strings.Contains(p.text("h1"), "not found") {
		t.Errorf("404 page heading %q", p.text("h1"))
	}
	p = mona.get("/app/desk/tickets/" + f.salesTkt.DisplayID)
	wantStatus(t, "own queue's ticket", p, http.StatusOK)
	if got := p.text(".ticket-head h1"); got != "Quote for 20 seats" {
		t.Errorf("ticket heading %q", got)
	}

	// A customer has no desk at all.
	f.customer("Cora Customer", "cora@example.com", "cora-password")
	cora := f.browser()
	cora.get("/app/login")
	cora.post("/app/login", url.Values{"login": {"cora@example.com"}, "password": {"cora-password"}})
	for _, path := range []string{"/app/desk/", "/app/desk/tickets/" + f.inbox.DisplayID, "/app/desk/customers"} {
		if p := cora.get(path); p.status != http.StatusNotFound {
			t.Errorf("customer GET %s = %d, want 404", path, p.status)
		}
	}
	if p := cora.get("/app/profile"); p.status != http.StatusOK || p.doc.Find(`nav a[href="/app/desk/"]`).Length() != 0 {
		t.Errorf("customer profile = %d, with desk link %d", p.status, p.doc.Find(`nav a[href="/app/desk/"]`).Length())
	}
}

func TestTicketListFiltersSortCSV(t *testing.T) {
	f := newDeskFixture(t)
	b := f.browser()
	b.login("admin", adminPassword)
	p := b.get("/app/desk/?q=quote")
	if rows := p.doc.Find("tr.ticket-row"); rows.Length() != 1 || !strings.Contains(rows.Text(), "Quote for 20 seats") {
		t.Errorf("search quote: %q", rows.Text())
	}
	if v, _ := p.doc.Find("#f-q").Attr("value"); v != "quote" {
		t.Errorf("search box = %q, want the query kept", v)
	}
	p = b.get("/app/desk/?view=queue&queue=" + itoa(f.sales))
	if rows := p.doc.Find("tr.ticket-row"); rows.Length() != 1 {
		t.Errorf("Sales queue view rows = %d", rows.Length())
	}
	p = b.get("/app/desk/?sort=created&dir=asc")
	first := p.doc.Find("tr.ticket-row .tid").First().Text()
	if first != f.inbox.DisplayID {
		t.Errorf("oldest first = %q, want %q", first, f.inbox.DisplayID)
	}
	if s, _ := p.doc.Find(`th[aria-sort]`).Attr("aria-sort"); s != "ascending" {
		t.Errorf("aria-sort = %q", s)
	}
	res, err := b.client.Get(f.srv.URL + "/app/desk/tickets.csv?q=quote")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil || len(recs) != 2 || recs[1][0] != f.salesTkt.DisplayID || recs[1][4] != "Sales" {
		t.Errorf("CSV = %v, %v", recs, err)
	}
}

func TestBulkActions(t *testing.T) {
	f := newDeskFixture(t)
	mona := f.browser()
	mona.login("mona@example.com", "mona-password")
	mona.get("/app/desk/")
	// One ticket in reach, one not: the first closes, the second is reported.
	p := mona.post("/app/desk/tickets/bulk", url.Values{"action": {"close"}, "t": {f.salesTkt.DisplayID, f.inbox.DisplayID}, "back": {"/app/desk/"}})
	flash := p.text(".flash")
	if !strings.Contains(flash, "1 ticket closed") || !strings.Contains(flash, f.inbox.DisplayID+": not found") {
		t.Errorf("flash = %q", flash)
	}
	got, _ := f.desk.Ticket(context.Background(), f.admin, f.salesTkt.DisplayID, false)
	other, _ := f.desk.Ticket(context.Background(), f.admin, f.inbox.DisplayID, false)
	if got.Status != sympoq.StatusClosed || other.Status == sympoq.StatusClosed {
		t.Errorf("statuses after bulk close: %v, %v", got.Status, other.Status)
	}
	admin := f.browser()
	admin.login("admin", adminPassword)
	admin.get("/app/desk/")
	if _, err := f.desk.SaveTag(context.Background(), f.admin, 0, desk.ItemInput{Name: desk.Some("Urgent-VIP")}); err != nil {
		t.Fatal(err)
	}
	admin.post("/app/desk/tickets/bulk", url.Values{"action": {"tag"}, "tag": {"Urgent-VIP"}, "t": {f.salesTkt.DisplayID, f.inbox.DisplayID}})
	admin.post("/app/desk/tickets/bulk", url.Values{"action": {"move"}, "queue": {itoa(f.sales)}, "t": {f.inbox.DisplayID}})
	p = admin.post("/app/desk/tickets/bulk", url.Values{"action": {"assign"}, "agent": {"me"}, "t": {f.inbox.DisplayID}})
	if !strings.Contains(p.text(".flash"), "1 ticket assigned") {
		t.Errorf("assign flash = %q", p.text(".flash"))
	}
	v, _ := f.desk.Ticket(context.Background(), f.admin, f.inbox.DisplayID, false)
	if v.Queue != f.sales || v.Assignee != f.admin.ID() || len(v.Tags) != 1 || v.Tags[0] != "Urgent-VIP" {
		t.Errorf("after bulk: queue %d assignee %d tags %v", v.Queue, v.Assignee, v.Tags)
	}
	// Without a token, nothing happens.
	p = admin.post("/app/desk/tickets/bulk", url.Values{"csrf": {"nope"}, "action": {"close"}, "t": {f.inbox.DisplayID}})
	wantStatus(t, "bulk without token", p, http.StatusForbidden)
	if v, _ := f.desk.Ticket(context.Background(), f.admin, f.inbox.DisplayID, false); v.Status == sympoq.StatusClosed {
		t.Error("bulk close without a token closed the ticket")
	}
}

func TestTicketActions(t *testing.T) {
	f := newDeskFixture(t)
	if _, err := f.desk.SaveCannedReply(context.Background(), f.admin, 0, desk.CannedInput{Name: desk.Some("Thanks"), Body: desk.Some("Thank you for writing.")}); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("alice@example.com", "alice-password")
	base := "/app/desk/tickets/" + f.inbox.DisplayID
	p := b.get(base)
	wantStatus(t, "ticket page", p, http.StatusOK)
	version, _ := p.doc.Find(`#reply input[name="version"]`).Attr("value")
	canned, _ := p.doc.Find(`#f-canned option`).Eq(1).Attr("value")

	// An empty reply comes back with the message beside the field.
	p = b.postMultipart(base+"/reply", url.Values{"version": {version}, "message": {""}, "billable": {"5"}}, nil)
	wantStatus(t, "empty reply", p, http.StatusBadRequest)
	if p.text("#f-message-err") == "" {
		t.Errorf("no message beside the reply field: %s", p.text("#reply"))
	}
	if v, _ := p.doc.Find(`#reply #f-billable`).Attr("value"); v != "5" {
		t.Errorf("billable = %q, want the input kept", v)
	}
	// Reply with a canned reply (no JS: filled in on submit), an
	// attachment and self-assignment.
	p = b.postMultipart(base+"/reply", url.Values{"version": {version}, "canned": {canned}, "message": {"We are on it."}, "self_assign": {"1"}},
		map[string][]byte{"log.txt": []byte("jam at page 2")})
	if !strings.Contains(p.text(".flash"), "Reply sent with 1 attachment") {
		t.Fatalf("reply flash = %q; page: %s", p.text(".flash"), p.text("main"))
	}
	body := p.text(".ev.public.msg .ev-body")
	if !strings.Contains(body, "Thank you for writing.") || !strings.Contains(body, "We are on it.") {
		t.Errorf("reply body = %q", body)
	}
	if got := p.text(".props dd:nth-of-type(4)"); got != "Alice Agent" {
		t.Errorf("assignee = %q, want Alice Agent (self-assigned)", got)
	}
	link, _ := p.doc.Find(`.ev a[download]`).Attr("href")
	res, err := b.client.Get(f.srv.URL + link)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(data) != "jam at page 2" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("attachment %s = %q (%s)", link, data, res.Header.Get("Content-Disposition"))
	}
	// A stale form (the version before the reply) changes nothing.
	p = b.post(base+"/priority", url.Values{"version": {version}, "priority": {"4"}})
	wantStatus(t, "stale priority form", p, http.StatusConflict)
	if !strings.Contains(p.text("#priority .form-errors"), "changed this") {
		t.Errorf("conflict message = %q", p.text("#priority .form-errors"))
	}
	if v, _ := f.desk.Ticket(context.Background(), f.admin, f.inbox.DisplayID, false); v.Priority == sympoq.PriorityUrgent {
		t.Error("stale form changed the priority")
	}
	// "Assign to me" is a second value of agent, after the select's.
	version, _ = p.doc.Find(`#assign input[name="version"]`).Attr("value")
	p = b.post(base+"/assign", url.Values{"version": {version}, "agent": {"0"}})
	if got := p.text(".props dd:nth-of-type(4)"); got != "Unassigned" {
		t.Errorf("assignee after unassign = %q", got)
	}
	version, _ = p.doc.Find(`#assign input[name="version"]`).Attr("value")
	p = b.post(base+"/assign", url.Values{"version": {version}, "agent": {"0", "me"}})
	if got := p.text(".props dd:nth-of-type(4)"); got != "Alice Agent" {
		t.Errorf("assignee after Assign to me = %q (%s)", got, p.text(".form-errors"))
	}
	// Note: internal, styled apart.
	version, _ = p.doc.Find(`#note input[name="version"]`).Attr("value")
	p = b.postMultipart(base+"/note", url.Values{"version": {version}, "message": {"Customer sounds upset."}}, nil)
	if got := p.text(".ev.internal.msg .ev-body"); got != "Customer sounds upset." {
		t.Errorf("note = %q", got)
	}
	version, _ = p.doc.Find(`#tags input[name="version"]`).Attr("value")
	p = b.post(base+"/tags", url.Values{"version": {version}, "tags": {"printer, hardware"}})
	if !strings.Contains(p.text(".ticket-head .chips"), "hardware") {
		t.Errorf("tags = %q (%s)", p.text(".ticket-head .chips"), p.text(".form-errors"))
	}
	version, _ = p.doc.Find(`#close input[name="version"]`).Attr("value")
	p = b.post(base+"/close", url.Values{"version": {version}, "solution": {"Cleaned the rollers."}})
	if got := p.text(".ticket-head .badge"); !strings.HasPrefix(got, "Closed") {
		t.Errorf("status after close = %q", got)
	}
	// Similar solved tickets: a new printer ticket finds the closed one.
	nt := f.ticket("Printer makes noise", "Loud.", "erin@example.com")
	p = f.site.browserAs(t, "admin", adminPassword).get("/app/desk/tickets/" + nt.DisplayID)
	if got := p.text(".similar"); !strings.Contains(got, "jams") {
		t.Errorf("similar = %q", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// browserAs is a signed-in browser.
func (s *site) browserAs(t *testing.T, login, password string) *browser {
	b := s.browser()
	b.login(login, password)
	return b
}

// postMultipart sends a multipart form with files in the field "files".
func (b *browser) postMultipart(path string, v url.Values, files map[string][]byte) *page {
	b.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := v["csrf"]; !ok {
		v.Set("csrf", b.csrf)
	}
	for k, vs := range v {
		for _, x := range vs {
			_ = mw.WriteField(k, x)
		}
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.s.srv.URL+path, &buf)
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// postMultipartFile sends one file in the named field.
func (b *browser) postMultipartFile(path, field, name string, data []byte) *page {
	b.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.s.srv.URL+path, &buf)
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

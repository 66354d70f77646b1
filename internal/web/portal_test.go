package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// portalFixture: a group with a Customer Manager and a member, an outsider,
// and a request of each, with an agent reply and an internal note on the
// member's.
type portalFixture struct {
	*site
	manager, member, outsider *sympoq.User
	mgrTkt, memberTkt, outTkt *desk.TicketView
	replyEvent                int64
}

func newPortalFixture(t *testing.T) *portalFixture {
	s := sqliteSite(t)
	ctx := context.Background()
	g, err := s.desk.SaveGroup(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Acme")})
	if err != nil {
		t.Fatal(err)
	}
	f := &portalFixture{site: s}
	mk := func(name, email string, role sympoq.CustomerRole, group int64) *sympoq.User {
		in := desk.UserInput{Name: desk.Some(name), Email: desk.Some(email), Password: desk.Some(name + "-password"), Role: desk.Some(role)}
		if group != 0 {
			in.Group = desk.Some(desk.Ref{ID: group})
		}
		u, err := s.desk.CreateUser(ctx, s.admin, sympoq.KindCustomer, in)
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
		return u
	}
	f.manager = mk("Mia", "mia@acme.test", sympoq.RoleCustomerManager, g.ID)
	f.member = mk("Max", "max@acme.test", sympoq.RoleCustomer, g.ID)
	f.outsider = mk("Olga", "olga@other.test", sympoq.RoleCustomer, 0)
	submit := func(u *sympoq.User, subject string) *desk.TicketView {
		a, err := s.desk.ActorOf(ctx, s.account, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.desk.Submit(ctx, a, desk.SubmitInput{Subject: desk.Some(subject), Description: desk.Some("Details of " + subject), Channel: sympoq.ChannelForm})
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		return v
	}
	f.mgrTkt = submit(f.manager, "Manager laptop broken")
	f.memberTkt = submit(f.member, "Member cannot print")
	f.outTkt = submit(f.outsider, "Outsider question")
	if _, err := s.desk.Note(ctx, s.admin, f.memberTkt.DisplayID, desk.MessageInput{Message: desk.Some("SECRET internal note about the printer")}); err != nil {
		t.Fatal(err)
	}
	v, err := s.desk.Reply(ctx, s.admin, f.memberTkt.DisplayID, desk.MessageInput{Message: desk.Some("Please restart the printer.")})
	if err != nil {
		t.Fatal(err)
	}
	v, err = s.desk.Ticket(ctx, s.admin, v.DisplayID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Events {
		if e.Action == sympoq.EvReply {
			f.replyEvent = e.ID
		}
	}
	return f
}

func rowsText(p *page) []string {
	var out []string
	p.doc.Find("tr.request-row td.subject").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestPortalListsOwnAndGroupRequests(t *testing.T) {
	f := newPortalFixture(t)
	max := f.browser()
	p := max.login("max@acme.test", "Max-password")
	if p.url.Path != "/app/portal/" {
		t.Errorf("a customer starts at %s", p.url.Path)
	}
	if got := rowsText(p); len(got) != 1 || got[0] != "Member cannot print" {
		t.Errorf("member sees %q", got)
	}
	if p.doc.Find("nav.tabs").Length() != 0 {
		t.Error("a plain customer sees the group tab")
	}
	// A plain customer asking for the group's list still sees only theirs.
	if got := rowsText(max.get("/app/portal/?scope=group")); len(got) != 1 {
		t.Errorf("member with scope=group sees %q", got)
	}

	mia := f.browser()
	mia.login("mia@acme.test", "Mia-password")
	if got := rowsText(mia.get("/app/portal/")); len(got) != 1 || got[0] != "Manager laptop broken" {
		t.Errorf("manager's own list = %q", got)
	}
	p = mia.get("/app/portal/?scope=group")
	got := rowsText(p)
	if len(got) != 2 || strings.Contains(strings.Join(got, "|"), "Outsider") {
		t.Errorf("manager's group list = %q, want both of the group and not the outsider's", got)
	}
	// Search and status filter.
	if got := rowsText(mia.get("/app/portal/?scope=group&q=printer")); len(got) != 1 || got[0] != "Member cannot print" {
		t.Errorf("search = %q", got)
	}
	if got := rowsText(mia.get("/app/portal/?scope=group&status=closed")); len(got) != 0 {
		t.Errorf("closed = %q", got)
	}
	// The manager may open a group member's request; the outsider's is a 404 page.
	wantStatus(t, "manager opens member's", mia.get("/app/portal/requests/"+f.memberTkt.DisplayID), http.StatusOK)
	wantStatus(t, "manager opens outsider's", mia.get("/app/portal/requests/"+f.outTkt.DisplayID), http.StatusNotFound)
	wantStatus(t, "member opens manager's", max.get("/app/portal/requests/"+f.mgrTkt.DisplayID), http.StatusNotFound)

	// Agents have the desk, not the portal.
	admin := f.browser()
	admin.login("admin", adminPassword)
	wantStatus(t, "agent in portal", admin.get("/app/portal/"), http.StatusNotFound)
}

func TestPortalRequestPageHidesInternalEvents(t *testing.T) {
	f := newPortalFixture(t)
	max := f.browser()
	max.login("max@acme.test", "Max-password")
	// The address the notification emails link to.
	p := max.get(desk.PortalTicketPath(f.memberTkt.DisplayID))
	wantStatus(t, "request page", p, http.StatusOK)
	if !strings.Contains(p.text(".timeline"), "Please restart the printer.") {
		t.Errorf("the agent reply is missing: %q", p.text(".timeline"))
	}
	if strings.Contains(p.body, "SECRET") {
		t.Error("an internal note reached the customer's page")
	}
	if p.doc.Find(".ev.internal, .vis-int").Length() != 0 {
		t.Error("internal event markup on the customer's page")
	}
	// Another customer's request is a 404 page, and so is a form posted to it.
	olga := f.browser()
	olga.login("olga@other.test", "Olga-password")
	wantStatus(t, "outsider", olga.get("/app/portal/requests/"+f.memberTkt.DisplayID), http.StatusNotFound)
	p = olga.post("/app/portal/requests/"+f.memberTkt.DisplayID+"/reply", url.Values{"message": {"Let me in"}})
	wantStatus(t, "outsider reply", p, http.StatusNotFound)
	v, _ := f.desk.Ticket(context.Background(), f.admin, f.memberTkt.DisplayID, true)
	for _, e := range v.Events {
		if strings.Contains(e.Body, "Let me in") {
			t.Error("the outsider's reply was recorded")
		}
	}
}

func TestPortalReplyCloseReopenRate(t *testing.T) {
	f := newPortalFixture(t)
	ctx := context.Background()
	max := f.browser()
	max.login("max@acme.test", "Max-password")
	base := "/app/portal/requests/" + f.memberTkt.DisplayID
	p := max.get(base)
	// An empty reply comes back with a message.
	vals := formValues(p, `form[action="`+base+`/reply"]`)
	p = max.post(base+"/reply", vals)
	wantStatus(t, "empty reply", p, http.StatusBadRequest)
	if p.text("#f-message-err") == "" {
		t.Error("no message beside the empty reply")
	}
	// A reply with an attachment.
	p = max.multipart(base+"/reply", map[string]string{"message": "It still jams.", "version": formValues(p, `form[action="`+base+`/reply"]`).Get("version")},
		"files", "log.txt", []byte("paper jam at tray 2"))
	wantStatus(t, "reply", p, http.StatusOK)
	if !strings.Contains(p.text(".flash"), "1 attachment") {
		t.Errorf("flash = %q", p.text(".flash"))
	}
	if !strings.Contains(p.text(".timeline"), "It still jams.") || p.doc.Find(`.timeline a[href*="/attachments/"]`).Length() != 1 {
		t.Errorf("timeline after reply = %q", p.text(".timeline"))
	}
	link, _ := p.doc.Find(`.timeline a[href*="/attachments/"]`).Attr("href")
	if r := max.raw(link); r.status != http.StatusOK || r.body != "paper jam at tray 2" {
		t.Errorf("attachment download = %d %q", r.status, r.body)
	}
	// Rate the agent's reply.
	p = max.post(base+"/rate", url.Values{"event": {strconv.FormatInt(f.replyEvent, 10)}, "rating": {"4"}, "version": {formValues(p, `form[action="`+base+`/rate"]`).Get("version")}})
	wantStatus(t, "rate", p, http.StatusOK)
	v, _ := f.desk.Ticket(ctx, f.admin, f.memberTkt.DisplayID, false)
	if v.Rating != 4 {
		t.Errorf("rating = %d", v.Rating)
	}
	if !strings.Contains(p.text(".rate-form legend"), "4 of 5") {
		t.Errorf("rate legend = %q", p.text(".rate-form legend"))
	}
	// Close, then reopen.
	p = max.post(base+"/close", formValues(p, `form[action="`+base+`/close"]`))
	wantStatus(t, "close", p, http.StatusOK)
	if v, _ := f.desk.Ticket(ctx, f.admin, f.memberTkt.DisplayID, false); v.Status != sympoq.StatusClosed {
		t.Errorf("status after close = %v", v.Status)
	}
	if p.doc.Find(`form[action="`+base+`/close"]`).Length() != 0 {
		t.Error("a closed request still offers Close")
	}
	p = max.post(base+"/reopen", formValues(p, `form[action="`+base+`/reopen"]`))
	wantStatus(t, "reopen", p, http.StatusOK)
	if v, _ := f.desk.Ticket(ctx, f.admin, f.memberTkt.DisplayID, false); v.Status == sympoq.StatusClosed {
		t.Error("still closed after reopen")
	}
	// A stale form (an old version) changes nothing.
	p = max.post(base+"/close", url.Values{"version": {"1"}})
	wantStatus(t, "stale close", p, http.StatusConflict)
	if v, _ := f.desk.Ticket(ctx, f.admin, f.memberTkt.DisplayID, false); v.Status == sympoq.StatusClosed {
		t.Error("a stale form closed the request")
	}

	// When the account does not let customers close or rate, the page
	// offers neither, and the actions are refused.
	f.settings(func(set *sympoq.Settings) {
		set.Automation.CustomersClose = false
		set.Automation.CustomersRate = false
	})
	p = max.get(base)
	if p.doc.Find(`form[action="`+base+`/close"]`).Length() != 0 || p.doc.Find(".rate-form").Length() != 0 {
		t.Error("close or rate offered although not allowed")
	}
	p = max.post(base+"/close", formValues(p, `form[action="`+base+`/reply"]`))
	if p.status != http.StatusForbidden {
		t.Errorf("close not allowed: status %d", p.status)
	}
}

func TestPortalSubmit(t *testing.T) {
	f := newPortalFixture(t)
	ctx := context.Background()
	topic, err := f.desk.SaveTopic(ctx, f.admin, 0, desk.ItemInput{Name: desk.Some("Hardware"), Active: desk.Some(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.SaveCustomField(ctx, f.admin, 0, desk.CustomFieldInput{Label: desk.Some("Serial number"), Type: desk.Some(sympoq.CustomNumber),
		CustomerVisible: desk.Some(true), CustomerEditable: desk.Some(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.SaveCustomField(ctx, f.admin, 0, desk.CustomFieldInput{Label: desk.Some("Internal cost"), Type: desk.Some(sympoq.CustomText),
		CustomerVisible: desk.Some(false), CustomerEditable: desk.Some(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.SaveCustomField(ctx, f.admin, 0, desk.CustomFieldInput{Label: desk.Some("Devices"), Type: desk.Some(sympoq.CustomMultiselect),
		Options: desk.Some([]string{"Laptop", "Phone"})}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.SaveCustomField(ctx, f.admin, 0, desk.CustomFieldInput{Label: desk.Some("Plan"), Type: desk.Some(sympoq.CustomSelect),
		Options: desk.Some([]string{"Basic", "Pro"}), Required: desk.Some(true)}); err != nil {
		t.Fatal(err)
	}
	max := f.browser()
	max.login("max@acme.test", "Max-password")
	p := max.get("/app/portal/new")
	if p.doc.Find(`select[name="custom_fields.devices"][multiple] option`).Length() != 2 || p.doc.Find(`select[name="custom_fields.plan"][required]`).Length() != 1 {
		t.Errorf("select fields: %s", p.text("form"))
	}
	wantStatus(t, "new request", p, http.StatusOK)
	if p.doc.Find(`input[name="custom_fields.serial_number"]`).Length() != 1 {
		t.Errorf("the customer field is missing: %s", p.text("form"))
	}
	if p.doc.Find(`[name="custom_fields.internal_cost"]`).Length() != 0 {
		t.Error("an agents-only field is on the customer's form")
	}
	// Bad input: kept, with messages.
	p = max.post("/app/portal/new", url.Values{"subject": {"Broken <b>screen</b>"}, "description": {""}, "custom_fields.serial_number": {"abc"},
		"topic": {strconv.FormatInt(topic.ID, 10)}})
	wantStatus(t, "bad request", p, http.StatusBadRequest)
	if v, _ := p.doc.Find("#f-subject").Attr("value"); v != "Broken <b>screen</b>" {
		t.Errorf("subject = %q", v)
	}
	if p.text("#f-description-err") == "" {
		t.Errorf("no message beside the description: %s", p.text(".form-errors"))
	}
	if p.text("#f-custom_fields-serial_number-err") == "" {
		t.Errorf("no message beside the serial number: %s", p.text(".form-errors"))
	}
	// Good input with an attachment.
	if p.text("#f-custom_fields-plan-err") == "" {
		t.Errorf("no message beside the required plan: %s", p.text(".form-errors"))
	}
	p = max.multipart("/app/portal/new", map[string]string{"subject": "Broken screen", "description": "Cracked corner.", "custom_fields.serial_number": "12345", "custom_fields.plan": "Pro",
		"topic": strconv.FormatInt(topic.ID, 10)}, "files", "photo.txt", []byte("a photo"))
	wantStatus(t, "submit", p, http.StatusOK)
	if !strings.HasPrefix(p.url.Path, "/app/portal/requests/") {
		t.Fatalf("after submit at %s", p.url)
	}
	id := strings.TrimPrefix(p.url.Path, "/app/portal/requests/")
	v, err := f.desk.Ticket(ctx, f.admin, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if v.Customer != f.member.ID || v.Topic != topic.ID || v.Channel != sympoq.ChannelForm || v.CustomFields["serial_number"] != "12345" || v.CustomFields["plan"] != "Pro" {
		t.Errorf("ticket = customer %d topic %d channel %v fields %v", v.Customer, v.Topic, v.Channel, v.CustomFields)
	}
	if p.doc.Find(`.timeline a[href*="/attachments/"]`).Length() != 1 {
		t.Error("the attachment is not on the request page")
	}
}

// multipart posts a multipart form with one file and the browser's CSRF token.
func (b *browser) multipart(path string, fields map[string]string, fileField, fileName string, content []byte) *page {
	b.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(fileField, fileName)
	_, _ = fw.Write(content)
	mw.Close()
	req, err := http.NewRequest("POST", b.s.srv.URL+path, &buf)
	if err != nil {
		b.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// A reply to a closed request that may not be reopened starts a new,
// linked request; the page says so and the reply is there.
func TestPortalReplyToClosedStartsNewRequest(t *testing.T) {
	f := newPortalFixture(t)
	ctx := context.Background()
	if _, err := f.desk.Close(ctx, f.admin, f.memberTkt.DisplayID, desk.CloseInput{}); err != nil {
		t.Fatal(err)
	}
	f.settings(func(set *sympoq.Settings) { set.Automation.CustomersReopen = false })
	max := f.browser()
	max.login("max@acme.test", "Max-password")
	base := "/app/portal/requests/" + f.memberTkt.DisplayID
	p := max.get(base)
	if p.doc.Find(`form[action="`+base+`/reopen"]`).Length() != 0 {
		t.Error("Reopen offered although customers may not reopen")
	}
	p = max.post(base+"/reply", url.Values{"message": {"It broke again."}, "version": {formValues(p, `form[action="`+base+`/reply"]`).Get("version")}})
	wantStatus(t, "reply to closed", p, http.StatusOK)
	if !strings.Contains(p.text(".flash"), "new request") {
		t.Errorf("flash = %q", p.text(".flash"))
	}
	if p.url.Path == base || !strings.Contains(p.text(".timeline"), "It broke again.") {
		t.Errorf("after the reply at %s, timeline %q", p.url.Path, p.text(".timeline"))
	}
	_, _, n, err := f.desk.Tickets(ctx, f.admin, desk.TicketList{TicketFilter: store.TicketFilter{Customer: f.member.ID}, Count: true})
	if err != nil || n != 2 {
		t.Errorf("member has %d requests, %v; want the closed one and a new one", n, err)
	}
	if v, _ := f.desk.Ticket(ctx, f.admin, f.memberTkt.DisplayID, false); v.Status != sympoq.StatusClosed {
		t.Errorf("the closed request is %v", v.Status)
	}
}

package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

func TestNewTicketOnBehalf(t *testing.T) {
	f := newDeskFixture(t)
	b := f.browserAs(t, "alice@example.com", "alice-password")
	p := b.get("/app/desk/tickets/new")
	wantStatus(t, "new ticket form", p, http.StatusOK)
	p = b.post("/app/desk/tickets/new", url.Values{"customer_email": {"not-an-email"}, "customer_name": {"Gus"},
		"channel": {"4"}, "subject": {"Cannot log in"}, "description": {"Since Monday."}})
	wantStatus(t, "bad email", p, http.StatusBadRequest)
	if p.text("#f-customer_email-err") == "" {
		t.Errorf("no message beside the customer email: %s", p.text("form"))
	}
	if v, _ := p.doc.Find("#f-subject").Attr("value"); v != "Cannot log in" {
		t.Errorf("subject = %q, want the input kept", v)
	}
	if v := p.text("#f-description"); v != "Since Monday." {
		t.Errorf("description = %q, want the input kept", v)
	}
	p = b.post("/app/desk/tickets/new", url.Values{"customer_email": {"gus@example.com"}, "customer_name": {"Gus Guest"},
		"channel": {"4"}, "subject": {"Cannot log in"}, "description": {"Since Monday."}})
	if !strings.HasPrefix(p.url.Path, "/app/desk/tickets/") || !strings.Contains(p.text(".flash"), "created") {
		t.Fatalf("after create at %s: %s", p.url, p.text("main"))
	}
	if got := p.text(".cust-name"); got != "Gus Guest" {
		t.Errorf("customer = %q", got)
	}
	if got := p.text(".props dd:nth-of-type(5)"); got != "Phone" {
		t.Errorf("channel = %q, want Phone", got)
	}
}

func TestCustomers(t *testing.T) {
	f := newDeskFixture(t)
	ctx := context.Background()
	g, err := f.desk.SaveGroup(ctx, f.admin, 0, desk.ItemInput{Name: desk.Some("VIP")})
	if err != nil {
		t.Fatal(err)
	}
	b := f.browserAs(t, "alice@example.com", "alice-password")
	p := b.get("/app/desk/customers/new")
	wantStatus(t, "add form", p, http.StatusOK)
	p = b.post("/app/desk/customers/new", url.Values{"name": {"Hal <b>Hacker</b>"}, "email": {"hal@"}, "company": {"Initech"},
		"group": {itoa(g.ID)}, "role": {"Customer"}, "active": {"1"}})
	wantStatus(t, "bad customer", p, http.StatusBadRequest)
	if p.text("#f-email-err") == "" {
		t.Errorf("no message beside email")
	}
	if v, _ := p.doc.Find("#f-company").Attr("value"); v != "Initech" {
		t.Errorf("company = %q, want kept", v)
	}
	if v, _ := p.doc.Find(`#f-group option[selected]`).Attr("value"); v != itoa(g.ID) {
		t.Errorf("group = %q, want kept", v)
	}
	p = b.post("/app/desk/customers/new", url.Values{"name": {"Hal <b>Hacker</b>"}, "email": {"hal@example.com"}, "company": {"Initech"},
		"group": {itoa(g.ID)}, "role": {"Customer Manager"}, "country": {"DE"}, "active": {"1"}, "send_registration": {"1"}})
	if !strings.Contains(p.text(".flash"), "registration email") {
		t.Fatalf("create flash = %q (%s)", p.text(".flash"), p.text(".form-errors"))
	}
	u, err := f.db.Read().UserByLogin(ctx, f.account, "hal@example.com")
	if err != nil || u.GroupID != g.ID || u.Role != sympoq.RoleCustomerManager || u.Country != "DE" {
		t.Fatalf("created = %+v, %v", u, err)
	}
	var jobs int
	if err := f.db.Writer().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'registration_email'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("registration jobs = %d (%v), want 1", jobs, err)
	}
	// Edit: clear the company.
	p = b.get("/app/desk/customers/" + itoa(u.ID))
	if v, _ := p.doc.Find("#f-company").Attr("value"); v != "Initech" {
		t.Errorf("edit form company = %q", v)
	}
	p = b.post("/app/desk/customers/"+itoa(u.ID), url.Values{"name": {"Hal Hacker"}, "email": {"hal@example.com"}, "company": {""},
		"group": {itoa(g.ID)}, "role": {"Customer"}, "country": {"DE"}, "active": {"1"}})
	if got := p.text(".flash"); got != "Customer saved." {
		t.Fatalf("save flash = %q (%s)", got, p.text(".form-errors"))
	}
	u, _ = f.db.Read().User(ctx, f.account, u.ID)
	if u.Company != "" || u.Name != "Hal Hacker" || u.Role != sympoq.RoleCustomer {
		t.Errorf("after edit: %+v", u)
	}

	// List: filters, search, sort.
	p = b.get("/app/desk/customers?group=" + itoa(g.ID))
	if rows := p.doc.Find("tr.customer-row"); rows.Length() != 1 || !strings.Contains(rows.Text(), "Hal Hacker") {
		t.Errorf("group filter rows: %q", rows.Text())
	}
	p = b.get("/app/desk/customers?q=dora")
	if rows := p.doc.Find("tr.customer-row"); rows.Length() != 1 || !strings.Contains(rows.Text(), "dora@example.com") {
		t.Errorf("search rows: %q", rows.Text())
	}
	p = b.get("/app/desk/customers?sort=email&dir=desc")
	if first := p.doc.Find("tr.customer-row td:nth-child(2)").First().Text(); first != "hal@example.com" {
		t.Errorf("email desc first = %q", first)
	}

	// Import: one good row, one bad row, one duplicate.
	csvText := "name,email,company,group\nIvy Import,ivy@example.com,Globex,VIP\nBad Row,not-an-email,,\nDup,hal@example.com,,\n"
	p = b.postMultipartFile("/app/desk/customers/import", "file", "c.csv", []byte(csvText))
	wantStatus(t, "import with bad rows", p, http.StatusUnprocessableEntity)
	if got := p.text("[role=status] strong"); got != "1 of 3 customers created." {
		t.Errorf("import summary = %q", got)
	}
	lines := p.doc.Find("table.import-errors tbody tr")
	if lines.Length() != 2 || !strings.HasPrefix(strings.TrimSpace(lines.Eq(0).Find("td").First().Text()), "3") ||
		!strings.Contains(lines.Eq(1).Text(), "email") {
		t.Errorf("import errors: %q", lines.Text())
	}
	ivy, err := f.db.Read().UserByLogin(ctx, f.account, "ivy@example.com")
	if err != nil || ivy.Group != "VIP" || ivy.Company != "Globex" {
		t.Errorf("imported ivy = %+v, %v", ivy, err)
	}
	p = b.postMultipartFile("/app/desk/customers/import", "file", "c.csv", []byte("name,shoe_size\nX,42\n"))
	wantStatus(t, "unknown column", p, http.StatusBadRequest)
	if !strings.Contains(p.text("#f-file-err"), "shoe_size") {
		t.Errorf("unknown column says %q", p.text("#f-file-err"))
	}

	// Export.
	res, err := b.client.Get(f.srv.URL + "/app/desk/customers.csv?group=" + itoa(g.ID))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil || len(recs) != 3 || recs[0][1] != "name" {
		t.Errorf("export = %v, %v", recs, err)
	}
}

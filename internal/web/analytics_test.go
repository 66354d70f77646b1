package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// TestAnalyticsPage shows the reports as charts and tables to those who
// may see them, offers each as CSV, and shows range problems beside the
// field.
func TestAnalyticsPage(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	q, err := s.desk.SaveQueue(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Support <b>&</b>")})
	if err != nil {
		t.Fatal(err)
	}
	s.agent("Quinn Manager", "quinn@example.com", "quinn-password-1", desk.Permission{Queue: q.ID, Role: sympoq.RoleQueueManager})
	s.agent("Avery Agent", "avery@example.com", "avery-password-1", desk.Permission{Queue: q.ID, Role: sympoq.RoleAgent})
	s.customer("Casey Customer", "casey@example.com", "casey-password-1")
	for i := range 4 {
		v, err := s.desk.Submit(ctx, s.admin, desk.SubmitInput{Description: desk.Some(fmt.Sprintf("issue %d", i)), Queue: desk.Some(q.ID),
			Customer: desk.Some(desk.CustomerInput{Email: desk.Some("casey@example.com")})})
		if err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if _, err := s.desk.Close(ctx, s.admin, v.DisplayID, desk.CloseInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := desk.RefreshReports(ctx, s.db); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)

	for _, login := range []string{"admin", "quinn@example.com"} {
		b := s.browser()
		password := map[string]string{"admin": adminPassword, "quinn@example.com": "quinn-password-1"}[login]
		b.login(login, password)
		p := b.get("/app/desk/analytics")
		wantStatus(t, login+" analytics", p, http.StatusOK)
		if n := p.doc.Find("section.report svg[role=img]").Length(); n != len(desk.ReportNames) {
			t.Errorf("%s: %d charts, want %d", login, n, len(desk.ReportNames))
		}
		if got := p.text("#h-created-closed"); got == "" {
			t.Errorf("%s: no created-closed section", login)
		}
		// Today's row of created/closed: 4 created, 3 closed, 1 open.
		row := p.doc.Find("section[aria-labelledby=h-created-closed] tbody tr").Last()
		if got := strings.Join(row.Find("th, td").Map(func(_ int, c *goquery.Selection) string { return c.Text() }), " "); got != today+" 4 3 1" {
			t.Errorf("%s: today's created-closed row = %q, want %q", login, got, today+" 4 3 1")
		}
		if p.doc.Find(`a[href*="analytics.csv?"][href*="report=backlog"]`).Length() != 1 {
			t.Errorf("%s: no CSV link for the backlog", login)
		}
		if !strings.Contains(p.text(".nav"), "Analytics") {
			t.Errorf("%s: no Analytics in the navigation", login)
		}
		if strings.Contains(p.body, "<b>&</b>") {
			t.Errorf("%s: the queue name reached the page unescaped", login)
		}
		csv := b.get("/app/desk/analytics.csv?report=backlog")
		wantStatus(t, login+" backlog CSV", csv, http.StatusOK)
		if want := "status,tickets\nNew,1\nWorking,0\nPending,0\ntotal,1\n"; csv.body != want {
			t.Errorf("%s: backlog CSV = %q, want %q", login, csv.body, want)
		}
		bad := b.get("/app/desk/analytics?from=2010-01-01&to=2026-01-01")
		wantStatus(t, login+" too long a range", bad, http.StatusOK)
		if msg := bad.text(".field.has-error"); !strings.Contains(msg, "at most") {
			t.Errorf("%s: too long a range shows %q beside the field", login, msg)
		}
	}

	// An agent without a managed queue sees no reports; a customer no page.
	b := s.browser()
	b.login("avery@example.com", "avery-password-1")
	p := b.get("/app/desk/analytics")
	if p.doc.Find("section.report").Length() != 0 || !strings.Contains(p.text(".form-errors"), "queue managers") {
		t.Errorf("agent without a managed queue: status %d, %q", p.status, p.text("main"))
	}
	if strings.Contains(p.text(".nav"), "Analytics") {
		t.Errorf("agent without a managed queue is offered Analytics")
	}
	if csv := b.get("/app/desk/analytics.csv?report=backlog"); csv.status != http.StatusForbidden {
		t.Errorf("agent's CSV download = %d, want 403", csv.status)
	}
	c := s.browser()
	c.login("casey@example.com", "casey-password-1")
	if p := c.get("/app/desk/analytics"); p.status != http.StatusNotFound {
		t.Errorf("customer's analytics = %d, want 404", p.status)
	}
}

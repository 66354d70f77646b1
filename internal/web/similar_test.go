package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq"

	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// Similar solved tickets match on a shared subject word, on both engines,
// among closed tickets only, and never on common words alone.
func TestSimilarTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		solved := s.ticket("Printer jams on page two", "Paper stuck.", "a@example.com")
		common := s.ticket("The thing after the update", "Odd.", "b@example.com")
		open := s.ticket("Printer offline", "No light.", "c@example.com")
		for _, v := range []*desk.TicketView{solved, common} {
			if _, err := s.desk.Close(ctx, s.admin, v.DisplayID, desk.CloseInput{}); err != nil {
				t.Fatal(err)
			}
		}
		q := s.ticket("The printer is making noise", "Loud.", "d@example.com")
		got, err := s.desk.SimilarTickets(ctx, s.admin, q.DisplayID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != solved.ID {
			var ids []string
			for _, v := range got {
				ids = append(ids, v.Subject)
			}
			t.Errorf("similar to %q = %q, want only %q (not the open %q, not the common-words %q)", q.Subject, ids, solved.Subject, open.Subject, common.Subject)
		}
		none := s.ticket("Hi", "Short.", "e@example.com")
		if got, err := s.desk.SimilarTickets(ctx, s.admin, none.DisplayID, 5); err != nil || len(got) != 0 {
			t.Errorf("similar to a subject without words = %d, %v; want none", len(got), err)
		}
	})
}

func TestTicketListPaging(t *testing.T) {
	s := sqliteSite(t)
	for i := range 53 {
		s.ticket("Question number "+itoa(int64(i)), "Body.", "p"+itoa(int64(i))+"@example.com")
	}
	b := s.browserAs(t, "admin", adminPassword)
	p := b.get("/app/desk/?sort=created&dir=asc")
	if n := p.doc.Find("tr.ticket-row").Length(); n != 50 {
		t.Fatalf("first page rows = %d, want 50", n)
	}
	if got := p.text(".count"); got != "53 tickets" {
		t.Errorf("count = %q", got)
	}
	next, ok := p.doc.Find(`.pager a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatal("no next page link")
	}
	p = b.get(next)
	rows := p.doc.Find("tr.ticket-row")
	if rows.Length() != 3 || !strings.Contains(rows.Last().Text(), "Question number 52") {
		t.Errorf("second page = %d rows: %q", rows.Length(), rows.Text())
	}
	if p.doc.Find(`.pager a[rel="next"]`).Length() != 0 || p.doc.Find(`.pager a`).Length() != 1 {
		t.Errorf("last page pager: %q", p.text(".pager"))
	}
}

// The registration email's link lets a customer choose a first password
// and sign in.
func TestRegistrationLink(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	u, err := s.desk.CreateUser(ctx, s.admin, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Rita Reg"), Email: desk.Some("rita@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.CreateUserToken(ctx, s.account, u.ID, store.TokenRegistration, desk.HashKey("registration-token-0123456789"), time.Hour)
	})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	p := b.get("/app/register?token=registration-token-0123456789")
	if got := p.text("h1"); got != "Complete your registration" {
		t.Errorf("heading = %q", got)
	}
	p = b.post("/app/register", url.Values{"token": {"registration-token-0123456789"}, "password": {"rita-password"}, "confirm": {"rita-password"}})
	if p.url.Path != "/app/login" {
		t.Fatalf("after registration at %s: %s", p.url, p.text("main"))
	}
	u, _ = s.db.Read().User(ctx, s.account, u.ID)
	if !u.Registered || u.Username != "rita@example.com" {
		t.Errorf("after registration: registered %v, username %q", u.Registered, u.Username)
	}
	s.browserAs(t, "rita@example.com", "rita-password")
	// A reset token does not work on the registration form, nor the reverse.
	p = b.post("/app/password/reset", url.Values{"token": {"registration-token-0123456789"}, "password": {"x-password"}, "confirm": {"x-password"}})
	wantStatus(t, "registration token on the reset form", p, http.StatusBadRequest)
}

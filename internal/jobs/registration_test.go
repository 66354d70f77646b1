package jobs_test

import (
	"context"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// captureSender keeps what it is given.
type captureSender struct{ sent chan mail.Message }

func (s *captureSender) Send(_ context.Context, m mail.Message) error {
	s.sent <- m
	return nil
}

var support = netmail.Address{Name: "Acme Support", Address: "support@acme.example"}

func registrationWorker(db *store.DB, s jobs.Sender) *jobs.RegistrationWorker {
	return &jobs.RegistrationWorker{
		DB:         db,
		Sender:     s,
		AccountURL: func(name string) string { return "https://" + name + ".example.com" },
		From:       support,
	}
}

var tokenLink = regexp.MustCompile(`https://acme\.example\.com/app/register\?token=([A-Za-z0-9_-]{43})\b`)

// useToken consumes the registration token of link and returns its user.
func useToken(t *testing.T, db *store.DB, accountID int64, link string) (int64, error) {
	t.Helper()
	m := tokenLink.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("no registration link in %q", link)
	}
	var userID int64
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		userID, err = tx.UseUserToken(context.Background(), accountID, store.TokenRegistration, desk.HashKey(m[1]))
		return err
	})
	return userID, err
}

func TestRegistrationEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sender := &captureSender{sent: make(chan mail.Message, 10)}
		r := newRunner(t, db, func(r *jobs.Runner) { jobs.Register(r, registrationWorker(db, sender)) })

		var acct *sympoq.Account
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if acct, err = tx.CreateAccount(ctx, "acme"); err != nil {
				return err
			}
			s, err := tx.Settings(ctx, acct.ID)
			if err != nil {
				return err
			}
			s.General.Title = "Acme <Support>"
			return tx.SaveSettings(ctx, acct.ID, s)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Each user is created in the transaction that enqueues their email,
		// as desk does; only the first is due one.
		users := []*sympoq.User{
			{Kind: sympoq.KindCustomer, Name: "Zoë <O'Brien>", Email: "zoe@example.com", Active: true, Role: sympoq.RoleCustomer},
			{Kind: sympoq.KindCustomer, Name: "Reg", Email: "reg@example.com", Username: "registered", Registered: true, Active: true, Role: sympoq.RoleCustomer},
			{Kind: sympoq.KindCustomer, Name: "Gone Quiet", Email: "inactive@example.com", Active: false, Role: sympoq.RoleCustomer},
			{Kind: sympoq.KindCustomer, Name: "Phone Only", Phone: "+49 30 1234", Active: true, Role: sympoq.RoleCustomer},
			{Kind: sympoq.KindAgent, Name: "Agent", Email: "agent@acme.example", Username: "agent1", Active: true},
		}
		for _, u := range users {
			u.AccountID = acct.ID
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
				return r.Enqueue(ctx, tx, desk.RegistrationEmail{AccountID: acct.ID, UserID: u.ID})
			})
			if err != nil {
				t.Fatalf("create %s: %v", u.Name, err)
			}
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return r.Enqueue(ctx, tx, desk.RegistrationEmail{AccountID: acct.ID, UserID: 999999}) // no such user
		}); err != nil {
			t.Fatal(err)
		}
		start(t, r)

		var m mail.Message
		select {
		case m = <-sender.sent:
		case <-time.After(20 * time.Second):
			t.Fatal("no registration email within 20s")
		}
		want := netmail.Address{Name: "Zoë <O'Brien>", Address: "zoe@example.com"}
		if m.To != want || m.From != support {
			t.Errorf("email from %v to %v, want from %v to %v", m.From, m.To, support, want)
		}
		if wantSubj := "Complete your registration at Acme <Support>"; m.Subject != wantSubj {
			t.Errorf("Subject = %q, want %q", m.Subject, wantSubj)
		}
		for _, s := range []string{"Zoë &lt;O&#39;Brien&gt;", "Acme &lt;Support&gt;"} {
			if !strings.Contains(m.HTML, s) {
				t.Errorf("HTML lacks escaped %q:\n%s", s, m.HTML)
			}
		}
		if strings.Contains(m.HTML, "<O'Brien>") || strings.Contains(m.HTML, "<Support>") {
			t.Errorf("HTML carries an unescaped name:\n%s", m.HTML)
		}
		if !strings.Contains(m.Text, "Zoë <O'Brien>") {
			t.Errorf("Text lacks the name:\n%s", m.Text)
		}
		textLink, htmlLink := tokenLink.FindString(m.Text), tokenLink.FindString(m.HTML)
		if textLink == "" || textLink != htmlLink {
			t.Fatalf("link in text %q, in HTML %q; want one and the same", textLink, htmlLink)
		}
		if id, err := useToken(t, db, acct.ID, textLink); err != nil || id != users[0].ID {
			t.Errorf("UseUserToken = %d, %v; want user %d", id, err, users[0].ID)
		}
		if _, err := useToken(t, db, acct.ID, textLink); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("second UseUserToken err = %v, want not found", err)
		}

		// Every job has finished, and none of the others sent anything.
		waitFor(t, 20*time.Second, "registration jobs completed", func() bool {
			return count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'registration_email' AND state = 'completed'`) == len(users)+1
		})
		select {
		case m := <-sender.sent:
			t.Errorf("unexpected email to %v", m.To)
		default:
		}
	})
}

// TestRegistrationRetry runs the worker twice for one customer, as a retry
// would: the second email's link works, the first one's no longer does.
func TestRegistrationRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sender := &captureSender{sent: make(chan mail.Message, 2)}
		w := registrationWorker(db, sender)
		var acct *sympoq.Account
		u := &sympoq.User{Kind: sympoq.KindCustomer, Name: "Zoë", Email: "zoe@example.com", Active: true, Role: sympoq.RoleCustomer}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if acct, err = tx.CreateAccount(ctx, "acme"); err != nil {
				return err
			}
			u.AccountID = acct.ID
			return tx.CreateUser(ctx, u)
		})
		if err != nil {
			t.Fatal(err)
		}
		job := &river.Job[desk.RegistrationEmail]{
			JobRow: &rivertype.JobRow{ID: 1, Kind: desk.RegistrationEmail{}.Kind()},
			Args:   desk.RegistrationEmail{AccountID: acct.ID, UserID: u.ID},
		}
		for i := range 2 {
			if err := w.Work(ctx, job); err != nil {
				t.Fatalf("Work #%d: %v", i+1, err)
			}
		}
		first, second := <-sender.sent, <-sender.sent
		if _, err := useToken(t, db, acct.ID, first.Text); sympoq.ErrorCode(err) != sympoq.ENotFound {
			t.Errorf("first link: err = %v, want not found (voided by the retry)", err)
		}
		if id, err := useToken(t, db, acct.ID, second.Text); err != nil || id != u.ID {
			t.Errorf("second link: UseUserToken = %d, %v; want user %d", id, err, u.ID)
		}
	})
}

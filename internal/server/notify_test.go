package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/blob"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/jobs"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/mail/mailtest"
	"github.com/sympoq/sympoq/internal/server"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// newMailStack is newStack whose email goes through the real SMTP sender
// to a loopback capture server (STARTTLS with a test certificate and AUTH),
// with the job runner started. Retries wait backoff; maxAttempts bounds
// them.
func newMailStack(t *testing.T, db *store.DB, opts mailtest.Options, maxAttempts int) (*stack, *mailtest.Server) {
	t.Helper()
	return newMailStackWith(t, db, opts, maxAttempts, false)
}

// newMailStackWith is newMailStack, optionally refusing accounts their own
// SMTP servers (--account-smtp off).
func newMailStackWith(t *testing.T, db *store.DB, opts mailtest.Options, maxAttempts int, noAccountSMTP bool) (*stack, *mailtest.Server) {
	t.Helper()
	ctx := context.Background()
	serverTLS, pool := mailtest.Certificate(t)
	opts.TLS = serverTLS
	opts.Users = map[string]string{"desk": "s3cret"}
	smtpSrv := mailtest.Start(t, opts)
	cfg, err := mail.ParseSMTPURL(fmt.Sprintf("smtp://desk:s3cret@%s:%d?tls=starttls", smtpSrv.Host, smtpSrv.Port))
	if err != nil {
		t.Fatal(err)
	}
	sender := &mail.SMTPSender{Config: cfg, TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}

	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := jobs.New(db, logger)
	if err != nil {
		t.Fatal(err)
	}
	jobs.Register(runner, &jobs.RegistrationWorker{DB: db, Sender: sender, AccountURL: func(string) string { return "http://localhost" },
		NoAccountSMTP: noAccountSMTP})
	outbox := &jobs.Dispatcher{DB: db, Sender: sender, MaxAttempts: maxAttempts,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }, NoAccountSMTP: noAccountSMTP}
	jobs.RegisterOutbox(runner, outbox)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := desk.New(db, runner, logger, desk.WithBlobs(blobs), desk.WithMail(desk.MailOptions{
		From:          mustAddress(t, "Acme Desk <desk@acme.test>"),
		AccountURL:    func(name string) string { return "https://" + name + ".example.test" },
		NoAccountSMTP: noAccountSMTP,
	}), desk.WithOutboxWake(outbox.Wake))
	srv := httptest.NewServer(server.New(db, d, server.Options{BaseDomain: "example.test", Logger: logger}))
	t.Cleanup(srv.Close)
	srv.Client().Transport = checkOpenAPI(t, srv.Client().Transport.(*http.Transport))
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	})
	return &stack{t: t, db: db, desk: d, jobs: runner, srv: srv, domain: "example.test"}, smtpSrv
}

// people are the users of the notification tests.
type people struct {
	accountID          int64
	adminKey, aliceKey string
	queue              *sympoq.Queue
	alice, dave, carol *sympoq.User
	carolOff           *sympoq.User
}

// cast makes an account with a queue "Support" (inbound address
// help@acme.test) managed by Alice (notifications on) and Dave
// (notifications off), and customers Carol (on) and Olga (off).
func cast(t *testing.T, s *stack, account string) people {
	t.Helper()
	ctx := context.Background()
	var p people
	p.accountID, p.adminKey = s.account(account)
	sys := desk.System(p.accountID)
	var err error
	agent := func(name, email string, notify bool) *sympoq.User {
		u, err := s.desk.CreateUser(ctx, sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some(name), Email: desk.Some(email),
			Notifications: desk.Some(notify)})
		must(t, err)
		return u
	}
	p.alice = agent("Alice Agent", "alice@acme.test", true)
	p.dave = agent("Dave Quiet", "dave@acme.test", false)
	p.queue, err = s.desk.SaveQueue(ctx, sys, 0, desk.ItemInput{Name: desk.Some("Support"), Addresses: desk.Some([]string{"help@" + account + ".test"}),
		Permissions: desk.Some([]desk.AgentRole{{Agent: p.alice.ID, Role: sympoq.RoleQueueManager}, {Agent: p.dave.ID, Role: sympoq.RoleQueueManager}})})
	must(t, err)
	customer := func(name, email string, notify bool) *sympoq.User {
		u, err := s.desk.CreateUser(ctx, sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some(name), Email: desk.Some(email),
			Notifications: desk.Some(notify)})
		must(t, err)
		return u
	}
	p.carol = customer("Carol <Customer>", "carol@example.com", true)
	p.carolOff = customer("Olga Off", "olga@example.com", false)
	k, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(p.alice), desk.APIKeyInput{Name: desk.Some("alice")})
	must(t, err)
	p.aliceKey = k.Key
	return p
}

func mustAddress(t *testing.T, s string) netmail.Address {
	t.Helper()
	a, err := netmail.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return *a
}

func decodeSubject(s string) (string, error) { return new(mime.WordDecoder).DecodeHeader(s) }

// htmlPart returns the decoded text/html part of a raw message.
func htmlPart(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text/html part: %v", err)
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/html") {
			b, err := io.ReadAll(part)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

var notifiedRE = regexp.MustCompile(`^(.+) (\S+@\S+) : ([A-Z_]+): (.+)$`)

// notified returns the Notified events of a ticket, oldest first.
func notified(t *testing.T, s *stack, accountID int64, ref string) []*sympoq.Event {
	t.Helper()
	v, err := s.desk.Ticket(context.Background(), desk.System(accountID), ref, true)
	must(t, err)
	var out []*sympoq.Event
	for i := len(v.Events) - 1; i >= 0; i-- {
		if v.Events[i].Action == sympoq.EvNotified {
			out = append(out, v.Events[i])
		}
	}
	return out
}

// TestNotificationsEndToEnd: a submission, an agent reply and a customer
// reply send the default notifications through the outbox dispatcher and
// go-mail to a real SMTP server, threaded, with Reply-To and Auto-Submitted
// as they should be; users with notifications off get nothing; every
// message leaves a Notified event.
func TestNotificationsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, smtpSrv := newMailStack(t, db, mailtest.Options{}, 3)
		p := cast(t, s, "acme")

		// 1. An agent files a request for Carol: NEW_REQUEST to Carol.
		r := s.call("POST", "acme", api+"/ticket", p.adminKey, map[string]any{"subject": "Printer <script>alert(1)</script>",
			"description": "It is on fire.", "queue": p.queue.ID, "customer": map[string]any{"id": p.carol.ID}})
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		var tk struct {
			ID string `json:"id"`
		}
		r.decode(t, &tk)
		first := smtpSrv.Wait(t, 1, 20*time.Second)[0]

		// 2. Alice replies: AGENT_REPLY to Carol, threaded under the first.
		if r := s.call("POST", "acme", api+"/ticket/"+tk.ID+"/reply", p.aliceKey, map[string]any{"message": "Hello Carol,\n<b>unplug</b> it."}); r.status != 200 {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		second := smtpSrv.Wait(t, 2, 20*time.Second)[1]

		// 3. Carol answers by email (proven by her address): CUSTOMER_REPLY
		// to the queue managers, as nobody is assigned; Dave has
		// notifications off, so only Alice hears of it.
		carol, err := s.desk.ActorOf(ctx, p.accountID, p.carol.ID)
		must(t, err)
		if _, err := s.desk.Reply(ctx, carol, tk.ID, desk.MessageInput{Message: desk.Some("Thanks, it works.")}); err != nil {
			t.Fatal(err)
		}
		third := smtpSrv.Wait(t, 3, 20*time.Second)[2]

		// 4. Assigning to Dave notifies nobody: his notifications are off.
		if r := s.call("POST", "acme", api+"/ticket/"+tk.ID+"/assign", p.adminKey, map[string]any{"agent": p.dave.ID}); r.status != 200 {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		// And a request for Olga, whose notifications are off, sends nothing.
		if r := s.call("POST", "acme", api+"/ticket", p.adminKey, map[string]any{"description": "Quiet one", "queue": p.queue.ID,
			"customer": map[string]any{"id": p.carolOff.ID}}); r.status != 201 {
			t.Fatalf("submit for Olga: %d %s", r.status, r.body)
		}
		// A sentinel after them: when it arrives, anything the two steps
		// above had sent would have arrived too (one queue, in order of
		// enqueueing is not promised, so wait a little more).
		if r := s.call("POST", "acme", api+"/ticket", p.adminKey, map[string]any{"description": "Sentinel", "queue": p.queue.ID,
			"customer": map[string]any{"id": p.carol.ID}}); r.status != 201 {
			t.Fatalf("sentinel: %d %s", r.status, r.body)
		}
		smtpSrv.Wait(t, 4, 20*time.Second)
		time.Sleep(500 * time.Millisecond)
		all := smtpSrv.Messages()
		if len(all) != 4 {
			var to []string
			for _, m := range all {
				to = append(to, strings.Join(m.To, ","))
			}
			t.Fatalf("%d messages (to %v), want 4: nothing for Dave or Olga", len(all), to)
		}
		for _, m := range all {
			for _, rcpt := range m.To {
				if rcpt == p.dave.Email || rcpt == p.carolOff.Email {
					t.Errorf("%s got an email with notifications off", rcpt)
				}
			}
		}

		wantTo := []string{p.carol.Email, p.carol.Email, p.alice.Email}
		for i, m := range []mailtest.Message{first, second, third} {
			if len(m.To) != 1 || m.To[0] != wantTo[i] {
				t.Errorf("message %d to %v, want %s", i+1, m.To, wantTo[i])
			}
			if !m.TLS || m.User != "desk" {
				t.Errorf("message %d: TLS %v, AUTH %q; want STARTTLS and AUTH", i+1, m.TLS, m.User)
			}
			if rt, err := m.Header.AddressList("Reply-To"); err != nil || len(rt) != 1 || rt[0].Address != "help@acme.test" {
				t.Errorf("message %d Reply-To = %v, %v; want the queue's help@acme.test", i+1, rt, err)
			}
			if got := m.Header.Get("X-Sympoq-Ticket"); got != tk.ID {
				t.Errorf("message %d X-SympoQ-Ticket = %q, want %s", i+1, got, tk.ID)
			}
			if from, err := m.Header.AddressList("From"); err != nil || from[0].Address != "desk@acme.test" {
				t.Errorf("message %d From = %v, %v", i+1, from, err)
			}
			if !strings.HasSuffix(m.Header.Get("Message-Id"), "@acme.test>") {
				t.Errorf("message %d Message-ID = %q, want <random@acme.test>", i+1, m.Header.Get("Message-Id"))
			}
		}
		id1, id2, id3 := first.Header.Get("Message-Id"), second.Header.Get("Message-Id"), third.Header.Get("Message-Id")
		if id1 == "" || id1 == id2 || id2 == id3 || id1 == id3 {
			t.Fatalf("Message-IDs %q %q %q, want three different ones", id1, id2, id3)
		}
		if got := first.Header.Get("In-Reply-To") + first.Header.Get("References"); got != "" {
			t.Errorf("first message threads under %q, want nothing", got)
		}
		if second.Header.Get("In-Reply-To") != id1 || second.Header.Get("References") != id1 {
			t.Errorf("second: In-Reply-To %q, References %q; want the first, %s", second.Header.Get("In-Reply-To"), second.Header.Get("References"), id1)
		}
		if third.Header.Get("In-Reply-To") != id2 || strings.Join(strings.Fields(third.Header.Get("References")), " ") != id1+" "+id2 {
			t.Errorf("third: In-Reply-To %q, References %q; want %s and %s %s", third.Header.Get("In-Reply-To"), third.Header.Get("References"), id2, id1, id2)
		}
		// The acknowledgement and the forwarded customer reply are
		// generated; the agent's own reply is a personal message.
		for i, want := range []string{"auto-generated", "", "auto-generated"} {
			if got := []mailtest.Message{first, second, third}[i].Header.Get("Auto-Submitted"); got != want {
				t.Errorf("message %d Auto-Submitted = %q, want %q", i+1, got, want)
			}
		}
		subj, err := decodeSubject(second.Header.Get("Subject"))
		if err != nil || subj != "["+tk.ID+"] Printer <script>alert(1)</script>" {
			t.Errorf("second subject = %q, %v", subj, err)
		}
		html := htmlPart(t, second.Raw)
		if strings.Contains(html, "<script") || strings.Contains(html, "<b>") || !strings.Contains(html, "&lt;b&gt;unplug&lt;/b&gt;") {
			t.Errorf("agent reply HTML not escaped:\n%s", html)
		}
		if !strings.Contains(string(third.Raw), "https://acme.example.test"+desk.DeskTicketPath(tk.ID)) {
			t.Errorf("the agent's message lacks the desk link:\n%s", third.Raw)
		}

		// One Notified event per message, in the compat form; the Message-IDs
		// are the ticket's outbound messages.
		evs := notified(t, s, p.accountID, tk.ID)
		wantEv := []struct{ name, email, tpl string }{{p.carol.Name, p.carol.Email, sympoq.TplNewRequest},
			{p.carol.Name, p.carol.Email, sympoq.TplAgentReply}, {p.alice.Name, p.alice.Email, sympoq.TplCustomerReply}}
		if len(evs) != len(wantEv) {
			t.Fatalf("%d Notified events, want %d: %+v", len(evs), len(wantEv), evs)
		}
		for i, w := range wantEv {
			m := notifiedRE.FindStringSubmatch(evs[i].Description)
			if m == nil || m[1] != w.name || m[2] != w.email || m[3] != w.tpl || !strings.HasPrefix(m[4], "["+tk.ID+"]") {
				t.Errorf("Notified event %d = %q, want %s %s : %s: [%s] …", i+1, evs[i].Description, w.name, w.email, w.tpl, tk.ID)
			}
			if evs[i].Visibility != sympoq.Internal {
				t.Errorf("Notified event %d is %s, want internal", i+1, evs[i].Visibility)
			}
		}
		tkRow, err := s.db.Read().TicketByDisplayID(ctx, p.accountID, tk.ID)
		must(t, err)
		msgs, err := s.db.Read().TicketMessages(ctx, p.accountID, tkRow.ID)
		must(t, err)
		got := map[string]bool{}
		for _, m := range msgs {
			if m.Direction != sympoq.MessageOut {
				t.Errorf("message %s recorded as %s", m.MessageID, m.Direction)
			}
			got["<"+m.MessageID+">"] = true
		}
		if len(msgs) != 3 || !got[id1] || !got[id2] || !got[id3] {
			t.Errorf("ticket_messages = %+v, want the three Message-IDs", msgs)
		}
		// The customer never sees the Notified events.
		v, err := s.desk.Ticket(ctx, carol, tk.ID, true)
		must(t, err)
		for _, e := range v.Events {
			if e.Action == sympoq.EvNotified {
				t.Errorf("the customer sees %q", e.Description)
			}
		}
	})
}

// TestNotificationDeliveryFailure: a server that keeps refusing for a while
// (4xx) gets the configured attempts and then a failure event; a permanent
// refusal (5xx) gets one attempt and the event at once. Nothing is dropped
// silently.
func TestNotificationDeliveryFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name     string
			code     int
			attempts int
		}{{"temporary", 451, 3}, {"permanent", 550, 1}} {
			t.Run(c.name, func(t *testing.T) {
				s, smtpSrv := newMailStack(t, db, mailtest.Options{Reject: func(string) error {
					return &smtp.SMTPError{Code: c.code, EnhancedCode: smtp.EnhancedCode{c.code / 100, 0, 0}, Message: "mailbox unavailable"}
				}}, 3)
				p := cast(t, s, c.name)
				r := s.call("POST", c.name, api+"/ticket", p.adminKey, map[string]any{"description": "Doomed", "queue": p.queue.ID,
					"customer": map[string]any{"id": p.carol.ID}})
				if r.status != 201 {
					t.Fatalf("submit: %d %s", r.status, r.body)
				}
				var tk struct {
					ID string `json:"id"`
				}
				r.decode(t, &tk)
				var failed *sympoq.Event
				deadline := time.Now().Add(60 * time.Second)
				for failed == nil && time.Now().Before(deadline) {
					for _, e := range notified(t, s, p.accountID, tk.ID) {
						if strings.HasPrefix(e.Description, "Not delivered") {
							failed = e
						}
					}
					time.Sleep(100 * time.Millisecond)
				}
				if failed == nil {
					t.Fatalf("no failure event after 60 s; %d attempts seen", smtpSrv.Rcpts())
				}
				want := fmt.Sprintf("Not delivered after %d attempts: %s %s : %s: ", c.attempts, p.carol.Name, p.carol.Email, sympoq.TplNewRequest)
				if !strings.HasPrefix(failed.Description, want) || !strings.Contains(failed.Description, fmt.Sprint(c.code)) {
					t.Errorf("failure event %q, want %q… with the server's reply %d", failed.Description, want, c.code)
				}
				if n := smtpSrv.Rcpts(); n != c.attempts {
					t.Errorf("server saw %d attempts, want %d", n, c.attempts)
				}
				tkRow, err := s.db.Read().TicketByDisplayID(context.Background(), p.accountID, tk.ID)
				must(t, err)
				outs, err := s.db.Read().OutboundMessages(context.Background(), p.accountID, tkRow.ID)
				must(t, err)
				if len(outs) != 1 || outs[0].Status != sympoq.OutFailed || outs[0].Attempts != c.attempts || outs[0].LastError == "" {
					t.Errorf("outbound = %+v, want one failed after %d attempts", outs, c.attempts)
				}
			})
		}
	})
}

// TestAccountMailAndUserEmails: an account's own sender address and SMTP
// server carry its notifications, registration and password-reset email
// instead of the deployment's; changed templates are used; an automatic
// process's reply is marked Auto-Submitted; a password-reset message loses
// its body (a one-time link) once sent.
func TestAccountMailAndUserEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, deployment := newMailStack(t, db, mailtest.Options{}, 3)
		own := mailtest.Start(t, mailtest.Options{})
		p := cast(t, s, "acme")
		sys := desk.System(p.accountID)
		_, err := s.desk.SaveMailSettings(ctx, sys, desk.MailSettingsInput{From: desk.Some("Acme Support <support@acme.test>"),
			SMTPURL: desk.Some(fmt.Sprintf("smtp://%s:%d?tls=none", own.Host, own.Port))})
		must(t, err)
		_, err = s.desk.SaveEmailTemplate(ctx, sys, sympoq.TplRegistration, desk.TemplateInput{Subject: desk.Some("Welcome to {{desk_title}}"),
			Body: desk.Some("Hi {{recipient}}, start here: {{link}} (valid {{link_valid}})")})
		must(t, err)

		// A notification, sent by an automatic process.
		v, err := s.desk.Submit(ctx, sys, desk.SubmitInput{Description: desk.Some("Automatic"), Queue: desk.Some(p.queue.ID),
			Customer: desk.Some(desk.CustomerInput{ID: desk.Some(p.carol.ID)})})
		must(t, err)
		own.Wait(t, 1, 20*time.Second)
		alice, err := s.desk.ActorOf(ctx, p.accountID, p.alice.ID)
		must(t, err)
		if _, err := s.desk.Reply(desk.Automatic(ctx), alice, v.DisplayID, desk.MessageInput{Message: desk.Some("Sent by a rule")}); err != nil {
			t.Fatal(err)
		}
		// Registration and password reset.
		if _, err := s.desk.CreateUser(ctx, sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some("Rita"), Email: desk.Some("rita@example.com"),
			SendRegistration: desk.Some(true)}); err != nil {
			t.Fatal(err)
		}
		link := "https://acme.example.test/app/reset?token=abc123"
		must(t, db.Tx(ctx, func(tx *store.Tx) error { return s.desk.SendPasswordReset(ctx, tx, p.carol, link) }))

		ms := own.Wait(t, 4, 20*time.Second)
		if n := len(deployment.Messages()); n != 0 {
			t.Errorf("the deployment's server got %d messages, want none: the account has its own", n)
		}
		bySubject := map[string]mailtest.Message{}
		for _, m := range ms {
			subj, err := decodeSubject(m.Header.Get("Subject"))
			must(t, err)
			bySubject[subj] = m
			if from, err := m.Header.AddressList("From"); err != nil || from[0].Address != "support@acme.test" || from[0].Name != "Acme Support" {
				t.Errorf("%q From = %v, %v; want the account's sender", subj, from, err)
			}
			if m.TLS {
				t.Errorf("tls=none session used TLS")
			}
		}
		// The acknowledgement and the reply share the subject; the reply is
		// the one whose body carries the rule's message.
		replies := 0
		for _, m := range ms {
			if m.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("%q Auto-Submitted = %q, want auto-generated (automatic process, or generated)", m.Header.Get("Subject"), m.Header.Get("Auto-Submitted"))
			}
			if strings.Contains(string(m.Raw), "Sent by a rule") {
				replies++
				if len(m.To) != 1 || m.To[0] != p.carol.Email {
					t.Errorf("reply to %v", m.To)
				}
			}
		}
		if replies != 1 {
			t.Errorf("%d agent replies arrived, want 1", replies)
		}
		reg, ok := bySubject["Welcome to SympoQ Help Desk"]
		if !ok || !strings.Contains(string(reg.Raw), "/app/register?token=") || !strings.Contains(string(reg.Raw), "valid 7 days") {
			t.Errorf("registration with the changed template missing or wrong among %v", keys(bySubject))
		}
		reset, ok := bySubject["Reset your password at SympoQ Help Desk"]
		if !ok {
			t.Fatalf("no password reset among %v", keys(bySubject))
		}
		if html := htmlPart(t, reset.Raw); !strings.Contains(html, `<a href="`+link+`">`+link+`</a>`) {
			t.Errorf("reset HTML lacks the link:\n%s", html)
		}
		if len(reset.To) != 1 || reset.To[0] != p.carol.Email {
			t.Errorf("reset to %v", reset.To)
		}
		// Once sent, the stored reset message keeps no link.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var found *sympoq.OutboundMessage
			for id := int64(1); id < 20; id++ {
				if m, err := db.Read().Outbound(ctx, p.accountID, id); err == nil && m.Template == sympoq.TplPasswordReset {
					found = m
				}
			}
			if found != nil && found.Status == sympoq.OutSent {
				if found.Text != "" || found.HTML != "" {
					t.Errorf("sent reset message still holds its body: %q", found.Text)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("reset message not recorded as sent: %+v", found)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestNoAccountSMTP: with --account-smtp off an account cannot set its own
// SMTP server, and one stored before is not used: its mail goes through the
// deployment's server.
func TestNoAccountSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, deployment := newMailStackWith(t, db, mailtest.Options{}, 3, true)
		own := mailtest.Start(t, mailtest.Options{})
		p := cast(t, s, "acme")
		sys := desk.System(p.accountID)
		ownURL := fmt.Sprintf("smtp://%s:%d?tls=none", own.Host, own.Port)
		_, err := s.desk.SaveMailSettings(ctx, sys, desk.MailSettingsInput{SMTPURL: desk.Some(ownURL)})
		if f, code := fieldOf(err); f != "smtp_url" || code != sympoq.FieldReadonly {
			t.Fatalf("SaveMailSettings(own server) = %v, want a readonly error on smtp_url", err)
		}
		if _, err := s.desk.SaveMailSettings(ctx, sys, desk.MailSettingsInput{From: desk.Some("Acme <support@acme.test>")}); err != nil {
			t.Fatalf("the sender address stays the account's to set: %v", err)
		}
		// A server stored while it was allowed is ignored.
		must(t, db.Tx(ctx, func(tx *store.Tx) error {
			ms, err := tx.MailSettings(ctx, p.accountID)
			if err != nil {
				return err
			}
			ms.SMTPURL = ownURL
			return tx.SaveMailSettings(ctx, ms)
		}))
		if _, err := s.desk.Submit(ctx, sys, desk.SubmitInput{Description: desk.Some("Through which server?"), Queue: desk.Some(p.queue.ID),
			Customer: desk.Some(desk.CustomerInput{ID: desk.Some(p.carol.ID)})}); err != nil {
			t.Fatal(err)
		}
		deployment.Wait(t, 1, 20*time.Second)
		if n := len(own.Messages()); n != 0 {
			t.Errorf("the account's own server got %d messages, want none", n)
		}
	})
}

// fieldOf is the first field error's field and code.
func fieldOf(err error) (string, string) {
	var e *sympoq.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields[0].Field, e.Fields[0].Code
	}
	return "", sympoq.ErrorCode(err)
}

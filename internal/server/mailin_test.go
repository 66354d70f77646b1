package server_test

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/mail/mailtest"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// mailDesk is a stack with its jobs running, a queue with an inbound
// address and an agent who works it.
type mailDesk struct {
	*stack
	account int64
	key     string
	billing *sympoq.Queue
	agent   *sympoq.User
}

func newMailDesk(t *testing.T, db *store.DB, baseDomain, account string) *mailDesk {
	t.Helper()
	s := newStack(t, db, baseDomain)
	id, key := s.account(account)
	ctx := context.Background()
	sys := desk.System(id)
	q, err := s.desk.SaveQueue(ctx, sys, 0, desk.ItemInput{Name: desk.Some("Billing"), Addresses: desk.Some([]string{"billing@" + account + ".test"})})
	must(t, err)
	ag, err := s.desk.CreateUser(ctx, sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some("Ada Agent"), Email: desk.Some("ada@" + account + ".test"),
		Permissions: desk.Some([]desk.Permission{{Queue: q.ID, Role: sympoq.RoleQueueManager}})})
	must(t, err)
	must(t, s.jobs.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.jobs.Stop(sctx)
	})
	return &mailDesk{stack: s, account: id, key: key, billing: &sympoq.Queue{ID: q.ID, Name: q.Name}, agent: ag}
}

// smtpServer serves the receiver on a loopback port until the test ends.
func (m *mailDesk) smtpServer(t *testing.T, single bool, maxBytes int64) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := mail.NewSMTPServer(mail.SMTPOptions{Domain: "mx.test", MaxMessageBytes: maxBytes}, m.desk.SMTPReceiver(single))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("smtp shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("smtp serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// sendSMTP delivers raw through the receiver with net/smtp. An empty from
// is the null sender.
func sendSMTP(addr, from string, to []string, raw string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// waitMail waits until the account has n received messages and none is
// still new, and returns them oldest first.
func (m *mailDesk) waitMail(t *testing.T, n int) []*sympoq.InboundMail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ms, err := m.db.Read().InboundMails(context.Background(), m.account, store.InboundFilter{Limit: 500})
		must(t, err)
		pending := slices.ContainsFunc(ms, func(x *sympoq.InboundMail) bool { return x.State == sympoq.InboundNew })
		if len(ms) >= n && !pending {
			slices.Reverse(ms)
			if len(ms) > n {
				t.Fatalf("%d messages received, want %d", len(ms), n)
			}
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d processed messages; have %d (pending: %v)", n, len(ms), pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *mailDesk) ticket(t *testing.T, number int64) *desk.TicketView {
	t.Helper()
	v, err := m.desk.Ticket(context.Background(), desk.System(m.account), fmt.Sprint(number), true)
	must(t, err)
	slices.Reverse(v.Events) // oldest first
	return v
}

// actions lists a ticket's events but its Notified ones (notifications
// have their own tests).
func actions(v *desk.TicketView) []sympoq.EventAction {
	var out []sympoq.EventAction
	for _, e := range v.Events {
		if e.Action == sympoq.EvNotified {
			continue
		}
		out = append(out, e.Action)
	}
	return out
}

const newRequestMail = `From: Houston Brooks <hbrooks@example.com>
To: Billing <billing@default.test>
Subject: Invoice 117 is wrong
Date: Fri, 4 Dec 2026 10:00:00 +0000
Message-ID: <req-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

The invoice says 120 € but the quote was 100 €.

--b
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''Rechnung%20117%20%C3%BC.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQgdGVzdA==
--b--
`

func TestMailSMTPEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		addr := m.smtpServer(t, true, 1<<20)
		ctx := context.Background()

		// A new request to the queue's address: a ticket in that queue, for
		// a new unregistered customer, with the attachment.
		must(t, sendSMTP(addr, "hbrooks@example.com", []string{"billing@default.test"}, newRequestMail))
		ms := m.waitMail(t, 1)
		if ms[0].State != sympoq.InboundProcessed || ms[0].Ticket == 0 || ms[0].Source != sympoq.SourceSMTP {
			t.Fatalf("first message = %+v, want processed into a ticket", ms[0])
		}
		tk := m.ticket(t, ms[0].Ticket)
		if tk.Queue != m.billing.ID || tk.Channel != sympoq.ChannelEmail || tk.Subject != "Invoice 117 is wrong" ||
			tk.Description != "The invoice says 120 € but the quote was 100 €." || !tk.HasAttach {
			t.Errorf("ticket = queue %d channel %v subject %q description %q files %v", tk.Queue, tk.Channel, tk.Subject, tk.Description, tk.HasAttach)
		}
		if tk.CustomerUser.Email != "hbrooks@example.com" || tk.CustomerUser.Name != "Houston Brooks" || tk.CustomerUser.Registered {
			t.Errorf("customer = %+v, want unregistered Houston Brooks", tk.CustomerUser)
		}
		if got := actions(tk); !slices.Equal(got, []sympoq.EventAction{sympoq.EvSubmitted, sympoq.EvAttachment}) {
			t.Errorf("events = %v", got)
		}
		if e := tk.Events[0]; e.AppliedName != "Houston Brooks" {
			t.Errorf("submitted by %q, want the customer", e.AppliedName)
		}
		att, f, err := m.desk.OpenAttachment(ctx, desk.System(m.account), tk.DisplayID, tk.Events[1].Attachment)
		must(t, err)
		f.Close()
		if att.Name != "Rechnung 117 ü.pdf" || att.Size != int64(len("%PDF-1.4 test")) {
			t.Errorf("attachment = %q, %d bytes", att.Name, att.Size)
		}

		// Our notification went out with this Message-ID (the outbound
		// side records it so).
		must(t, db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.RecordMessage(ctx, &sympoq.TicketMessage{AccountID: m.account, MessageID: "<out-1@sympoq>", Ticket: tk.ID, Direction: sympoq.MessageOut})
			return err
		}))

		// The customer answers it: a customer reply, without the quote.
		reply := `From: Houston Brooks <hbrooks@example.com>
To: billing@default.test
Subject: Re: Invoice 117 is wrong
Message-ID: <req-2@example.com>
In-Reply-To: <out-1@sympoq>
References: <req-1@example.com> <out-1@sympoq>

Here is the quote number: Q-55.

On Fri, Dec 4, 2026 at 11:00 AM Acme Billing <billing@default.test> wrote:
> Which quote do you mean?
`
		must(t, sendSMTP(addr, "hbrooks@example.com", []string{"billing@default.test"}, reply))
		ms = m.waitMail(t, 2)
		if ms[1].State != sympoq.InboundProcessed || ms[1].Ticket != tk.ID {
			t.Fatalf("reply = %+v, want processed into ticket %d", ms[1], tk.ID)
		}

		// The agent answers by email, threaded by the id in the subject.
		agentMail := fmt.Sprintf(`From: Ada Agent <ada@default.test>
To: hbrooks@example.com
Subject: Re: [%s] Invoice 117 is wrong
Message-ID: <agent-1@default.test>

We corrected the invoice.

-----Original Message-----
From: Houston Brooks
Sent: Friday
`, tk.DisplayID)
		must(t, sendSMTP(addr, "ada@default.test", []string{"billing@default.test"}, agentMail))
		ms = m.waitMail(t, 3)
		if ms[2].State != sympoq.InboundProcessed || ms[2].Ticket != tk.ID {
			t.Fatalf("agent mail = %+v, want processed into ticket %d", ms[2], tk.ID)
		}

		// Loops and repeats change nothing: an auto-reply, the same reply
		// delivered again, a bounce (null sender), and our own notification
		// coming back.
		autoReply := "From: Houston Brooks <hbrooks@example.com>\nTo: billing@default.test\nSubject: Out of office\n" +
			"Message-ID: <oof-1@example.com>\nIn-Reply-To: <out-1@sympoq>\nAuto-Submitted: auto-replied\n\nI am away.\n"
		must(t, sendSMTP(addr, "hbrooks@example.com", []string{"billing@default.test"}, autoReply))
		must(t, sendSMTP(addr, "hbrooks@example.com", []string{"billing@default.test"}, reply))
		must(t, sendSMTP(addr, "", []string{"billing@default.test"}, "From: postmaster@example.com\nTo: billing@default.test\nSubject: failure notice\nMessage-ID: <b-1@example.com>\n\nSorry.\n"))
		must(t, sendSMTP(addr, "billing@default.test", []string{"billing@default.test"},
			fmt.Sprintf("From: someone@example.com\nTo: billing@default.test\nSubject: [%s] New reply\nMessage-ID: <n-9@sympoq>\nX-SympoQ-Ticket: %s\n\nA reply.\n", tk.DisplayID, tk.DisplayID)))
		ms = m.waitMail(t, 7)
		for i, want := range []string{"automatic: auto-submitted", "duplicate", "automatic: bounce: null sender", "our own message"} {
			got := ms[3+i]
			if got.State != sympoq.InboundIgnored || !strings.HasPrefix(got.Reason, want) || got.Ticket != 0 {
				t.Errorf("message %d = %s %q (ticket %d), want ignored: %s…", 4+i, got.State, got.Reason, got.Ticket, want)
			}
		}

		tk = m.ticket(t, tk.ID)
		if got := actions(tk); !slices.Equal(got, []sympoq.EventAction{sympoq.EvSubmitted, sympoq.EvAttachment, sympoq.EvCustomerReply, sympoq.EvReply}) {
			t.Fatalf("events = %v, want submitted, attachment, customer reply, reply", got)
		}
		var evs []*sympoq.Event // without the Notified events
		for _, e := range tk.Events {
			if e.Action != sympoq.EvNotified {
				evs = append(evs, e)
			}
		}
		if e := evs[2]; e.Body != "Here is the quote number: Q-55." || e.AppliedBy != tk.Customer {
			t.Errorf("customer reply = %q by %d, want the new text by the customer", e.Body, e.AppliedBy)
		}
		if e := evs[3]; e.Body != "We corrected the invoice." || e.AppliedBy != m.agent.ID {
			t.Errorf("agent reply = %q by %d, want the new text by Ada", e.Body, e.AppliedBy)
		}
		if tk.Status != sympoq.StatusPending {
			t.Errorf("status = %v, want Pending after the agent's reply", tk.Status)
		}
		msgs, err := db.Read().TicketMessages(ctx, m.account, tk.ID)
		must(t, err)
		var ids []string
		sent := 0 // the notifications of the submission and the replies
		for _, x := range msgs {
			if x.Direction == sympoq.MessageOut && x.MessageID != "out-1@sympoq" {
				sent++
				continue
			}
			ids = append(ids, x.MessageID+" "+string(x.Direction))
		}
		if sent == 0 {
			t.Errorf("no notification of this ticket recorded its Message-ID")
		}
		slices.Sort(ids)
		if want := []string{"agent-1@default.test in", "out-1@sympoq out", "req-1@example.com in", "req-2@example.com in"}; !slices.Equal(ids, want) {
			t.Errorf("ticket messages = %v, want %v", ids, want)
		}

		// Mail to an address no queue owns (one account takes any address)
		// goes to the default queue.
		must(t, sendSMTP(addr, "zoe@example.fr", []string{"hello@default.test"},
			"From: zoe@example.fr\nTo: hello@default.test\nSubject: Bonjour\nMessage-ID: <z-1@example.fr>\n\nUne question.\n"))
		ms = m.waitMail(t, 8)
		set, err := db.Read().Settings(ctx, m.account)
		must(t, err)
		if other := m.ticket(t, ms[7].Ticket); other.Queue != set.General.DefaultQueue || other.CustomerUser.Name != "zoe" {
			t.Errorf("mail to another address: queue %d customer %q, want the default queue %d and customer zoe", other.Queue, other.CustomerUser.Name, set.General.DefaultQueue)
		}
	})
}

// TestMailSMTPRefuses: with several accounts, only the addresses of their
// queues are taken; a message over the size limit is refused whole.
func TestMailSMTPRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "example.test", "acme")
		addr := m.smtpServer(t, false, 4096)
		msg := "From: a@example.com\nTo: billing@acme.test\nSubject: Hi\nMessage-ID: <r-1@example.com>\n\nHello.\n"

		err := sendSMTP(addr, "a@example.com", []string{"nobody@elsewhere.test"}, msg)
		if err == nil || !strings.HasPrefix(err.Error(), "550") {
			t.Errorf("unknown recipient: %v, want 550", err)
		}
		big := msg + strings.Repeat("x", 8000) + "\n"
		if err := sendSMTP(addr, "a@example.com", []string{"billing@acme.test"}, big); err == nil || !strings.HasPrefix(err.Error(), "552") {
			t.Errorf("message over the limit: %v, want 552", err)
		}
		must(t, sendSMTP(addr, "a@example.com", []string{"BILLING@acme.test"}, msg))
		ms := m.waitMail(t, 1)
		if ms[0].State != sympoq.InboundProcessed || m.ticket(t, ms[0].Ticket).Queue != m.billing.ID {
			t.Errorf("message to the queue's address = %+v, want a ticket in Billing", ms[0])
		}
	})
}

func TestMailInboundEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		const path = "/app/desk/mail/inbound"
		raw := func(token, body string, extra map[string]string) response {
			h := map[string]string{"Content-Type": "message/rfc822"}
			if token != "" {
				h["Authorization"] = "Bearer " + token
			}
			for k, v := range extra {
				h[k] = v
			}
			return m.callWith("POST", path, "", body, h)
		}
		msg := "From: Ann Lee <ann@example.com>\nTo: billing@default.test\nSubject: Login\nMessage-ID: <h-1@example.com>\n\nI cannot log in.\n"

		// Tokens: administrators only; the value is shown once.
		r := m.call("POST", "", api+"/inbound_token", m.key, map[string]any{"name": "Postfix", "queue": m.billing.ID})
		if r.status != 201 {
			t.Fatalf("create token = %d %s", r.status, r.body)
		}
		var tok struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		r.decode(t, &tok)
		if r := m.call("GET", "", api+"/inbound_tokens", m.key, nil); r.status != 200 || strings.Contains(string(r.body), tok.Token) {
			t.Errorf("token list = %d %s, want it without the token", r.status, r.body)
		}

		for name, token := range map[string]string{"missing": "", "wrong": "mt_" + strings.Repeat("x", 40), "an API key": m.key} {
			if r := raw(token, msg, nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s token = %d %s, want 401 with WWW-Authenticate", name, r.status, r.body)
			}
		}
		if r := raw(tok.Token, msg, map[string]string{"Content-Type": "application/json"}); r.status != 415 {
			t.Errorf("JSON body = %d, want 415", r.status)
		}
		if r := raw(tok.Token, msg+strings.Repeat("a", desk.MaxInboundBytes), nil); r.status != 413 {
			t.Errorf("body over the limit = %d, want 413", r.status)
		}

		// Not an email at all: taken (202), kept, and listed as failed.
		r = raw(tok.Token, "this is not an email\x00\xff", nil)
		if r.status != 202 {
			t.Fatalf("bad message = %d %s, want 202", r.status, r.body)
		}
		ms := m.waitMail(t, 1)
		bad := ms[0]
		if bad.State != sympoq.InboundFailed || !strings.Contains(bad.Error, "not an email") || bad.Source != sympoq.SourceHTTP {
			t.Fatalf("bad message = %+v, want failed with the parse error", bad)
		}
		r = m.call("GET", "", api+"/inbound_mails", m.key, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"state":"failed"`) {
			t.Errorf("unprocessed list = %d %s", r.status, r.body)
		}
		r = m.call("GET", "", api+fmt.Sprintf("/inbound_mail/%d/raw", bad.ID), m.key, nil)
		if r.status != 200 || string(r.body) != "this is not an email\x00\xff" {
			t.Errorf("raw = %d %q, want the bytes as received", r.status, r.body)
		}
		// Retry runs it again (and it fails again), dismiss sets it aside.
		if r := m.call("POST", "", api+fmt.Sprintf("/inbound_mail/%d/retry", bad.ID), m.key, nil); r.status != 200 || !strings.Contains(string(r.body), `"state":"new"`) {
			t.Errorf("retry = %d %s", r.status, r.body)
		}
		ms = m.waitMail(t, 1)
		if ms[0].State != sympoq.InboundFailed || ms[0].Attempts != 2 {
			t.Errorf("after retry = %s, %d attempts; want failed, 2", ms[0].State, ms[0].Attempts)
		}
		if r := m.call("POST", "", api+fmt.Sprintf("/inbound_mail/%d/dismiss", bad.ID), m.key, nil); r.status != 200 || !strings.Contains(string(r.body), `"state":"ignored"`) {
			t.Errorf("dismiss = %d %s", r.status, r.body)
		}
		if r := m.call("GET", "", api+"/inbound_mails", m.key, nil); r.status != 200 || strings.TrimSpace(string(r.body)) != "[]" {
			t.Errorf("unprocessed after dismiss = %d %s, want none", r.status, r.body)
		}

		// A real message: a ticket in the token's queue; the envelope
		// sender of a bounce is honoured.
		if r := raw(tok.Token, msg, nil); r.status != 202 {
			t.Fatalf("message = %d %s", r.status, r.body)
		}
		ms = m.waitMail(t, 2)
		if ms[1].State != sympoq.InboundProcessed || m.ticket(t, ms[1].Ticket).Queue != m.billing.ID {
			t.Errorf("message = %+v, want a ticket in the token's queue", ms[1])
		}
		if r := m.call("POST", "", api+fmt.Sprintf("/inbound_mail/%d/retry", ms[1].ID), m.key, nil); r.status != 409 {
			t.Errorf("retry of a processed message = %d, want 409", r.status)
		}
		r = m.callWith("POST", path+"?sender=&recipient=billing@default.test", "", strings.Replace(msg, "h-1", "h-2", 1),
			map[string]string{"Content-Type": "message/rfc822", "Authorization": "Bearer " + tok.Token})
		if r.status != 202 {
			t.Fatalf("second message = %d", r.status)
		}
		ms = m.waitMail(t, 3)
		if ms[2].State != sympoq.InboundProcessed {
			t.Errorf("message without envelope sender = %s %s", ms[2].State, ms[2].Reason)
		}

		// The token revoked, the endpoint refuses it.
		if r := m.call("DELETE", "", api+fmt.Sprintf("/inbound_token/%d", tok.ID), m.key, nil); r.status != 410 {
			t.Errorf("revoke = %d", r.status)
		}
		if r := raw(tok.Token, msg, nil); r.status != 401 {
			t.Errorf("revoked token = %d, want 401", r.status)
		}

		// Mailbox settings are validated field by field; names are unique.
		r = m.call("POST", "", api+"/mailbox", m.key, map[string]any{"name": "Box", "host": "imap.example.test:993", "port": 0,
			"security": "ssl", "interval": 5, "username": "u"})
		if p := r.problem(); r.status != 400 || len(p.Errors) != 5 {
			t.Errorf("bad mailbox = %d %s, want 400 naming host, port, security, interval, password", r.status, r.body)
		}
		good := map[string]any{"name": "Box", "host": "imap.example.test", "username": "u", "password": "p"}
		if r := m.call("POST", "", api+"/mailbox", m.key, good); r.status != 201 || !strings.Contains(string(r.body), `"port":993`) ||
			!strings.Contains(string(r.body), `"security":"tls"`) || !strings.Contains(string(r.body), `"folder":"INBOX"`) {
			t.Errorf("mailbox with defaults = %d %s", r.status, r.body)
		}
		good["name"] = "BOX"
		if r := m.call("POST", "", api+"/mailbox", m.key, good); r.status != 400 || r.problem().Code != "duplicate_value" {
			t.Errorf("second mailbox of the same name = %d %s, want 400 duplicate_value", r.status, r.body)
		}

		// Agents who are not administrators see none of it.
		agentKey, err := m.desk.CreateAPIKey(context.Background(), sympoq.NewActor(m.agent), desk.APIKeyInput{Name: desk.Some("k")})
		must(t, err)
		for _, p := range []string{"/mailboxes", "/inbound_tokens", "/inbound_mails"} {
			if r := m.call("GET", "", api+p, agentKey.Key, nil); r.status != 403 {
				t.Errorf("agent GET %s = %d, want 403", p, r.status)
			}
		}
	})
}

// TestMailIMAPDovecot polls a real Dovecot: messages put in the mailbox
// with IMAP APPEND become tickets (or are ignored), and are flagged \Seen
// only once stored.
func TestMailIMAPDovecot(t *testing.T) {
	dc := mailtest.StartDovecot(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		ctx := context.Background()
		folder := "Support-" + strings.ReplaceAll(t.Name(), "/", "-")
		dc.Append(t, folder, []byte("From: x@example.com\r\nSubject: setup\r\nMessage-ID: <setup@example.com>\r\nAuto-Submitted: auto-generated\r\n\r\nx\r\n"))
		body := map[string]any{"name": "Support", "host": dc.Host, "port": dc.Port, "security": "none", "username": dc.User,
			"password": dc.Password, "folder": folder, "interval": 60, "queue": m.billing.ID}
		r := m.call("POST", "", api+"/mailbox", m.key, body)
		if r.status != 201 || strings.Contains(string(r.body), dc.Password) {
			t.Fatalf("create mailbox = %d %s, want 201 without the password", r.status, r.body)
		}
		var mb struct {
			ID int64 `json:"id"`
		}
		r.decode(t, &mb)
		r = m.call("POST", "", api+fmt.Sprintf("/mailbox/%d/test", mb.ID), m.key, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"ok":true`) || !strings.Contains(string(r.body), `"messages":1`) {
			t.Errorf("test connection = %d %s", r.status, r.body)
		}

		dc.Append(t, folder, []byte("From: Piet de Vries <piet@example.nl>\r\nTo: support@acme.test\r\nSubject: VPN down\r\n"+
			"Message-ID: <imap-req-1@example.nl>\r\n\r\nThe VPN is down since this morning.\r\n"))
		// The server's own scheduled poll may take the messages first when
		// the machine is slow; either way each is received exactly once.
		n, err := m.desk.PollMailbox(ctx, m.account, mb.ID, true)
		if err != nil || n > 2 {
			t.Fatalf("PollMailbox = %d, %v; want at most 2\n%s", n, err, dc.Log())
		}
		ms := m.waitMail(t, 2)
		if ms[0].State != sympoq.InboundIgnored || ms[1].State != sympoq.InboundProcessed || ms[1].Source != sympoq.SourceIMAP || ms[1].Mailbox != mb.ID {
			t.Fatalf("messages = %+v / %+v, want the auto-generated one ignored and the request processed", ms[0], ms[1])
		}
		if tk := m.ticket(t, ms[1].Ticket); tk.Queue != m.billing.ID || tk.Subject != "VPN down" || tk.CustomerUser.Email != "piet@example.nl" {
			t.Errorf("ticket = queue %d %q from %s", tk.Queue, tk.Subject, tk.CustomerUser.Email)
		}
		flags := dc.Flags(t, folder)
		if len(flags) != 2 || seen(flags) != 2 {
			t.Errorf("flags = %v, want both messages \\Seen", flags)
		}
		if n, err := m.desk.PollMailbox(ctx, m.account, mb.ID, true); err != nil || n != 0 {
			t.Errorf("second poll = %d, %v; want nothing new", n, err)
		}
		// Not due yet: the scheduler's poll is skipped.
		if n, err := m.desk.PollMailbox(ctx, m.account, mb.ID, false); err != nil || n != 0 {
			t.Errorf("poll before the interval = %d, %v", n, err)
		}

		// A wrong password: the test says so, without the password; a poll
		// records the error on the mailbox.
		r = m.call("PUT", "", api+fmt.Sprintf("/mailbox/%d", mb.ID), m.key, map[string]any{"password": "not-the-password"})
		if r.status != 200 {
			t.Fatalf("update = %d %s", r.status, r.body)
		}
		r = m.call("POST", "", api+fmt.Sprintf("/mailbox/%d/test", mb.ID), m.key, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"ok":false`) || strings.Contains(string(r.body), "not-the-password") {
			t.Errorf("test with a wrong password = %d %s", r.status, r.body)
		}
		if _, err := m.desk.PollMailbox(ctx, m.account, mb.ID, true); err == nil {
			t.Errorf("poll with a wrong password succeeded")
		}
		r = m.call("GET", "", api+fmt.Sprintf("/mailbox/%d", mb.ID), m.key, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"last_error":"imap: login`) {
			t.Errorf("mailbox after a failed poll = %d %s", r.status, r.body)
		}
	})
}

func seen(flags map[uint32][]string) int {
	n := 0
	for _, f := range flags {
		if slices.Contains(f, `\Seen`) {
			n++
		}
	}
	return n
}

// TestMailSenderLimit: past its budget, a sender's mail is kept but makes
// no tickets; other senders are not affected.
func TestMailSenderLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		ctx := context.Background()
		send := func(from string, i int) {
			raw := fmt.Sprintf("From: %s\r\nTo: billing@default.test\r\nSubject: Flood %d\r\nMessage-ID: <flood-%d-%s>\r\n\r\nAgain %d.\r\n", from, i, i, from, i)
			_, err := m.desk.IntakeMail(ctx, m.account, desk.Incoming{Source: sympoq.SourceHTTP}, strings.NewReader(raw))
			must(t, err)
		}
		for i := 0; i < 33; i++ {
			send("flood@example.com", i)
		}
		send("calm@example.com", 0)
		ms := m.waitMail(t, 34)
		var processed, limited int
		for _, x := range ms {
			switch {
			case x.State == sympoq.InboundProcessed:
				processed++
			case x.State == sympoq.InboundIgnored && strings.HasPrefix(x.Reason, "over the limit") && x.Sender == "flood@example.com":
				limited++
			default:
				t.Errorf("message %d: %s %q", x.ID, x.State, x.Reason)
			}
		}
		if processed != 31 || limited != 3 {
			t.Errorf("processed %d, over the limit %d; want 31 (30 + the other sender) and 3", processed, limited)
		}
	})
}

// TestMailReplyToClosedTicket: the customer's mail to a closed ticket that
// customers may not reopen starts a linked ticket (product.md §4.2); a
// colleague answering the thread starts a ticket of their own.
func TestMailReplyToClosedTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		ctx := context.Background()
		sys := desk.System(m.account)
		_, err := m.desk.UpdateSettings(ctx, sys, func(s *sympoq.Settings) error { s.Automation.CustomersReopen = false; return nil })
		must(t, err)
		intake := func(raw string) {
			_, err := m.desk.IntakeMail(ctx, m.account, desk.Incoming{Source: sympoq.SourceHTTP}, strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
			must(t, err)
		}
		intake("From: Casey <casey@example.com>\nTo: billing@default.test\nSubject: Refund\nMessage-ID: <c-1@example.com>\n\nPlease refund order 7.\n")
		ms := m.waitMail(t, 1)
		first := ms[0].Ticket
		_, err = m.desk.Close(ctx, sys, fmt.Sprint(first), desk.CloseInput{Solution: desk.Some("Refunded")})
		must(t, err)

		intake("From: Casey <casey@example.com>\nTo: billing@default.test\nSubject: Re: Refund\nMessage-ID: <c-2@example.com>\n" +
			"In-Reply-To: <c-1@example.com>\n\nIt did not arrive.\n\n> Please refund order 7.\n")
		intake("From: Dana <dana@example.com>\nTo: billing@default.test\nCc: casey@example.com\nSubject: Re: Refund\n" +
			"Message-ID: <d-1@example.com>\nIn-Reply-To: <c-1@example.com>\n\nSame for my order 8.\n\n> Please refund order 7.\n")
		ms = m.waitMail(t, 3)
		follow := m.ticket(t, ms[1].Ticket)
		if ms[1].State != sympoq.InboundProcessed || follow.ID == first || follow.LinkedFrom != m.ticket(t, first).DisplayID ||
			follow.Description != "It did not arrive." {
			t.Errorf("reply to the closed ticket = %+v, ticket %d linked from %q: %q", ms[1], follow.ID, follow.LinkedFrom, follow.Description)
		}
		if closed := m.ticket(t, first); closed.Status != sympoq.StatusClosed || len(actions(closed)) != 2 {
			t.Errorf("the closed ticket changed: %v, %v", closed.Status, actions(closed))
		}
		other := m.ticket(t, ms[2].Ticket)
		if other.ID == first || other.ID == follow.ID || other.CustomerUser.Email != "dana@example.com" ||
			!strings.HasPrefix(other.Description, "Same for my order 8.") {
			t.Errorf("the colleague's mail = ticket %d for %s: %q", other.ID, other.CustomerUser.Email, other.Description)
		}
		// The follow-up's Message-ID threads to the follow-up.
		if id, err := db.Read().MessageTicket(ctx, m.account, []string{"c-2@example.com"}); err != nil || id != follow.ID {
			t.Errorf("c-2 threads to %d (%v), want the follow-up %d", id, err, follow.ID)
		}
	})
}

// TestMailBodies: an HTML-only message becomes text; a body over the
// message limit is cut with a note (the whole message stays with the
// received mail); a message without text or subject still makes a ticket.
func TestMailBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMailDesk(t, db, "", "default")
		ctx := context.Background()
		intake := func(raw string) {
			_, err := m.desk.IntakeMail(ctx, m.account, desk.Incoming{Source: sympoq.SourceHTTP}, strings.NewReader(raw))
			must(t, err)
		}
		intake("From: Bob <bob@example.net>\r\nSubject: Plan\r\nMessage-ID: <b-1@example.net>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
			"<p>Can I switch to the <b>yearly</b> plan?</p><script>alert(1)</script>\r\n")
		intake("From: long@example.net\r\nSubject: Log\r\nMessage-ID: <l-1@example.net>\r\n\r\n" + strings.Repeat("0123456789\r\n", 12000))
		intake("From: quiet@example.net\r\nMessage-ID: <q-1@example.net>\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" +
			"Content-Type: image/png\r\nContent-Disposition: attachment; filename=shot.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--x--\r\n")
		ms := m.waitMail(t, 3)
		for _, x := range ms {
			if x.State != sympoq.InboundProcessed {
				t.Fatalf("message %s: %s %s %s", x.MessageID, x.State, x.Reason, x.Error)
			}
		}
		if tk := m.ticket(t, ms[0].Ticket); tk.Description != "Can I switch to the *yearly* plan?" {
			t.Errorf("HTML-only description = %q", tk.Description)
		}
		long := m.ticket(t, ms[1].Ticket)
		if n := len([]rune(long.Description)); n != desk.MaxMessageLen || !strings.HasSuffix(long.Description, "kept with the received mail]") ||
			!strings.HasPrefix(long.Description, "0123456789\n0123456789") {
			t.Errorf("long description: %d characters, ends %q", n, long.Description[len(long.Description)-60:])
		}
		if quiet := m.ticket(t, ms[2].Ticket); quiet.Subject != "(no subject)" || quiet.Description != "(no text; see the attached files)" || !quiet.HasAttach {
			t.Errorf("message without text = %q / %q, files %v", quiet.Subject, quiet.Description, quiet.HasAttach)
		}
	})
}

package desk

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// recorder is an Enqueuer that keeps the jobs; the delivery of email is
// tested in the jobs package (the outbox) and end to end in the server
// package.
type recorder struct {
	mu   sync.Mutex
	jobs []Job
}

func (r *recorder) Enqueue(_ context.Context, tx *store.Tx, job Job) error {
	if tx.SQL() == nil {
		return sympoq.Errorf(sympoq.EInvalid, "enqueue outside a transaction")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, job)
	return nil
}

// TestNotifyAllRecipients: notifyAll resolves every kind of recipient in
// list order, skips inactive users, users with notifications off and the
// acting agent, keeps customers and bare addresses out of internal events,
// sends an address each template once, and records a Notified event, a
// Message-ID and a queued outbound message per message, enqueuing no job
// and waking the outbox only once the transaction has committed.
func TestNotifyAllRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rec := &recorder{}
		var wakes atomic.Int32
		s := New(db, rec, slog.New(slog.NewTextHandler(io.Discard, nil)), WithOutboxWake(func() { wakes.Add(1) }))
		c, err := s.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		sys := System(c.Account.ID)
		user := func(kind sympoq.UserKind, name string, in UserInput) *sympoq.User {
			t.Helper()
			in.Name, in.Email = Some(name), Some(strings.ToLower(strings.Fields(name)[0])+"@example.com")
			u, err := s.CreateUser(ctx, sys, kind, in)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		mgr := user(sympoq.KindAgent, "Mia Manager", UserInput{})
		mute := user(sympoq.KindAgent, "Max Mute", UserInput{Notifications: Some(false)})
		gone := user(sympoq.KindAgent, "Gil Gone", UserInput{})
		actor := user(sympoq.KindAgent, "Ann Actor", UserInput{})
		agent := user(sympoq.KindAgent, "Ben Agent", UserInput{})
		named := user(sympoq.KindAgent, "Nina Named", UserInput{})
		q, err := s.SaveQueue(ctx, sys, 0, ItemInput{Name: Some("Support"), Permissions: Some([]AgentRole{
			{Agent: mgr.ID, Role: sympoq.RoleQueueManager}, {Agent: mute.ID, Role: sympoq.RoleQueueManager},
			{Agent: gone.ID, Role: sympoq.RoleQueueManager}, {Agent: actor.ID, Role: sympoq.RoleAgent}, {Agent: agent.ID, Role: sympoq.RoleAgent}})})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, sys, sympoq.KindAgent, gone.ID, UserInput{Active: Some(false)}); err != nil {
			t.Fatal(err)
		}
		cust := user(sympoq.KindCustomer, "Cleo Customer", UserInput{})
		v, err := s.Submit(ctx, sys, SubmitInput{Description: Some("x"), Queue: Some(q.ID), Customer: Some(CustomerInput{ID: Some(cust.ID)})})
		if err != nil {
			t.Fatal(err)
		}
		all := []sympoq.Recipient{{Kind: sympoq.RcptCustomer}, {Kind: sympoq.RcptAssignee}, {Kind: sympoq.RcptQueueManagers},
			{Kind: sympoq.RcptQueueAgents}, {Kind: sympoq.RcptAgent, User: named.ID}, {Kind: sympoq.RcptAddress, Address: "Outside@Example.org"},
			{Kind: sympoq.RcptAddress, Address: cust.Email}, {Kind: sympoq.RcptAgent, User: cust.ID}}

		send := func(vis sympoq.Visibility, specs ...sympoq.NotifySpec) []string {
			t.Helper()
			var got []string
			wokenBefore := wakes.Load()
			err := db.Tx(ctx, func(tx *store.Tx) error {
				set, err := tx.Settings(ctx, c.Account.ID)
				if err != nil {
					return err
				}
				tk, err := tx.Ticket(ctx, c.Account.ID, v.ID)
				if err != nil {
					return err
				}
				before, err := tx.OutboundMessages(ctx, c.Account.ID, tk.ID)
				if err != nil {
					return err
				}
				ev := &sympoq.Event{AccountID: tk.AccountID, Ticket: tk.ID, Date: tx.Now(), Action: sympoq.EvNote, Body: "hello",
					AppliedBy: actor.ID, AppliedName: actor.Name, Visibility: vis}
				if err := tx.AddEvent(ctx, ev); err != nil {
					return err
				}
				jobs := len(rec.jobs)
				if err := s.notifyAll(ctx, tx, nil, set, tk, ev, specs); err != nil {
					return err
				}
				after, err := tx.OutboundMessages(ctx, c.Account.ID, tk.ID)
				if err != nil {
					return err
				}
				msgs, err := tx.TicketMessages(ctx, c.Account.ID, tk.ID)
				if err != nil {
					return err
				}
				evs, err := tx.Events(ctx, c.Account.ID, tk.ID, store.EventFilter{Internal: true})
				if err != nil {
					return err
				}
				notified := map[int64]*sympoq.Event{}
				for _, e := range evs {
					if e.Action == sympoq.EvNotified {
						notified[e.ID] = e
					}
				}
				ids := map[string]bool{}
				for _, m := range msgs {
					ids[m.MessageID] = true
				}
				for _, m := range after[len(before):] {
					got = append(got, m.Template+" "+m.ToAddr)
					e := notified[m.Event]
					if e == nil || e.Description != m.ToName+" "+m.ToAddr+" : "+m.Template+": "+m.Subject && e.Description != m.ToAddr+" : "+m.Template+": "+m.Subject {
						t.Errorf("message to %s: Notified event %+v", m.ToAddr, e)
					}
					if !ids[m.MessageID] {
						t.Errorf("message to %s: Message-ID %s not in ticket_messages", m.ToAddr, m.MessageID)
					}
					if m.Status != sympoq.OutQueued || !m.NextAttempt.Equal(tx.Now().Truncate(time.Microsecond)) {
						t.Errorf("message to %s: status %s, next attempt %v; want queued, due now (%v)", m.ToAddr, m.Status, m.NextAttempt, tx.Now())
					}
				}
				if n := len(rec.jobs) - jobs; n != 0 {
					t.Errorf("%d jobs enqueued for %d messages, want none", n, len(got))
				}
				if wakes.Load() != wokenBefore {
					t.Errorf("outbox woken before the commit")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if woken := wakes.Load() > wokenBefore; woken != (len(got) > 0) {
				t.Errorf("%d messages stored, outbox woken after the commit: %v", len(got), woken)
			}
			return got
		}

		got := send(sympoq.Public, sympoq.NotifySpec{Recipients: all, Template: sympoq.TplClosed},
			sympoq.NotifySpec{Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}, {Kind: sympoq.RcptAgent, User: named.ID}}, Template: sympoq.TplClosed},
			sympoq.NotifySpec{Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}, Template: sympoq.TplReopened})
		want := []string{"CLOSED cleo@example.com", "CLOSED mia@example.com", "CLOSED ben@example.com", "CLOSED nina@example.com",
			"CLOSED outside@example.org", "REOPENED cleo@example.com"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("public event (-want +got):\n%s", diff)
		}
		got = send(sympoq.Internal, sympoq.NotifySpec{Recipients: all, Template: sympoq.TplClosed})
		want = []string{"CLOSED mia@example.com", "CLOSED ben@example.com", "CLOSED nina@example.com"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("internal event (-want +got):\n%s", diff)
		}
		for _, skipped := range []string{mute.Email, gone.Email, actor.Email} {
			if slices.Contains(got, "CLOSED "+skipped) {
				t.Errorf("%s was notified", skipped)
			}
		}
		// A stored text that no longer parses does not block the action:
		// the default goes instead.
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.SaveEmailTemplate(ctx, &sympoq.EmailTemplate{AccountID: c.Account.ID, Name: sympoq.TplReopened, Subject: "{{gone}}", Body: "{{gone}}"})
		}); err != nil {
			t.Fatal(err)
		}
		if got := send(sympoq.Public, sympoq.NotifySpec{Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}, Template: sympoq.TplReopened}); !slices.Equal(got, []string{"REOPENED cleo@example.com"}) {
			t.Errorf("broken stored template: sent %v", got)
		}
		outs, err := db.Read().OutboundMessages(ctx, c.Account.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := outs[len(outs)-1]; last.Subject != "["+v.DisplayID+"] x" || strings.Contains(last.Text, "{{") {
			t.Errorf("broken stored template rendered %q / %q, want the default", last.Subject, last.Text)
		}

		// An unknown template is an error: the caller's transaction fails
		// rather than dropping the notification.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			set, _ := tx.Settings(ctx, c.Account.ID)
			tk, _ := tx.Ticket(ctx, c.Account.ID, v.ID)
			return s.notifyAll(ctx, tx, nil, set, tk, &sympoq.Event{Visibility: sympoq.Public}, []sympoq.NotifySpec{{Recipients: all, Template: "NO_SUCH"}})
		})
		if err == nil || !strings.Contains(err.Error(), "NO_SUCH") {
			t.Errorf("unknown template: err = %v", err)
		}
	})
}

// TestNotifyActionStored: a trigger's stored notification replaces its
// default, a disabled one sends nothing, and the default applies again once
// the stored one is deleted.
func TestNotifyActionStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, &recorder{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := s.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		acct := c.Account.ID
		submit := func() []string {
			t.Helper()
			v, err := s.Submit(ctx, System(acct), SubmitInput{Description: Some("x"), Customer: Some(CustomerInput{Email: Some("cleo@example.com")})})
			if err != nil {
				t.Fatal(err)
			}
			outs, err := db.Read().OutboundMessages(ctx, acct, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range outs {
				got = append(got, m.Template+" "+m.ToAddr)
			}
			return got
		}
		save := func(n *sympoq.ActionNotification) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				if n.Template == "" {
					return tx.DeleteActionNotification(ctx, acct, sympoq.TrigNewRequest)
				}
				return tx.SaveActionNotification(ctx, n)
			}); err != nil {
				t.Fatal(err)
			}
			// Written past the use cases, as another process would; this
			// process's use cases drop the cached copy themselves.
			s.forgetConfig(acct)
		}
		for _, tc := range []struct {
			name   string
			stored *sympoq.ActionNotification
			want   []string
		}{
			{"default", nil, []string{"NEW_REQUEST cleo@example.com"}},
			{"stored", &sympoq.ActionNotification{AccountID: acct, Trigger: sympoq.TrigNewRequest, Enabled: true, Template: sympoq.TplClosed,
				Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAddress, Address: "Watch@Example.org"}, {Kind: sympoq.RcptCustomer}}},
				[]string{"CLOSED watch@example.org", "CLOSED cleo@example.com"}},
			{"disabled", &sympoq.ActionNotification{AccountID: acct, Trigger: sympoq.TrigNewRequest, Template: sympoq.TplNewRequest,
				Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}}, nil},
			{"deleted", &sympoq.ActionNotification{}, []string{"NEW_REQUEST cleo@example.com"}},
		} {
			if tc.stored != nil {
				save(tc.stored)
			}
			if diff := cmp.Diff(tc.want, submit()); diff != "" {
				t.Errorf("%s: messages (-want +got):\n%s", tc.name, diff)
			}
		}
	})
}

// TestNewMessageID: ids are unique, on the sender's host, and later ids
// sort after earlier ones (they append to the index of message ids).
func TestNewMessageID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 2000 {
		id := newMessageID("help@acme.example")
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		local, host, ok := strings.Cut(id, "@")
		if !ok || host != "acme.example" || strings.ContainsAny(local, "<> @") {
			t.Fatalf("newMessageID = %q", id)
		}
		if stamp, _, _ := strings.Cut(local, "."); prev != "" && stamp < prev {
			t.Fatalf("id %s sorts before the earlier one's time %s", id, prev)
		} else {
			prev = stamp
		}
		if i%500 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	for _, from := range []string{"nobody", "x@bad>host", "x@"} {
		if got := newMessageID(from); !strings.HasSuffix(got, "@sympoq") {
			t.Errorf("newMessageID(%q) = %q", from, got)
		}
	}
}

// TestSubmitConfigFollowsChanges: what submissions keep of the account
// (submitConfig) follows changes made through this process's use cases at
// once, and changes made past them (another process) within configTTL.
func TestSubmitConfigFollowsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db, &recorder{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		c, err := s.CreateAccount(ctx, "acme", "", "")
		if err != nil {
			t.Fatal(err)
		}
		acct := c.Account.ID
		sys := System(acct)
		subject := func() string {
			t.Helper()
			v, err := s.Submit(ctx, sys, SubmitInput{Description: Some("x"), Customer: Some(CustomerInput{Email: Some("cleo@example.com")})})
			if err != nil {
				t.Fatal(err)
			}
			outs, err := db.Read().OutboundMessages(ctx, acct, v.ID)
			if err != nil || len(outs) != 1 {
				t.Fatalf("acknowledgements = %v, %v; want one", outs, err)
			}
			return strings.TrimPrefix(outs[0].Subject, "["+v.DisplayID+"] ")
		}
		first := subject()
		if _, err := s.SaveEmailTemplate(ctx, sys, sympoq.TplNewRequest, TemplateInput{Subject: Some("Got it, queue {{queue}}"),
			Body: Some("{{message}}")}); err != nil {
			t.Fatal(err)
		}
		if got := subject(); got != "Got it, queue Inbox" {
			t.Fatalf("after the template changed (was %q): subject %q", first, got)
		}
		qs, err := db.Read().Queues(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveQueue(ctx, sys, qs[0].ID, ItemInput{Name: Some("Front desk")}); err != nil {
			t.Fatal(err)
		}
		if got := subject(); got != "Got it, queue Front desk" {
			t.Fatalf("after the queue was renamed: subject %q", got)
		}
		// Past the use cases: seen once the copy is configTTL old.
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			return tx.SaveEmailTemplate(ctx, &sympoq.EmailTemplate{AccountID: acct, Name: sympoq.TplNewRequest,
				Subject: "Elsewhere {{queue}}", Body: "{{message}}"})
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(configTTL + 50*time.Millisecond)
		if got := subject(); got != "Elsewhere Front desk" {
			t.Fatalf("%v after a change past the use cases: subject %q", configTTL, got)
		}
	})
}

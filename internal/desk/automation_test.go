package desk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// noAutoJobs is an Enqueuer for tests whose use cases enqueue nothing:
// the email of notifications is not a job (the outbox has its own tests).
type noAutoJobs struct{}

// Enqueue refuses every job.
func (noAutoJobs) Enqueue(ctx context.Context, tx *store.Tx, job desk.Job) error {
	return fmt.Errorf("unexpected job %s", job.Kind())
}

// autoEnv is an account on a real database with a pinned clock and the
// notifications automation hands over.
type autoEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	d     *desk.Service
	acct  int64
	sys   desk.Actor
	clock atomic.Int64 // unix micros

	mu       sync.Mutex
	notified []desk.RuleNotice
}

// Monday 30 November 2026, 10:00 UTC: working time (Mon–Fri 9–17).
var autoMonday = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func newAutoEnv(t *testing.T, db *store.DB) *autoEnv {
	t.Helper()
	e := &autoEnv{t: t, ctx: context.Background(), db: db}
	e.clock.Store(autoMonday.UnixMicro())
	db.Now = func() time.Time { return time.UnixMicro(e.clock.Load()).UTC() }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.d = desk.New(db, noAutoJobs{}, logger, desk.WithRuleNotices(func(c desk.RuleNotice) {
		e.mu.Lock()
		e.notified = append(e.notified, c)
		e.mu.Unlock()
	}))
	c, err := e.d.CreateAccount(e.ctx, "default", "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.acct, e.sys = c.Account.ID, desk.System(c.Account.ID)
	return e
}

func (e *autoEnv) at(t time.Time) { e.clock.Store(t.UnixMicro()) }

// result carries a use case's answer to get, which fails the test on error.
type autoResult[T any] struct {
	v   T
	err error
}

func res[T any](v T, err error) autoResult[T] { return autoResult[T]{v, err} }

func (r autoResult[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func (e *autoEnv) queue(name string) *sympoq.Queue {
	return res(e.d.SaveQueue(e.ctx, e.sys, 0, desk.ItemInput{Name: desk.Some(name)})).get(e.t)
}

func (e *autoEnv) agent(name string, q int64) *sympoq.User {
	return res(e.d.CreateUser(e.ctx, e.sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some(name),
		Email: desk.Some(strings.ToLower(name) + "@desk.test"), Permissions: desk.Some([]desk.Permission{{Queue: q, Role: sympoq.RoleAgent}})})).get(e.t)
}

func (e *autoEnv) customer(name string, group int64) *sympoq.User {
	in := desk.UserInput{Name: desk.Some(name), Email: desk.Some(strings.ToLower(name) + "@example.com")}
	if group != 0 {
		in.Group = desk.Some(desk.Ref{ID: group})
	}
	return res(e.d.CreateUser(e.ctx, e.sys, sympoq.KindCustomer, in)).get(e.t)
}

func (e *autoEnv) submit(cust *sympoq.User, subject string, ch sympoq.Channel) *desk.TicketView {
	return res(e.d.Submit(e.ctx, e.sys, desk.SubmitInput{Subject: desk.Some(subject), Description: desk.Some("Please help: " + subject),
		Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cust.ID)}), Channel: ch})).get(e.t)
}

func (e *autoEnv) ticket(id int64) *sympoq.Ticket {
	return res(e.db.Read().Ticket(e.ctx, e.acct, id)).get(e.t)
}

// events returns the descriptions of the ticket's events with action a.
func (e *autoEnv) events(id int64, a sympoq.EventAction) []string {
	evs := res(e.db.Read().Events(e.ctx, e.acct, id, store.EventFilter{Internal: true})).get(e.t)
	var out []string
	for _, ev := range evs {
		if ev.Action == a {
			out = append(out, ev.Description)
		}
	}
	return out
}

func (e *autoEnv) run() desk.ScheduleRun {
	return res(e.d.RunScheduleAccount(e.ctx, e.acct)).get(e.t)
}

func (e *autoEnv) notifications() []desk.RuleNotice {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]desk.RuleNotice(nil), e.notified...)
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// TestScheduledEscalation: a VIP customer's ticket still unsolved three
// days after its deadline becomes Urgent, is moved to Escalations and
// assigned to its agent, once; other tickets are left alone; the breach of
// both service targets is recorded once.
func TestScheduledEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		vip := res(e.d.SaveGroup(e.ctx, e.sys, 0, desk.ItemInput{Name: desk.Some("VIP")})).get(t)
		esc := e.queue("Escalations")
		esme := e.agent("Esme", esc.ID)
		rule := res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleScheduled, 0, desk.RuleInput{
			Description: desk.Some("Escalate unsolved VIP tickets"),
			Conditions:  desk.Some([]sympoq.Condition{{Field: sympoq.CondGroup, Op: sympoq.OpIs, ID: vip.ID}}),
			Not:         desk.Some([]sympoq.TicketNot{sympoq.NotClosed}),
			Time:        desk.Some(sympoq.TimeCondition{Event: sympoq.AfterDeadline, Hours: 72}),
			Set:         desk.Some(sympoq.RuleValues{Priority: sympoq.PriorityUrgent, Queue: esc.ID, Assign: sympoq.AssignAgent, Agent: esme.ID}),
			Notify: desk.Some([]desk.NotifyInput{{Template: sympoq.TplAssignment,
				Recipients: []desk.RuleRecipient{{Kind: sympoq.RcptAssignee}}}}),
		})).get(t)
		vipTicket := e.submit(e.customer("Vera", vip.ID), "VIP down", sympoq.ChannelAPI)
		plain := e.submit(e.customer("Paul", 0), "plain", sympoq.ChannelAPI)
		// Normal: 3 working days of 8 hours from Monday 10:00 is Thursday 10:00.
		if want := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC); !vipTicket.Deadline.Equal(want) {
			t.Fatalf("deadline %v, want %v", vipTicket.Deadline, want)
		}

		// Friday 10:00: one day after the deadline, not three.
		e.at(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
		if n := res(e.d.PendingCount(e.ctx, e.sys, rule.ID)).get(t); n != 0 {
			t.Errorf("pending on Friday = %d, want 0", n)
		}
		if r := e.run(); r.Fired != 0 || r.Breaches != 4 {
			t.Errorf("Friday run %+v, want nothing fired and 4 breaches (2 targets × 2 tickets)", r)
		}
		// Sunday 11:00: three days past, but outside working time.
		e.at(time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC))
		if n := res(e.d.PendingCount(e.ctx, e.sys, rule.ID)).get(t); n != 1 {
			t.Errorf("pending on Sunday = %d, want 1", n)
		}
		if r := e.run(); r.Fired != 0 || !r.OutsideWorkingTime {
			t.Errorf("Sunday run %+v, want none: outside working time", r)
		}
		// Monday 9:30: working time again.
		e.at(time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC))
		if r := e.run(); r.Fired != 1 || r.Breaches != 0 {
			t.Fatalf("Monday run %+v, want one action and no new breach", r)
		}
		got := e.ticket(vipTicket.ID)
		if got.Priority != sympoq.PriorityUrgent || got.Queue != esc.ID || got.Assignee != esme.ID || got.Status != sympoq.StatusWorking {
			t.Errorf("escalated ticket: priority %d queue %d assignee %d status %d", got.Priority, got.Queue, got.Assignee, got.Status)
		}
		if rules := e.events(got.ID, sympoq.EvRule); countPrefix(rules, `Scheduled action "Escalate unsolved VIP tickets" applied`) != 1 {
			t.Errorf("rule events %q", rules)
		}
		for _, a := range []sympoq.EventAction{sympoq.EvSetPriority, sympoq.EvMove, sympoq.EvAssign} {
			if len(e.events(got.ID, a)) != 1 {
				t.Errorf("%s events: %q", a, e.events(got.ID, a))
			}
		}
		if p := e.ticket(plain.ID); p.Priority != sympoq.PriorityNormal || p.Queue == esc.ID {
			t.Errorf("plain ticket changed: %+v", p)
		}
		var specs []sympoq.NotifySpec
		for _, c := range e.notifications() {
			if c.Ticket.ID == got.ID {
				specs = append(specs, c.Specs...)
				if c.Event == nil || c.Event.Action != sympoq.EvRule || c.Ticket.Assignee != esme.ID {
					t.Errorf("notification handed over with event %+v, ticket assignee %d", c.Event, c.Ticket.Assignee)
				}
			}
		}
		if len(specs) != 1 || specs[0].Template != sympoq.TplAssignment || specs[0].Recipients[0].Kind != sympoq.RcptAssignee {
			t.Errorf("specs %+v", specs)
		}

		// Once per episode: the next minutes do nothing...
		e.at(time.Date(2026, 12, 7, 9, 31, 0, 0, time.UTC))
		if r := e.run(); r.Fired != 0 {
			t.Errorf("second run fired %d", r.Fired)
		}
		if n := res(e.d.PendingCount(e.ctx, e.sys, rule.ID)).get(t); n != 0 {
			t.Errorf("pending after firing = %d", n)
		}
		// ...until the ticket changes.
		res(e.d.Note(e.ctx, desk.System(e.acct), got.DisplayID, desk.MessageInput{Message: desk.Some("looking")})).get(t)
		if r := e.run(); r.Fired != 1 {
			t.Errorf("after a change: fired %d, want 1", r.Fired)
		}

		// The breaches were recorded once each, on the row and in the log.
		for _, id := range []int64{vipTicket.ID, plain.ID} {
			tk := e.ticket(id)
			if tk.ResponseBreached.IsZero() || tk.ResolutionBreached.IsZero() {
				t.Errorf("ticket %d breach times %v %v", id, tk.ResponseBreached, tk.ResolutionBreached)
			}
			rules := e.events(id, sympoq.EvRule)
			if countPrefix(rules, desk.BreachFirstResponse) != 1 || countPrefix(rules, desk.BreachResolution) != 1 {
				t.Errorf("ticket %d breach events %q", id, rules)
			}
		}
	})
}

// TestScheduledCloseWaitingForCustomer: a ticket waiting two days for the
// customer is closed, with a customer notification; one the customer
// answered is not.
func TestScheduledCloseWaitingForCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		rule := res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleScheduled, 0, desk.RuleInput{
			Description: desk.Some("Close after two days without an answer"),
			Conditions:  desk.Some([]sympoq.Condition{{Field: sympoq.CondStatus, Op: sympoq.OpIs, ID: int64(sympoq.StatusPending)}}),
			Not:         desk.Some([]sympoq.TicketNot{sympoq.NotRespondedByCustomer, sympoq.NotClosed}),
			Time:        desk.Some(sympoq.TimeCondition{Event: sympoq.AfterLastAgentReply, Hours: 48}),
			Set:         desk.Some(sympoq.RuleValues{Close: true, Tags: []string{"auto-closed"}}),
			Notify: desk.Some([]desk.NotifyInput{{Template: sympoq.TplClosed,
				Recipients: []desk.RuleRecipient{{Kind: sympoq.RcptCustomer}}}}),
		})).get(t)
		cw := e.customer("Walt", 0)
		silent := e.submit(cw, "silent", sympoq.ChannelEmail)
		answered := e.submit(e.customer("Ana", 0), "answered", sympoq.ChannelEmail)
		for _, tk := range []*desk.TicketView{silent, answered} {
			res(e.d.Reply(e.ctx, e.sys, tk.DisplayID, desk.MessageInput{Message: desk.Some("Does this help?")})).get(t)
		}
		// Ana answers on Tuesday; the desk answers her again; then silence.
		e.at(autoMonday.Add(24 * time.Hour))
		anaActor := sympoq.NewActor(res(e.db.Read().User(e.ctx, e.acct, answered.Customer)).get(t))
		res(e.d.Reply(e.ctx, anaActor, answered.DisplayID, desk.MessageInput{Message: desk.Some("Not quite")})).get(t)

		e.at(autoMonday.Add(47 * time.Hour))
		if r := e.run(); r.Fired != 0 {
			t.Errorf("after 47 hours fired %d", r.Fired)
		}
		e.at(autoMonday.Add(48 * time.Hour))
		if n := res(e.d.PendingCount(e.ctx, e.sys, rule.ID)).get(t); n != 1 {
			t.Errorf("pending = %d, want 1", n)
		}
		if r := e.run(); r.Fired != 1 {
			t.Fatalf("after 48 hours fired %d, want 1", r.Fired)
		}
		s := e.ticket(silent.ID)
		if s.Status != sympoq.StatusClosed || s.ClosedOn.IsZero() || len(s.Tags) != 1 || s.Tags[0] != "auto-closed" {
			t.Errorf("silent ticket: status %d closed %v tags %q", s.Status, s.ClosedOn, s.Tags)
		}
		if close := e.events(s.ID, sympoq.EvClose); len(close) != 1 {
			t.Errorf("close events %q", close)
		}
		evs := res(e.db.Read().Events(e.ctx, e.acct, s.ID, store.EventFilter{Internal: true})).get(t)
		for _, ev := range evs {
			if ev.Action == sympoq.EvClose && (ev.AppliedBy != 0 || ev.AppliedName != "") {
				t.Errorf("close applied by %d %q, want the system", ev.AppliedBy, ev.AppliedName)
			}
		}
		if a := e.ticket(answered.ID); a.Status == sympoq.StatusClosed {
			t.Errorf("the ticket the customer answered was closed")
		}
		var got []sympoq.NotifySpec
		for _, c := range e.notifications() {
			if c.Ticket.ID == silent.ID {
				got = append(got, c.Specs...)
				if c.Ticket.Status != sympoq.StatusClosed {
					t.Errorf("notification handed over before the close: status %d", c.Ticket.Status)
				}
			}
			if c.Ticket.ID == answered.ID {
				t.Errorf("notification for the answered ticket: %+v", c)
			}
		}
		if len(got) != 1 || got[0].Template != sympoq.TplClosed || got[0].Recipients[0].Kind != sympoq.RcptCustomer {
			t.Errorf("customer notification specs %+v", got)
		}
	})
}

// TestSubmissionRules: rules of the channel run inside the submission by
// priority with the Catch all last; first set wins, tags add up; the
// agent's explicit priority wins; each applied rule leaves a Rule event and
// hands over its notifications; round-robin takes turns.
func TestSubmissionRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		sales := e.queue("Sales")
		a1, a2 := e.agent("Alma", sales.ID), e.agent("Bert", sales.ID)
		rules := res(e.d.Rules(e.ctx, e.sys, sympoq.RuleSubmission, sympoq.ChannelEmail)).get(t)
		if len(rules) != 1 || !rules[0].System || rules[0].Description != sympoq.CatchAllDescription {
			t.Fatalf("a new account's email rules: %+v", rules)
		}
		catchAll := rules[0]
		res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleSubmission, catchAll.ID, desk.RuleInput{
			Set: desk.Some(sympoq.RuleValues{Priority: sympoq.PriorityLow, Tags: []string{"email"}})})).get(t)
		if err := e.d.DeleteRule(e.ctx, e.sys, sympoq.RuleSubmission, catchAll.ID); sympoq.ErrorCode(err) != sympoq.EConflict {
			t.Errorf("deleting the Catch all: %v", err)
		}
		res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleSubmission, 0, desk.RuleInput{
			Description: desk.Some("Orders to sales"), Channel: desk.Some(sympoq.ChannelEmail), Priority: desk.Some(10),
			Match: desk.Some(sympoq.MatchAny),
			Conditions: desk.Some([]sympoq.Condition{
				{Field: sympoq.CondSubject, Op: sympoq.OpMatches, Value: `order\s+#?\d+`},
				{Field: sympoq.CondEmail, Op: sympoq.OpIs, Value: "shop.test"}}),
			Set: desk.Some(sympoq.RuleValues{Queue: sales.ID, Priority: sympoq.PriorityHigh, Assign: sympoq.AssignRoundRobin, Tags: []string{"orders"}}),
			Notify: desk.Some([]desk.NotifyInput{{Template: sympoq.TplNewRequest,
				Recipients: []desk.RuleRecipient{{Kind: sympoq.RcptQueueAgents}, {Kind: sympoq.RcptAddress, Address: "boss@shop.test"}}}}),
		})).get(t)
		cust := e.customer("Olga", 0)
		var assignees []int64
		for i := 0; i < 3; i++ {
			v := e.submit(cust, fmt.Sprintf("Order #%d missing", 100+i), sympoq.ChannelEmail)
			if v.Queue != sales.ID || v.Priority != sympoq.PriorityHigh || strings.Join(v.Tags, ",") != "orders,email" {
				t.Errorf("order ticket: queue %d priority %d tags %q", v.Queue, v.Priority, v.Tags)
			}
			if v.Status != sympoq.StatusWorking || v.AssignedOn.IsZero() {
				t.Errorf("assigned ticket status %d assigned %v", v.Status, v.AssignedOn)
			}
			// The deadline follows the priority the rules chose: High, 1 day.
			if want := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC); !v.Deadline.Equal(want) {
				t.Errorf("deadline %v, want %v (High: one working day)", v.Deadline, want)
			}
			if !v.ResponseDue.Equal(autoMonday.Add(4 * time.Hour)) {
				t.Errorf("first response due %v, want 4 working hours later", v.ResponseDue)
			}
			assignees = append(assignees, v.Assignee)
			evs := e.events(v.ID, sympoq.EvRule)
			if countPrefix(evs, `Rule "Orders to sales" applied: queue Sales; priority High; tags orders; assignee `) != 1 ||
				countPrefix(evs, `Rule "Catch all" applied: tags email`) != 1 {
				t.Errorf("rule events %q", evs)
			}
		}
		if assignees[0] == assignees[1] || assignees[0] != assignees[2] || (assignees[0] != a1.ID && assignees[0] != a2.ID) {
			t.Errorf("round-robin assignees %v of %d, %d", assignees, a1.ID, a2.ID)
		}
		n := e.notifications()
		if len(n) != 3 || len(n[0].Specs) != 1 || n[0].Specs[0].Template != sympoq.TplNewRequest ||
			n[0].Specs[0].Recipients[1] != (sympoq.Recipient{Kind: sympoq.RcptAddress, Address: "boss@shop.test"}) {
			t.Errorf("notifications %+v", n)
		}

		// Another channel's rules do not run; the agent's priority wins.
		v := res(e.d.Submit(e.ctx, e.sys, desk.SubmitInput{Subject: desk.Some("Order #7"), Description: desk.Some("x"),
			Priority: desk.Some(sympoq.PriorityUrgent), Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cust.ID)}),
			Channel: sympoq.ChannelEmail})).get(t)
		if v.Priority != sympoq.PriorityUrgent || v.Queue != sales.ID {
			t.Errorf("explicit priority: %d in queue %d", v.Priority, v.Queue)
		}
		v = e.submit(cust, "Order #8", sympoq.ChannelPhone)
		if v.Queue == sales.ID || len(v.Tags) != 0 || len(e.events(v.ID, sympoq.EvRule)) != 0 {
			t.Errorf("phone ticket ran email rules: queue %d tags %q events %q", v.Queue, v.Tags, e.events(v.ID, sympoq.EvRule))
		}
	})
}

// TestRuleWithDeletedQueue: a rule whose queue is deleted afterwards is
// skipped with its reason recorded, and the submission succeeds.
func TestRuleWithDeletedQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		temp := e.queue("Temporary")
		res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleSubmission, 0, desk.RuleInput{Description: desk.Some("To temporary"),
			Channel: desk.Some(sympoq.ChannelAPI), Set: desk.Some(sympoq.RuleValues{Queue: temp.ID, Priority: sympoq.PriorityHigh})})).get(t)
		if err := e.d.DeleteQueue(e.ctx, e.sys, temp.ID); err != nil {
			t.Fatal(err)
		}
		v := e.submit(e.customer("Sam", 0), "after the queue went", sympoq.ChannelAPI)
		set := res(e.d.Settings(e.ctx, e.sys)).get(t)
		if v.Queue != set.General.DefaultQueue || v.Priority != sympoq.PriorityNormal {
			t.Errorf("queue %d priority %d: the dead rule applied", v.Queue, v.Priority)
		}
		want := fmt.Sprintf(`Rule "To temporary" skipped: queue %d no longer exists`, temp.ID)
		if evs := e.events(v.ID, sympoq.EvRule); countPrefix(evs, want) != 1 {
			t.Errorf("rule events %q, want %q", evs, want)
		}
	})
}

// TestBadRulesRefused: rules that cannot work are refused on save with a
// message per field, and nothing is stored.
func TestBadRulesRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		q := e.queue("Q")
		gone := e.agent("Gone", q.ID)
		res(e.d.UpdateUser(e.ctx, e.sys, sympoq.KindAgent, gone.ID, desk.UserInput{Active: desk.Some(false)})).get(t)
		sub, sch := sympoq.RuleSubmission, sympoq.RuleScheduled
		for _, tc := range []struct {
			name   string
			kind   sympoq.RuleKind
			in     desk.RuleInput
			fields []string
		}{
			{"no description, no channel", sub, desk.RuleInput{}, []string{"description", "channel"}},
			{"bad regexp", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondSubject, Op: sympoq.OpMatches, Value: "(unclosed"}})},
				[]string{"conditions[0].value"}},
			{"huge regexp", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondSubject, Op: sympoq.OpMatches, Value: strings.Repeat("a", 501)}})},
				[]string{"conditions[0].value"}},
			{"repetition bomb", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondDescription, Op: sympoq.OpMatches, Value: "((a{1000}){1000}){1000}"}})},
				[]string{"conditions[0].value"}},
			{"unknown field and op", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: "mood", Op: sympoq.OpIs}, {Field: sympoq.CondGroup, Op: sympoq.OpContains}})},
				[]string{"conditions[0].field", "conditions[1].op"}},
			{"state condition on submission", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondStatus, Op: sympoq.OpIs, ID: 1}})},
				[]string{"conditions[0].field"}},
			{"missing references", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondTopic, Op: sympoq.OpIs, ID: 9999}, {Field: sympoq.CondGroup, Op: sympoq.OpIs, ID: 9999},
					{Field: sympoq.CondCustomField, Op: sympoq.OpIs, Key: "nosuch", Value: "x"}}),
				Set: desk.Some(sympoq.RuleValues{Queue: 9999, Topic: 9999})},
				[]string{"conditions[0].id", "conditions[1].id", "conditions[2].key", "set.queue", "set.topic"}},
			{"inactive agent", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Set:    desk.Some(sympoq.RuleValues{Assign: sympoq.AssignAgent, Agent: gone.ID}),
				Notify: desk.Some([]desk.NotifyInput{{Template: "X", Recipients: []desk.RuleRecipient{{Kind: sympoq.RcptAgent, User: gone.ID}}}})},
				[]string{"set.agent", "notify[0].recipients[0].agent"}},
			{"bad notification", sub, desk.RuleInput{Description: desk.Some("r"), Channel: desk.Some(sympoq.ChannelAPI),
				Notify: desk.Some([]desk.NotifyInput{{Recipients: []desk.RuleRecipient{{Kind: "everyone"}, {Kind: sympoq.RcptAddress, Address: "not an address"}}}})},
				[]string{"notify[0].template", "notify[0].recipients[0].kind", "notify[0].recipients[1].address"}},
			{"scheduled: no time, nothing to do", sch, desk.RuleInput{Description: desk.Some("s")}, []string{"time", "set"}},
			{"scheduled: contradictions", sch, desk.RuleInput{Description: desk.Some("s"),
				Not:  desk.Some([]sympoq.TicketNot{sympoq.NotClosed, "happy"}),
				Time: desk.Some(sympoq.TimeCondition{Event: "after_lunch", Hours: -1}),
				Set:  desk.Some(sympoq.RuleValues{Status: sympoq.StatusClosed, Close: true, Assign: sympoq.AssignRoundRobin, DeadlineHours: 3})},
				[]string{"not[1]", "time.event", "time.hours", "set.status", "set.assign", "set.deadline_hours"}},
			{"scheduled: channel", sch, desk.RuleInput{Description: desk.Some("s"), Channel: desk.Some(sympoq.ChannelAPI),
				Time: desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}), Set: desk.Some(sympoq.RuleValues{Priority: 4})},
				[]string{"channel"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.d.SaveRule(e.ctx, e.sys, tc.kind, 0, tc.in)
				var se *sympoq.Error
				if !errors.As(err, &se) || se.Code != sympoq.EInvalid {
					t.Fatalf("err %v, want invalid", err)
				}
				got := map[string]bool{}
				for _, f := range se.Fields {
					got[f.Field] = true
					if f.Message == "" {
						t.Errorf("field %s without a message", f.Field)
					}
				}
				for _, f := range tc.fields {
					if !got[f] {
						t.Errorf("no error for %s; got %+v", f, se.Fields)
					}
				}
			})
		}
		rs := res(e.d.Rules(e.ctx, e.sys, sympoq.RuleScheduled, 0)).get(t)
		if len(rs) != 0 {
			t.Errorf("refused rules stored: %+v", rs)
		}
	})
}

// TestBreachAtReplyAndClose: a late first reply and a late close record
// their breach at once, exactly once; timely ones record none.
func TestBreachAtReplyAndClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		c := e.customer("Rita", 0)
		timely := e.submit(c, "timely", sympoq.ChannelAPI)
		late := e.submit(c, "late", sympoq.ChannelAPI)
		e.at(autoMonday.Add(time.Hour))
		res(e.d.Reply(e.ctx, e.sys, timely.DisplayID, desk.MessageInput{Message: desk.Some("on it")})).get(t)
		res(e.d.Close(e.ctx, e.sys, timely.DisplayID, desk.CloseInput{})).get(t)
		// Normal: first response 8 working hours, i.e. Tuesday 10:00.
		e.at(time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC))
		res(e.d.Reply(e.ctx, e.sys, late.DisplayID, desk.MessageInput{Message: desk.Some("sorry")})).get(t)
		tk := e.ticket(late.ID)
		if !tk.ResponseBreached.Equal(e.db.Now()) || !tk.ResolutionBreached.IsZero() {
			t.Errorf("late reply: breaches %v %v", tk.ResponseBreached, tk.ResolutionBreached)
		}
		res(e.d.Reply(e.ctx, e.sys, late.DisplayID, desk.MessageInput{Message: desk.Some("again")})).get(t)
		e.at(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)) // past Thursday's deadline
		res(e.d.Close(e.ctx, e.sys, late.DisplayID, desk.CloseInput{})).get(t)
		if r := e.run(); r.Breaches != 0 {
			t.Errorf("the scheduler found %d more breaches", r.Breaches)
		}
		evs := e.events(late.ID, sympoq.EvRule)
		if countPrefix(evs, desk.BreachFirstResponse) != 1 || countPrefix(evs, desk.BreachResolution) != 1 {
			t.Errorf("late ticket breach events %q", evs)
		}
		if evs := e.events(timely.ID, sympoq.EvRule); countPrefix(evs, "Service target breached") != 0 {
			t.Errorf("timely ticket breach events %q", evs)
		}
		if tk := e.ticket(timely.ID); !tk.ResponseBreached.IsZero() || !tk.ResolutionBreached.IsZero() {
			t.Errorf("timely ticket breached")
		}
	})
}

// TestScheduledFlood: 5,000 matching tickets (500 under the race detector) are processed in transactions
// of at most desk.ScheduleBatch tickets, each exactly once.
func TestScheduledFlood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		n := 5000
		if floodSmall {
			n = 500
		}
		cust := e.customer("Fiona", 0)
		set := res(e.d.Settings(e.ctx, e.sys)).get(t)
		err := db.Tx(e.ctx, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				tk := &sympoq.Ticket{AccountID: e.acct, DisplayID: fmt.Sprintf("F-%05d", i), Queue: set.General.DefaultQueue,
					Channel: sympoq.ChannelAPI, Priority: sympoq.PriorityNormal, Status: sympoq.StatusNew, Subject: "flood",
					Description: "flood", ReportedBy: cust.Name, Customer: cust.ID, Created: autoMonday.Add(-2 * time.Hour),
					Updated: autoMonday.Add(-2 * time.Hour), Tags: []string{}, CustomFields: map[string]string{}}
				if _, err := tx.CreateTicket(e.ctx, tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == store.Postgres {
			// As autovacuum would after such a load.
			_, err := db.Writer().ExecContext(e.ctx, `ANALYZE`)
			mustAuto(t, err)
		}
		rule := res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleScheduled, 0, desk.RuleInput{Description: desk.Some("Tag old new tickets"),
			Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondStatus, Op: sympoq.OpIs, ID: 1}}),
			Time:       desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}),
			Set:        desk.Some(sympoq.RuleValues{Tags: []string{"stale"}})})).get(t)
		start := time.Now()
		if p := res(e.d.PendingCount(e.ctx, e.sys, rule.ID)).get(t); p != n {
			t.Errorf("pending %d, want %d", p, n)
		}
		t.Logf("pending counted in %v", time.Since(start))
		start = time.Now()
		r := e.run()
		t.Logf("run in %v", time.Since(start))
		if r.Fired != n || r.MaxBatch > desk.ScheduleBatch || r.Batches < n/desk.ScheduleBatch {
			t.Errorf("run %+v: want %d fired in batches of at most %d", r, n, desk.ScheduleBatch)
		}
		var fires, tagged int
		mustAuto(t, db.Writer().QueryRowContext(e.ctx, `SELECT count(*) FROM rule_fires WHERE account_id = $1 AND rule_id = $2`, e.acct, rule.ID).Scan(&fires))
		mustAuto(t, db.Writer().QueryRowContext(e.ctx, `SELECT count(*) FROM ticket_tags WHERE account_id = $1 AND tag = 'stale'`, e.acct).Scan(&tagged))
		if fires != n || tagged != n {
			t.Errorf("fires %d, tagged %d, want %d", fires, tagged, n)
		}
		if r := e.run(); r.Fired != 0 {
			t.Errorf("second run fired %d", r.Fired)
		}
	})
}

// TestScheduledSlices: a scheduler transaction that runs out of its write
// slice commits what it did and leaves the rest of its batch to the next
// one. With no time at all, each transaction takes one ticket, and still
// every action fires once and every breach is recorded once.
func TestScheduledSlices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		e.d = desk.New(db, noAutoJobs{}, slog.New(slog.NewTextHandler(io.Discard, nil)), desk.WithWriteSlice(0))
		const n = 30
		cust := e.customer("Sid", 0)
		set := res(e.d.Settings(e.ctx, e.sys)).get(t)
		err := db.Tx(e.ctx, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				at := autoMonday.Add(-2 * time.Hour)
				tk := &sympoq.Ticket{AccountID: e.acct, DisplayID: fmt.Sprintf("S-%03d", i), Queue: set.General.DefaultQueue,
					Channel: sympoq.ChannelAPI, Priority: sympoq.PriorityNormal, Status: sympoq.StatusNew, Subject: "sliced",
					Description: "sliced", ReportedBy: cust.Name, Customer: cust.ID, Created: at, Updated: at,
					Deadline: autoMonday.Add(-time.Hour), ResponseDue: autoMonday.Add(-time.Hour),
					Tags: []string{}, CustomFields: map[string]string{}}
				if _, err := tx.CreateTicket(e.ctx, tk); err != nil {
					return err
				}
			}
			return nil
		})
		mustAuto(t, err)
		rule := res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleScheduled, 0, desk.RuleInput{Description: desk.Some("Tag old new tickets"),
			Conditions: desk.Some([]sympoq.Condition{{Field: sympoq.CondStatus, Op: sympoq.OpIs, ID: 1}}),
			Time:       desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}),
			Set:        desk.Some(sympoq.RuleValues{Tags: []string{"stale"}})})).get(t)
		r := e.run()
		if r.Fired != n || r.Batches != n || r.MaxBatch != 1 || r.Breaches != 2*n {
			t.Errorf("run %+v: want %d fired one a transaction and %d breaches", r, n, 2*n)
		}
		var fires, tagged, breaches int
		mustAuto(t, db.Writer().QueryRowContext(e.ctx, `SELECT count(*) FROM rule_fires WHERE account_id = $1 AND rule_id = $2`, e.acct, rule.ID).Scan(&fires))
		mustAuto(t, db.Writer().QueryRowContext(e.ctx, `SELECT count(*) FROM ticket_tags WHERE account_id = $1 AND tag = 'stale'`, e.acct).Scan(&tagged))
		mustAuto(t, db.Writer().QueryRowContext(e.ctx, `SELECT count(*) FROM tickets WHERE account_id = $1
			AND response_breached_at IS NOT NULL AND resolution_breached_at IS NOT NULL`, e.acct).Scan(&breaches))
		if fires != n || tagged != n || breaches != n {
			t.Errorf("fires %d, tagged %d, tickets with both breaches %d, want %d each", fires, tagged, breaches, n)
		}
		if r := e.run(); r.Fired != 0 || r.Breaches != 0 {
			t.Errorf("second run %+v, want nothing", r)
		}
	})
}

func mustAuto(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestScheduledDeadReference: a scheduled action whose queue was deleted
// after it was saved is skipped with the reason in the ticket's log, once
// per episode, and changes nothing else.
func TestScheduledDeadReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAutoEnv(t, db)
		temp := e.queue("Temporary")
		res(e.d.SaveRule(e.ctx, e.sys, sympoq.RuleScheduled, 0, desk.RuleInput{Description: desk.Some("Move old"),
			Time: desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}),
			Set:  desk.Some(sympoq.RuleValues{Queue: temp.ID, Priority: sympoq.PriorityHigh})})).get(t)
		mustAuto(t, e.d.DeleteQueue(e.ctx, e.sys, temp.ID))
		v := e.submit(e.customer("Dora", 0), "old", sympoq.ChannelAPI)
		e.at(autoMonday.Add(2 * time.Hour))
		if r := e.run(); r.Fired != 0 || r.Skipped != 1 {
			t.Fatalf("run %+v, want one skip", r)
		}
		if r := e.run(); r.Skipped != 0 {
			t.Errorf("the skip repeated: %+v", r)
		}
		tk := e.ticket(v.ID)
		if tk.Priority != sympoq.PriorityNormal || tk.Queue != v.Queue || !tk.Updated.Equal(v.Updated) {
			t.Errorf("skipped rule changed the ticket: priority %d queue %d updated %v", tk.Priority, tk.Queue, tk.Updated)
		}
		want := fmt.Sprintf(`Scheduled action "Move old" skipped: queue %d no longer exists`, temp.ID)
		if evs := e.events(v.ID, sympoq.EvRule); countPrefix(evs, want) != 1 {
			t.Errorf("rule events %q, want %q", evs, want)
		}
	})
}

package workflow

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/worktime"
)

// A Monday, 10:00 UTC: inside the default working time (Mon–Fri 9–17).
var monday10 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func testFacts(now time.Time) *Facts {
	return &Facts{
		Now:      now,
		Calendar: worktime.New(sympoq.DefaultSettings().General.WorkingTime, time.UTC),
		Queues:   map[int64]string{1: "Inbox", 2: "Sales", 3: "VIP"},
		Topics:   map[int64]string{10: "Billing", 11: "Bugs"},
		Agents:   map[int64]string{100: "Ann", 101: "Bob", 102: "Cy", 200: "Root"},
		Admins:   map[int64]bool{200: true},
		QueueAgents: map[int64][]Agent{
			2: {{ID: 101, Name: "Bob", Load: 5}, {ID: 100, Name: "Ann", Load: 2}, {ID: 102, Name: "Cy", Load: 2}},
			3: {{ID: 102, Name: "Cy", Load: 0}},
		},
		RoundRobin: map[int64]int64{},
	}
}

func customer() *sympoq.User {
	return &sympoq.User{ID: 7, Kind: sympoq.KindCustomer, Name: "Casey", Email: "casey@mail.acme.com",
		Role: sympoq.RoleCustomer, GroupID: 5, Company: "Acme Corp"}
}

func ticket() *sympoq.Ticket {
	return &sympoq.Ticket{ID: 1, Channel: sympoq.ChannelEmail, Queue: 1, Priority: sympoq.PriorityNormal,
		Status: sympoq.StatusNew, Subject: "Invoice 42 is wrong", Description: "Please refund order #A-1234",
		CustomFields: map[string]string{"browser": "Firefox"}, Tags: []string{}, Created: monday10, Updated: monday10}
}

func rule(id int64, prio int, conds []sympoq.Condition, set sympoq.RuleValues) *sympoq.Rule {
	return &sympoq.Rule{ID: id, Kind: sympoq.RuleSubmission, Channel: sympoq.ChannelEmail, Priority: prio, Active: true,
		Description: "rule", Match: sympoq.MatchAll, Conditions: conds, Set: set}
}

func cond(f sympoq.CondField, op sympoq.CondOp, value string, id int64) sympoq.Condition {
	return sympoq.Condition{Field: f, Op: op, Value: value, ID: id}
}

func TestConditions(t *testing.T) {
	saturday := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    sympoq.Condition
		now  time.Time
		want bool
	}{
		{"group is", cond(sympoq.CondGroup, sympoq.OpIs, "", 5), monday10, true},
		{"group is other", cond(sympoq.CondGroup, sympoq.OpIs, "", 6), monday10, false},
		{"group is not", cond(sympoq.CondGroup, sympoq.OpIsNot, "", 6), monday10, true},
		{"role is", cond(sympoq.CondRole, sympoq.OpIs, "Customer", 0), monday10, true},
		{"role is manager", cond(sympoq.CondRole, sympoq.OpIs, "Customer Manager", 0), monday10, false},
		{"email exact", cond(sympoq.CondEmail, sympoq.OpIs, "Casey@Mail.Acme.com", 0), monday10, true},
		{"email other address", cond(sympoq.CondEmail, sympoq.OpIs, "bob@mail.acme.com", 0), monday10, false},
		{"domain", cond(sympoq.CondEmail, sympoq.OpIs, "mail.acme.com", 0), monday10, true},
		{"parent domain", cond(sympoq.CondEmail, sympoq.OpIs, "@acme.com", 0), monday10, true},
		{"domain suffix is not a domain", cond(sympoq.CondEmail, sympoq.OpIs, "cme.com", 0), monday10, false},
		{"domain is not", cond(sympoq.CondEmail, sympoq.OpIsNot, "example.com", 0), monday10, true},
		{"company is, any case", cond(sympoq.CondCompany, sympoq.OpIs, "acme corp", 0), monday10, true},
		{"company contains", cond(sympoq.CondCompany, sympoq.OpContains, "CORP", 0), monday10, true},
		{"subject contains", cond(sympoq.CondSubject, sympoq.OpContains, "invoice", 0), monday10, true},
		{"subject does not contain", cond(sympoq.CondSubject, sympoq.OpContains, "password", 0), monday10, false},
		{"subject matches", cond(sympoq.CondSubject, sympoq.OpMatches, `invoice\s+\d+`, 0), monday10, true},
		{"description matches", cond(sympoq.CondDescription, sympoq.OpMatches, `#[A-Z]-\d{4}\b`, 0), monday10, true},
		{"description does not match", cond(sympoq.CondDescription, sympoq.OpMatches, `^refund`, 0), monday10, false},
		{"topic none", cond(sympoq.CondTopic, sympoq.OpIs, "", 0), monday10, true},
		{"priority is", cond(sympoq.CondPriority, sympoq.OpIs, "", 2), monday10, true},
		{"priority is not", cond(sympoq.CondPriority, sympoq.OpIsNot, "", 2), monday10, false},
		{"custom field is", sympoq.Condition{Field: sympoq.CondCustomField, Op: sympoq.OpIs, Key: "browser", Value: "firefox"}, monday10, true},
		{"custom field absent", sympoq.Condition{Field: sympoq.CondCustomField, Op: sympoq.OpContains, Key: "os", Value: "x"}, monday10, false},
		{"within working time", cond(sympoq.CondWorkingTime, sympoq.OpIs, "", 0), monday10, true},
		{"not within working time on Saturday", cond(sympoq.CondWorkingTime, sympoq.OpIs, "", 0), saturday, false},
		{"outside working time on Saturday", cond(sympoq.CondWorkingTime, sympoq.OpIsNot, "", 0), saturday, true},
		{"status is New", cond(sympoq.CondStatus, sympoq.OpIs, "", 1), monday10, true},
		{"queue is", cond(sympoq.CondQueue, sympoq.OpIs, "", 1), monday10, true},
		{"assignee none", cond(sympoq.CondAssignee, sympoq.OpIs, "", 0), monday10, true},
		{"unknown field", cond("nosuch", sympoq.OpIs, "", 0), monday10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(1, 1, []sympoq.Condition{tc.c}, sympoq.RuleValues{})
			if got := Matches(r, ticket(), customer(), testFacts(tc.now)); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAllAny(t *testing.T) {
	yes := cond(sympoq.CondGroup, sympoq.OpIs, "", 5)
	no := cond(sympoq.CondGroup, sympoq.OpIs, "", 6)
	for _, tc := range []struct {
		match sympoq.MatchMode
		conds []sympoq.Condition
		want  bool
	}{
		{sympoq.MatchAll, []sympoq.Condition{yes, yes}, true},
		{sympoq.MatchAll, []sympoq.Condition{yes, no}, false},
		{sympoq.MatchAny, []sympoq.Condition{no, yes}, true},
		{sympoq.MatchAny, []sympoq.Condition{no, no}, false},
		{sympoq.MatchAll, nil, true},
		{sympoq.MatchAny, nil, true},
	} {
		r := rule(1, 1, tc.conds, sympoq.RuleValues{})
		r.Match = tc.match
		if got := Matches(r, ticket(), customer(), testFacts(monday10)); got != tc.want {
			t.Errorf("%s of %v = %v, want %v", tc.match, tc.conds, got, tc.want)
		}
	}
}

func TestSubmitFirstSetWinsTagsAddUp(t *testing.T) {
	catchAll := &sympoq.Rule{ID: 1, Kind: sympoq.RuleSubmission, Channel: sympoq.ChannelEmail, Active: true, System: true,
		Description: sympoq.CatchAllDescription, Match: sympoq.MatchAll,
		Set: sympoq.RuleValues{Queue: 1, Priority: sympoq.PriorityLow, Tags: []string{"email"}}}
	vip := rule(2, 20, []sympoq.Condition{cond(sympoq.CondGroup, sympoq.OpIs, "", 5)},
		sympoq.RuleValues{Queue: 3, Priority: sympoq.PriorityHigh, Tags: []string{"vip", "Email"}})
	vip.Notify = []sympoq.NotifySpec{{Template: sympoq.TplNewRequest, Recipients: []sympoq.Recipient{{Kind: sympoq.RcptQueueManagers}}}}
	billing := rule(3, 10, []sympoq.Condition{cond(sympoq.CondSubject, sympoq.OpContains, "invoice", 0)},
		sympoq.RuleValues{Queue: 2, Topic: 10, Tags: []string{"billing"}})
	otherChannel := rule(4, 1, nil, sympoq.RuleValues{Queue: 1, Priority: sympoq.PriorityUrgent})
	otherChannel.Channel = sympoq.ChannelAPI
	inactive := rule(5, 1, nil, sympoq.RuleValues{Priority: sympoq.PriorityUrgent})
	inactive.Active = false
	noMatch := rule(6, 5, []sympoq.Condition{cond(sympoq.CondRole, sympoq.OpIs, "Customer Manager", 0)},
		sympoq.RuleValues{Priority: sympoq.PriorityUrgent})

	// Given in a scrambled order: Submit runs them by priority, Catch all last.
	rules := []*sympoq.Rule{catchAll, vip, noMatch, otherChannel, billing, inactive}
	o := Submit(rules, ticket(), customer(), Fixed{}, testFacts(monday10))
	if o.Queue != 2 || o.Topic != 10 || o.Priority != sympoq.PriorityHigh {
		t.Errorf("queue %d topic %d priority %d, want 2 (billing first), 10, High (vip before Catch all)", o.Queue, o.Topic, o.Priority)
	}
	if want := []string{"billing", "vip", "Email"}; !slices.Equal(o.Tags, want) {
		t.Errorf("tags %q, want %q (added up, each once)", o.Tags, want)
	}
	var order []int64
	for _, a := range o.Applied {
		order = append(order, a.Rule.ID)
	}
	if !slices.Equal(order, []int64{3, 2, 1}) {
		t.Errorf("applied rules %v, want [3 2 1]", order)
	}
	if n := o.Notifications(); len(n) != 1 || n[0].Template != sympoq.TplNewRequest || n[0].Recipients[0].Kind != sympoq.RcptQueueManagers {
		t.Errorf("notifications %+v", n)
	}
	// What each rule's event says it set: only what it won.
	if got := strings.Join(o.Applied[1].Set, "; "); got != "priority High; tags vip, Email" {
		t.Errorf("vip rule set %q", got)
	}
	if got := strings.Join(o.Applied[2].Set, "; "); got != "" {
		t.Errorf("catch all set %q, want nothing (all taken, tag email already added)", got)
	}
}

func TestSubmitFixedValuesWin(t *testing.T) {
	r := rule(1, 1, nil, sympoq.RuleValues{Queue: 2, Topic: 11, Priority: sympoq.PriorityUrgent, Tags: []string{"x"}})
	tk := ticket()
	tk.Tags = []string{"X"}
	o := Submit([]*sympoq.Rule{r}, tk, customer(), Fixed{Queue: true, Topic: true, Priority: true}, testFacts(monday10))
	if o.Queue != 0 || o.Topic != 0 || o.Priority != 0 {
		t.Errorf("rule overrode fixed values: %+v", o)
	}
	if len(o.Tags) != 0 {
		t.Errorf("tag already on the ticket added again: %q", o.Tags)
	}
	if len(o.Applied) != 1 {
		t.Errorf("the rule still applies (its event and notifications): %+v", o.Applied)
	}
}

func TestSubmitAssignment(t *testing.T) {
	f := testFacts(monday10)
	named := rule(1, 1, nil, sympoq.RuleValues{Queue: 2, Assign: sympoq.AssignAgent, Agent: 101})
	if o := Submit([]*sympoq.Rule{named}, ticket(), customer(), Fixed{}, f); o.Assignee != 101 || o.RoundRobin != 0 {
		t.Errorf("named agent: %+v", o)
	}
	admin := rule(1, 1, nil, sympoq.RuleValues{Assign: sympoq.AssignAgent, Agent: 200})
	if o := Submit([]*sympoq.Rule{admin}, ticket(), customer(), Fixed{}, f); o.Assignee != 200 {
		t.Errorf("administrator without a role: %+v", o)
	}
	// Least loaded: Ann and Cy have 2, Bob 5; the lower id wins the tie.
	least := rule(1, 1, nil, sympoq.RuleValues{Queue: 2, Assign: sympoq.AssignLeastLoaded})
	if o := Submit([]*sympoq.Rule{least}, ticket(), customer(), Fixed{}, f); o.Assignee != 100 {
		t.Errorf("least loaded = %d, want 100", o.Assignee)
	}
	// Round robin goes through the queue's agents by id.
	rr := rule(9, 1, nil, sympoq.RuleValues{Queue: 2, Assign: sympoq.AssignRoundRobin})
	var got []int64
	for n := int64(0); n < 4; n++ {
		f.RoundRobin[9] = n
		o := Submit([]*sympoq.Rule{rr}, ticket(), customer(), Fixed{}, f)
		if o.RoundRobin != 9 {
			t.Errorf("round robin rule not reported")
		}
		got = append(got, o.Assignee)
	}
	if !slices.Equal(got, []int64{100, 101, 102, 100}) {
		t.Errorf("round robin = %v", got)
	}
	// The assignee is picked in the queue the ticket ends up in, even when
	// a later rule sets that queue.
	early := rule(1, 1, nil, sympoq.RuleValues{Assign: sympoq.AssignLeastLoaded})
	later := rule(2, 2, nil, sympoq.RuleValues{Queue: 3})
	if o := Submit([]*sympoq.Rule{early, later}, ticket(), customer(), Fixed{}, f); o.Assignee != 102 || o.Queue != 3 {
		t.Errorf("assignee %d in queue %d, want 102 in 3", o.Assignee, o.Queue)
	}
	// No agents in the final queue: unassigned, with the reason.
	empty := rule(1, 1, nil, sympoq.RuleValues{Assign: sympoq.AssignRoundRobin})
	o := Submit([]*sympoq.Rule{empty}, ticket(), customer(), Fixed{}, f)
	if o.Assignee != 0 || len(o.Skipped) != 1 || !strings.Contains(o.Skipped[0].Reason, "no active agents") {
		t.Errorf("empty queue: %+v", o)
	}
	// A named agent without a role in the final queue.
	wrong := rule(1, 1, nil, sympoq.RuleValues{Queue: 3, Assign: sympoq.AssignAgent, Agent: 100})
	if o := Submit([]*sympoq.Rule{wrong}, ticket(), customer(), Fixed{}, f); o.Assignee != 0 || len(o.Skipped) != 1 {
		t.Errorf("agent outside the queue: %+v", o)
	}
}

func TestSubmitDeadReferencesSkipped(t *testing.T) {
	f := testFacts(monday10)
	goneQueue := rule(1, 1, nil, sympoq.RuleValues{Queue: 99, Priority: sympoq.PriorityUrgent})
	goneTopic := rule(2, 2, nil, sympoq.RuleValues{Topic: 98})
	goneAgent := rule(3, 3, nil, sympoq.RuleValues{Assign: sympoq.AssignAgent, Agent: 97})
	goneNotify := rule(4, 4, nil, sympoq.RuleValues{})
	goneNotify.Notify = []sympoq.NotifySpec{{Template: "X", Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAgent, User: 96}}}}
	fine := rule(5, 5, nil, sympoq.RuleValues{Priority: sympoq.PriorityLow})
	o := Submit([]*sympoq.Rule{goneQueue, goneTopic, goneAgent, goneNotify, fine}, ticket(), customer(), Fixed{}, f)
	if len(o.Skipped) != 4 || len(o.Applied) != 1 || o.Priority != sympoq.PriorityLow || o.Queue != 0 {
		t.Fatalf("outcome %+v", o)
	}
	for i, want := range []string{"queue 99", "topic 98", "agent 97", "agent 96"} {
		if !strings.Contains(o.Skipped[i].Reason, want) {
			t.Errorf("skip %d reason %q, want it to name %s", i, o.Skipped[i].Reason, want)
		}
	}
}

func TestSubmitDeadlineInWorkingHours(t *testing.T) {
	// Friday 16:00: 3 working hours end Monday 11:00.
	fri := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	r := rule(1, 1, nil, sympoq.RuleValues{DeadlineHours: 3})
	o := Submit([]*sympoq.Rule{r}, ticket(), customer(), Fixed{}, testFacts(fri))
	if want := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC); !o.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", o.Deadline, want)
	}
}

// TestSubmitProperties checks, over random rule sets, the laws of §7: each
// value comes from the first matching rule (by priority, Catch all last)
// that sets it; tags are the union in order without duplicates; and the
// outcome does not depend on the order the rules are given in.
func TestSubmitProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := testFacts(monday10)
	for iter := 0; iter < 500; iter++ {
		n := 1 + rng.IntN(8)
		var rules []*sympoq.Rule
		for i := 0; i < n; i++ {
			var conds []sympoq.Condition
			if rng.IntN(3) == 0 {
				conds = append(conds, cond(sympoq.CondGroup, sympoq.OpIs, "", int64(4+rng.IntN(3)))) // 5 matches
			}
			v := sympoq.RuleValues{}
			if rng.IntN(2) == 0 {
				v.Queue = int64(1 + rng.IntN(3))
			}
			if rng.IntN(2) == 0 {
				v.Priority = sympoq.Priority(1 + rng.IntN(4))
			}
			if rng.IntN(2) == 0 {
				v.Topic = int64(10 + rng.IntN(2))
			}
			for k := rng.IntN(3); k > 0; k-- {
				v.Tags = append(v.Tags, []string{"a", "b", "c", "d"}[rng.IntN(4)])
			}
			r := rule(int64(i+1), rng.IntN(4), conds, v)
			r.System = i == 0 && rng.IntN(2) == 0
			if r.System {
				r.Conditions = nil
			}
			rules = append(rules, r)
		}
		o := Submit(rules, ticket(), customer(), Fixed{}, f)
		// The reference: walk the rules in run order by hand.
		ordered := slices.Clone(rules)
		slices.SortStableFunc(ordered, func(a, b *sympoq.Rule) int {
			if a.System != b.System {
				if a.System {
					return 1
				}
				return -1
			}
			if a.Priority != b.Priority {
				return a.Priority - b.Priority
			}
			return int(a.ID - b.ID)
		})
		var wantQ, wantT int64
		var wantP sympoq.Priority
		var wantTags []string
		for _, r := range ordered {
			if !Matches(r, ticket(), customer(), f) {
				continue
			}
			if wantQ == 0 {
				wantQ = r.Set.Queue
			}
			if wantT == 0 {
				wantT = r.Set.Topic
			}
			if wantP == 0 {
				wantP = r.Set.Priority
			}
			for _, tg := range r.Set.Tags {
				if !slices.Contains(wantTags, tg) {
					wantTags = append(wantTags, tg)
				}
			}
		}
		if o.Queue != wantQ || o.Topic != wantT || o.Priority != wantP || !slices.Equal(o.Tags, wantTags) {
			t.Fatalf("iteration %d: got q%d t%d p%d %q, want q%d t%d p%d %q", iter, o.Queue, o.Topic, o.Priority, o.Tags,
				wantQ, wantT, wantP, wantTags)
		}
		shuffled := slices.Clone(rules)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		o2 := Submit(shuffled, ticket(), customer(), Fixed{}, f)
		if o2.Queue != o.Queue || o2.Topic != o.Topic || o2.Priority != o.Priority || !slices.Equal(o2.Tags, o.Tags) {
			t.Fatalf("iteration %d: outcome depends on the order rules are given in", iter)
		}
	}
}

func TestDue(t *testing.T) {
	now := monday10
	base := func() *sympoq.Ticket {
		tk := ticket()
		tk.Created = now.Add(-100 * time.Hour)
		tk.Updated = now.Add(-50 * time.Hour)
		tk.Deadline = now.Add(-80 * time.Hour)
		tk.Status = sympoq.StatusPending
		tk.LastAgentReply = now.Add(-49 * time.Hour)
		return tk
	}
	sched := func(ev sympoq.TimeEvent, hours int, not ...sympoq.TicketNot) *sympoq.Rule {
		return &sympoq.Rule{ID: 1, Kind: sympoq.RuleScheduled, Active: true, Match: sympoq.MatchAll, Description: "s",
			Time: &sympoq.TimeCondition{Event: ev, Hours: hours}, Not: not}
	}
	f := testFacts(now)
	for _, tc := range []struct {
		name string
		r    *sympoq.Rule
		mod  func(*sympoq.Ticket)
		want bool
	}{
		{"72h after deadline", sched(sympoq.AfterDeadline, 72), nil, true},
		{"96h after deadline not yet", sched(sympoq.AfterDeadline, 96), nil, false},
		{"no deadline", sched(sympoq.AfterDeadline, 1), func(t *sympoq.Ticket) { t.Deadline = time.Time{} }, false},
		{"before deadline", sched(sympoq.BeforeDeadline, 2), func(t *sympoq.Ticket) { t.Deadline = now.Add(time.Hour) }, true},
		{"before deadline, too early", sched(sympoq.BeforeDeadline, 2), func(t *sympoq.Ticket) { t.Deadline = now.Add(3 * time.Hour) }, false},
		{"after created", sched(sympoq.AfterCreated, 100), nil, true},
		{"after created, too early", sched(sympoq.AfterCreated, 101), nil, false},
		{"after last update", sched(sympoq.AfterLastUpdate, 48), nil, true},
		{"after last agent reply", sched(sympoq.AfterLastAgentReply, 48), nil, true},
		{"after last agent reply, none", sched(sympoq.AfterLastAgentReply, 1), func(t *sympoq.Ticket) { t.LastAgentReply = time.Time{} }, false},
		{"after last customer reply counts the submission", sched(sympoq.AfterLastCustomerReply, 99), nil, true},
		{"after last customer reply", sched(sympoq.AfterLastCustomerReply, 48), func(t *sympoq.Ticket) { t.LastCustomerReply = now.Add(-47 * time.Hour) }, false},
		{"not closed, closed", sched(sympoq.AfterCreated, 1, sympoq.NotClosed), func(t *sympoq.Ticket) { t.Status = sympoq.StatusClosed }, false},
		{"not closed, open", sched(sympoq.AfterCreated, 1, sympoq.NotClosed), nil, true},
		{"not responded by customer, waiting", sched(sympoq.AfterCreated, 1, sympoq.NotRespondedByCustomer), nil, true},
		{"not responded by customer, replied", sched(sympoq.AfterCreated, 1, sympoq.NotRespondedByCustomer),
			func(t *sympoq.Ticket) { t.LastCustomerReply = now.Add(-time.Hour) }, false},
		{"not responded by agent, agent replied last", sched(sympoq.AfterCreated, 1, sympoq.NotRespondedByAgent), nil, false},
		{"not responded by agent, customer wrote last", sched(sympoq.AfterCreated, 1, sympoq.NotRespondedByAgent),
			func(t *sympoq.Ticket) { t.LastCustomerReply = now.Add(-time.Hour) }, true},
		{"deleted", sched(sympoq.AfterCreated, 1), func(t *sympoq.Ticket) { t.Deleted = now }, false},
		{"inactive", func() *sympoq.Rule { r := sched(sympoq.AfterCreated, 1); r.Active = false; return r }(), nil, false},
		{"state condition", func() *sympoq.Rule {
			r := sched(sympoq.AfterCreated, 1)
			r.Conditions = []sympoq.Condition{cond(sympoq.CondStatus, sympoq.OpIs, "", int64(sympoq.StatusPending)), cond(sympoq.CondGroup, sympoq.OpIs, "", 5)}
			return r
		}(), nil, true},
		{"state condition fails", func() *sympoq.Rule {
			r := sched(sympoq.AfterCreated, 1)
			r.Conditions = []sympoq.Condition{cond(sympoq.CondStatus, sympoq.OpIs, "", int64(sympoq.StatusNew))}
			return r
		}(), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := base()
			if tc.mod != nil {
				tc.mod(tk)
			}
			if got := Due(tc.r, tk, customer(), f); got != tc.want {
				t.Errorf("Due = %v, want %v", got, tc.want)
			}
		})
	}
}

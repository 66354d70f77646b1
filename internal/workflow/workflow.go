// Package workflow evaluates automation rules (product.md §7) as pure code:
// given a ticket, its customer and the facts the rules may depend on, it says
// which rules apply and what they set or do. It reads no database and keeps
// no state; the desk loads the facts and applies the outcome in its own
// transaction.
package workflow

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/worktime"
)

// Agent is an agent as assignment sees it: active, with a role in a queue,
// and their number of open tickets.
type Agent struct {
	ID   int64
	Name string
	Load int // open (not closed) tickets assigned to them
}

// Facts is what rules may depend on beside the ticket and its customer.
type Facts struct {
	Now      time.Time
	Calendar worktime.Calendar
	// Queues, Topics and Agents name what exists now (id → name; agents:
	// active agents). A rule referring to something absent is skipped.
	Queues map[int64]string
	Topics map[int64]string
	Agents map[int64]string
	// Admins are the active administrators, who may be named as assignee
	// in any queue.
	Admins map[int64]bool
	// QueueAgents lists the active agents with a role in each queue.
	QueueAgents map[int64][]Agent
	// RoundRobin is how many times each rule has assigned by round-robin.
	RoundRobin map[int64]int64
}

// Matches reports whether the rule's conditions hold for t and its customer
// now: all of them, or any one ("any" with no conditions holds, as does
// "all"). System rules have no conditions and always match.
func Matches(r *sympoq.Rule, t *sympoq.Ticket, cust *sympoq.User, f *Facts) bool {
	if len(r.Conditions) == 0 {
		return true
	}
	for i := range r.Conditions {
		ok := holds(&r.Conditions[i], t, cust, f)
		if r.Match == sympoq.MatchAny && ok {
			return true
		}
		if r.Match != sympoq.MatchAny && !ok {
			return false
		}
	}
	return r.Match != sympoq.MatchAny
}

func holds(c *sympoq.Condition, t *sympoq.Ticket, cust *sympoq.User, f *Facts) bool {
	var yes bool
	switch c.Field {
	case sympoq.CondGroup:
		yes = cust != nil && cust.GroupID == c.ID
	case sympoq.CondRole:
		yes = cust != nil && string(cust.Role) == c.Value
	case sympoq.CondEmail:
		yes = cust != nil && emailMatches(cust.Email, c.Value)
	case sympoq.CondTopic:
		yes = t.Topic == c.ID
	case sympoq.CondPriority:
		yes = int64(t.Priority) == c.ID
	case sympoq.CondStatus:
		yes = int64(t.Status) == c.ID
	case sympoq.CondQueue:
		yes = t.Queue == c.ID
	case sympoq.CondAssignee:
		yes = t.Assignee == c.ID
	case sympoq.CondWorkingTime:
		yes = f.Calendar.Within(f.Now)
	case sympoq.CondCompany:
		company := ""
		if cust != nil {
			company = cust.Company
		}
		return textHolds(c, company)
	case sympoq.CondSubject:
		return textHolds(c, t.Subject)
	case sympoq.CondDescription:
		return textHolds(c, t.Description)
	case sympoq.CondCustomField:
		return textHolds(c, t.CustomFields[c.Key])
	default:
		return false // unknown fields never hold
	}
	if c.Op == sympoq.OpIsNot {
		return !yes
	}
	return yes
}

func textHolds(c *sympoq.Condition, s string) bool {
	switch c.Op {
	case sympoq.OpIs:
		return strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(c.Value))
	case sympoq.OpIsNot:
		return !strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(c.Value))
	case sympoq.OpContains:
		return c.Value != "" && strings.Contains(strings.ToLower(s), strings.ToLower(c.Value))
	case sympoq.OpMatches:
		re := c.Regexp()
		return re != nil && re.MatchString(s)
	}
	return false
}

// emailMatches compares an address with a full address or a domain
// ("example.com" or "@example.com", which also covers its subdomains).
func emailMatches(email, want string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	want = strings.ToLower(strings.TrimSpace(want))
	if email == "" || want == "" {
		return false
	}
	if i := strings.Index(want, "@"); i > 0 {
		return email == want
	}
	want = strings.TrimPrefix(want, "@")
	_, domain, ok := strings.Cut(email, "@")
	return ok && (domain == want || strings.HasSuffix(domain, "."+want))
}

// Order sorts rules as they run: custom rules by ascending priority (then
// id), the system Catch all last.
func Order(rules []*sympoq.Rule) {
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.System != b.System {
			return !a.System
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.ID < b.ID
	})
}

// Fixed says which values of a submission are already decided before any
// rule runs (an agent's explicit choice); rules do not overwrite them.
type Fixed struct {
	Queue, Topic, Priority bool
}

// Applied is one rule that matched and was applied.
type Applied struct {
	Rule *sympoq.Rule
	// Set lists what this rule set (first set wins, so a value a rule names
	// but an earlier one had already set is not listed), for its event.
	Set    []string
	Notify []sympoq.NotifySpec
}

// Skipped is a rule that matched but was not applied, and why.
type Skipped struct {
	Rule   *sympoq.Rule
	Reason string
}

// Outcome is what the submission rules decided. Zero values mean "not set
// by a rule"; Tags are the tags the rules add.
type Outcome struct {
	Queue, Topic int64
	Priority     sympoq.Priority
	Assignee     int64
	Deadline     time.Time
	Tags         []string
	Applied      []Applied
	Skipped      []Skipped
	// RoundRobin is the rule whose round-robin counter advanced (0: none).
	RoundRobin int64
	// AssignBy is the rule that picked the assignee (0: none).
	AssignBy int64
}

// Notifications returns the notifications of every applied rule, in order.
func (o *Outcome) Notifications() []sympoq.NotifySpec {
	var out []sympoq.NotifySpec
	for _, a := range o.Applied {
		out = append(out, a.Notify...)
	}
	return out
}

// Submit runs the submission rules of t's channel on t (as submitted, before
// any rule) in order. The first rule to set a value wins; tags add up; every
// matching rule's notifications are kept. The assignee is picked last, among
// the agents of the queue the ticket ends up in. Rules of other channels,
// inactive rules and rules naming something that no longer exists are not
// applied (the last are reported in Skipped).
func Submit(rules []*sympoq.Rule, t *sympoq.Ticket, cust *sympoq.User, fixed Fixed, f *Facts) *Outcome {
	rules = slices.Clone(rules)
	Order(rules)
	o := &Outcome{}
	queue, topic, prio := t.Queue, t.Topic, t.Priority
	queueSet, topicSet, prioSet := fixed.Queue, fixed.Topic, fixed.Priority
	var assign *sympoq.Rule
	deadlineSet := false
	seenTag := map[string]bool{}
	for _, tg := range t.Tags {
		seenTag[strings.ToLower(tg)] = true
	}
	for _, r := range rules {
		if r.Kind != sympoq.RuleSubmission || r.Channel != t.Channel || !r.Active {
			continue
		}
		// Conditions see the ticket as submitted, plus what earlier rules
		// set: a rule may test the topic or priority an earlier one chose.
		view := *t
		view.Queue, view.Topic, view.Priority = queue, topic, prio
		if !Matches(r, &view, cust, f) {
			continue
		}
		if reason := deadReference(r, f); reason != "" {
			o.Skipped = append(o.Skipped, Skipped{Rule: r, Reason: reason})
			continue
		}
		a := Applied{Rule: r, Notify: r.Notify}
		v := r.Set
		if v.Queue != 0 && !queueSet {
			queue, queueSet, o.Queue = v.Queue, true, v.Queue
			a.Set = append(a.Set, "queue "+f.Queues[v.Queue])
		}
		if v.Topic != 0 && !topicSet {
			topic, topicSet, o.Topic = v.Topic, true, v.Topic
			a.Set = append(a.Set, "topic "+f.Topics[v.Topic])
		}
		if v.Priority != 0 && !prioSet {
			prio, prioSet, o.Priority = v.Priority, true, v.Priority
			a.Set = append(a.Set, "priority "+v.Priority.String())
		}
		if v.DeadlineHours > 0 && !deadlineSet {
			deadlineSet = true
			o.Deadline = f.Calendar.Add(f.Now, time.Duration(v.DeadlineHours)*time.Hour).UTC()
			a.Set = append(a.Set, fmt.Sprintf("deadline in %d working hours", v.DeadlineHours))
		}
		if v.Assign != sympoq.AssignNone && assign == nil {
			assign = r
		}
		var added []string
		for _, tg := range v.Tags {
			if k := strings.ToLower(tg); !seenTag[k] {
				seenTag[k] = true
				o.Tags = append(o.Tags, tg)
				added = append(added, tg)
			}
		}
		if len(added) > 0 {
			a.Set = append(a.Set, "tags "+strings.Join(added, ", "))
		}
		o.Applied = append(o.Applied, a)
	}
	if assign != nil {
		agent, reason := pick(assign, queue, f)
		if agent != nil {
			o.Assignee, o.AssignBy = agent.ID, assign.ID
			if assign.Set.Assign == sympoq.AssignRoundRobin {
				o.RoundRobin = assign.ID
			}
			for i := range o.Applied {
				if o.Applied[i].Rule == assign {
					o.Applied[i].Set = append(o.Applied[i].Set, "assignee "+agent.Name)
				}
			}
		} else {
			o.Skipped = append(o.Skipped, Skipped{Rule: assign, Reason: reason})
		}
	}
	return o
}

// pick chooses the assignee of rule r in queue q.
func pick(r *sympoq.Rule, q int64, f *Facts) (*Agent, string) {
	agents := f.QueueAgents[q]
	switch r.Set.Assign {
	case sympoq.AssignAgent:
		for i := range agents {
			if agents[i].ID == r.Set.Agent {
				return &agents[i], ""
			}
		}
		if f.Admins[r.Set.Agent] {
			return &Agent{ID: r.Set.Agent, Name: f.Agents[r.Set.Agent]}, ""
		}
		return nil, fmt.Sprintf("agent %d is not an active agent of queue %s; the ticket stays unassigned", r.Set.Agent, f.Queues[q])
	case sympoq.AssignRoundRobin, sympoq.AssignLeastLoaded:
		if len(agents) == 0 {
			return nil, fmt.Sprintf("queue %s has no active agents; the ticket stays unassigned", f.Queues[q])
		}
		sorted := slices.Clone(agents)
		slices.SortFunc(sorted, func(a, b Agent) int { return int(a.ID - b.ID) })
		if r.Set.Assign == sympoq.AssignRoundRobin {
			n := f.RoundRobin[r.ID]
			return &sorted[int(n%int64(len(sorted)))], ""
		}
		best := &sorted[0]
		for i := range sorted {
			if sorted[i].Load < best.Load {
				best = &sorted[i]
			}
		}
		return best, ""
	}
	return nil, "unknown assignment"
}

// deadReference names a queue, topic or agent the rule sets that no longer
// exists or is inactive; "" when all are there.
func deadReference(r *sympoq.Rule, f *Facts) string {
	v := r.Set
	if v.Queue != 0 {
		if _, ok := f.Queues[v.Queue]; !ok {
			return fmt.Sprintf("queue %d no longer exists", v.Queue)
		}
	}
	if v.Topic != 0 {
		if _, ok := f.Topics[v.Topic]; !ok {
			return fmt.Sprintf("topic %d no longer exists", v.Topic)
		}
	}
	if v.Assign == sympoq.AssignAgent {
		if _, ok := f.Agents[v.Agent]; !ok {
			return fmt.Sprintf("agent %d is no longer an active agent", v.Agent)
		}
	}
	for _, n := range r.Notify {
		for _, rc := range n.Recipients {
			if rc.Kind == sympoq.RcptAgent {
				if _, ok := f.Agents[rc.User]; !ok {
					return fmt.Sprintf("agent %d to notify is no longer an active agent", rc.User)
				}
			}
		}
	}
	return ""
}

// DeadReference is deadReference for scheduled actions, whose move and
// assignment also need the targets to exist.
func DeadReference(r *sympoq.Rule, f *Facts) string { return deadReference(r, f) }

// Due reports whether scheduled action r should fire on t now: its
// conditions, its "is not" list and its time condition all hold. Whether it
// already fired in this episode is the caller's record, not checked here.
func Due(r *sympoq.Rule, t *sympoq.Ticket, cust *sympoq.User, f *Facts) bool {
	if r.Kind != sympoq.RuleScheduled || !r.Active || !t.Deleted.IsZero() {
		return false
	}
	for _, n := range r.Not {
		switch n {
		case sympoq.NotClosed:
			if t.Status == sympoq.StatusClosed {
				return false
			}
		case sympoq.NotRespondedByAgent:
			if RespondedByAgent(t) {
				return false
			}
		case sympoq.NotRespondedByCustomer:
			if RespondedByCustomer(t) {
				return false
			}
		}
	}
	if r.Time != nil {
		from, ok := TimeEventAt(r.Time, t)
		if !ok || f.Now.Before(from) {
			return false
		}
	}
	return Matches(r, t, cust, f)
}

// RespondedByAgent: the latest message of the ticket is an agent reply.
func RespondedByAgent(t *sympoq.Ticket) bool {
	return !t.LastAgentReply.IsZero() && t.LastAgentReply.After(lastCustomerMessage(t))
}

// RespondedByCustomer: the customer has replied since the last agent reply
// (the submission itself is not a reply).
func RespondedByCustomer(t *sympoq.Ticket) bool {
	return !t.LastCustomerReply.IsZero() && t.LastCustomerReply.After(t.LastAgentReply)
}

func lastCustomerMessage(t *sympoq.Ticket) time.Time {
	if t.LastCustomerReply.After(t.Created) {
		return t.LastCustomerReply
	}
	return t.Created
}

// TimeEventAt is the instant from which the time condition holds for t;
// false when the event has not happened (no deadline, no agent reply).
func TimeEventAt(c *sympoq.TimeCondition, t *sympoq.Ticket) (time.Time, bool) {
	h := time.Duration(c.Hours) * time.Hour
	switch c.Event {
	case sympoq.AfterCreated:
		return t.Created.Add(h), true
	case sympoq.BeforeDeadline:
		return t.Deadline.Add(-h), !t.Deadline.IsZero()
	case sympoq.AfterDeadline:
		return t.Deadline.Add(h), !t.Deadline.IsZero()
	case sympoq.AfterLastUpdate:
		return t.Updated.Add(h), true
	case sympoq.AfterLastAgentReply:
		return t.LastAgentReply.Add(h), !t.LastAgentReply.IsZero()
	case sympoq.AfterLastCustomerReply:
		return lastCustomerMessage(t).Add(h), true
	}
	return time.Time{}, false
}

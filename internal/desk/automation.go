package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/workflow"
	"github.com/sympoq/sympoq/internal/worktime"
)

// RuleNotice is one hand-over of notifications by automation: the ticket,
// the event they are about, and the specs.
type RuleNotice struct {
	Ticket *sympoq.Ticket
	Event  *sympoq.Event
	Specs  []sympoq.NotifySpec
}

// WithRuleNotices makes fn see every notification that submission rules
// and scheduled actions produce, as it is handed to the sender (in the
// transaction, before commit).
func WithRuleNotices(fn func(RuleNotice)) Option {
	return func(s *Service) { s.observeRuleNotices = fn }
}

// notify hands specs about t and ev to the notification sender.
func (s *Service) ruleNotify(ctx context.Context, tx *store.Tx, pre *notifyPre, set *sympoq.Settings, t *sympoq.Ticket, ev *sympoq.Event, specs []sympoq.NotifySpec) error {
	if len(specs) == 0 {
		return nil
	}
	if s.observeRuleNotices != nil {
		cp := *t
		s.observeRuleNotices(RuleNotice{Ticket: &cp, Event: ev, Specs: specs})
	}
	return s.notifyAll(ctx, tx, pre, set, t, ev, specs)
}

// calendar is the account's working-time calendar.
func workCalendar(set *sympoq.Settings) worktime.Calendar {
	return worktime.New(set.General.WorkingTime, set.Location())
}

// facts loads what the rules may depend on: queues, topics, active agents,
// each queue's agents, with their open-ticket loads when withLoads (a
// count over the account's open assigned tickets: only least-loaded
// assignment needs it).
func ruleFacts(ctx context.Context, tx *store.Tx, accountID int64, set *sympoq.Settings, now time.Time, withLoads bool) (*workflow.Facts, error) {
	f := &workflow.Facts{Now: now, Calendar: workCalendar(set), Queues: map[int64]string{}, Topics: map[int64]string{},
		Agents: map[int64]string{}, Admins: map[int64]bool{}, QueueAgents: map[int64][]workflow.Agent{},
		RoundRobin: map[int64]int64{}}
	agents, err := tx.ActiveAgents(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		f.Agents[a.ID] = a.Name
		if a.Admin {
			f.Admins[a.ID] = true
		}
	}
	loads := map[int64]int{}
	if withLoads {
		if loads, err = tx.AgentLoads(ctx, accountID); err != nil {
			return nil, err
		}
	}
	qs, err := tx.Queues(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		f.Queues[q.ID] = q.Name
		for _, p := range q.Permissions {
			if name, ok := f.Agents[p.Agent]; ok {
				f.QueueAgents[q.ID] = append(f.QueueAgents[q.ID], workflow.Agent{ID: p.Agent, Name: name, Load: loads[p.Agent]})
			}
		}
	}
	ts, err := tx.Topics(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		f.Topics[t.ID] = t.Name
	}
	return f, nil
}

func roundRobinCounter(ruleID int64) string { return fmt.Sprintf("rule_rr:%d", ruleID) }

// submissionRules runs the submission rules of t's channel on t before it is
// inserted, inside the submission's transaction, and sets what they decide:
// queue, topic, priority, assignee, tags, deadline. Then the service targets
// of the final priority give the deadline (unless a rule set one) and the
// first-response due time.
//
// Explicit values win: an agent's (or an agent's API key's) queue, topic and
// priority, and any submitter's topic, are kept; rules fill in only what the
// submission left open, and a customer's priority is a wish rules may
// change. Tags always add up.
//
// rules are the submission rules of the ticket's channel (read ahead by
// Submit, on the read pool, so that the writer does not read them).
func (s *Service) submissionRules(ctx context.Context, tx *store.Tx, set *sympoq.Settings, t *sympoq.Ticket, cust *sympoq.User, fixed workflow.Fixed, rules []*sympoq.Rule) (*workflow.Outcome, error) {
	now := tx.Now()
	var err error
	// Rules that can do nothing (a fresh Catch all) need no facts.
	active, loads := false, false
	for _, r := range rules {
		if r.Active && r.Kind == sympoq.RuleSubmission && r.Channel == t.Channel && (!r.Set.Empty() || len(r.Notify) > 0) {
			active = true
			loads = loads || r.Set.Assign == sympoq.AssignLeastLoaded
		}
	}
	var o *workflow.Outcome
	var f *workflow.Facts
	if active {
		if f, err = ruleFacts(ctx, tx, t.AccountID, set, now, loads); err != nil {
			return nil, err
		}
		for _, r := range rules {
			if r.Set.Assign == sympoq.AssignRoundRobin {
				if f.RoundRobin[r.ID], err = tx.Counter(ctx, t.AccountID, roundRobinCounter(r.ID)); err != nil {
					return nil, err
				}
			}
		}
		o = workflow.Submit(rules, t, cust, fixed, f)
		if o.RoundRobin != 0 {
			// Take the turn; if another submission took it meanwhile, pick
			// again with the turn this one got.
			n, err := tx.NextCounter(ctx, t.AccountID, roundRobinCounter(o.RoundRobin))
			if err != nil {
				return nil, err
			}
			if n-1 != f.RoundRobin[o.RoundRobin] {
				f.RoundRobin[o.RoundRobin] = n - 1
				o = workflow.Submit(rules, t, cust, fixed, f)
			}
		}
	} else {
		o = &workflow.Outcome{}
	}
	if o.Queue != 0 {
		t.Queue = o.Queue
	}
	if o.Topic != 0 {
		t.Topic = o.Topic
	}
	if o.Priority != 0 {
		t.Priority = o.Priority
	}
	if len(o.Tags) > 0 {
		t.Tags = append(t.Tags, o.Tags...)
		if err := createTags(ctx, tx, t.AccountID, o.Tags); err != nil {
			return nil, err
		}
	}
	if o.Assignee != 0 {
		t.Assignee, t.AssignedOn = o.Assignee, now
		t.Status = sympoq.NextStatus(t.Status, sympoq.EvAssign, true, sympoq.TransitionRules{}).Status
	}
	cal := workCalendar(set)
	target := set.ServiceTargets.For(t.Priority)
	if !o.Deadline.IsZero() {
		t.Deadline = o.Deadline
	} else if d, err := cal.Target(target.Resolution); err == nil && d > 0 {
		t.Deadline = cal.Add(now, d).UTC()
	}
	if d, err := cal.Target(target.FirstResponse); err == nil && d > 0 {
		t.ResponseDue = cal.Add(now, d).UTC()
	}
	return o, nil
}

// recordSubmissionRules writes, after the ticket and its Submitted event,
// one Rule event per applied rule that has values or notifications, one per
// skipped rule (and the Assign event of a
// rule's assignment), and hands each applied rule's notifications over with
// its event.
func (s *Service) recordSubmissionRules(ctx context.Context, tx *store.Tx, pre *notifyPre, set *sympoq.Settings, t *sympoq.Ticket, o *workflow.Outcome, agentName func(int64) string) error {
	now := tx.Now()
	ev := func(action sympoq.EventAction, desc string) (*sympoq.Event, error) {
		e := &sympoq.Event{AccountID: t.AccountID, Ticket: t.ID, Date: now, Action: action, Description: desc,
			Visibility: sympoq.Internal}
		return e, tx.AddEvent(ctx, e)
	}
	if o.Assignee != 0 {
		e := &sympoq.Event{AccountID: t.AccountID, Ticket: t.ID, Date: now, Action: sympoq.EvAssign,
			Description: agentName(o.Assignee), Visibility: sympoq.Public}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
	}
	for _, a := range o.Applied {
		if a.Rule.Set.Empty() && len(a.Rule.Notify) == 0 {
			continue // a rule with nothing to do (a fresh Catch all) leaves no trace
		}
		desc := fmt.Sprintf("Rule %q applied", a.Rule.Description)
		if len(a.Set) > 0 {
			desc += ": " + strings.Join(a.Set, "; ")
		}
		e, err := ev(sympoq.EvRule, desc)
		if err != nil {
			return err
		}
		if err := s.ruleNotify(ctx, tx, pre, set, t, e, a.Notify); err != nil {
			return err
		}
	}
	for _, sk := range o.Skipped {
		if _, err := ev(sympoq.EvRule, fmt.Sprintf("Rule %q skipped: %s", sk.Rule.Description, sk.Reason)); err != nil {
			return err
		}
	}
	return nil
}

// Breach descriptions, the start of the Rule event that records a breach.
const (
	BreachFirstResponse = "Service target breached: first response"
	BreachResolution    = "Service target breached: resolution"
)

// breaches records, on t at now, each service target that has passed unmet
// and is not yet recorded: the first response (no agent reply by its due
// time) and the resolution (not closed by the deadline). Each is recorded
// once: a time on the ticket row and an internal Rule event. responded and
// closed are the instants of a reply or close being recorded right now (the
// target was met if they came in time).
func dueBreaches(t *sympoq.Ticket, set *sympoq.Settings, now time.Time) []*sympoq.Event {
	var out []*sympoq.Event
	loc := set.Location()
	ev := func(what string, due time.Time) {
		out = append(out, &sympoq.Event{AccountID: t.AccountID, Ticket: t.ID, Date: now, Action: sympoq.EvRule,
			Description: fmt.Sprintf("%s was due %s (%s)", what, due.In(loc).Format(set.General.DateFormat), t.Priority),
			Visibility:  sympoq.Internal})
	}
	if t.ResponseBreached.IsZero() && !t.ResponseDue.IsZero() && t.ResponseDue.Before(now) &&
		(t.Responded.IsZero() || t.Responded.After(t.ResponseDue)) {
		t.ResponseBreached = now
		ev(BreachFirstResponse, t.ResponseDue)
	}
	if t.ResolutionBreached.IsZero() && !t.Deadline.IsZero() && t.Deadline.Before(now) &&
		(t.ClosedOn.IsZero() || t.ClosedOn.After(t.Deadline)) {
		t.ResolutionBreached = now
		ev(BreachResolution, t.Deadline)
	}
	return out
}

// checkBreaches records the breaches of the ticket being changed, as part
// of the change (a reply or close that comes too late).
func (c *change) checkBreaches() {
	c.events = append(c.events, dueBreaches(c.t, c.set, c.tx.Now())...)
}

// retarget recomputes the first-response due time from the new priority's
// target while the ticket awaits its first reply (the deadline stays: it
// is shown and set explicitly).
func (c *change) retarget() {
	if !c.t.Responded.IsZero() || !c.t.ResponseBreached.IsZero() {
		return
	}
	cal := workCalendar(c.set)
	if d, err := cal.Target(c.set.ServiceTargets.For(c.t.Priority).FirstResponse); err == nil && d > 0 {
		c.t.ResponseDue = cal.Add(c.t.Created, d).UTC()
	}
}

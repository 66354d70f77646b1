package sympoq

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// RuleKind tells the two kinds of automation rule apart (product.md §7).
type RuleKind string

const (
	RuleSubmission RuleKind = "submission" // run on a new request of its channel
	RuleScheduled  RuleKind = "scheduled"  // checked by the scheduler every minute
)

// MatchMode says whether all conditions or any one must hold.
type MatchMode string

const (
	MatchAll MatchMode = "all"
	MatchAny MatchMode = "any"
)

// CondField is what a condition tests.
type CondField string

// The condition fields. Status, queue and assignee describe the ticket's
// state and are for scheduled actions only.
const (
	CondGroup       CondField = "group"        // customer group id (0: none)
	CondRole        CondField = "role"         // customer role
	CondEmail       CondField = "email"        // customer address, or a domain
	CondCompany     CondField = "company"      // customer company
	CondSubject     CondField = "subject"      // ticket subject
	CondDescription CondField = "description"  // ticket description
	CondTopic       CondField = "topic"        // topic id (0: none)
	CondPriority    CondField = "priority"     // priority id
	CondCustomField CondField = "custom_field" // a custom field's stored value (Key)
	CondWorkingTime CondField = "working_time" // now is inside working time
	CondStatus      CondField = "status"       // status id
	CondQueue       CondField = "queue"        // queue id
	CondAssignee    CondField = "assignee"     // agent id (0: unassigned)
)

// CondOp is how a condition compares.
type CondOp string

const (
	OpIs       CondOp = "is"
	OpIsNot    CondOp = "is_not"
	OpContains CondOp = "contains" // case-insensitive substring
	OpMatches  CondOp = "matches"  // RE2 regular expression
)

// Limits of rules.
const (
	MaxRuleConditions = 50
	MaxPatternLen     = 500 // bytes of a regular expression
	MaxRuleHours      = 24 * 365
	MaxRuleTags       = 20
	MaxRuleNotify     = 10
	MaxRecipients     = 50
)

// Condition is one test of a rule. ID carries ids (group, topic, priority,
// status, queue, assignee), Value text (role, email or domain, company,
// subject, description, custom field value) and Key the custom field key.
type Condition struct {
	Field CondField `json:"field"`
	Op    CondOp    `json:"op"`
	Value string    `json:"value,omitempty"`
	ID    int64     `json:"id,omitempty"`
	Key   string    `json:"key,omitempty"`

	re *regexp.Regexp // compiled Value for OpMatches
}

// Regexp returns the compiled pattern of a matches condition, compiling it
// on first use; nil when it does not compile (Validate refuses those).
func (c *Condition) Regexp() *regexp.Regexp {
	if c.re == nil && c.Op == OpMatches {
		c.re, _ = regexp.Compile("(?i)" + c.Value)
	}
	return c.re
}

// AssignMode is how a rule picks an assignee.
type AssignMode string

const (
	AssignNone        AssignMode = ""
	AssignAgent       AssignMode = "agent"        // the named agent (RuleValues.Agent)
	AssignRoundRobin  AssignMode = "round_robin"  // the queue's agents in turn
	AssignLeastLoaded AssignMode = "least_loaded" // the queue's agent with the fewest open tickets
)

// RuleValues are what a rule sets. Submission rules use queue, topic,
// assign, deadline hours (working hours from submission), priority and tags;
// scheduled actions use priority, assign, queue (move), status, close and
// tags. Zero means "not set".
type RuleValues struct {
	Queue         int64      `json:"queue,omitempty"`
	Topic         int64      `json:"topic,omitempty"`
	Assign        AssignMode `json:"assign,omitempty"`
	Agent         int64      `json:"agent,omitempty"`
	DeadlineHours int        `json:"deadline_hours,omitempty"`
	Priority      Priority   `json:"priority,omitempty"`
	Status        Status     `json:"status,omitempty"`
	Close         bool       `json:"close,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
}

// Empty reports whether v sets nothing.
func (v RuleValues) Empty() bool {
	return v.Queue == 0 && v.Topic == 0 && v.Assign == AssignNone && v.DeadlineHours == 0 && v.Priority == 0 &&
		v.Status == 0 && !v.Close && len(v.Tags) == 0
}

// TicketNot names what a scheduled action requires the ticket not to be.
type TicketNot string

const (
	// NotRespondedByAgent: the latest message is not an agent reply (the
	// customer is waiting for the desk).
	NotRespondedByAgent TicketNot = "responded_by_agent"
	// NotRespondedByCustomer: the customer has not replied since the last
	// agent reply (the desk is waiting for the customer).
	NotRespondedByCustomer TicketNot = "responded_by_customer"
	NotClosed              TicketNot = "closed"
)

// TimeEvent is the instant a scheduled action's duration counts from.
type TimeEvent string

const (
	AfterCreated           TimeEvent = "after_created"
	BeforeDeadline         TimeEvent = "before_deadline"
	AfterDeadline          TimeEvent = "after_deadline"
	AfterLastUpdate        TimeEvent = "after_last_update"
	AfterLastAgentReply    TimeEvent = "after_last_agent_reply"
	AfterLastCustomerReply TimeEvent = "after_last_customer_reply"
)

// TimeCondition is "Hours hours Event"; hours are wall-clock hours.
type TimeCondition struct {
	Event TimeEvent `json:"event"`
	Hours int       `json:"hours"`
}

// Rule is a submission rule or a scheduled action (product.md §7).
type Rule struct {
	ID          int64
	AccountID   int64
	Kind        RuleKind
	Channel     Channel // submission rules
	Priority    int     // run order, ascending
	Description string
	Active      bool
	System      bool // the channel's undeletable Catch all, run last
	Match       MatchMode
	Conditions  []Condition
	Set         RuleValues
	Not         []TicketNot    // scheduled actions
	Time        *TimeCondition // scheduled actions
	Notify      []NotifySpec
	Created     time.Time
	Updated     time.Time
}

// CatchAllDescription is the description of every channel's system rule.
const CatchAllDescription = "Catch all"

var condOps = map[CondField][]CondOp{
	CondGroup: {OpIs, OpIsNot}, CondRole: {OpIs, OpIsNot}, CondEmail: {OpIs, OpIsNot},
	CondCompany: {OpIs, OpIsNot, OpContains, OpMatches}, CondSubject: {OpIs, OpIsNot, OpContains, OpMatches},
	CondDescription: {OpIs, OpIsNot, OpContains, OpMatches}, CondTopic: {OpIs, OpIsNot},
	CondPriority: {OpIs, OpIsNot}, CondCustomField: {OpIs, OpIsNot, OpContains, OpMatches},
	CondWorkingTime: {OpIs, OpIsNot}, CondStatus: {OpIs, OpIsNot}, CondQueue: {OpIs, OpIsNot},
	CondAssignee: {OpIs, OpIsNot},
}

// Validate checks the rule's own shape (not its references to queues, agents
// and so on, which need the store): field paths as the API names them.
func (r *Rule) Validate() error {
	var p Problems
	CheckText(&p, "description", r.Description, MaxNameLen, false)
	if strings.TrimSpace(r.Description) == "" {
		p.Add("description", FieldMissing, "is required")
	}
	if r.Kind == RuleSubmission && !r.Channel.Valid() {
		p.Add("channel", FieldInvalid, "must be one of 1 (Form), 2 (Email), 3 (API), 4 (Phone)")
	}
	if r.Priority < 0 || r.Priority > 1_000_000 {
		p.Add("priority", FieldInvalid, "must be from 0 to 1000000")
	}
	if r.Match != MatchAll && r.Match != MatchAny {
		p.Add("match", FieldInvalid, `must be "all" or "any"`)
	}
	if r.System && len(r.Conditions) > 0 {
		p.Add("conditions", FieldInvalid, "the Catch all rule has no conditions")
	}
	if len(r.Conditions) > MaxRuleConditions {
		p.Add("conditions", FieldInvalid, "may hold at most %d conditions", MaxRuleConditions)
	}
	for i := range r.Conditions {
		r.Conditions[i].validate(&p, fmt.Sprintf("conditions[%d]", i), r.Kind)
	}
	v := r.Set
	if v.Priority != 0 && !v.Priority.Valid() {
		p.Add("set.priority", FieldInvalid, "must be one of 1, 2, 3, 4")
	}
	if v.Queue < 0 || v.Topic < 0 || v.Agent < 0 {
		p.Add("set", FieldInvalid, "ids must be positive")
	}
	switch v.Assign {
	case AssignNone:
		if v.Agent != 0 {
			p.Add("set.agent", FieldInvalid, `is only used with "assign": "agent"`)
		}
	case AssignAgent:
		if v.Agent == 0 {
			p.Add("set.agent", FieldMissing, `is required with "assign": "agent"`)
		}
	case AssignRoundRobin, AssignLeastLoaded:
		if v.Agent != 0 {
			p.Add("set.agent", FieldInvalid, `is only used with "assign": "agent"`)
		}
	default:
		p.Add("set.assign", FieldInvalid, `must be "agent", "round_robin" or "least_loaded"`)
	}
	if len(v.Tags) > MaxRuleTags {
		p.Add("set.tags", FieldInvalid, "may hold at most %d tags", MaxRuleTags)
	}
	for i, t := range v.Tags {
		f := fmt.Sprintf("set.tags[%d]", i)
		CheckText(&p, f, t, MaxTagLen, false)
		if strings.TrimSpace(t) == "" || strings.ContainsAny(t, ",\t") {
			p.Add(f, FieldInvalid, "must be a non-empty name without commas")
		}
	}
	switch r.Kind {
	case RuleSubmission:
		if v.DeadlineHours < 0 || v.DeadlineHours > MaxRuleHours {
			p.Add("set.deadline_hours", FieldInvalid, "must be from 1 to %d working hours", MaxRuleHours)
		}
		if v.Status != 0 {
			p.Add("set.status", FieldUnknown, "is set by scheduled actions, not submission rules")
		}
		if v.Close {
			p.Add("set.close", FieldUnknown, "is set by scheduled actions, not submission rules")
		}
		if len(r.Not) > 0 {
			p.Add("not", FieldUnknown, "is a condition of scheduled actions")
		}
		if r.Time != nil {
			p.Add("time", FieldUnknown, "is a condition of scheduled actions")
		}
	case RuleScheduled:
		if v.Topic != 0 {
			p.Add("set.topic", FieldUnknown, "is set by submission rules, not scheduled actions")
		}
		if v.DeadlineHours != 0 {
			p.Add("set.deadline_hours", FieldUnknown, "is set by submission rules, not scheduled actions")
		}
		if v.Assign == AssignRoundRobin || v.Assign == AssignLeastLoaded {
			p.Add("set.assign", FieldInvalid, `scheduled actions assign a named agent: "agent"`)
		}
		if v.Status != 0 && !v.Status.Valid() {
			p.Add("set.status", FieldInvalid, "must be one of 1, 2, 3, 4")
		}
		if v.Status != 0 && v.Close {
			p.Add("set.status", FieldInvalid, "contradicts close: set one of them")
		}
		seen := map[TicketNot]bool{}
		for i, n := range r.Not {
			switch n {
			case NotRespondedByAgent, NotRespondedByCustomer, NotClosed:
			default:
				p.Add(fmt.Sprintf("not[%d]", i), FieldInvalid, `must be "responded_by_agent", "responded_by_customer" or "closed"`)
			}
			if seen[n] {
				p.Add(fmt.Sprintf("not[%d]", i), FieldDuplicate, "is listed twice")
			}
			seen[n] = true
		}
		if seen[NotClosed] && v.Status == StatusClosed {
			p.Add("set.status", FieldInvalid, "cannot be Closed")
		}
		if r.Time == nil {
			p.Add("time", FieldMissing, `is required: {"event": ..., "hours": ...}`)
		} else {
			switch r.Time.Event {
			case AfterCreated, BeforeDeadline, AfterDeadline, AfterLastUpdate, AfterLastAgentReply, AfterLastCustomerReply:
			default:
				p.Add("time.event", FieldInvalid, "must be one of after_created, before_deadline, after_deadline, after_last_update, after_last_agent_reply, after_last_customer_reply")
			}
			if r.Time.Hours < 0 || r.Time.Hours > MaxRuleHours {
				p.Add("time.hours", FieldInvalid, "must be from 0 to %d", MaxRuleHours)
			}
		}
		if v.Empty() && len(r.Notify) == 0 {
			p.Add("set", FieldMissing, "a scheduled action needs something to do: set values or notify")
		}
	default:
		p.Add("kind", FieldInvalid, "must be submission or scheduled")
	}
	if len(r.Notify) > MaxRuleNotify {
		p.Add("notify", FieldInvalid, "may hold at most %d notifications", MaxRuleNotify)
	}
	for i, n := range r.Notify {
		f := fmt.Sprintf("notify[%d]", i)
		if strings.TrimSpace(n.Template) == "" {
			p.Add(f+".template", FieldMissing, "is required")
		}
		CheckText(&p, f+".template", n.Template, MaxNameLen, false)
		if len(n.Recipients) == 0 {
			p.Add(f+".recipients", FieldMissing, "needs at least one recipient")
		}
		if len(n.Recipients) > MaxRecipients {
			p.Add(f+".recipients", FieldInvalid, "may hold at most %d recipients", MaxRecipients)
		}
		for j, rc := range n.Recipients {
			g := fmt.Sprintf("%s.recipients[%d]", f, j)
			switch rc.Kind {
			case RcptCustomer, RcptAssignee, RcptQueueManagers, RcptQueueAgents:
			case RcptAgent:
				if rc.User <= 0 {
					p.Add(g+".agent", FieldMissing, "is required for a named agent")
				}
			case RcptAddress:
				if code, msg := ValidateEmail(rc.Address); code != "" {
					p.Add(g+".address", code, "%s", msg)
				}
			default:
				p.Add(g+".kind", FieldInvalid, "must be customer, assignee, queue_managers, queue_agents, agent or address")
			}
		}
	}
	return p.Err()
}

func (c *Condition) validate(p *Problems, f string, kind RuleKind) {
	ops, ok := condOps[c.Field]
	if !ok {
		p.Add(f+".field", FieldInvalid, "must be one of group, role, email, company, subject, description, topic, priority, custom_field, working_time, status, queue, assignee")
		return
	}
	if kind == RuleSubmission && (c.Field == CondStatus || c.Field == CondQueue || c.Field == CondAssignee) {
		p.Add(f+".field", FieldInvalid, "%s is ticket state, tested by scheduled actions only", c.Field)
	}
	okOp := false
	for _, o := range ops {
		okOp = okOp || o == c.Op
	}
	if !okOp {
		p.Add(f+".op", FieldInvalid, "must be one of %q for %s", ops, c.Field)
		return
	}
	switch c.Field {
	case CondGroup, CondTopic, CondAssignee:
		if c.ID < 0 {
			p.Add(f+".id", FieldInvalid, "must be an id, or 0 for none")
		}
	case CondQueue:
		if c.ID <= 0 {
			p.Add(f+".id", FieldMissing, "must be the id of a queue")
		}
	case CondPriority:
		if !Priority(c.ID).Valid() {
			p.Add(f+".id", FieldInvalid, "must be one of 1, 2, 3, 4")
		}
	case CondStatus:
		if !Status(c.ID).Valid() {
			p.Add(f+".id", FieldInvalid, "must be one of 1, 2, 3, 4")
		}
	case CondRole:
		if CustomerRole(c.Value) != RoleCustomer && CustomerRole(c.Value) != RoleCustomerManager {
			p.Add(f+".value", FieldInvalid, "must be %q or %q", RoleCustomer, RoleCustomerManager)
		}
	case CondEmail:
		v := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(c.Value)), "@")
		if v == "" || strings.ContainsAny(v, " \t\r\n") || strings.HasPrefix(v, ".") || !strings.Contains(v, ".") {
			p.Add(f+".value", FieldInvalid, "must be an email address or a domain such as example.com")
		}
	case CondCustomField:
		if strings.TrimSpace(c.Key) == "" {
			p.Add(f+".key", FieldMissing, "is required: the custom field's key")
		}
	}
	switch c.Field {
	case CondCompany, CondSubject, CondDescription, CondCustomField:
		if c.Op == OpMatches {
			if len(c.Value) > MaxPatternLen {
				p.Add(f+".value", FieldInvalid, "a pattern may be at most %d bytes", MaxPatternLen)
			} else if _, err := regexp.Compile("(?i)" + c.Value); err != nil {
				p.Add(f+".value", FieldInvalid, "is not a valid regular expression: %v", err)
			}
		} else {
			CheckText(p, f+".value", c.Value, MaxNameLen, false)
			if c.Op == OpContains && c.Value == "" {
				p.Add(f+".value", FieldMissing, "is required")
			}
		}
	}
}

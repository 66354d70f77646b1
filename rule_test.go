package sympoq

import (
	"errors"
	"strings"
	"testing"
)

func TestRuleValidate(t *testing.T) {
	sub := func(mod func(r *Rule)) *Rule {
		r := &Rule{Kind: RuleSubmission, Channel: ChannelEmail, Description: "r", Match: MatchAll, Active: true}
		if mod != nil {
			mod(r)
		}
		return r
	}
	sched := func(mod func(r *Rule)) *Rule {
		r := &Rule{Kind: RuleScheduled, Description: "s", Match: MatchAny, Active: true,
			Time: &TimeCondition{Event: AfterDeadline, Hours: 72}, Set: RuleValues{Priority: PriorityUrgent}}
		if mod != nil {
			mod(r)
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		r      *Rule
		fields []string // empty: valid
	}{
		{"plain submission rule", sub(nil), nil},
		{"full submission rule", sub(func(r *Rule) {
			r.Conditions = []Condition{{Field: CondEmail, Op: OpIs, Value: "@example.com"}, {Field: CondSubject, Op: OpMatches, Value: `^re:\s`},
				{Field: CondCustomField, Op: OpContains, Key: "os", Value: "mac"}, {Field: CondWorkingTime, Op: OpIsNot}}
			r.Set = RuleValues{Queue: 2, Assign: AssignLeastLoaded, DeadlineHours: 8, Tags: []string{"a"}}
			r.Notify = []NotifySpec{{Template: TplNewRequest, Recipients: []Recipient{{Kind: RcptAgent, User: 3}, {Kind: RcptAddress, Address: "a@b.example"}}}}
		}), nil},
		{"plain scheduled action", sched(nil), nil},
		{"catch all with conditions", sub(func(r *Rule) {
			r.System = true
			r.Conditions = []Condition{{Field: CondGroup, Op: OpIs, ID: 1}}
		}), []string{"conditions"}},
		{"match mode", sub(func(r *Rule) { r.Match = "most" }), []string{"match"}},
		{"priority id", sub(func(r *Rule) { r.Conditions = []Condition{{Field: CondPriority, Op: OpIs, ID: 9}} }), []string{"conditions[0].id"}},
		{"role", sub(func(r *Rule) { r.Conditions = []Condition{{Field: CondRole, Op: OpIs, Value: "King"}} }), []string{"conditions[0].value"}},
		{"email", sub(func(r *Rule) { r.Conditions = []Condition{{Field: CondEmail, Op: OpIs, Value: "no domain"}} }), []string{"conditions[0].value"}},
		{"custom field without key", sub(func(r *Rule) { r.Conditions = []Condition{{Field: CondCustomField, Op: OpIs, Value: "x"}} }), []string{"conditions[0].key"}},
		{"empty contains", sub(func(r *Rule) { r.Conditions = []Condition{{Field: CondSubject, Op: OpContains}} }), []string{"conditions[0].value"}},
		{"agent without assign", sub(func(r *Rule) { r.Set.Agent = 4 }), []string{"set.agent"}},
		{"assign agent without agent", sub(func(r *Rule) { r.Set.Assign = AssignAgent }), []string{"set.agent"}},
		{"unknown assign", sub(func(r *Rule) { r.Set.Assign = "lottery" }), []string{"set.assign"}},
		{"tags", sub(func(r *Rule) { r.Set.Tags = []string{"a,b", " "} }), []string{"set.tags[0]", "set.tags[1]"}},
		{"scheduled fields on submission", sub(func(r *Rule) {
			r.Set.Status, r.Set.Close = StatusClosed, true
			r.Not = []TicketNot{NotClosed}
			r.Time = &TimeCondition{Event: AfterCreated}
		}), []string{"set.status", "set.close", "not", "time"}},
		{"submission fields on scheduled", sched(func(r *Rule) { r.Set.Topic, r.Set.DeadlineHours = 1, 2 }), []string{"set.topic", "set.deadline_hours"}},
		{"not closed but closes", sched(func(r *Rule) { r.Not = []TicketNot{NotClosed}; r.Set.Status = StatusClosed }), []string{"set.status"}},
		{"duplicate not", sched(func(r *Rule) { r.Not = []TicketNot{NotClosed, NotClosed} }), []string{"not[1]"}},
		{"hours", sched(func(r *Rule) { r.Time.Hours = MaxRuleHours + 1 }), []string{"time.hours"}},
		{"notify", sub(func(r *Rule) {
			r.Notify = []NotifySpec{{Template: "X", Recipients: []Recipient{{Kind: RcptAgent}}}, {Template: "Y"}}
		}), []string{"notify[0].recipients[0].agent", "notify[1].recipients"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatalf("valid rule refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want field errors %v", err, tc.fields)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			for _, f := range tc.fields {
				if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+f+" ") {
					t.Errorf("no error for %s; got %v", f, got)
				}
			}
		})
	}
}

package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// RuleInput creates or changes a submission rule or a scheduled action.
type RuleInput struct {
	Description Opt[string]               `json:"description"`
	Channel     Opt[sympoq.Channel]       `json:"channel"`
	Priority    Opt[int]                  `json:"priority"`
	Active      Opt[bool]                 `json:"active"`
	Match       Opt[sympoq.MatchMode]     `json:"match"`
	Conditions  Opt[[]sympoq.Condition]   `json:"conditions"`
	Set         Opt[sympoq.RuleValues]    `json:"set"`
	Not         Opt[[]sympoq.TicketNot]   `json:"not"`
	Time        Opt[sympoq.TimeCondition] `json:"time"`
	Notify      Opt[[]NotifyInput]        `json:"notify"`
	ID          Opt[json.RawMessage]      `json:"id"`
	System      Opt[json.RawMessage]      `json:"system"`
	Pending     Opt[json.RawMessage]      `json:"pending"`
}

// NotifyInput is one notification of a rule.
type NotifyInput struct {
	Template   string          `json:"template"`
	Recipients []RuleRecipient `json:"recipients"`
}

// RuleRecipient is one recipient of a rule's notification: a kind, with agent or address.
type RuleRecipient struct {
	Kind    sympoq.RecipientKind `json:"kind"`
	User    int64                `json:"user,omitempty"`
	Address string               `json:"address,omitempty"`
}

// Rules lists the rules of a kind (submission rules of one channel when
// channel is not 0) in run order, to agents.
func (s *Service) Rules(ctx context.Context, a Actor, kind sympoq.RuleKind, channel sympoq.Channel) ([]*sympoq.Rule, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Rules(ctx, a.AccountID, store.RuleFilter{Kind: kind, Channel: channel})
}

// Rule returns one rule of a kind, to agents.
func (s *Service) Rule(ctx context.Context, a Actor, kind sympoq.RuleKind, id int64) (*sympoq.Rule, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Rule(ctx, a.AccountID, kind, id)
}

// SaveRule creates (id 0) or changes a rule, refusing with field errors a
// rule whose shape is wrong or whose references (queues, topics, groups,
// agents, custom fields) do not exist. The Catch all rules can be changed
// (values, notifications, active) but keep no conditions.
func (s *Service) SaveRule(ctx context.Context, a Actor, kind sympoq.RuleKind, id int64, in RuleInput) (*sympoq.Rule, error) {
	var r *sympoq.Rule
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set, "system": in.System.Set, "pending": in.Pending.Set})
		if id == 0 {
			r = &sympoq.Rule{AccountID: a.AccountID, Kind: kind, Active: true, Match: sympoq.MatchAll, Created: tx.Now()}
			if kind == sympoq.RuleSubmission {
				if !in.Channel.Set {
					p.Add("channel", sympoq.FieldMissing, "is required: 1 (Form), 2 (Email), 3 (API) or 4 (Phone)")
				}
				r.Channel = in.Channel.V
			}
		} else {
			var err error
			if r, err = tx.Rule(ctx, a.AccountID, kind, id); err != nil {
				return err
			}
			if in.Channel.Set && in.Channel.V != r.Channel {
				p.Add("channel", sympoq.FieldReadonly, "cannot change; create a rule in the other channel")
			}
		}
		if kind == sympoq.RuleScheduled && in.Channel.Set {
			p.Add("channel", sympoq.FieldUnknown, "is for submission rules")
		}
		if in.Description.Set {
			r.Description = strings.TrimSpace(in.Description.V)
		}
		if in.Priority.Set {
			r.Priority = in.Priority.V
		}
		boolean(&p, "active", in.Active, &r.Active)
		if in.Match.Set {
			r.Match = in.Match.V
		}
		if in.Conditions.Set {
			r.Conditions = in.Conditions.V
		}
		if in.Set.Set {
			r.Set = in.Set.V
		}
		if in.Not.Set {
			r.Not = in.Not.V
		}
		if in.Time.Set {
			if in.Time.Null {
				r.Time = nil
			} else {
				tc := in.Time.V
				r.Time = &tc
			}
		}
		if in.Notify.Set {
			r.Notify = nil
			for _, n := range in.Notify.V {
				spec := sympoq.NotifySpec{Template: strings.TrimSpace(n.Template)}
				for _, rc := range n.Recipients {
					spec.Recipients = append(spec.Recipients, sympoq.Recipient{Kind: rc.Kind, User: rc.User,
						Address: strings.ToLower(strings.TrimSpace(rc.Address))})
				}
				r.Notify = append(r.Notify, spec)
			}
		}
		if r.System && r.Description != sympoq.CatchAllDescription {
			p.Add("description", sympoq.FieldReadonly, "the Catch all rule keeps its name")
		}
		for i := range r.Set.Tags {
			r.Set.Tags[i] = strings.TrimSpace(r.Set.Tags[i])
		}
		p.Merge(r.Validate())
		if err := s.checkRuleRefs(ctx, tx, r, &p); err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		r.Updated = tx.Now()
		if id == 0 {
			return tx.CreateRule(ctx, r)
		}
		return tx.UpdateRule(ctx, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// checkRuleRefs refuses references to things that do not exist: queues,
// topics, customer groups, custom fields, inactive agents; and a named
// assignee without a role in the rule's queue.
func (s *Service) checkRuleRefs(ctx context.Context, tx *store.Tx, r *sympoq.Rule, p *sympoq.Problems) error {
	queue := func(f string, id int64) error {
		if _, err := tx.Queue(ctx, r.AccountID, id); sympoq.ErrorCode(err) == sympoq.ENotFound {
			p.Add(f, sympoq.FieldInvalid, "is not a queue of this account")
		} else if err != nil {
			return err
		}
		return nil
	}
	agent := func(f string, id int64) (*sympoq.User, error) {
		u, err := tx.User(ctx, r.AccountID, id)
		if sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && (!u.IsAgent() || !u.Active) {
			p.Add(f, sympoq.FieldInvalid, "is not an active agent of this account")
			return nil, nil
		}
		return u, err
	}
	var defs []*sympoq.CustomField
	for i, c := range r.Conditions {
		f := fmt.Sprintf("conditions[%d]", i)
		switch c.Field {
		case sympoq.CondQueue:
			if c.ID > 0 {
				if err := queue(f+".id", c.ID); err != nil {
					return err
				}
			}
		case sympoq.CondTopic:
			if c.ID > 0 {
				if _, err := tx.Topic(ctx, r.AccountID, c.ID); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add(f+".id", sympoq.FieldInvalid, "is not a topic of this account")
				} else if err != nil {
					return err
				}
			}
		case sympoq.CondGroup:
			if c.ID > 0 {
				if _, err := tx.Group(ctx, r.AccountID, c.ID); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add(f+".id", sympoq.FieldInvalid, "is not a customer group of this account")
				} else if err != nil {
					return err
				}
			}
		case sympoq.CondAssignee:
			if c.ID > 0 {
				if _, err := agent(f+".id", c.ID); err != nil {
					return err
				}
			}
		case sympoq.CondCustomField:
			if defs == nil {
				var err error
				if defs, err = tx.CustomFields(ctx, r.AccountID); err != nil {
					return err
				}
			}
			found := false
			for _, d := range defs {
				found = found || d.Key == c.Key
			}
			if !found && c.Key != "" {
				p.Add(f+".key", sympoq.FieldInvalid, "is not the key of a custom field")
			}
		}
	}
	v := r.Set
	if v.Queue > 0 {
		if err := queue("set.queue", v.Queue); err != nil {
			return err
		}
	}
	if v.Topic > 0 {
		if _, err := tx.Topic(ctx, r.AccountID, v.Topic); sympoq.ErrorCode(err) == sympoq.ENotFound {
			p.Add("set.topic", sympoq.FieldInvalid, "is not a topic of this account")
		} else if err != nil {
			return err
		}
	}
	if v.Assign == sympoq.AssignAgent && v.Agent > 0 {
		u, err := agent("set.agent", v.Agent)
		if err != nil {
			return err
		}
		if u != nil && !u.Administrator && v.Queue > 0 && sympoq.NewActor(u).Role(v.Queue) == "" {
			p.Add("set.agent", sympoq.FieldInvalid, "has no role in queue %d, which this rule sets", v.Queue)
		}
	}
	for i, n := range r.Notify {
		for j, rc := range n.Recipients {
			if rc.Kind == sympoq.RcptAgent && rc.User > 0 {
				if _, err := agent(fmt.Sprintf("notify[%d].recipients[%d].agent", i, j), rc.User); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// DeleteRule removes a rule; the Catch all rules cannot be deleted.
func (s *Service) DeleteRule(ctx context.Context, a Actor, kind sympoq.RuleKind, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		r, err := tx.Rule(ctx, a.AccountID, kind, id)
		if err != nil {
			return err
		}
		if r.System {
			return sympoq.Errorf(sympoq.EConflict, "the Catch all rule of a channel cannot be deleted; deactivate it or clear its values")
		}
		return tx.DeleteRule(ctx, a.AccountID, id)
	})
}

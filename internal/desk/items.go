package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// ItemInput creates or changes a queue, topic, customer group or tag; each
// kind uses the fields that apply to it and rejects the rest.
type ItemInput struct {
	Name        Opt[string]          `json:"name"`
	Sequence    Opt[int]             `json:"sequence"`
	Active      Opt[bool]            `json:"active"`
	Queue       Opt[int64]           `json:"queue"`
	Permissions Opt[[]AgentRole]     `json:"permissions"`
	Addresses   Opt[[]string]        `json:"addresses"`
	ID          Opt[json.RawMessage] `json:"id"`
}

// AgentRole is one entry of a queue's permission list.
type AgentRole struct {
	Agent int64            `json:"agent"`
	Role  sympoq.QueueRole `json:"role"`
}

const maxSequence = 1_000_000

func (in *ItemInput) common(p *sympoq.Problems, name *string, seq *int, creating bool, maxLen int) {
	readonly(p, map[string]bool{"id": in.ID.Set})
	if in.Name.Set {
		*name = strings.TrimSpace(in.Name.V)
		sympoq.CheckText(p, "name", *name, maxLen, false)
	}
	if *name == "" && (creating || in.Name.Set) {
		p.Add("name", sympoq.FieldMissing, "is required")
	}
	if seq != nil && in.Sequence.Set {
		if in.Sequence.Null || in.Sequence.V < 0 || in.Sequence.V > maxSequence {
			p.Add("sequence", sympoq.FieldInvalid, "must be a whole number from 0 to %d", maxSequence)
		} else {
			*seq = in.Sequence.V
		}
	}
}

func (in *ItemInput) only(p *sympoq.Problems, kind string, allowed ...string) {
	set := map[string]bool{"sequence": in.Sequence.Set, "active": in.Active.Set, "queue": in.Queue.Set,
		"permissions": in.Permissions.Set, "addresses": in.Addresses.Set}
	for _, a := range allowed {
		delete(set, a)
	}
	for f, s := range set {
		if s {
			p.Add(f, sympoq.FieldUnknown, "is not a field of a %s", kind)
		}
	}
}

// nextSequence puts a new item after the existing ones, at the next
// multiple of ten.
func nextSequence[T any](items []T, seq func(T) int) int {
	m := 0
	for _, x := range items {
		m = max(m, seq(x))
	}
	return (m/10 + 1) * 10
}

// Queues lists the account's queues to agents.
func (s *Service) Queues(ctx context.Context, a Actor) ([]*sympoq.Queue, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Queues(ctx, a.AccountID)
}

// Queue returns one queue to an agent.
func (s *Service) Queue(ctx context.Context, a Actor, id int64) (*sympoq.Queue, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Queue(ctx, a.AccountID, id)
}

// SaveQueue creates (id 0) or changes a queue.
func (s *Service) SaveQueue(ctx context.Context, a Actor, id int64, in ItemInput) (*sympoq.Queue, error) {
	var q *sympoq.Queue
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		all, err := tx.Queues(ctx, a.AccountID)
		if err != nil {
			return err
		}
		if id == 0 {
			q = &sympoq.Queue{AccountID: a.AccountID, Sequence: nextSequence(all, func(x *sympoq.Queue) int { return x.Sequence }), Permissions: []sympoq.QueuePermission{}, Addresses: []string{}}
		} else if q, err = tx.Queue(ctx, a.AccountID, id); err != nil {
			return err
		}
		var p sympoq.Problems
		in.common(&p, &q.Name, &q.Sequence, id == 0, sympoq.MaxItemNameLen)
		in.only(&p, "queue", "sequence", "permissions", "addresses")
		if in.Permissions.Set {
			agents, _, err := tx.Users(ctx, a.AccountID, store.UserFilter{Kind: sympoq.KindAgent})
			if err != nil {
				return err
			}
			isAgent := map[int64]bool{}
			for _, u := range agents {
				isAgent[u.ID] = true
			}
			seen := map[int64]bool{}
			q.Permissions = []sympoq.QueuePermission{}
			for i, r := range in.Permissions.V {
				f := fmt.Sprintf("permissions[%d]", i)
				switch {
				case !isAgent[r.Agent]:
					p.Add(f+".agent", sympoq.FieldInvalid, "is not an agent of this account")
				case seen[r.Agent]:
					p.Add(f+".agent", sympoq.FieldDuplicate, "is listed twice; an agent has one role per queue")
				case !r.Role.Valid():
					p.Add(f+".role", sympoq.FieldInvalid, "must be %q or %q", sympoq.RoleQueueManager, sympoq.RoleAgent)
				default:
					seen[r.Agent] = true
					q.Permissions = append(q.Permissions, sympoq.QueuePermission{Queue: q.ID, Agent: r.Agent, Role: r.Role})
				}
			}
		}
		if in.Addresses.Set {
			q.Addresses = []string{}
			seen := map[string]bool{}
			for i, addr := range in.Addresses.V {
				addr = strings.ToLower(strings.TrimSpace(addr))
				f := fmt.Sprintf("addresses[%d]", i)
				if code, msg := sympoq.ValidateEmail(addr); code != "" {
					p.Add(f, code, "%s", msg)
				} else if seen[addr] {
					p.Add(f, sympoq.FieldDuplicate, "is listed twice")
				} else {
					seen[addr] = true
					q.Addresses = append(q.Addresses, addr)
				}
			}
			if len(in.Addresses.V) > 50 {
				p.Add("addresses", sympoq.FieldInvalid, "may hold at most 50 addresses")
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateQueue(ctx, q)
		}
		return tx.UpdateQueue(ctx, q)
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteQueue removes a queue other than the default one.
func (s *Service) DeleteQueue(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		set, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings)
		if err != nil {
			return err
		}
		if _, err := tx.Queue(ctx, a.AccountID, id); err != nil {
			return err
		}
		if set.General.DefaultQueue == id {
			return sympoq.Errorf(sympoq.EConflict, "the default queue cannot be deleted; make another queue the default first")
		}
		return tx.DeleteQueue(ctx, a.AccountID, id)
	})
}

// Topics lists topics: all of them to agents, the active ones to customers
// and guests (who pick one when they submit).
func (s *Service) Topics(ctx context.Context, a Actor) ([]*sympoq.Topic, error) {
	ts, err := s.db.Read().Topics(ctx, a.AccountID)
	if err != nil || a.IsAgent() {
		return ts, err
	}
	out := ts[:0]
	for _, t := range ts {
		if t.Active {
			out = append(out, t)
		}
	}
	return out, nil
}

// Topic returns one topic; inactive topics exist only for agents.
func (s *Service) Topic(ctx context.Context, a Actor, id int64) (*sympoq.Topic, error) {
	t, err := s.db.Read().Topic(ctx, a.AccountID, id)
	if err == nil && !t.Active && !a.IsAgent() {
		return nil, sympoq.NotFound("topic")
	}
	return t, err
}

// SaveTopic creates (id 0) or changes a topic.
func (s *Service) SaveTopic(ctx context.Context, a Actor, id int64, in ItemInput) (*sympoq.Topic, error) {
	var t *sympoq.Topic
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		if id == 0 {
			all, err := tx.Topics(ctx, a.AccountID)
			if err != nil {
				return err
			}
			t = &sympoq.Topic{AccountID: a.AccountID, Active: true, Sequence: nextSequence(all, func(x *sympoq.Topic) int { return x.Sequence })}
		} else {
			var err error
			if t, err = tx.Topic(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		var p sympoq.Problems
		in.common(&p, &t.Name, &t.Sequence, id == 0, sympoq.MaxItemNameLen)
		in.only(&p, "topic", "sequence", "active", "queue")
		boolean(&p, "active", in.Active, &t.Active)
		if in.Queue.Set {
			t.QueueID = 0
			if !in.Queue.Null {
				if _, err := tx.Queue(ctx, a.AccountID, in.Queue.V); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
				} else if err != nil {
					return err
				}
				t.QueueID = in.Queue.V
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateTopic(ctx, t)
		}
		return tx.UpdateTopic(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTopic removes a topic.
func (s *Service) DeleteTopic(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		return tx.DeleteTopic(ctx, a.AccountID, id)
	})
}

// Groups lists the customer groups to agents.
func (s *Service) Groups(ctx context.Context, a Actor) ([]*sympoq.Group, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Groups(ctx, a.AccountID)
}

// Group returns one customer group to an agent.
func (s *Service) Group(ctx context.Context, a Actor, id int64) (*sympoq.Group, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Group(ctx, a.AccountID, id)
}

// SaveGroup creates (id 0) or changes a customer group.
func (s *Service) SaveGroup(ctx context.Context, a Actor, id int64, in ItemInput) (*sympoq.Group, error) {
	var g *sympoq.Group
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		if id == 0 {
			all, err := tx.Groups(ctx, a.AccountID)
			if err != nil {
				return err
			}
			g = &sympoq.Group{AccountID: a.AccountID, Sequence: nextSequence(all, func(x *sympoq.Group) int { return x.Sequence })}
		} else {
			var err error
			if g, err = tx.Group(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		var p sympoq.Problems
		in.common(&p, &g.Name, &g.Sequence, id == 0, sympoq.MaxItemNameLen)
		in.only(&p, "group", "sequence")
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateGroup(ctx, g)
		}
		return tx.UpdateGroup(ctx, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// DeleteGroup removes a customer group; its customers keep no group.
func (s *Service) DeleteGroup(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		return tx.DeleteGroup(ctx, a.AccountID, id)
	})
}

// Tags lists the managed tags to agents.
func (s *Service) Tags(ctx context.Context, a Actor) ([]*sympoq.Tag, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Tags(ctx, a.AccountID)
}

// Tag returns one tag to an agent.
func (s *Service) Tag(ctx context.Context, a Actor, id int64) (*sympoq.Tag, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return tx.Tag(ctx, a.AccountID, id)
}

// SaveTag creates (id 0) or renames a tag.
func (s *Service) SaveTag(ctx context.Context, a Actor, id int64, in ItemInput) (*sympoq.Tag, error) {
	var t *sympoq.Tag
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		if id == 0 {
			t = &sympoq.Tag{AccountID: a.AccountID}
		} else {
			var err error
			if t, err = tx.Tag(ctx, a.AccountID, id); err != nil {
				return err
			}
		}
		var p sympoq.Problems
		in.common(&p, &t.Name, nil, id == 0, sympoq.MaxTagLen)
		in.only(&p, "tag")
		if strings.Contains(t.Name, ",") {
			p.Add("name", sympoq.FieldInvalid, "must not contain commas")
		}
		if err := p.Err(); err != nil {
			return err
		}
		if id == 0 {
			return tx.CreateTag(ctx, t)
		}
		return tx.UpdateTag(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTag removes a tag from the managed list.
func (s *Service) DeleteTag(ctx context.Context, a Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		return tx.DeleteTag(ctx, a.AccountID, id)
	})
}

// Settings returns the account's settings to agents.
func (s *Service) Settings(ctx context.Context, a Actor) (*sympoq.Settings, error) {
	return s.allow(ctx, s.db.Read(), a, sympoq.ActReadSettings)
}

// UpdateSettings lets change (which decodes the request onto the current
// settings) alter them, then validates and saves the result, all in one
// transaction so concurrent changes do not overwrite each other.
func (s *Service) UpdateSettings(ctx context.Context, a Actor, change func(*sympoq.Settings) error) (*sympoq.Settings, error) {
	var set *sympoq.Settings
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if set, err = s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		if err := change(set); err != nil {
			return err
		}
		if err := set.Validate(); err != nil {
			return err
		}
		if _, err := tx.Queue(ctx, a.AccountID, set.General.DefaultQueue); sympoq.ErrorCode(err) == sympoq.ENotFound {
			return sympoq.FieldErr("general.default_queue", sympoq.FieldInvalid, "is not a queue of this account")
		} else if err != nil {
			return err
		}
		return tx.SaveSettings(ctx, a.AccountID, set)
	})
	if err != nil {
		return nil, err
	}
	s.forgetConfig(a.AccountID) // this process sees the new settings at once
	return set, nil
}

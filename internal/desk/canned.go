package desk

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// CannedInput creates or changes a canned reply. Scope: personal (the
// caller's own), a queue, or neither for everyone.
type CannedInput struct {
	Name     Opt[string]          `json:"name"`
	Body     Opt[string]          `json:"body"`
	Queue    Opt[int64]           `json:"queue"`
	Personal Opt[bool]            `json:"personal"`
	ID       Opt[json.RawMessage] `json:"id"`
}

// MaxCannedLen bounds a canned reply's body.
const MaxCannedLen = 20_000

// cannedVisible: everyone's, the queues the agent works in, their own.
func cannedVisible(a Actor, c *sympoq.CannedReply) bool {
	switch {
	case c.Owner != 0:
		return c.Owner == a.ID()
	case c.Queue != 0:
		return a.IsAdmin() || a.Role(c.Queue) != ""
	}
	return true
}

// cannedWritable: administrators write shared ones; every agent their own.
func cannedWritable(a Actor, c *sympoq.CannedReply) bool {
	if c.Owner != 0 {
		return c.Owner == a.ID()
	}
	return a.IsAdmin()
}

// CannedReplies lists the canned replies the agent may use.
func (s *Service) CannedReplies(ctx context.Context, a Actor) ([]*sympoq.CannedReply, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	all, err := tx.CannedReplies(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	out := []*sympoq.CannedReply{}
	for _, c := range all {
		if cannedVisible(a, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CannedReply returns one the agent may use.
func (s *Service) CannedReply(ctx context.Context, a Actor, id int64) (*sympoq.CannedReply, error) {
	cs, err := s.CannedReplies(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, sympoq.NotFound("canned reply")
}

// SaveCannedReply creates (id 0) or changes a canned reply.
func (s *Service) SaveCannedReply(ctx context.Context, a Actor, id int64, in CannedInput) (*sympoq.CannedReply, error) {
	var c *sympoq.CannedReply
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
			return err
		}
		if id == 0 {
			c = &sympoq.CannedReply{AccountID: a.AccountID}
		} else {
			all, err := tx.CannedReplies(ctx, a.AccountID)
			if err != nil {
				return err
			}
			for _, x := range all {
				if x.ID == id && cannedVisible(a, x) {
					c = x
				}
			}
			if c == nil {
				return sympoq.NotFound("canned reply")
			}
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set})
		if in.Name.Set {
			c.Name = strings.TrimSpace(in.Name.V)
			sympoq.CheckText(&p, "name", c.Name, sympoq.MaxItemNameLen, false)
		}
		if c.Name == "" {
			p.Add("name", sympoq.FieldMissing, "is required")
		}
		if in.Body.Set {
			c.Body = strings.TrimRight(in.Body.V, " \t\r\n")
			sympoq.CheckText(&p, "body", c.Body, MaxCannedLen, true)
		}
		if strings.TrimSpace(c.Body) == "" {
			p.Add("body", sympoq.FieldMissing, "is required")
		}
		if in.Personal.Set {
			c.Owner = 0
			if in.Personal.V {
				c.Owner = a.ID()
			}
		}
		if in.Queue.Set {
			c.Queue = in.Queue.Value(0)
			if c.Queue != 0 {
				if _, err := tx.Queue(ctx, a.AccountID, c.Queue); sympoq.ErrorCode(err) == sympoq.ENotFound {
					p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
				} else if err != nil {
					return err
				}
			}
		}
		if c.Owner != 0 && c.Queue != 0 {
			p.Add("queue", sympoq.FieldInvalid, "a personal canned reply belongs to no queue")
		}
		if err := p.Err(); err != nil {
			return err
		}
		if !cannedWritable(a, c) {
			return sympoq.Forbidden("only administrators change shared canned replies; agents keep personal ones")
		}
		if id == 0 {
			return tx.CreateCannedReply(ctx, c)
		}
		return tx.UpdateCannedReply(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCannedReply removes one the caller may change.
func (s *Service) DeleteCannedReply(ctx context.Context, a Actor, id int64) error {
	c, err := s.CannedReply(ctx, a, id)
	if err != nil {
		return err
	}
	if !cannedWritable(a, c) {
		return sympoq.Forbidden("only administrators change shared canned replies; agents keep personal ones")
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteCannedReply(ctx, a.AccountID, id) })
}

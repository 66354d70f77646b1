package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
)

// MessageInput is a reply or a note.
type MessageInput struct {
	Message    Opt[string]        `json:"message"`
	Billable   Opt[int]           `json:"billable"`
	SelfAssign Opt[bool]          `json:"self_assign"`
	Status     Opt[sympoq.Status] `json:"status"`
}

func (c *change) message(in Opt[string]) string {
	msg := strings.TrimRight(in.Value(""), " \t\r\n")
	if strings.TrimSpace(msg) == "" {
		c.p.Add("message", sympoq.FieldMissing, "is required")
	}
	sympoq.CheckText(&c.p, "message", msg, MaxMessageLen, true)
	return msg
}

// Reply answers the ticket: an agent's public reply (signature appended,
// optional self-assignment, status Pending), or a customer's reply, which on
// a closed ticket reopens it or starts a new linked ticket (§4.2).
func (s *Service) Reply(ctx context.Context, a Actor, ref string, in MessageInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if in.Status.Set {
			c.p.Add("status", sympoq.FieldUnknown, "is set with a note, not a reply")
		}
		msg := c.message(in.Message)
		if a.IsCustomer() {
			if in.SelfAssign.Set {
				c.p.Add("self_assign", sympoq.FieldUnknown, "is for agents")
			}
			billable(a, c.set, in.Billable, &c.p)
			if c.p.Len() > 0 {
				return nil
			}
			return c.customerReply(msg)
		}
		minutes := billable(a, c.set, in.Billable, &c.p)
		if c.p.Len() > 0 {
			return nil
		}
		if in.SelfAssign.Value(false) && c.t.Assignee == 0 {
			if err := c.require(sympoq.ActSelfAssign, "take this ticket"); err != nil {
				return err
			}
			c.assign(a.User)
		}
		if err := c.require(sympoq.ActReply, "reply"); err != nil {
			return err
		}
		if sig := strings.TrimSpace(a.User.Signature); sig != "" {
			msg += "\n\n" + sig
		}
		c.event(sympoq.EvReply, msg, msg, sympoq.Public, minutes)
		if c.t.Responded.IsZero() {
			c.t.Responded = c.tx.Now()
		}
		c.t.LastAgentReply = c.tx.Now()
		c.checkBreaches()
		c.status(sympoq.EvReply, false)
		return c.tx.IndexText(c.ctx, c.t.AccountID, c.t.ID, msg)
	})
}

func (c *change) customerReply(msg string) error {
	if err := c.require(sympoq.ActCustomerReply, "reply"); err != nil {
		return err
	}
	tr := c.status(sympoq.EvCustomerReply, false)
	if !tr.Spawn {
		c.t.LastCustomerReply = c.tx.Now()
		c.event(sympoq.EvCustomerReply, msg, msg, sympoq.Public, 0)
		return c.tx.IndexText(c.ctx, c.t.AccountID, c.t.ID, msg)
	}
	// The closed ticket may not be reopened: the reply starts a new ticket
	// that points back to it.
	now := c.tx.Now()
	nt := &sympoq.Ticket{AccountID: c.t.AccountID, Queue: c.t.Queue, Topic: c.t.Topic, Channel: c.t.Channel,
		Priority: c.t.Priority, Status: sympoq.StatusNew, Subject: c.t.Subject, Description: msg,
		ReportedBy: c.cust.Name, Customer: c.cust.ID, Created: now, Updated: now, Tags: []string{},
		CustomFields: map[string]string{}, LinkedFrom: c.t.ID}
	if err := c.s.insertTicket(c.ctx, c.tx, c.set, nt, c.cust); err != nil {
		return err
	}
	e := &sympoq.Event{AccountID: nt.AccountID, Ticket: nt.ID, Date: now, Action: sympoq.EvSubmitted,
		Description: fmt.Sprintf("Follow-up of closed ticket %s", c.t.DisplayID), Body: msg,
		AppliedBy: c.a.ID(), AppliedName: c.a.User.Name, Visibility: sympoq.Public}
	if err := c.tx.AddEvent(c.ctx, e); err != nil {
		return err
	}
	if err := c.s.notifyAction(c.ctx, c.tx, nil, c.set, nt, e, sympoq.TrigNewRequest); err != nil {
		return err
	}
	v, err := c.s.viewOf(c.ctx, c.tx, c.a, c.set, nt, c.cust)
	c.result = v
	return err
}

// Note adds an internal note, optionally setting the status by hand.
func (s *Service) Note(ctx context.Context, a Actor, ref string, in MessageInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActNote, "add a note"); err != nil {
			return err
		}
		if in.SelfAssign.Set {
			c.p.Add("self_assign", sympoq.FieldUnknown, "is set with a reply, not a note")
		}
		msg := c.message(in.Message)
		minutes := billable(a, c.set, in.Billable, &c.p)
		if in.Status.Set && !in.Status.V.Valid() {
			c.p.Add("status", sympoq.FieldInvalid, "must be one of 1, 2, 3, 4")
		}
		if c.p.Len() > 0 {
			return nil
		}
		c.event(sympoq.EvNote, msg, msg, sympoq.Internal, minutes)
		c.t.HasNotes = true
		c.status(sympoq.EvNote, false)
		if in.Status.Set && in.Status.V != c.t.Status {
			if err := c.require(sympoq.ActSetStatus, "set the status by hand"); err != nil {
				return err
			}
			c.setStatus(in.Status.V)
		}
		return c.tx.IndexInternalText(c.ctx, c.t.AccountID, c.t.ID, msg)
	})
}

// CallInput records a phone call.
type CallInput struct {
	Direction Opt[string] `json:"direction"`
	Minutes   Opt[int]    `json:"minutes"`
	Summary   Opt[string] `json:"summary"`
	Billable  Opt[int]    `json:"billable"`
}

// Call logs a phone call as an internal event.
func (s *Service) Call(ctx context.Context, a Actor, ref string, in CallInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActNote, "log a call"); err != nil {
			return err
		}
		dir := in.Direction.Value("")
		if dir != "in" && dir != "out" {
			c.p.Add("direction", sympoq.FieldInvalid, `must be "in" or "out"`)
		}
		length := in.Minutes.Value(0)
		if length < 0 || length > maxBillable {
			c.p.Add("minutes", sympoq.FieldInvalid, "must be from 0 to %d", maxBillable)
		}
		summary := strings.TrimSpace(in.Summary.Value(""))
		if summary == "" {
			c.p.Add("summary", sympoq.FieldMissing, "is required")
		}
		sympoq.CheckText(&c.p, "summary", summary, MaxMessageLen, true)
		minutes := billable(a, c.set, in.Billable, &c.p)
		if c.p.Len() > 0 {
			return nil
		}
		word := map[string]string{"in": "Incoming", "out": "Outgoing"}[dir]
		desc := fmt.Sprintf("%s call, %d min: %s", word, length, summary)
		c.event(sympoq.EvCall, desc, summary, sympoq.Internal, minutes)
		c.t.HasNotes = true
		c.status(sympoq.EvCall, false)
		return c.tx.IndexInternalText(c.ctx, c.t.AccountID, c.t.ID, summary)
	})
}

// AssignInput names the new assignee, or null to unassign.
type AssignInput struct {
	Agent    Opt[int64] `json:"agent"`
	Billable Opt[int]   `json:"billable"`
}

// Assign gives the ticket to an agent of its queue, takes it, or unassigns it.
func (s *Service) Assign(ctx context.Context, a Actor, ref string, in AssignInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if !in.Agent.Set {
			c.p.Add("agent", sympoq.FieldMissing, "is required: an agent id, or null to unassign")
			return nil
		}
		minutes := billable(a, c.set, in.Billable, &c.p)
		if c.p.Len() > 0 {
			return nil
		}
		return c.assignTo(in.Agent.Value(0), minutes)
	})
}

func (c *change) assignTo(id int64, minutes int) error {
	if id == c.t.Assignee {
		return nil
	}
	switch {
	case id == c.a.ID() && c.t.Assignee == 0 && sympoq.Can(c.a, sympoq.ActSelfAssign, c.ref(), c.set):
	case id == 0 && c.t.Assignee == c.a.ID() && sympoq.Can(c.a, sympoq.ActReply, c.ref(), c.set):
		// Agents may hand back their own tickets.
	default:
		if err := c.require(sympoq.ActAssign, "assign this ticket"); err != nil {
			return err
		}
	}
	if id == 0 {
		c.t.Assignee, c.t.AssignedOn = 0, time.Time{}
		c.event(sympoq.EvAssign, "Unassigned", "", sympoq.Public, minutes)
		return nil
	}
	u, err := c.tx.User(c.ctx, c.t.AccountID, id)
	if sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && (!u.IsAgent() || !u.Active) {
		c.p.Add("agent", sympoq.FieldInvalid, "is not an active agent of this account")
		return nil
	}
	if err != nil {
		return err
	}
	if !u.Administrator && sympoq.NewActor(u).Role(c.t.Queue) == "" {
		c.p.Add("agent", sympoq.FieldInvalid, "has no role in this ticket's queue")
		return nil
	}
	c.assign(u)
	c.events[len(c.events)-1].Billable = minutes
	c.t.Minutes += minutes
	return nil
}

// assign records the assignment to u with its event and status.
func (c *change) assign(u *sympoq.User) {
	c.t.Assignee, c.t.AssignedOn = u.ID, c.tx.Now()
	c.event(sympoq.EvAssign, u.Name, "", sympoq.Public, 0)
	c.status(sympoq.EvAssign, true)
}

// CloseInput closes a ticket.
type CloseInput struct {
	Solution Opt[string] `json:"solution"`
	Billable Opt[int]    `json:"billable"`
}

// Close closes the ticket with an optional solution.
func (s *Service) Close(ctx context.Context, a Actor, ref string, in CloseInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActClose, "close this ticket"); err != nil {
			return err
		}
		if c.t.Status == sympoq.StatusClosed {
			return sympoq.Errorf(sympoq.EConflict, "the ticket is already closed")
		}
		sol := strings.TrimSpace(in.Solution.Value(""))
		sympoq.CheckText(&c.p, "solution", sol, MaxSolutionLen, true)
		minutes := billable(a, c.set, in.Billable, &c.p)
		if c.p.Len() > 0 {
			return nil
		}
		if sol != "" {
			c.t.Solution = sol
		}
		c.event(sympoq.EvClose, sol, sol, sympoq.Public, minutes)
		c.status(sympoq.EvClose, false)
		c.checkBreaches()
		if sol != "" {
			return c.tx.IndexText(c.ctx, c.t.AccountID, c.t.ID, sol)
		}
		return nil
	})
}

// Reopen reopens a closed ticket.
func (s *Service) Reopen(ctx context.Context, a Actor, ref string) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActReopen, "reopen this ticket"); err != nil {
			return err
		}
		if c.t.Status != sympoq.StatusClosed {
			return sympoq.Errorf(sympoq.EConflict, "only a closed ticket can be reopened")
		}
		if c.t.MergedInto != 0 {
			return sympoq.Errorf(sympoq.EConflict, "the ticket is merged into another; unmerge it instead")
		}
		c.event(sympoq.EvReopen, "Reopened", "", sympoq.Public, 0)
		c.status(sympoq.EvReopen, false)
		return nil
	})
}

// RateInput rates one agent reply.
type RateInput struct {
	Event  Opt[int64] `json:"event"`
	Rating Opt[int]   `json:"rating"`
}

// Rate records a customer's rating (1–5) of one agent reply; rating again
// changes it. The ticket's rating is the latest.
func (s *Service) Rate(ctx context.Context, a Actor, ref string, in RateInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActRate, "rate replies"); err != nil {
			return err
		}
		r := in.Rating.Value(0)
		if r < 1 || r > 5 {
			c.p.Add("rating", sympoq.FieldInvalid, "must be 1, 2, 3, 4 or 5")
		}
		if !in.Event.Set {
			c.p.Add("event", sympoq.FieldMissing, "is required: the id of the agent reply")
		} else if e, err := c.tx.Event(c.ctx, c.t.AccountID, c.t.ID, in.Event.V); sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && e.Action != sympoq.EvReply {
			c.p.Add("event", sympoq.FieldInvalid, "is not an agent reply of this ticket")
		} else if err != nil {
			return err
		}
		if c.p.Len() > 0 {
			return nil
		}
		e := c.event(sympoq.EvRate, fmt.Sprintf("Rated reply %d: %d of 5", in.Event.V, r), "", sympoq.Public, 0)
		e.Rating = r
		c.t.Rating = r
		return nil
	})
}

// MergeInput names the ticket to merge into.
type MergeInput struct {
	Into Opt[string] `json:"into"`
}

// Merge closes the ticket with a pointer to the one it is merged into; both
// get a Merge event. Unmerge undoes it.
func (s *Service) Merge(ctx context.Context, a Actor, ref string, in MergeInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActMerge, "merge this ticket"); err != nil {
			return err
		}
		if c.t.MergedInto != 0 {
			return sympoq.Errorf(sympoq.EConflict, "the ticket is already merged")
		}
		into := strings.TrimSpace(in.Into.Value(""))
		if into == "" {
			c.p.Add("into", sympoq.FieldMissing, "is required: the id of the ticket to merge into")
			return nil
		}
		target, err := findTicket(c.ctx, c.tx, c.t.AccountID, into)
		if err == nil {
			var v *TicketView
			if v, err = c.s.view(c.ctx, c.tx, c.a, c.set, target); err == nil && !sympoq.Can(c.a, sympoq.ActMerge, target.Ref(v.CustomerUser.GroupID), c.set) {
				err = sympoq.NotFound("ticket")
			}
		}
		switch {
		case sympoq.ErrorCode(err) == sympoq.ENotFound:
			c.p.Add("into", sympoq.FieldInvalid, "is not a ticket you can merge into")
			return nil
		case err != nil:
			return err
		case target.ID == c.t.ID:
			c.p.Add("into", sympoq.FieldInvalid, "is this ticket")
			return nil
		case target.MergedInto != 0:
			c.p.Add("into", sympoq.FieldInvalid, "is itself merged into another ticket")
			return nil
		}
		c.t.MergedInto = target.ID
		c.event(sympoq.EvMerge, "Merged into "+target.DisplayID, "", sympoq.Public, 0)
		c.status(sympoq.EvMerge, false)
		te := &sympoq.Event{AccountID: target.AccountID, Ticket: target.ID, Date: c.tx.Now(), Action: sympoq.EvMerge,
			Description: c.t.DisplayID + " merged into this ticket", AppliedBy: c.a.ID(), AppliedName: c.a.User.Name,
			Visibility: sympoq.Public}
		if err := c.tx.AddEvent(c.ctx, te); err != nil {
			return err
		}
		target.Updated = c.tx.Now()
		return c.tx.UpdateTicket(c.ctx, target, target.Version)
	})
}

// Unmerge reopens a merged ticket and clears its pointer.
func (s *Service) Unmerge(ctx context.Context, a Actor, ref string) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActMerge, "unmerge this ticket"); err != nil {
			return err
		}
		if c.t.MergedInto == 0 {
			return sympoq.Errorf(sympoq.EConflict, "the ticket is not merged")
		}
		c.t.MergedInto = 0
		c.event(sympoq.EvUnmerge, "Unmerged", "", sympoq.Public, 0)
		c.status(sympoq.EvUnmerge, false)
		return nil
	})
}

// Delete moves a ticket to the trash; administrators can restore it for 30
// days, then a job purges it.
func (s *Service) Delete(ctx context.Context, a Actor, ref string) error {
	_, err := s.act(ctx, a, ref, func(c *change) error {
		if err := c.require(sympoq.ActDelete, "delete this ticket"); err != nil {
			return err
		}
		c.t.Deleted = c.tx.Now()
		c.event(sympoq.EvDelete, "Moved to the trash", "", sympoq.Internal, 0)
		return nil
	})
	return err
}

// TrashDays is how long a deleted ticket can be restored.
const TrashDays = 30

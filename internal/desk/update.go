package desk

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// jsonValue is one raw custom field value as the client sent it.
type jsonValue = json.RawMessage

// UpdateInput changes a ticket's properties (api.md §7 PUT /ticket/{id});
// each change leaves its own event. The read-only properties are listed so
// that writing them is a clear 403.
type UpdateInput struct {
	Queue        Opt[int64]                `json:"queue"`
	Topic        Opt[int64]                `json:"topic"`
	Priority     Opt[sympoq.Priority]      `json:"priority"`
	Assignee     Opt[int64]                `json:"assignee"`
	Deadline     Opt[time.Time]            `json:"deadline"`
	Tags         Opt[[]string]             `json:"tags"`
	CustomFields Opt[map[string]jsonValue] `json:"custom_fields"`
	Status       Opt[sympoq.Status]        `json:"status"`
	Solution     Opt[string]               `json:"solution"`
	Billable     Opt[int]                  `json:"billable"`

	ID             Opt[json.RawMessage] `json:"id"`
	Number         Opt[json.RawMessage] `json:"number"`
	Created        Opt[json.RawMessage] `json:"created"`
	Channel        Opt[json.RawMessage] `json:"channel"`
	HasAttachments Opt[json.RawMessage] `json:"has_attachments"`
	HasNotes       Opt[json.RawMessage] `json:"has_notes"`
	Description    Opt[json.RawMessage] `json:"description"`
	Subject        Opt[json.RawMessage] `json:"subject"`
	ReportedBy     Opt[json.RawMessage] `json:"reported_by"`
	Customer       Opt[json.RawMessage] `json:"customer"`
	AssignedOn     Opt[json.RawMessage] `json:"assigned_on"`
	Responded      Opt[json.RawMessage] `json:"responded"`
	Updated        Opt[json.RawMessage] `json:"updated"`
	Minutes        Opt[json.RawMessage] `json:"minutes"`
	Rating         Opt[json.RawMessage] `json:"rating"`
	ClosedOn       Opt[json.RawMessage] `json:"closed_on"`
	Estimated      Opt[json.RawMessage] `json:"estimated"`
	Elapsed        Opt[json.RawMessage] `json:"elapsed"`
	EventLog       Opt[json.RawMessage] `json:"event_log"`
	MergedInto     Opt[json.RawMessage] `json:"merged_into"`

	ResponseDue        Opt[json.RawMessage] `json:"response_due"`
	ResponseBreached   Opt[json.RawMessage] `json:"response_breached"`
	ResolutionBreached Opt[json.RawMessage] `json:"resolution_breached"`
}

func (in *UpdateInput) readonly(p *sympoq.Problems) {
	readonly(p, map[string]bool{"id": in.ID.Set, "number": in.Number.Set, "created": in.Created.Set,
		"channel": in.Channel.Set, "has_attachments": in.HasAttachments.Set, "has_notes": in.HasNotes.Set,
		"description": in.Description.Set, "subject": in.Subject.Set, "reported_by": in.ReportedBy.Set,
		"customer": in.Customer.Set, "assigned_on": in.AssignedOn.Set, "responded": in.Responded.Set,
		"updated": in.Updated.Set, "minutes": in.Minutes.Set, "rating": in.Rating.Set, "closed_on": in.ClosedOn.Set,
		"estimated": in.Estimated.Set, "elapsed": in.Elapsed.Set, "event_log": in.EventLog.Set,
		"merged_into": in.MergedInto.Set, "response_due": in.ResponseDue.Set, "response_breached": in.ResponseBreached.Set,
		"resolution_breached": in.ResolutionBreached.Set})
}

// Update applies the changes of a PUT, each checked against the caller's
// role, in one transaction.
func (s *Service) Update(ctx context.Context, a Actor, ref string, in UpdateInput) (*TicketView, error) {
	return s.act(ctx, a, ref, func(c *change) error {
		in.readonly(&c.p)
		if c.p.Len() > 0 {
			return nil
		}
		if !a.IsAgent() {
			return sympoq.Forbidden("customers change a ticket by replying, closing, reopening or rating")
		}
		minutes := billable(a, c.set, in.Billable, &c.p)
		first := true
		spend := func() int { // the billable minutes go on the first change
			if first {
				first = false
				return minutes
			}
			return 0
		}
		if in.Queue.Set && in.Queue.V != c.t.Queue {
			if err := c.require(sympoq.ActMove, "move this ticket"); err != nil {
				return err
			}
			q, err := c.tx.Queue(c.ctx, c.t.AccountID, in.Queue.V)
			if sympoq.ErrorCode(err) == sympoq.ENotFound || in.Queue.Null {
				c.p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
			} else if err != nil {
				return err
			} else {
				c.t.Queue = q.ID
				c.event(sympoq.EvMove, q.Name, "", sympoq.Public, spend())
			}
		}
		if in.Topic.Set && in.Topic.Value(0) != c.t.Topic {
			if err := c.require(sympoq.ActSetFields, "change the topic"); err != nil {
				return err
			}
			name := "None"
			if !in.Topic.Null {
				tp, err := c.tx.Topic(c.ctx, c.t.AccountID, in.Topic.V)
				if sympoq.ErrorCode(err) == sympoq.ENotFound {
					c.p.Add("topic", sympoq.FieldInvalid, "is not a topic of this account")
				} else if err != nil {
					return err
				} else {
					name = tp.Name
				}
			}
			c.t.Topic = in.Topic.Value(0)
			c.event(sympoq.EvSetTopic, name, "", sympoq.Public, spend())
		}
		if in.Priority.Set && in.Priority.V != c.t.Priority {
			if err := c.require(sympoq.ActSetFields, "change the priority"); err != nil {
				return err
			}
			if !in.Priority.V.Valid() {
				c.p.Add("priority", sympoq.FieldInvalid, "must be one of 1, 2, 3, 4")
			} else {
				c.t.Priority = in.Priority.V
				c.retarget()
				c.event(sympoq.EvSetPriority, in.Priority.V.String(), "", sympoq.Public, spend())
			}
		}
		if in.Deadline.Set && !in.Deadline.V.Equal(c.t.Deadline) {
			if err := c.require(sympoq.ActSetFields, "set the deadline"); err != nil {
				return err
			}
			d := in.Deadline.Value(time.Time{}).UTC().Truncate(time.Second)
			desc := "None"
			if !d.IsZero() {
				if d.Year() < 2000 || d.Year() > 2200 {
					c.p.Add("deadline", sympoq.FieldInvalid, "must be a date between 2000 and 2200")
				}
				desc = d.In(c.set.Location()).Format(c.set.General.DateFormat)
			}
			c.t.Deadline = d
			c.event(sympoq.EvSetDeadline, desc, "", sympoq.Public, spend())
		}
		if in.Tags.Set {
			if err := c.require(sympoq.ActSetFields, "tag this ticket"); err != nil {
				return err
			}
			tags, added, err := c.s.checkTags(c.ctx, c.tx, a, c.set, in.Tags.V, &c.p)
			if err != nil {
				return err
			}
			if c.p.Len() == 0 {
				if err := createTags(c.ctx, c.tx, c.t.AccountID, added); err != nil {
					return err
				}
			}
			if strings.Join(tags, "\t") != strings.Join(c.t.Tags, "\t") {
				c.t.Tags = tags
				c.event(sympoq.EvTags, strings.Join(tags, ", "), "", sympoq.Public, spend())
			}
		}
		if in.CustomFields.Set {
			if err := c.require(sympoq.ActSetFields, "change custom fields"); err != nil {
				return err
			}
			before, _ := json.Marshal(c.t.CustomFields)
			defs, err := c.tx.CustomFields(c.ctx, c.t.AccountID)
			if err != nil {
				return err
			}
			applyCustomFields(defs, a, c.t, in.CustomFields, false, &c.p)
			if after, _ := json.Marshal(c.t.CustomFields); string(after) != string(before) {
				c.event(sympoq.EvCustomFields, customFieldSummary(c.t.CustomFields), "", sympoq.Public, spend())
			}
		}
		if in.Assignee.Set && in.Assignee.Value(0) != c.t.Assignee {
			if err := c.assignTo(in.Assignee.Value(0), spend()); err != nil {
				return err
			}
		}
		if in.Solution.Set {
			if err := c.require(sympoq.ActClose, "record a solution"); err != nil {
				return err
			}
			sol := strings.TrimSpace(in.Solution.Value(""))
			sympoq.CheckText(&c.p, "solution", sol, MaxSolutionLen, true)
			c.t.Solution = sol
		}
		if in.Status.Set && in.Status.V != c.t.Status {
			if !in.Status.V.Valid() {
				c.p.Add("status", sympoq.FieldInvalid, "must be one of 1, 2, 3, 4")
			} else if err := c.require(sympoq.ActSetStatus, "set the status by hand"); err != nil {
				return err
			} else {
				c.setStatus(in.Status.V)
				c.event(sympoq.EvStatus, in.Status.V.String(), "", sympoq.Public, spend())
			}
		}
		return nil
	})
}

func customFieldSummary(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+": "+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// Restore brings a ticket back from the trash (administrators).
func (s *Service) Restore(ctx context.Context, a Actor, ref string) (*TicketView, error) {
	var v *TicketView
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, a.AccountID)
		if err != nil {
			return err
		}
		t, err := findTicket(ctx, tx, a.AccountID, ref)
		if err != nil {
			return err
		}
		if !sympoq.Can(a, sympoq.ActRestore, sympoq.TicketRef{}, set) {
			return sympoq.NotFound("ticket")
		}
		if t.Deleted.IsZero() {
			return sympoq.Errorf(sympoq.EConflict, "the ticket is not in the trash")
		}
		version := t.Version
		t.Deleted, t.Updated = time.Time{}, tx.Now()
		if err := tx.UpdateTicket(ctx, t, version); err != nil {
			return err
		}
		e := &sympoq.Event{AccountID: t.AccountID, Ticket: t.ID, Date: tx.Now(), Action: sympoq.EvRestore,
			Description: "Restored from the trash", AppliedBy: a.ID(), AppliedName: a.User.Name, Visibility: sympoq.Internal}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
		v, err = s.view(ctx, tx, a, set, t)
		return err
	})
	return v, err
}

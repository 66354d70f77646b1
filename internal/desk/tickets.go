package desk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/workflow"
)

// Limits of ticket text.
const (
	MaxSubjectLen  = 255
	MaxMessageLen  = 100_000
	MaxSolutionLen = 10_000
	maxBillable    = 24 * 60
	maxTags        = 50
)

// TicketView is a ticket as one caller may see it: with its customer and,
// when asked, the events the caller may see, newest first.
type TicketView struct {
	*sympoq.Ticket
	// CustomerUser is the ticket's customer; in the views of Tickets (a
	// list) only the fields store.CustomerCards reads are set, and the
	// value is shared with other requests (cardCache): read only.
	CustomerUser *sympoq.User
	Events       []*sympoq.Event
	ForCustomer  bool // customers see no internal events and no notes
	Settings     *sympoq.Settings
	// Fields is the custom fields as shown: label → display string.
	Fields map[string]string
	// MergedInto and LinkedFrom are the display ids of related tickets.
	MergedInto, LinkedFrom string
}

// fill completes a view with what it shows beside the ticket row: custom
// fields by label and the display ids of related tickets.
func fill(ctx context.Context, tx *store.Tx, v *TicketView, defs []*sympoq.CustomField) error {
	v.Fields = fieldDisplay(defs, v.Ticket, v.Settings, v.ForCustomer)
	v.MergedInto, v.LinkedFrom = "", ""
	for _, rel := range []struct {
		id  int64
		dst *string
	}{{v.Ticket.MergedInto, &v.MergedInto}, {v.Ticket.LinkedFrom, &v.LinkedFrom}} {
		if rel.id == 0 {
			continue
		}
		t, err := tx.Ticket(ctx, v.Ticket.AccountID, rel.id)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			continue // purged
		} else if err != nil {
			return err
		}
		*rel.dst = t.DisplayID
	}
	return nil
}

// HasNotes is what the caller may know of internal notes.
func (v *TicketView) HasNotes() bool { return v.Ticket.HasNotes && !v.ForCustomer }

// findTicket looks a ticket up by display id, then by numeric id (§4.3).
func findTicket(ctx context.Context, tx *store.Tx, accountID int64, ref string) (*sympoq.Ticket, error) {
	t, _, err := findTicketAndCustomer(ctx, tx, accountID, ref)
	return t, err
}

// findTicketAndCustomer is findTicket with the ticket's customer, read in
// the same query.
func findTicketAndCustomer(ctx context.Context, tx *store.Tx, accountID int64, ref string) (*sympoq.Ticket, *sympoq.User, error) {
	display, id, ok := ticketRef(ref)
	if !ok {
		return nil, nil, sympoq.NotFound("ticket")
	}
	return tx.TicketAndCustomer(ctx, accountID, display, id)
}

// ticketRef reads a ticket reference: a display id, and the number it
// also is when it is all digits (0 when not).
func ticketRef(ref string) (display string, id int64, ok bool) {
	if ref == "" || len(ref) > 64 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id < 0 {
		id = 0 // a display id only
	}
	return ref, id, true
}

// scope turns an actor into the SQL filter of what they may see.
func scope(a Actor, set *sympoq.Settings) store.TicketScope {
	if a.IsAdmin() {
		return store.TicketScope{All: true, SeesInternal: true}
	}
	var sc store.TicketScope
	if a.IsAgent() {
		sc.SeesInternal = true
		sc.Me, sc.SelfAssign = a.ID(), set.Automation.AgentsSelfAssign
		for q, r := range a.Roles {
			if r == sympoq.RoleQueueManager {
				sc.ManagedQueues = append(sc.ManagedQueues, q)
			} else {
				sc.AgentQueues = append(sc.AgentQueues, q)
			}
		}
		return sc
	}
	if a.IsCustomer() {
		sc.Customer = a.ID()
		if a.User.Role == sympoq.RoleCustomerManager {
			sc.Group = a.User.GroupID
		}
	}
	return sc
}

// Ticket returns a ticket the caller may see; anything else is not found.
func (s *Service) Ticket(ctx context.Context, a Actor, ref string, withEvents bool) (*TicketView, error) {
	tx := s.db.Read()
	set, _, err := s.config(ctx, tx, a.AccountID)
	if err != nil {
		return nil, err
	}
	display, id, ok := ticketRef(ref)
	if !ok {
		return nil, sympoq.NotFound("ticket")
	}
	var t *sympoq.Ticket
	var cust *sympoq.User
	var evs []*sympoq.Event
	if withEvents {
		// Customers see no internal events (TicketView.ForCustomer).
		t, cust, evs, err = tx.TicketWithEvents(ctx, a.AccountID, display, id, store.EventFilter{Internal: a.IsAgent()})
	} else {
		t, cust, err = tx.TicketAndCustomer(ctx, a.AccountID, display, id)
	}
	if err != nil {
		return nil, err
	}
	if !canSee(a, set, t, cust) {
		return nil, sympoq.NotFound("ticket")
	}
	v, err := s.viewOf(ctx, tx, a, set, t, cust)
	if err != nil {
		return nil, err
	}
	v.Events = evs
	return v, nil
}

// view checks that a may see t and loads what the view shows.
func (s *Service) view(ctx context.Context, tx *store.Tx, a Actor, set *sympoq.Settings, t *sympoq.Ticket) (*TicketView, error) {
	cust, err := tx.User(ctx, a.AccountID, t.Customer)
	if err != nil {
		return nil, err
	}
	if !canSee(a, set, t, cust) {
		return nil, sympoq.NotFound("ticket")
	}
	return s.viewOf(ctx, tx, a, set, t, cust)
}

// canSee says whether a may see ticket t of customer cust: not in the
// trash, and within the caller's role (sympoq.Can).
func canSee(a Actor, set *sympoq.Settings, t *sympoq.Ticket, cust *sympoq.User) bool {
	return t.Deleted.IsZero() && sympoq.Can(a, sympoq.ActSeeTicket, t.Ref(cust.GroupID), set)
}

// viewOf builds the view of a ticket the caller has just created or
// changed, without the access check: an agent who submits into a queue they
// do not work still gets their new ticket back, this once.
func (s *Service) viewOf(ctx context.Context, tx *store.Tx, a Actor, set *sympoq.Settings, t *sympoq.Ticket, cust *sympoq.User) (*TicketView, error) {
	_, defs, err := s.config(ctx, tx, a.AccountID)
	if err != nil {
		return nil, err
	}
	v := &TicketView{Ticket: t, CustomerUser: cust, ForCustomer: !a.IsAgent(), Settings: set}
	return v, fill(ctx, tx, v, defs)
}

// LoadEvents adds the events the view's caller may see. The view must come
// from a use case (which checked access), typically the answer to a change
// that may have moved the ticket out of the caller's reach.
func (s *Service) LoadEvents(ctx context.Context, v *TicketView) error {
	evs, err := s.db.Read().Events(ctx, v.Ticket.AccountID, v.ID, store.EventFilter{Internal: !v.ForCustomer})
	v.Events = evs
	return err
}

// TicketEvents lists a ticket's events the caller may see, a page at a time.
func (s *Service) TicketEvents(ctx context.Context, a Actor, ref string, before int64, limit int, count bool) (*TicketView, int, error) {
	v, err := s.Ticket(ctx, a, ref, false)
	if err != nil {
		return nil, 0, err
	}
	f := store.EventFilter{Internal: !v.ForCustomer, Before: before, Limit: limit}
	if v.Events, err = s.db.Read().Events(ctx, a.AccountID, v.ID, f); err != nil {
		return nil, 0, err
	}
	total := 0
	if count {
		f.Before, f.Limit = 0, 0
		total, err = s.db.Read().CountEvents(ctx, a.AccountID, v.ID, f)
	}
	return v, total, err
}

// TicketList is a list request: a filter and whether to count.
type TicketList struct {
	store.TicketFilter
	CustomerRef string // customer id or email
	GroupRef    Ref    // customer group id or name
	Count       bool
}

// Tickets lists the tickets the caller may see that the filter selects.
func (s *Service) Tickets(ctx context.Context, a Actor, q TicketList) ([]*TicketView, string, int, error) {
	tx := s.db.Read()
	set, _, err := s.config(ctx, tx, a.AccountID)
	if err != nil {
		return nil, "", 0, err
	}
	if a.IsGuest() {
		return nil, "", 0, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	if q.Trash && !a.IsAdmin() {
		return nil, "", 0, sympoq.Forbidden("only administrators see the trash")
	}
	if q.CustomerRef != "" {
		var u *sympoq.User
		if id, perr := strconv.ParseInt(q.CustomerRef, 10, 64); perr == nil {
			u, err = tx.User(ctx, a.AccountID, id)
		} else {
			u, err = tx.UserByLogin(ctx, a.AccountID, q.CustomerRef)
		}
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return []*TicketView{}, "", 0, nil
		} else if err != nil {
			return nil, "", 0, err
		}
		q.Customer = u.ID
	}
	if q.GroupRef.ID != 0 || q.GroupRef.Name != "" {
		g, err := s.group(ctx, tx, a.AccountID, q.GroupRef)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return []*TicketView{}, "", 0, nil
		} else if err != nil {
			return nil, "", 0, err
		}
		q.Group = g.ID
	}
	sc := scope(a, set)
	if strings.TrimSpace(q.Q) != "" {
		// A search may read many tickets; as many run at once as there
		// are processors, so that a burst of slow ones waits its turn
		// instead of taking every reader and processor from the requests
		// that take a millisecond.
		select {
		case s.searches <- struct{}{}:
			defer func() { <-s.searches }()
		case <-ctx.Done():
			return nil, "", 0, sympoq.Errorf(sympoq.EUnavailable, "too many searches at once; try again shortly")
		}
	}
	ts, next, err := tx.Tickets(ctx, a.AccountID, sc, q.TicketFilter)
	if err != nil {
		return nil, "", 0, err
	}
	total := 0
	if q.Count {
		if total, err = tx.CountTickets(ctx, a.AccountID, sc, q.TicketFilter); err != nil {
			return nil, "", 0, err
		}
	}
	_, defs, err := s.config(ctx, tx, a.AccountID)
	if err != nil {
		return nil, "", 0, err
	}
	// The page's customers, each only as far as a list shows it, from the
	// cache or in one query (cards.go).
	ids := make([]int64, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.Customer)
	}
	users, err := s.customerCards(ctx, tx, a.AccountID, ids)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*TicketView, len(ts))
	for i, t := range ts {
		u := users[t.Customer]
		if u == nil {
			return nil, "", 0, fmt.Errorf("ticket %d: customer %d missing", t.ID, t.Customer)
		}
		out[i] = &TicketView{Ticket: t, CustomerUser: u, ForCustomer: !a.IsAgent(), Settings: set}
		if err := fill(ctx, tx, out[i], defs); err != nil {
			return nil, "", 0, err
		}
	}
	return out, next, total, nil
}

// CustomerInput names the customer of a new request.
type CustomerInput struct {
	ID    Opt[int64]  `json:"id"`
	Name  Opt[string] `json:"name"`
	Email Opt[string] `json:"email"`
}

// SubmitInput is a new request (api.md §7 POST /request).
type SubmitInput struct {
	Description  Opt[string]               `json:"description"`
	Subject      Opt[string]               `json:"subject"`
	Topic        Opt[int64]                `json:"topic"`
	Queue        Opt[int64]                `json:"queue"`
	Priority     Opt[sympoq.Priority]      `json:"priority"`
	Customer     Opt[CustomerInput]        `json:"customer"`
	Tags         Opt[[]string]             `json:"tags"`
	CustomFields Opt[map[string]jsonValue] `json:"custom_fields"`
	Channel      sympoq.Channel            `json:"-"` // set by the transport
}

// Submit creates a request from a guest, a customer, or an agent on behalf of
// a customer, in one transaction with its Submitted event and search entry.
func (s *Service) Submit(ctx context.Context, a Actor, in SubmitInput) (*TicketView, error) {
	// Everything is checked first on the read pool, so that the write
	// transaction (shared with other submissions under load: group commit)
	// holds the writer only for the writes themselves.
	// What the account's configuration says comes from the per-account
	// cache (limits.go): at most configTTL old when another process
	// changed it, current when this one did.
	r := s.db.Read()
	set, defs, sub, err := s.submitConfig(ctx, r, a.AccountID)
	if err != nil {
		return nil, err
	}
	if !sympoq.Can(a, sympoq.ActSubmit, sympoq.TicketRef{}, set) {
		if a.IsGuest() {
			return nil, sympoq.Forbidden("this help desk does not take requests from guests; sign in first")
		}
		return nil, sympoq.Forbidden("your role may not submit requests")
	}
	t := &sympoq.Ticket{AccountID: a.AccountID, Channel: in.Channel, Status: sympoq.StatusNew,
		Priority: sympoq.PriorityNormal, Tags: []string{}, CustomFields: map[string]string{}}
	if !t.Channel.Valid() {
		t.Channel = sympoq.ChannelAPI
	}
	var p sympoq.Problems
	desc := strings.TrimRight(in.Description.Value(""), " \t\r\n")
	if strings.TrimSpace(desc) == "" {
		p.Add("description", sympoq.FieldMissing, "is required")
	}
	sympoq.CheckText(&p, "description", desc, MaxMessageLen, true)
	t.Description = desc
	subject := strings.TrimSpace(in.Subject.Value(""))
	sympoq.CheckText(&p, "subject", subject, MaxSubjectLen, false)
	if subject == "" {
		subject = defaultSubject(desc)
	}
	t.Subject = subject
	if in.Priority.Set {
		if !in.Priority.V.Valid() || in.Priority.Null {
			p.Add("priority", sympoq.FieldInvalid, "must be one of 1, 2, 3, 4")
		} else {
			t.Priority = in.Priority.V
		}
	}
	if in.Topic.Set && !in.Topic.Null {
		topic, err := r.Topic(ctx, a.AccountID, in.Topic.V)
		switch {
		case sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && !topic.Active && !a.IsAgent():
			p.Add("topic", sympoq.FieldInvalid, "is not a topic of this help desk")
		case err != nil:
			return nil, err
		default:
			t.Topic = topic.ID
			t.Queue = topic.QueueID
		}
	}
	if in.Queue.Set && !in.Queue.Null {
		if !a.IsAgent() {
			p.Add("queue", sympoq.FieldReadonly, "is chosen by the help desk")
		} else if _, err := r.Queue(ctx, a.AccountID, in.Queue.V); sympoq.ErrorCode(err) == sympoq.ENotFound {
			p.Add("queue", sympoq.FieldInvalid, "is not a queue of this account")
		} else if err != nil {
			return nil, err
		} else {
			t.Queue = in.Queue.V
		}
	}
	if t.Queue == 0 {
		t.Queue = set.General.DefaultQueue
	}
	cust, err := s.submitter(ctx, r, a, in.Customer, &p)
	if err != nil {
		return nil, err
	}
	var newTags []string
	if in.Tags.Set {
		if t.Tags, newTags, err = s.checkTags(ctx, r, a, set, in.Tags.V, &p); err != nil {
			return nil, err
		}
	}
	applyCustomFields(defs, a, t, in.CustomFields, true, &p)
	if err := p.Err(); err != nil {
		return nil, err
	}

	// Values the submitter chose explicitly win over submission rules.
	fixed := workflow.Fixed{Queue: a.IsAgent() && in.Queue.Set && !in.Queue.Null,
		Topic: in.Topic.Set && !in.Topic.Null, Priority: a.IsAgent() && in.Priority.Set && !in.Priority.Null}
	// What the write reads that the write does not decide is read ahead
	// too: the rules and what the acknowledgement needs.
	rules := sub.channelRules(t.Channel)
	pre := sub.notifyPre(t.Queue, t.Topic)
	// A new ticket has no messages to thread under, unless it comes from
	// an email, which the write records first.
	pre.noPrior = !hasInbound(ctx)
	var v *TicketView
	err = s.db.GroupTx(ctx, func(tx *store.Tx) error {
		// A cancelled request must not interrupt the shared transaction.
		ctx := context.WithoutCancel(ctx)
		now := tx.Now()
		t.Created, t.Updated = now, now
		if cust.ID == 0 {
			if err := createCustomer(ctx, tx, cust); err != nil {
				return err
			}
		}
		if err := createTags(ctx, tx, a.AccountID, newTags); err != nil {
			return err
		}
		// The submission rules of the channel, then the deadline and the
		// first-response due time from the service targets of the final
		// priority, in the account's working time (automation.go).
		pre.cust = cust
		auto, err := s.submissionRules(ctx, tx, set, t, cust, fixed, rules)
		if err != nil {
			return err
		}
		t.Customer, t.ReportedBy = cust.ID, cust.Name
		if err := s.insertTicket(ctx, tx, set, t, cust); err != nil {
			return err
		}
		e := &sympoq.Event{AccountID: t.AccountID, Ticket: t.ID, Date: now, Action: sympoq.EvSubmitted,
			Description: t.Subject, Body: t.Description, Visibility: sympoq.Public}
		if !a.IsGuest() && a.ID() != 0 {
			e.AppliedBy, e.AppliedName = a.ID(), a.User.Name
		} else {
			// A guest, or the system on a customer's behalf (an email).
			e.AppliedBy, e.AppliedName = cust.ID, cust.Name
		}
		if err := tx.AddEvent(ctx, e); err != nil {
			return err
		}
		if err := s.recordSubmissionRules(ctx, tx, pre, set, t, auto, func(id int64) string {
			u, err := tx.User(ctx, t.AccountID, id)
			if err != nil {
				return fmt.Sprint(id)
			}
			return u.Name
		}); err != nil {
			return err
		}
		// The inbound message (if any) is recorded first, so the
		// acknowledgement threads under it.
		if err := runInbound(ctx, tx, t.ID, []*sympoq.Event{e}); err != nil {
			return err
		}
		if err := s.notifyAction(ctx, tx, pre, set, t, e, sympoq.TrigNewRequest); err != nil {
			return err
		}
		v = &TicketView{Ticket: t, CustomerUser: cust, ForCustomer: !a.IsAgent(), Settings: set}
		return fill(ctx, tx, v, defs)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// createCustomer stores a customer that the submission names by email. If
// another request created the same address meanwhile, that one is used; if
// the address is an agent's, the submission is refused.
func createCustomer(ctx context.Context, tx *store.Tx, cust *sympoq.User) error {
	if err := tx.CreateCustomerByEmail(ctx, cust); err != nil {
		return err
	}
	if cust.Kind != sympoq.KindCustomer {
		return sympoq.FieldErr("customer.email", sympoq.FieldInvalid, "belongs to an agent, not a customer")
	}
	return nil
}

// createTags adds names to the account's tag list, skipping any that
// another request added meanwhile.
func createTags(ctx context.Context, tx *store.Tx, accountID int64, names []string) error {
	for _, n := range names {
		if err := tx.EnsureTag(ctx, accountID, n); err != nil {
			return err
		}
	}
	return nil
}

func defaultSubject(desc string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(desc), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > 80 {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:80])) + "…"
	}
	if line == "" {
		line = "(no subject)"
	}
	return line
}

// submitter is the customer a request is for: the caller when a customer,
// else the one named by id or found by email. A new address gives a user
// with ID 0, unregistered, for the write phase to create.
func (s *Service) submitter(ctx context.Context, tx *store.Tx, a Actor, in Opt[CustomerInput], p *sympoq.Problems) (*sympoq.User, error) {
	if a.IsCustomer() {
		if in.Set && !in.Null {
			p.Add("customer", sympoq.FieldReadonly, "is you; a customer submits for themself")
		}
		return a.User, nil
	}
	if !in.Set || in.Null {
		p.Add("customer", sympoq.FieldMissing, `is required: {"name", "email"} or {"id"}`)
		return nil, nil
	}
	c := in.V
	if c.ID.Set {
		if !a.IsAgent() {
			p.Add("customer.id", sympoq.FieldInvalid, "guests give their name and email")
			return nil, nil
		}
		u, err := tx.User(ctx, a.AccountID, c.ID.V)
		if sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && u.Kind != sympoq.KindCustomer {
			p.Add("customer.id", sympoq.FieldInvalid, "is not a customer of this account")
			return nil, nil
		}
		return u, err
	}
	email := strings.ToLower(strings.TrimSpace(c.Email.Value("")))
	name := strings.TrimSpace(c.Name.Value(""))
	if email == "" {
		p.Add("customer.email", sympoq.FieldMissing, "is required")
		return nil, nil
	}
	if code, msg := sympoq.ValidateEmail(email); code != "" {
		p.Add("customer.email", code, "%s", msg)
		return nil, nil
	}
	sympoq.CheckText(p, "customer.name", name, sympoq.MaxNameLen, false)
	u, err := tx.UserByLogin(ctx, a.AccountID, email)
	if err == nil {
		if u.Kind != sympoq.KindCustomer {
			p.Add("customer.email", sympoq.FieldInvalid, "belongs to an agent, not a customer")
			return nil, nil
		}
		return u, nil
	}
	if sympoq.ErrorCode(err) != sympoq.ENotFound {
		return nil, err
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	return &sympoq.User{AccountID: a.AccountID, Kind: sympoq.KindCustomer, Name: name, Email: email, Active: true,
		Notifications: true, Role: sympoq.RoleCustomer}, nil
}

// insertTicket draws a display id from the account's format and inserts t
// with its search entry (its text and cust's name and address), drawing
// again on the rare collision.
func (s *Service) insertTicket(ctx context.Context, tx *store.Tx, set *sympoq.Settings, t *sympoq.Ticket, cust *sympoq.User) error {
	gen, err := sympoq.NewTicketIDGenerator(set.TicketIDFormat)
	if err != nil {
		gen, _ = sympoq.NewTicketIDGenerator(sympoq.DefaultTicketIDFormat)
	}
	local := t.Created.In(set.Location())
	for attempt := 0; attempt < 20; attempt++ {
		// Only a format with {SEQ} takes the counter: its row is a lock that
		// would otherwise make concurrent submissions wait for each other.
		var seq int64
		if gen.UsesSequence() {
			if seq, err = tx.NextCounter(ctx, t.AccountID, "ticket"); err != nil {
				return err
			}
		}
		t.DisplayID = gen.Generate(local, seq, rand.IntN)
		ok, err := tx.CreateIndexedTicket(ctx, t, cust.Name+" "+cust.Email)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("no free ticket id after 20 draws with format %q", set.TicketIDFormat)
}

// checkTags validates tags against the managed list. Names not in it are
// allowed when the caller may create tags; they are returned apart, for the
// write to add to the list.
func (s *Service) checkTags(ctx context.Context, tx *store.Tx, a Actor, set *sympoq.Settings, tags []string, p *sympoq.Problems) (all, added []string, err error) {
	if len(tags) > maxTags {
		p.Add("tags", sympoq.FieldInvalid, "may hold at most %d tags", maxTags)
		return nil, nil, nil
	}
	known, err := tx.Tags(ctx, a.AccountID)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]string{}
	for _, t := range known {
		byName[strings.ToLower(t.Name)] = t.Name
	}
	all = []string{}
	seen := map[string]bool{}
	for i, raw := range tags {
		name := strings.TrimSpace(raw)
		f := fmt.Sprintf("tags[%d]", i)
		sympoq.CheckText(p, f, name, sympoq.MaxTagLen, false)
		if name == "" || strings.ContainsAny(name, ",\t") {
			p.Add(f, sympoq.FieldInvalid, "must be a non-empty name without commas")
			continue
		}
		key := strings.ToLower(name)
		if seen[key] {
			continue
		}
		seen[key] = true
		if canon, ok := byName[key]; ok {
			all = append(all, canon)
			continue
		}
		if !sympoq.Can(a, sympoq.ActCreateTag, sympoq.TicketRef{}, set) {
			p.Add(f, sympoq.FieldInvalid, "%q is not in the tag list, and new tags may not be created here", name)
			continue
		}
		byName[key] = name
		all = append(all, name)
		added = append(added, name)
	}
	return all, added, nil
}

// billable reads an action's billable minutes: agents only, defaulting to
// the account setting.
func billable(a Actor, set *sympoq.Settings, in Opt[int], p *sympoq.Problems) int {
	if !in.Set || in.Null {
		if a.IsAgent() {
			return set.Automation.DefaultBillableMinutes
		}
		return 0
	}
	if !a.IsAgent() {
		p.Add("billable", sympoq.FieldReadonly, "is recorded by agents")
		return 0
	}
	if in.V < 0 || in.V > maxBillable {
		p.Add("billable", sympoq.FieldInvalid, "must be from 0 to %d minutes", maxBillable)
		return 0
	}
	return in.V
}

// change is one action on one ticket inside its transaction.
type change struct {
	s      *Service
	ctx    context.Context
	tx     *store.Tx
	a      Actor
	set    *sympoq.Settings
	t      *sympoq.Ticket
	cust   *sympoq.User
	events []*sympoq.Event
	p      sympoq.Problems
	// result is the ticket the caller gets back (a spawned ticket, say).
	result *TicketView
}

// Ref is the ticket as the access rules see it.
func (c *change) ref() sympoq.TicketRef { return c.t.Ref(c.cust.GroupID) }

// require fails unless the actor may do act on the ticket.
func (c *change) require(act sympoq.Action, what string) error {
	if !sympoq.Can(c.a, act, c.ref(), c.set) {
		return sympoq.Forbidden("your role may not %s on this ticket", what)
	}
	return nil
}

// event appends an event by the actor, counting its billable minutes.
func (c *change) event(action sympoq.EventAction, desc, body string, vis sympoq.Visibility, minutes int) *sympoq.Event {
	e := &sympoq.Event{AccountID: c.t.AccountID, Ticket: c.t.ID, Date: c.tx.Now(), Action: action, Description: desc,
		Body: body, Visibility: vis, Billable: minutes}
	if !c.a.IsGuest() && c.a.User.ID != 0 {
		e.AppliedBy, e.AppliedName = c.a.ID(), c.a.User.Name
	}
	c.t.Minutes += minutes
	c.events = append(c.events, e)
	return e
}

// status moves the ticket by the status rule.
func (c *change) status(action sympoq.EventAction, assigning bool) sympoq.Transition {
	tr := sympoq.NextStatus(c.t.Status, action, assigning, sympoq.TransitionRules{CustomersReopen: c.set.Automation.CustomersReopen})
	c.setStatus(tr.Status)
	return tr
}

func (c *change) setStatus(st sympoq.Status) {
	if st == sympoq.StatusClosed && c.t.Status != sympoq.StatusClosed {
		c.t.ClosedOn = c.tx.Now()
	}
	if st != sympoq.StatusClosed {
		c.t.ClosedOn = time.Time{}
	}
	c.t.Status = st
}

// act runs fn on the ticket ref in one transaction: load and lock, check
// that the caller may see it (else not found), apply, then save the ticket
// with its events only if fn succeeded and found no problems.
func (s *Service) act(ctx context.Context, a Actor, ref string, fn func(c *change) error) (*TicketView, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	var out *TicketView
	err := s.db.GroupTx(ctx, func(tx *store.Tx) error {
		ctx := context.WithoutCancel(ctx)
		set, err := tx.Settings(ctx, a.AccountID)
		if err != nil {
			return err
		}
		t, err := findTicket(ctx, tx, a.AccountID, ref)
		if err != nil {
			return err
		}
		if t, err = tx.LockTicket(ctx, a.AccountID, t.ID); err != nil {
			return err
		}
		v, err := s.view(ctx, tx, a, set, t)
		if err != nil {
			return err
		}
		if want := sympoq.IfMatchFromContext(ctx); want != 0 && want != t.Version {
			return sympoq.Errorf(sympoq.EPrecondition, "the ticket changed since version %d; it is now version %d", want, t.Version)
		}
		c := &change{s: s, ctx: ctx, tx: tx, a: a, set: set, t: t, cust: v.CustomerUser}
		version := t.Version
		if err := fn(c); err != nil {
			return err
		}
		if err := c.p.Err(); err != nil {
			return err
		}
		if len(c.events) > 0 {
			t.Updated = tx.Now()
			if err := tx.UpdateTicket(ctx, t, version); err != nil {
				return err
			}
			for _, e := range c.events {
				if err := tx.AddEvent(ctx, e); err != nil {
					return err
				}
			}
		}
		target := t.ID
		if c.result != nil {
			target = c.result.ID // a follow-up ticket the action started
		}
		if err := runInbound(ctx, tx, target, c.events); err != nil {
			return err
		}
		if len(c.events) > 0 {
			if err := c.notifyChange(); err != nil {
				return err
			}
		}
		out = c.result
		if out == nil {
			// The caller may have just moved the ticket out of their own
			// reach; they still get it back this once, with fresh fields.
			defs, err := tx.CustomFields(ctx, a.AccountID)
			if err != nil {
				return err
			}
			if err := fill(ctx, tx, v, defs); err != nil {
				return err
			}
			out = v
		}
		return nil
	})
	return out, err
}

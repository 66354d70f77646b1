package sympoq

// Actor is whoever makes a request: a user with their queue roles, or a guest
// (User nil). It is loaded afresh on every request, so a role change applies
// on the next one.
type Actor struct {
	AccountID int64
	User      *User
	Roles     map[int64]QueueRole // agents: queue id → role
}

// Guest returns the actor of an anonymous request to the account.
func Guest(accountID int64) Actor { return Actor{AccountID: accountID} }

// NewActor returns the actor of user u, with the queue roles of an agent.
func NewActor(u *User) Actor {
	a := Actor{AccountID: u.AccountID, User: u}
	if u.IsAgent() {
		a.Roles = make(map[int64]QueueRole, len(u.Permissions))
		for _, p := range u.Permissions {
			a.Roles[p.Queue] = p.Role
		}
	}
	return a
}

// ID is the user's id, 0 for a guest.
func (a Actor) ID() int64 {
	if a.User == nil {
		return 0
	}
	return a.User.ID
}

// IsGuest reports whether nobody is signed in.
func (a Actor) IsGuest() bool { return a.User == nil }

// IsAgent reports whether the actor is staff.
func (a Actor) IsAgent() bool { return a.User != nil && a.User.IsAgent() }

// IsAdmin reports whether the actor is an administrator.
func (a Actor) IsAdmin() bool { return a.IsAgent() && a.User.Administrator }

// IsCustomer reports whether the actor is a customer.
func (a Actor) IsCustomer() bool { return a.User != nil && a.User.Kind == KindCustomer }

// Role is the actor's role in queue q, "" when none.
func (a Actor) Role(q int64) QueueRole { return a.Roles[q] }

// HasAnyQueueRole reports whether the agent has a role in some queue.
func (a Actor) HasAnyQueueRole() bool { return len(a.Roles) > 0 }

// Action is something a user may try to do. The account-level ones need no
// ticket; the ticket ones are checked against a TicketRef.
type Action int

// The actions.
const (
	ActReadSettings   Action = iota + 1 // list and view settings items
	ActWriteSettings                    // create, change, delete settings items
	ActReadUsers                        // list and view agents and customers
	ActWriteAgents                      // create, change, deactivate agents
	ActWriteCustomers                   // create, change, deactivate customers
	ActReports                          // reports (of a queue when ticket-scoped)
	ActSubmit                           // submit a request
	ActCreateTag                        // add a new name to the tag list while tagging

	ActSeeTicket     // view a ticket and its public history
	ActReply         // agent reply
	ActCustomerReply // customer reply
	ActNote          // internal note, log a call, attach
	ActSetFields     // topic, priority, deadline, tags, custom fields
	ActSetStatus     // hand-set status
	ActAssign        // assign to any agent of the queue, or unassign
	ActSelfAssign    // take an unassigned ticket
	ActMove          // move to another queue
	ActClose         // close
	ActReopen        // reopen
	ActRate          // rate an agent reply
	ActMerge         // merge into another ticket, unmerge
	ActDelete        // to the trash
	ActRestore       // from the trash

	ActEditKB // create, change, delete knowledge-base categories and articles
)

// TicketRef is what the access rules need to know of a ticket.
type TicketRef struct {
	Queue         int64
	Assignee      int64 // 0: unassigned
	Customer      int64
	CustomerGroup int64 // the customer's group, 0: none
}

// Can reports whether actor a may do act, on ticket t for ticket actions,
// under the account's settings s (product.md §2). It is the only place these
// rules live; every transport asks it.
func Can(a Actor, act Action, t TicketRef, s *Settings) bool {
	switch act {
	case ActSubmit:
		return !a.IsGuest() || s.General.Guest.SubmitRequest
	case ActReadSettings, ActReadUsers:
		return a.IsAgent()
	case ActWriteSettings, ActWriteAgents, ActRestore:
		return a.IsAdmin()
	case ActWriteCustomers:
		return a.IsAdmin() || a.IsAgent() && a.HasAnyQueueRole()
	case ActReports:
		return a.IsAdmin() || a.Role(t.Queue) == RoleQueueManager
	case ActCreateTag:
		return a.IsAdmin() || a.IsAgent() && s.Automation.AgentsCreateTags
	case ActEditKB:
		return a.IsAdmin() || a.IsAgent() && s.Automation.AgentsEditKB
	}
	if a.IsGuest() {
		return false
	}
	if a.IsCustomer() {
		if !customerSees(a, t) {
			return false
		}
		switch act {
		case ActSeeTicket, ActCustomerReply:
			return true
		case ActClose:
			return s.Automation.CustomersClose
		case ActReopen:
			return s.Automation.CustomersReopen
		case ActRate:
			return s.Automation.CustomersRate
		}
		return false
	}
	// Agents from here on.
	manager := a.IsAdmin() || a.Role(t.Queue) == RoleQueueManager
	if manager {
		switch act {
		case ActCustomerReply, ActRate:
			return false
		case ActSetStatus:
			return s.Automation.AgentsChangeStatus
		case ActRestore:
			return a.IsAdmin()
		}
		return true
	}
	if a.Role(t.Queue) != RoleAgent {
		return false
	}
	mine := t.Assignee == a.ID()
	unassignedOpen := t.Assignee == 0 && s.Automation.AgentsSelfAssign
	switch act {
	case ActSeeTicket:
		return mine || unassignedOpen
	case ActSelfAssign:
		return unassignedOpen
	case ActReply, ActNote, ActSetFields, ActClose, ActReopen:
		return mine
	case ActSetStatus:
		return mine && s.Automation.AgentsChangeStatus
	}
	// Assigning others, moving, merging, deleting are for queue managers.
	return false
}

func customerSees(a Actor, t TicketRef) bool {
	if t.Customer == a.ID() {
		return true
	}
	return a.User.Role == RoleCustomerManager && a.User.GroupID != 0 && t.CustomerGroup == a.User.GroupID
}

// CanReadKB reports whether actor a may read category c and the published
// articles in it, under settings s (product.md §5). Agents read every
// category; customers Public ones and Customer ones that name their group
// (a category whose groups were all deleted is read by no customer);
// guests Public ones when the account allows it.
// Unpublished articles are for those who may edit (ActEditKB) only.
func CanReadKB(a Actor, c *KBCategory, s *Settings) bool {
	if c == nil || c.AccountID != a.AccountID {
		return false
	}
	switch {
	case a.IsAgent():
		return true
	case a.IsCustomer():
		switch c.Access {
		case KBPublic:
			return true
		case KBCustomer:
			for _, g := range c.Groups {
				if g != 0 && g == a.User.GroupID {
					return true
				}
			}
		}
		return false
	case a.IsGuest():
		return c.Access == KBPublic && s.General.Guest.PublicKB
	}
	return false
}

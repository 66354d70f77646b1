package sympoq

import "time"

// Ticket is one customer request and everything done about it
// (product.md §4.1). Minutes is the sum of its events' billable minutes.
type Ticket struct {
	ID           int64 // internal numeric id
	AccountID    int64
	DisplayID    string // e.g. 09-13-O-TW4
	Queue        int64
	Topic        int64 // 0: none
	Channel      Channel
	Priority     Priority
	Status       Status
	Subject      string
	Description  string
	ReportedBy   string
	Customer     int64
	Assignee     int64 // 0: unassigned
	Created      time.Time
	AssignedOn   time.Time
	Responded    time.Time // first agent reply
	Updated      time.Time
	ClosedOn     time.Time
	Deadline     time.Time
	Minutes      int
	Rating       int // latest customer rating of an agent reply, 0: none
	Tags         []string
	Solution     string
	CustomFields map[string]string // field key → stored value
	HasAttach    bool
	HasNotes     bool
	MergedInto   int64 // 0: not merged
	LinkedFrom   int64 // the closed ticket a customer reply started this one from
	Deleted      time.Time
	Version      int64 // bumped by every change; the ETag

	// Service targets (product.md §6): when the first agent reply is due,
	// and when each target was recorded as breached (zero: not breached).
	ResponseDue        time.Time
	ResponseBreached   time.Time
	ResolutionBreached time.Time
	// The latest agent reply and customer reply, for scheduled actions.
	LastAgentReply    time.Time
	LastCustomerReply time.Time
}

// Ref is what the access rules need of the ticket, with the customer's group.
func (t *Ticket) Ref(customerGroup int64) TicketRef {
	return TicketRef{Queue: t.Queue, Assignee: t.Assignee, Customer: t.Customer, CustomerGroup: customerGroup}
}

// EventAction names what an event records (product.md §4.5).
type EventAction string

// The event actions, with their compat names.
const (
	EvSubmitted     EventAction = "Submitted"
	EvReply         EventAction = "Reply"
	EvCustomerReply EventAction = "Customer Reply"
	EvNote          EventAction = "Note"
	EvCall          EventAction = "Log a Call"
	EvAssign        EventAction = "Assign"
	EvMove          EventAction = "Move"
	EvSetTopic      EventAction = "Set Topic"
	EvSetPriority   EventAction = "Set Priority"
	EvSetDeadline   EventAction = "Set Deadline"
	EvTags          EventAction = "Tags"
	EvCustomFields  EventAction = "Custom Fields"
	EvStatus        EventAction = "Status"
	EvAttachment    EventAction = "Attachment"
	EvNotified      EventAction = "Notified"
	EvClose         EventAction = "Close"
	EvReopen        EventAction = "Reopen"
	EvRate          EventAction = "Rate"
	EvMerge         EventAction = "Merge"
	EvUnmerge       EventAction = "Unmerge"
	EvDelete        EventAction = "Delete"
	EvRestore       EventAction = "Restore"
	EvRule          EventAction = "Rule"
)

// Visibility says who may see an event.
type Visibility string

// The visibilities: customers never see internal events.
const (
	Public   Visibility = "public"
	Internal Visibility = "internal"
)

// Event is one append-only entry of a ticket's log.
type Event struct {
	ID          int64
	AccountID   int64
	Ticket      int64
	Date        time.Time
	Action      EventAction
	Description string // human-readable summary, or the text of a message
	Body        string // a message's text as given (rendered sanitized at the edges)
	AppliedBy   int64  // user id, 0 for the system
	AppliedName string // the user's name at the time, "" for the system
	Billable    int    // minutes, 0: none
	Attachment  int64  // attachment id for Attachment events
	Visibility  Visibility
	Rating      int // Rate events: 1–5
}

// Transition is the outcome of an action for a ticket's status.
type Transition struct {
	Status Status
	// Spawn is set when a customer reply on a closed ticket that may not be
	// reopened must start a new ticket linked to it.
	Spawn bool
}

// TransitionRules are the settings the status rule depends on.
type TransitionRules struct {
	CustomersReopen bool
}

// NextStatus is the status rule of product.md §4.2: the status a ticket in
// status cur has after action. A hand-set status (Note, Status) is applied by
// the caller after checking permission; it is not a transition.
func NextStatus(cur Status, action EventAction, assigning bool, r TransitionRules) Transition {
	switch action {
	case EvSubmitted:
		return Transition{Status: StatusNew}
	case EvAssign:
		if assigning && cur == StatusNew {
			return Transition{Status: StatusWorking}
		}
	case EvNote, EvCall:
		if cur == StatusNew {
			return Transition{Status: StatusWorking}
		}
	case EvReply:
		return Transition{Status: StatusPending}
	case EvCustomerReply:
		switch cur {
		case StatusPending:
			return Transition{Status: StatusWorking}
		case StatusClosed:
			if r.CustomersReopen {
				return Transition{Status: StatusWorking}
			}
			return Transition{Status: StatusClosed, Spawn: true}
		}
	case EvClose, EvMerge:
		return Transition{Status: StatusClosed}
	case EvReopen, EvUnmerge:
		if cur == StatusClosed {
			return Transition{Status: StatusWorking}
		}
	}
	return Transition{Status: cur}
}

// Attachment is a file stored with a ticket; its bytes live in the blob
// store under SHA256.
type Attachment struct {
	ID          int64
	AccountID   int64
	Ticket      int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Created     time.Time
}

// MessageDirection says whether an email came into a ticket or went out of it.
type MessageDirection string

const (
	MessageIn  MessageDirection = "in"
	MessageOut MessageDirection = "out"
)

// TicketMessage records the Message-ID of one email of a ticket, so replies
// thread (In-Reply-To/References) and re-deliveries are recognised. MessageID
// is kept without the angle brackets.
type TicketMessage struct {
	AccountID int64
	MessageID string
	Ticket    int64
	Event     int64 // the event the message made or was sent for; 0 if none
	Direction MessageDirection
	Created   time.Time
}

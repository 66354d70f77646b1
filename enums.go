package sympoq

// Status is the fixed state of a ticket (product.md §3).
type Status int

// The statuses, with the ids the API uses.
const (
	StatusNew     Status = 1
	StatusWorking Status = 2
	StatusPending Status = 3
	StatusClosed  Status = 4
)

// Priority is the fixed urgency of a ticket.
type Priority int

// The priorities.
const (
	PriorityLow    Priority = 1
	PriorityNormal Priority = 2
	PriorityHigh   Priority = 3
	PriorityUrgent Priority = 4
)

// Channel is how a request arrived.
type Channel int

// The channels.
const (
	ChannelForm  Channel = 1
	ChannelEmail Channel = 2
	ChannelAPI   Channel = 3
	ChannelPhone Channel = 4
)

// Named is an id with a display name: the shape of every fixed enumeration in
// the API.
type Named struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Statuses lists the statuses in id order.
var Statuses = []Named{{1, "New"}, {2, "Working"}, {3, "Pending"}, {4, "Closed"}}

// Priorities lists the priorities in id order.
var Priorities = []Named{{1, "Low"}, {2, "Normal"}, {3, "High"}, {4, "Urgent"}}

// Channels lists the channels in id order.
var Channels = []Named{{1, "Form"}, {2, "Email"}, {3, "API"}, {4, "Phone"}}

func (s Status) String() string   { return enumName(Statuses, int(s)) }
func (p Priority) String() string { return enumName(Priorities, int(p)) }
func (c Channel) String() string  { return enumName(Channels, int(c)) }

// Valid reports whether s is one of the fixed statuses.
func (s Status) Valid() bool { return s >= StatusNew && s <= StatusClosed }

// Valid reports whether p is one of the fixed priorities.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// Valid reports whether c is one of the fixed channels.
func (c Channel) Valid() bool { return c >= ChannelForm && c <= ChannelPhone }

func enumName(list []Named, id int) string {
	if id >= 1 && id <= len(list) {
		return list[id-1].Name
	}
	return ""
}

// QueueRole is an agent's role in one queue.
type QueueRole string

// The queue roles.
const (
	RoleQueueManager QueueRole = "Queue Manager"
	RoleAgent        QueueRole = "Agent"
)

// Valid reports whether r is a known queue role.
func (r QueueRole) Valid() bool { return r == RoleQueueManager || r == RoleAgent }

// CustomerRole is a customer's role.
type CustomerRole string

// The customer roles.
const (
	RoleCustomer        CustomerRole = "Customer"
	RoleCustomerManager CustomerRole = "Customer Manager"
)

// Valid reports whether r is a known customer role.
func (r CustomerRole) Valid() bool { return r == RoleCustomer || r == RoleCustomerManager }

// UserKind tells agents (staff) from customers.
type UserKind string

// The kinds of user.
const (
	KindAgent    UserKind = "agent"
	KindCustomer UserKind = "customer"
)

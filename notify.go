package sympoq

// Template names of the email templates (product.md §7). Every account has
// each of them, with a default text until an administrator changes it.
const (
	TplNewRequest    = "NEW_REQUEST"
	TplAssignment    = "ASSIGNMENT"
	TplAgentReply    = "AGENT_REPLY"
	TplCustomerReply = "CUSTOMER_REPLY"
	TplClosed        = "CLOSED"
	TplReopened      = "REOPENED"
	TplDeadline      = "DEADLINE"
	TplRegistration  = "REGISTRATION"
	TplPasswordReset = "PASSWORD_RESET"
)

// RecipientKind is who a notification goes to.
type RecipientKind string

const (
	RcptCustomer      RecipientKind = "customer"       // the ticket's customer
	RcptAssignee      RecipientKind = "assignee"       // the ticket's assignee, if any
	RcptQueueManagers RecipientKind = "queue_managers" // managers of the ticket's queue
	RcptQueueAgents   RecipientKind = "queue_agents"   // every agent with a role in the queue
	RcptAgent         RecipientKind = "agent"          // a named agent (Recipient.User)
	RcptAddress       RecipientKind = "address"        // a fixed address (Recipient.Address)
)

// Recipient is one entry of a notification's recipient list.
type Recipient struct {
	Kind    RecipientKind
	User    int64  // RcptAgent
	Address string // RcptAddress
}

// NotifySpec is a notification to send about a ticket: to whom, with which
// template. Submission rules, scheduled actions and ticket action
// notifications all produce these; the desk resolves the recipients (skipping
// users with notifications off), renders the template, records a Notified
// event and enqueues the email in the same transaction.
type NotifySpec struct {
	Recipients []Recipient
	Template   string
}

package sympoq

import "time"

// EmailTemplate is the subject and body of one named email template
// (product.md §7). Every account has every template: Default is true while
// the account uses the built-in text.
type EmailTemplate struct {
	AccountID int64
	Name      string
	Subject   string
	Body      string
	Default   bool
	Updated   time.Time // zero for a default
}

// ActionTrigger names the ticket action a ticket action notification
// follows (product.md §7).
type ActionTrigger string

// The triggers of ticket action notifications.
const (
	TrigNewRequest    ActionTrigger = "new_request"
	TrigCustomerReply ActionTrigger = "customer_reply"
	TrigCustomerClose ActionTrigger = "customer_close"
	TrigAgentReply    ActionTrigger = "agent_reply"
	TrigAgentClose    ActionTrigger = "agent_close"
	TrigAgentAssign   ActionTrigger = "agent_assign"
	TrigAgentCall     ActionTrigger = "agent_call"
	TrigReopen        ActionTrigger = "reopen"
)

// ActionTriggers lists every trigger in the order the settings show them.
var ActionTriggers = []ActionTrigger{TrigNewRequest, TrigCustomerReply, TrigCustomerClose,
	TrigAgentReply, TrigAgentClose, TrigAgentAssign, TrigAgentCall, TrigReopen}

// RcptAssigneeOrManagers is the ticket's assignee or, while it has none,
// the managers of its queue: who hears of a customer's reply by default.
const RcptAssigneeOrManagers RecipientKind = "assignee_or_queue_managers"

// ActionNotification says whom a ticket action notifies, with which
// template. Every account has one per trigger; Default is true while it is
// the built-in one.
type ActionNotification struct {
	AccountID  int64
	Trigger    ActionTrigger
	Enabled    bool
	Recipients []Recipient
	Template   string
	Default    bool
}

// MailSettings are an account's own outbound mail settings; empty fields
// fall back to the deployment's (--mail-from, --smtp-url). SMTPURL may hold
// a password and never leaves the server in full.
type MailSettings struct {
	AccountID int64
	From      string // "Name <address>" or an address
	SMTPURL   string
	Updated   time.Time
}

// OutboundStatus is where an outbound email stands.
type OutboundStatus string

// The outbound statuses.
const (
	OutQueued OutboundStatus = "queued"
	OutSent   OutboundStatus = "sent"
	OutFailed OutboundStatus = "failed"
)

// OutboundMessage is one rendered email waiting for, or past, delivery.
// MessageID is kept without angle brackets, like TicketMessage.
type OutboundMessage struct {
	ID        int64
	AccountID int64
	Ticket    int64 // 0: not about a ticket (registration, password reset)
	Event     int64 // the Notified event, 0 if none
	Template  string
	MessageID string
	From      string
	ToName    string
	ToAddr    string
	Subject   string
	Text      string
	HTML      string
	Headers   map[string]string
	Status    OutboundStatus
	Attempts  int
	LastError string
	Created   time.Time
	Sent      time.Time
	// NextAttempt is when the next delivery attempt of a queued message is
	// due; zero once it is sent or failed.
	NextAttempt time.Time
}

package sympoq

import "time"

// Queue is where tickets wait for agents (product.md §3).
type Queue struct {
	ID          int64
	AccountID   int64
	Name        string
	Sequence    int
	Permissions []QueuePermission
	Addresses   []string // inbound email addresses owned by the queue
	Created     time.Time
}

// DefaultQueueName is the queue a new account starts with.
const DefaultQueueName = "Inbox"

// Topic classifies a ticket; it may route new tickets to a default queue.
type Topic struct {
	ID        int64
	AccountID int64
	Name      string
	Active    bool
	Sequence  int
	QueueID   int64 // 0: none
}

// Group is a customer group ("VIP", a company…).
type Group struct {
	ID        int64
	AccountID int64
	Name      string
	Sequence  int
}

// Tag is one entry of the account's managed tag list.
type Tag struct {
	ID        int64
	AccountID int64
	Name      string
}

// Lengths of settings-item fields.
const (
	MaxItemNameLen = 100
	MaxTagLen      = 100
)

// CannedReply is a reusable answer: for everyone (Queue and Owner 0), for
// one queue, or personal to one agent (Owner).
type CannedReply struct {
	ID        int64
	AccountID int64
	Name      string
	Body      string
	Queue     int64
	Owner     int64
}

package sympoq

import "time"

// InboundState is where a received email is in its processing.
type InboundState string

// The states of a received email.
const (
	InboundNew       InboundState = "new"       // stored, not yet processed
	InboundProcessed InboundState = "processed" // became a ticket or a reply
	InboundFailed    InboundState = "failed"    // could not be parsed or processed; kept for an administrator
	InboundIgnored   InboundState = "ignored"   // a loop, a bounce, a duplicate or dismissed; Reason says which
)

// InboundSource is the way a message came in.
type InboundSource string

// The three ways in (product.md §8).
const (
	SourceSMTP InboundSource = "smtp"
	SourceIMAP InboundSource = "imap"
	SourceHTTP InboundSource = "http"
)

// InboundMail is one received email: its raw bytes are the blob SHA256.
type InboundMail struct {
	ID           int64
	AccountID    int64
	SHA256       string
	Size         int64
	Source       InboundSource
	Mailbox      int64  // the IMAP mailbox it came from; 0: none
	Queue        int64  // the queue its way in names (mailbox, token); 0: by recipient address
	EnvelopeFrom string // SMTP MAIL FROM; "<>" is the null sender of bounces
	Recipients   string // envelope recipients, comma-separated
	MessageID    string
	Sender       string
	Subject      string
	State        InboundState
	Reason       string
	Error        string
	Ticket       int64
	Attempts     int
	Received     time.Time
	Processed    time.Time
}

// MailSecurity is how an IMAP connection is protected.
type MailSecurity string

// Connection security of a mailbox.
const (
	SecurityTLS      MailSecurity = "tls"
	SecurityStartTLS MailSecurity = "starttls"
	SecurityNone     MailSecurity = "none"
)

// Mailbox is an IMAP mailbox polled for mail. Password is a secret: it is
// stored to log in, never returned or logged.
type Mailbox struct {
	ID         int64
	AccountID  int64
	Name       string
	Host       string
	Port       int
	Security   MailSecurity
	Username   string
	Password   string
	Folder     string
	MoveTo     string // empty: flag \Seen and leave the message
	Interval   time.Duration
	Queue      int64 // 0: route by recipient address, else the default queue
	Active     bool
	LastPolled time.Time
	LastError  string
	Created    time.Time
}

// InboundToken authenticates an MTA that posts raw messages over HTTP. Only
// its hash is stored.
type InboundToken struct {
	ID        int64
	AccountID int64
	Name      string
	Hash      string
	Queue     int64
	Created   time.Time
	LastUsed  time.Time
}

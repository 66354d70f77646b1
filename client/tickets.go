package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The fixed statuses, priorities and channels (product.md §3).
const (
	StatusNew     = 1
	StatusWorking = 2
	StatusPending = 3
	StatusClosed  = 4

	PriorityLow    = 1
	PriorityNormal = 2
	PriorityHigh   = 3
	PriorityUrgent = 4

	ChannelForm  = 1
	ChannelEmail = 2
	ChannelAPI   = 3
	ChannelPhone = 4
)

// The event actions of a ticket's log (product.md §4.5).
const (
	ActionSubmitted     = "Submitted"
	ActionReply         = "Reply"
	ActionCustomerReply = "Customer Reply"
	ActionNote          = "Note"
	ActionCall          = "Log a Call"
	ActionAssign        = "Assign"
	ActionMove          = "Move"
	ActionSetTopic      = "Set Topic"
	ActionSetPriority   = "Set Priority"
	ActionSetDeadline   = "Set Deadline"
	ActionTags          = "Tags"
	ActionCustomFields  = "Custom Fields"
	ActionStatus        = "Status"
	ActionAttachment    = "Attachment"
	ActionNotified      = "Notified"
	ActionClose         = "Close"
	ActionReopen        = "Reopen"
	ActionRate          = "Rate"
	ActionMerge         = "Merge"
	ActionUnmerge       = "Unmerge"
	ActionDelete        = "Delete"
	ActionRestore       = "Restore"
	ActionRule          = "Rule"
)

// Ticket is the ticket of api.md §7: the compat keys, then SympoQ's
// additions. Null values are nil pointers.
type Ticket struct {
	ID             string            `json:"id"` // display id, 09-13-O-TW4
	Queue          int64             `json:"queue"`
	Created        time.Time         `json:"created"`
	Channel        int               `json:"channel"`
	Priority       int               `json:"priority"`
	Status         int               `json:"status"`
	HasAttachments bool              `json:"has_attachments"`
	HasNotes       bool              `json:"has_notes"` // always false for customers
	Topic          *int64            `json:"topic"`
	Description    string            `json:"description"`
	ReportedBy     string            `json:"reported_by"`
	Customer       TicketCustomer    `json:"customer"`
	Assignee       *int64            `json:"assignee"`
	AssignedOn     *time.Time        `json:"assigned_on"`
	Deadline       *time.Time        `json:"deadline"`
	Responded      *time.Time        `json:"responded"`
	Updated        time.Time         `json:"updated"`
	Minutes        int               `json:"minutes"` // sum of billable minutes
	Rating         *int              `json:"rating"`
	ClosedOn       *time.Time        `json:"closed_on"`
	Tags           []string          `json:"tags"`
	Solution       *string           `json:"solution"`
	Estimated      *string           `json:"estimated"` // D HH:MM
	Elapsed        *string           `json:"elapsed"`   // D HH:MM
	CustomFields   map[string]string `json:"custom_fields"`
	// EventLog is the log, newest first, when the call asked for it
	// (GetTicket with withEventLog, or WithEventLog); nil otherwise.
	EventLog []Event `json:"event_log,omitempty"`

	Subject    string  `json:"subject"`
	Number     int64   `json:"number"`      // internal numeric id
	MergedInto *string `json:"merged_into"` // the ticket this one is merged into
	LinkedFrom *string `json:"linked_from"` // the closed ticket a customer reply started this one from

	// Service targets, sent to agents only and only when set.
	ResponseDue        *time.Time `json:"response_due,omitempty"`        // when the first agent reply is due
	ResponseBreached   *time.Time `json:"response_breached,omitempty"`   // when the missed first response was recorded
	ResolutionBreached *time.Time `json:"resolution_breached,omitempty"` // when the missed deadline was recorded

	// ETag is the ticket's version from the answer's ETag header, for
	// WithIfMatch.
	ETag string `json:"-"`
}

// TicketCustomer is the customer as a ticket shows them.
type TicketCustomer struct {
	Registered bool    `json:"registered"`
	Name       string  `json:"name"`
	Email      *string `json:"email"`
	Role       string  `json:"role"`
	Group      *string `json:"group"`
	ID         int64   `json:"id"`
}

// Event is one entry of a ticket's log.
type Event struct {
	Date          time.Time `json:"date"` // in the account's zone
	Action        string    `json:"action"`
	AttachmentURL *string   `json:"attachment_url,omitempty"`
	Description   string    `json:"description"`
	AppliedBy     *string   `json:"applied_by"` // the user's name, nil for the system
	Billable      *int      `json:"billable"`
	ID            int64     `json:"id"`
	Visibility    string    `json:"visibility"`     // public or internal
	Body          *string   `json:"body,omitempty"` // a message as sanitized HTML
	Rating        *int      `json:"rating,omitempty"`
}

// The values of TicketFilter.Assignee besides agent ids.
const (
	AssigneeMe   = "me"
	AssigneeNone = "none"
)

// TicketFilter selects and orders GET /tickets. Empty fields do not filter;
// several values of one field match any of them.
type TicketFilter struct {
	ListOptions
	Status   []int
	Priority []int
	Queue    []int64
	Topic    []int64
	Channel  []int
	Assignee []string // agent ids, AssigneeMe, AssigneeNone
	Customer string   // customer id or email
	Group    string   // customer group id or name
	Tag      string

	CreatedFrom, CreatedTo time.Time
	UpdatedFrom, UpdatedTo time.Time
	DeadlineBefore         time.Time

	Q     string // full text
	Sort  string // created, updated, priority, deadline; "-" in front for descending; default -updated
	Trash bool   // the tickets in the trash instead (administrators)
}

func (f TicketFilter) values() url.Values {
	v := url.Values{}
	f.ListOptions.values(v)
	ints := func(name string, xs []int) {
		if len(xs) > 0 {
			s := make([]string, len(xs))
			for i, x := range xs {
				s[i] = strconv.Itoa(x)
			}
			v.Set(name, strings.Join(s, ","))
		}
	}
	ids := func(name string, xs []int64) {
		if len(xs) > 0 {
			s := make([]string, len(xs))
			for i, x := range xs {
				s[i] = id64(x)
			}
			v.Set(name, strings.Join(s, ","))
		}
	}
	strs := map[string]string{"customer": f.Customer, "group": f.Group, "tag": f.Tag, "q": f.Q, "sort": f.Sort,
		"assignee": strings.Join(f.Assignee, ",")}
	for _, t := range []struct {
		name string
		t    time.Time
	}{{"created_from", f.CreatedFrom}, {"created_to", f.CreatedTo}, {"updated_from", f.UpdatedFrom},
		{"updated_to", f.UpdatedTo}, {"deadline_before", f.DeadlineBefore}} {
		if !t.t.IsZero() {
			strs[t.name] = t.t.UTC().Format(time.RFC3339)
		}
	}
	ints("status", f.Status)
	ints("priority", f.Priority)
	ints("channel", f.Channel)
	ids("queue", f.Queue)
	ids("topic", f.Topic)
	for k, s := range strs {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Trash {
		v.Set("trash", "1")
	}
	return v
}

// Tickets lists the tickets the caller may see that f selects, without
// their event logs.
func (c *Client) Tickets(ctx context.Context, f TicketFilter, opts ...RequestOption) (*Page[Ticket], error) {
	return list[Ticket](ctx, c, "/tickets", f.values(), opts)
}

// GetTicket returns a ticket by display id or numeric id, with its event
// log when withEventLog is set.
func (c *Client) GetTicket(ctx context.Context, id string, withEventLog bool, opts ...RequestOption) (*Ticket, error) {
	path := ticketPath(id, "")
	if withEventLog {
		path += "?event_log=1"
	}
	return c.ticket(ctx, http.MethodGet, path, nil, opts)
}

// ticket sends a request whose answer is a ticket, keeping its ETag.
func (c *Client) ticket(ctx context.Context, method, path string, in any, opts []RequestOption) (*Ticket, error) {
	var t Ticket
	res, err := c.Do(ctx, method, path, in, &t, opts...)
	if err != nil {
		return nil, err
	}
	t.ETag = res.Header.Get("ETag")
	return &t, nil
}

// CustomerRef names the customer of a new request: an existing one by id,
// or one found (or created, unregistered) by email.
type CustomerRef struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// SubmitInput is a new request. A customer's own key submits for
// themself and leaves Customer nil; agents name the customer.
type SubmitInput struct {
	Description  string         `json:"description"`
	Subject      string         `json:"subject,omitempty"`
	Topic        int64          `json:"topic,omitempty"`
	Queue        int64          `json:"queue,omitempty"` // agents only
	Priority     int            `json:"priority,omitempty"`
	Customer     *CustomerRef   `json:"customer,omitempty"`
	Tags         []string       `json:"tags,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
}

// Submit submits a request (POST /request) through channel API and returns
// the new ticket.
func (c *Client) Submit(ctx context.Context, in SubmitInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticket(ctx, http.MethodPost, "/request", in, opts)
}

// CreateTicket is Submit through its other path, POST /ticket.
func (c *Client) CreateTicket(ctx context.Context, in SubmitInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticket(ctx, http.MethodPost, "/ticket", in, opts)
}

// TicketUpdate changes a ticket's properties (PUT /ticket/{id}); each
// change leaves its own event. Unset fields are left alone.
type TicketUpdate struct {
	Queue        Optional[int64]          `json:"queue,omitzero"`
	Topic        Optional[int64]          `json:"topic,omitzero"` // Null: no topic
	Priority     Optional[int]            `json:"priority,omitzero"`
	Assignee     Optional[int64]          `json:"assignee,omitzero"` // Null: unassign
	Deadline     Optional[time.Time]      `json:"deadline,omitzero"` // Null: no deadline
	Tags         Optional[[]string]       `json:"tags,omitzero"`
	CustomFields Optional[map[string]any] `json:"custom_fields,omitzero"`
	Status       Optional[int]            `json:"status,omitzero"` // where hand-set status is allowed
	Solution     Optional[string]         `json:"solution,omitzero"`
	Billable     Optional[int]            `json:"billable,omitzero"`
}

// UpdateTicket applies u and returns the updated ticket.
func (c *Client) UpdateTicket(ctx context.Context, id string, u TicketUpdate, opts ...RequestOption) (*Ticket, error) {
	return c.ticket(ctx, http.MethodPut, ticketPath(id, ""), u, opts)
}

// DeleteTicket moves a ticket to the trash.
func (c *Client) DeleteTicket(ctx context.Context, id string, opts ...RequestOption) error {
	return c.del(ctx, ticketPath(id, ""), opts)
}

// RestoreTicket brings a ticket back from the trash (administrators).
func (c *Client) RestoreTicket(ctx context.Context, id string, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "restore", nil, opts)
}

// ReplyInput is a public reply: an agent's (emailed to the customer) or a
// customer's.
type ReplyInput struct {
	Message    string        `json:"message"`
	Billable   Optional[int] `json:"billable,omitzero"`     // agents; unset: the account default
	SelfAssign bool          `json:"self_assign,omitempty"` // agents: take the ticket if unassigned
}

// Reply answers a ticket.
func (c *Client) Reply(ctx context.Context, id string, in ReplyInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "reply", in, opts)
}

// NoteInput is an internal note, never shown to customers.
type NoteInput struct {
	Message  string        `json:"message"`
	Billable Optional[int] `json:"billable,omitzero"`
	Status   Optional[int] `json:"status,omitzero"` // a hand-set status, where allowed
}

// Note adds an internal note.
func (c *Client) Note(ctx context.Context, id string, in NoteInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "note", in, opts)
}

// The directions of a phone call.
const (
	CallIn  = "in"
	CallOut = "out"
)

// CallInput records a phone call.
type CallInput struct {
	Direction string        `json:"direction"` // CallIn or CallOut
	Minutes   int           `json:"minutes"`   // how long the call took
	Summary   string        `json:"summary"`
	Billable  Optional[int] `json:"billable,omitzero"`
}

// LogCall records a phone call as an internal event.
func (c *Client) LogCall(ctx context.Context, id string, in CallInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "call", in, opts)
}

// AssignInput names the new assignee: Some(agent id) assigns, the zero
// Optional (or Null) unassigns.
type AssignInput struct {
	Agent    Optional[int64] `json:"agent"`
	Billable Optional[int]   `json:"billable,omitzero"`
}

// Assign assigns, takes or unassigns a ticket.
func (c *Client) Assign(ctx context.Context, id string, in AssignInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "assign", in, opts)
}

// CloseInput closes a ticket.
type CloseInput struct {
	Solution string        `json:"solution,omitempty"`
	Billable Optional[int] `json:"billable,omitzero"`
}

// Close closes a ticket with an optional solution.
func (c *Client) Close(ctx context.Context, id string, in CloseInput, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "close", in, opts)
}

// Reopen reopens a closed ticket.
func (c *Client) Reopen(ctx context.Context, id string, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "reopen", nil, opts)
}

// Rate records the customer's rating (1–5) of the agent reply with event id
// event; rating it again changes the rating.
func (c *Client) Rate(ctx context.Context, id string, event int64, rating int, opts ...RequestOption) (*Ticket, error) {
	in := struct {
		Event  int64 `json:"event"`
		Rating int   `json:"rating"`
	}{event, rating}
	return c.ticketAction(ctx, id, "rating", in, opts)
}

// Merge merges ticket id into ticket into: id is closed with a pointer to
// into.
func (c *Client) Merge(ctx context.Context, id, into string, opts ...RequestOption) (*Ticket, error) {
	in := struct {
		Into string `json:"into"`
	}{into}
	return c.ticketAction(ctx, id, "merge", in, opts)
}

// Unmerge undoes a merge and reopens the ticket.
func (c *Client) Unmerge(ctx context.Context, id string, opts ...RequestOption) (*Ticket, error) {
	return c.ticketAction(ctx, id, "unmerge", nil, opts)
}

// TicketEvents returns one page of a ticket's event log, newest first.
func (c *Client) TicketEvents(ctx context.Context, id string, o ListOptions, opts ...RequestOption) (*Page[Event], error) {
	v := url.Values{}
	o.values(v)
	return list[Event](ctx, c, ticketPath(id, "events"), v, opts)
}

// Attachment is a file stored with a ticket.
type Attachment struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	URL         string     `json:"url"`
	Created     *time.Time `json:"created"`
	Ticket      string     `json:"ticket"`
}

// UploadAttachment attaches the file name with the contents of body to a
// ticket; internal (agents only) keeps it from customers. The body is
// streamed, not held in memory.
func (c *Client) UploadAttachment(ctx context.Context, id, name string, body io.Reader, internal bool, opts ...RequestOption) (*Attachment, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	// The writer ends when the request has read the pipe to its end, or
	// when the pipe is closed below, whichever comes first.
	go func() {
		err := func() error {
			if internal {
				if err := mw.WriteField("internal", "1"); err != nil {
					return err
				}
			}
			part, err := mw.CreateFormFile("file", name)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, body); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	res, err := c.send(ctx, http.MethodPost, ticketPath(id, "attachment"), pr, mw.FormDataContentType(), opts)
	pr.Close()
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if err := checkStatus(http.MethodPost, res); err != nil {
		return nil, err
	}
	var a Attachment
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		return nil, fmt.Errorf("decode attachment: %w", err)
	}
	return &a, nil
}

// Download is an attachment's contents; the caller closes Body.
type Download struct {
	Body        io.ReadCloser
	Name        string // from Content-Disposition
	ContentType string
	Size        int64 // -1 when unknown
}

// DownloadAttachment opens attachment n of a ticket.
func (c *Client) DownloadAttachment(ctx context.Context, id string, n int64, opts ...RequestOption) (*Download, error) {
	res, err := c.send(ctx, http.MethodGet, ticketPath(id, "attachment/"+id64(n)), nil, "", opts)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(http.MethodGet, res); err != nil {
		res.Body.Close()
		return nil, err
	}
	d := &Download{Body: res.Body, ContentType: res.Header.Get("Content-Type"), Size: res.ContentLength}
	if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err == nil {
		d.Name = params["filename"]
	}
	return d, nil
}

func (c *Client) ticketAction(ctx context.Context, id, action string, in any, opts []RequestOption) (*Ticket, error) {
	if in == nil {
		in = struct{}{}
	}
	return c.ticket(ctx, http.MethodPost, ticketPath(id, action), in, opts)
}

func ticketPath(id, sub string) string {
	p := "/ticket/" + url.PathEscape(id)
	if sub != "" {
		p += "/" + sub
	}
	return p
}

package client

import (
	"context"
	"net/http"
	"strconv"
)

// Queue is a queue of tickets. Permissions is nil unless asked for.
type Queue struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Sequence    int               `json:"sequence"`
	Permissions []QueuePermission `json:"permissions,omitempty"`
	Addresses   []string          `json:"addresses"` // inbound email addresses
}

// QueuePermission is one agent's role in a queue.
type QueuePermission struct {
	Agent int64  `json:"agent"`
	Role  string `json:"role"` // RoleQueueManager or RoleAgent
}

// QueueInput creates or changes a queue (administrators).
type QueueInput struct {
	Name        Optional[string]            `json:"name,omitzero"`
	Sequence    Optional[int]               `json:"sequence,omitzero"`
	Permissions Optional[[]QueuePermission] `json:"permissions,omitzero"` // replaces the whole list
	Addresses   Optional[[]string]          `json:"addresses,omitzero"`
}

// Topic is what a request is about.
type Topic struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Active   bool   `json:"active"`
	Sequence int    `json:"sequence"`
	Queue    *int64 `json:"queue"` // default queue of its requests
}

// TopicInput creates or changes a topic (administrators).
type TopicInput struct {
	Name     Optional[string] `json:"name,omitzero"`
	Sequence Optional[int]    `json:"sequence,omitzero"`
	Active   Optional[bool]   `json:"active,omitzero"`
	Queue    Optional[int64]  `json:"queue,omitzero"` // Null: no default queue
}

// Group is a customer group.
type Group struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Sequence int    `json:"sequence"`
}

// GroupInput creates or changes a customer group (administrators).
type GroupInput struct {
	Name     Optional[string] `json:"name,omitzero"`
	Sequence Optional[int]    `json:"sequence,omitzero"`
}

// Tag is a name of the managed tag list.
type Tag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// TagInput creates or renames a tag (administrators).
type TagInput struct {
	Name Optional[string] `json:"name,omitzero"`
}

// The types of a custom field.
const (
	FieldText        = "text"
	FieldTextarea    = "textarea"
	FieldNumber      = "number"
	FieldDate        = "date"
	FieldDatetime    = "datetime"
	FieldSelect      = "select"
	FieldMultiselect = "multiselect"
	FieldCheckbox    = "checkbox"
	FieldURL         = "url"
	FieldEmail       = "email"
)

// CustomField is the definition of a ticket field an account adds.
// Tickets show its values under Label; requests set them under Key.
type CustomField struct {
	ID               int64    `json:"id"`
	Label            string   `json:"label"`
	Key              string   `json:"key"`
	Type             string   `json:"type"`
	Options          []string `json:"options"` // select and multiselect
	Required         bool     `json:"required"`
	CustomerVisible  bool     `json:"customer_visible"`
	CustomerEditable bool     `json:"customer_editable"`
	Topics           []int64  `json:"topics"` // empty: every topic
	Sequence         int      `json:"sequence"`
}

// CustomFieldInput creates or changes a custom field (administrators).
type CustomFieldInput struct {
	Label            Optional[string]   `json:"label,omitzero"`
	Key              Optional[string]   `json:"key,omitzero"`
	Type             Optional[string]   `json:"type,omitzero"`
	Options          Optional[[]string] `json:"options,omitzero"`
	Required         Optional[bool]     `json:"required,omitzero"`
	CustomerVisible  Optional[bool]     `json:"customer_visible,omitzero"`
	CustomerEditable Optional[bool]     `json:"customer_editable,omitzero"`
	Topics           Optional[[]int64]  `json:"topics,omitzero"`
	Sequence         Optional[int]      `json:"sequence,omitzero"`
}

// CannedReply is a reusable answer: for everyone, for one queue, or
// personal to the agent who wrote it.
type CannedReply struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Body     string `json:"body"`
	Queue    *int64 `json:"queue"`
	Personal bool   `json:"personal"`
}

// CannedReplyInput creates or changes a canned reply: administrators write
// the shared ones, every agent their personal ones.
type CannedReplyInput struct {
	Name     Optional[string] `json:"name,omitzero"`
	Body     Optional[string] `json:"body,omitzero"`
	Queue    Optional[int64]  `json:"queue,omitzero"` // Null: not tied to a queue
	Personal Optional[bool]   `json:"personal,omitzero"`
}

// Named is an entry of a fixed enumeration: a status, priority or channel.
type Named struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Settings are the account's settings as the server sends them: general,
// automation, service_targets, ticket_id_format, attachments, rate_limits.
// They are a map so that the client need not change when the server
// gains a setting.
type Settings map[string]any

// permSwitch is the compat path form of the permission switch: /1 asks
// for permissions, nothing is the default without them.
func permSwitch(on bool) string {
	if on {
		return "/1"
	}
	return ""
}

// Queues lists the queues by sequence, with their permissions when
// withPermissions is set (the compat path form /queues/1).
func (c *Client) Queues(ctx context.Context, withPermissions bool, opts ...RequestOption) ([]Queue, error) {
	return items[Queue](ctx, c, "/queues"+permSwitch(withPermissions), opts)
}

// GetQueue returns one queue, with its permissions when withPermissions is
// set (the compat path form /queue/{id}/1).
func (c *Client) GetQueue(ctx context.Context, id int64, withPermissions bool, opts ...RequestOption) (*Queue, error) {
	return one[Queue](ctx, c, http.MethodGet, "/queue/"+id64(id)+permSwitch(withPermissions), nil, opts)
}

// CreateQueue creates a queue; the answer carries its permissions.
func (c *Client) CreateQueue(ctx context.Context, in QueueInput, opts ...RequestOption) (*Queue, error) {
	return one[Queue](ctx, c, http.MethodPost, "/queue", in, opts)
}

// UpdateQueue changes a queue; the answer carries its permissions.
func (c *Client) UpdateQueue(ctx context.Context, id int64, in QueueInput, opts ...RequestOption) (*Queue, error) {
	return one[Queue](ctx, c, http.MethodPut, "/queue/"+id64(id), in, opts)
}

// DeleteQueue deletes a queue other than the default one.
func (c *Client) DeleteQueue(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/queue/"+id64(id), opts)
}

// Topics lists the topics by sequence (the active ones, for customers).
func (c *Client) Topics(ctx context.Context, opts ...RequestOption) ([]Topic, error) {
	return items[Topic](ctx, c, "/topics", opts)
}

// GetTopic returns one topic.
func (c *Client) GetTopic(ctx context.Context, id int64, opts ...RequestOption) (*Topic, error) {
	return one[Topic](ctx, c, http.MethodGet, "/topic/"+id64(id), nil, opts)
}

// CreateTopic creates a topic.
func (c *Client) CreateTopic(ctx context.Context, in TopicInput, opts ...RequestOption) (*Topic, error) {
	return one[Topic](ctx, c, http.MethodPost, "/topic", in, opts)
}

// UpdateTopic changes a topic.
func (c *Client) UpdateTopic(ctx context.Context, id int64, in TopicInput, opts ...RequestOption) (*Topic, error) {
	return one[Topic](ctx, c, http.MethodPut, "/topic/"+id64(id), in, opts)
}

// DeleteTopic deletes a topic.
func (c *Client) DeleteTopic(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/topic/"+id64(id), opts)
}

// Groups lists the customer groups by sequence.
func (c *Client) Groups(ctx context.Context, opts ...RequestOption) ([]Group, error) {
	return items[Group](ctx, c, "/groups", opts)
}

// GetGroup returns one customer group.
func (c *Client) GetGroup(ctx context.Context, id int64, opts ...RequestOption) (*Group, error) {
	return one[Group](ctx, c, http.MethodGet, "/group/"+id64(id), nil, opts)
}

// CreateGroup creates a customer group.
func (c *Client) CreateGroup(ctx context.Context, in GroupInput, opts ...RequestOption) (*Group, error) {
	return one[Group](ctx, c, http.MethodPost, "/group", in, opts)
}

// UpdateGroup changes a customer group.
func (c *Client) UpdateGroup(ctx context.Context, id int64, in GroupInput, opts ...RequestOption) (*Group, error) {
	return one[Group](ctx, c, http.MethodPut, "/group/"+id64(id), in, opts)
}

// DeleteGroup deletes a customer group; its customers keep no group.
func (c *Client) DeleteGroup(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/group/"+id64(id), opts)
}

// Tags lists the managed tags.
func (c *Client) Tags(ctx context.Context, opts ...RequestOption) ([]Tag, error) {
	return items[Tag](ctx, c, "/tags", opts)
}

// GetTag returns one tag.
func (c *Client) GetTag(ctx context.Context, id int64, opts ...RequestOption) (*Tag, error) {
	return one[Tag](ctx, c, http.MethodGet, "/tag/"+id64(id), nil, opts)
}

// CreateTag adds a tag to the list.
func (c *Client) CreateTag(ctx context.Context, in TagInput, opts ...RequestOption) (*Tag, error) {
	return one[Tag](ctx, c, http.MethodPost, "/tag", in, opts)
}

// UpdateTag renames a tag.
func (c *Client) UpdateTag(ctx context.Context, id int64, in TagInput, opts ...RequestOption) (*Tag, error) {
	return one[Tag](ctx, c, http.MethodPut, "/tag/"+id64(id), in, opts)
}

// DeleteTag removes a tag from the list.
func (c *Client) DeleteTag(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/tag/"+id64(id), opts)
}

// CustomFields lists the custom field definitions (the customer-visible
// ones, for customers).
func (c *Client) CustomFields(ctx context.Context, opts ...RequestOption) ([]CustomField, error) {
	return items[CustomField](ctx, c, "/custom_fields", opts)
}

// GetCustomField returns one custom field definition.
func (c *Client) GetCustomField(ctx context.Context, id int64, opts ...RequestOption) (*CustomField, error) {
	return one[CustomField](ctx, c, http.MethodGet, "/custom_field/"+id64(id), nil, opts)
}

// CreateCustomField creates a custom field.
func (c *Client) CreateCustomField(ctx context.Context, in CustomFieldInput, opts ...RequestOption) (*CustomField, error) {
	return one[CustomField](ctx, c, http.MethodPost, "/custom_field", in, opts)
}

// UpdateCustomField changes a custom field.
func (c *Client) UpdateCustomField(ctx context.Context, id int64, in CustomFieldInput, opts ...RequestOption) (*CustomField, error) {
	return one[CustomField](ctx, c, http.MethodPut, "/custom_field/"+id64(id), in, opts)
}

// DeleteCustomField deletes a custom field.
func (c *Client) DeleteCustomField(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/custom_field/"+id64(id), opts)
}

// CannedReplies lists the canned replies the agent may use.
func (c *Client) CannedReplies(ctx context.Context, opts ...RequestOption) ([]CannedReply, error) {
	return items[CannedReply](ctx, c, "/canned_replies", opts)
}

// GetCannedReply returns one canned reply.
func (c *Client) GetCannedReply(ctx context.Context, id int64, opts ...RequestOption) (*CannedReply, error) {
	return one[CannedReply](ctx, c, http.MethodGet, "/canned_reply/"+id64(id), nil, opts)
}

// CreateCannedReply creates a canned reply.
func (c *Client) CreateCannedReply(ctx context.Context, in CannedReplyInput, opts ...RequestOption) (*CannedReply, error) {
	return one[CannedReply](ctx, c, http.MethodPost, "/canned_reply", in, opts)
}

// UpdateCannedReply changes a canned reply.
func (c *Client) UpdateCannedReply(ctx context.Context, id int64, in CannedReplyInput, opts ...RequestOption) (*CannedReply, error) {
	return one[CannedReply](ctx, c, http.MethodPut, "/canned_reply/"+id64(id), in, opts)
}

// DeleteCannedReply deletes a canned reply.
func (c *Client) DeleteCannedReply(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/canned_reply/"+id64(id), opts)
}

// Statuses lists the fixed statuses.
func (c *Client) Statuses(ctx context.Context, opts ...RequestOption) ([]Named, error) {
	return items[Named](ctx, c, "/statuses", opts)
}

// GetStatus returns one status.
func (c *Client) GetStatus(ctx context.Context, id int, opts ...RequestOption) (*Named, error) {
	return one[Named](ctx, c, http.MethodGet, "/status/"+strconv.Itoa(id), nil, opts)
}

// Priorities lists the fixed priorities.
func (c *Client) Priorities(ctx context.Context, opts ...RequestOption) ([]Named, error) {
	return items[Named](ctx, c, "/priorities", opts)
}

// GetPriority returns one priority.
func (c *Client) GetPriority(ctx context.Context, id int, opts ...RequestOption) (*Named, error) {
	return one[Named](ctx, c, http.MethodGet, "/priority/"+strconv.Itoa(id), nil, opts)
}

// Channels lists the fixed channels.
func (c *Client) Channels(ctx context.Context, opts ...RequestOption) ([]Named, error) {
	return items[Named](ctx, c, "/channels", opts)
}

// GetChannel returns one channel.
func (c *Client) GetChannel(ctx context.Context, id int, opts ...RequestOption) (*Named, error) {
	return one[Named](ctx, c, http.MethodGet, "/channel/"+strconv.Itoa(id), nil, opts)
}

// Settings returns the account's settings (agents).
func (c *Client) Settings(ctx context.Context, opts ...RequestOption) (Settings, error) {
	var s Settings
	_, err := c.Do(ctx, http.MethodGet, "/settings", nil, &s, opts...)
	return s, err
}

// UpdateSettings changes the settings patch names and returns them all
// (administrators). The patch is merged into the current settings, nested
// objects too: {"automation": {"customers_reopen": false}} changes one
// switch.
func (c *Client) UpdateSettings(ctx context.Context, patch map[string]any, opts ...RequestOption) (Settings, error) {
	var s Settings
	_, err := c.Do(ctx, http.MethodPut, "/settings", patch, &s, opts...)
	return s, err
}

// items fetches an unpaged list.
func items[T any](ctx context.Context, c *Client, path string, opts []RequestOption) ([]T, error) {
	out := []T{}
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

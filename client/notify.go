package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// EmailTemplate is one named email template; Default is true while the
// account uses the built-in text.
type EmailTemplate struct {
	Name         string     `json:"name"`
	Subject      string     `json:"subject"`
	Body         string     `json:"body"`
	Default      bool       `json:"default"`
	Updated      *time.Time `json:"updated"`
	Placeholders []string   `json:"placeholders"`
}

// EmailTemplateInput changes a template (administrators).
type EmailTemplateInput struct {
	Subject Optional[string] `json:"subject,omitzero"`
	Body    Optional[string] `json:"body,omitzero"`
}

// PreviewInput renders a template: the stored text unless Subject or Body
// is given, over Ticket (a display id or number) or sample data.
type PreviewInput struct {
	Subject Optional[string] `json:"subject,omitzero"`
	Body    Optional[string] `json:"body,omitzero"`
	Ticket  Optional[string] `json:"ticket,omitzero"`
}

// Preview is a rendered email.
type Preview struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Recipient is one recipient of a ticket action notification: Kind
// customer, assignee, assignee_or_queue_managers, queue_managers,
// queue_agents, agent (with User) or address (with Address).
type Recipient struct {
	Kind    string  `json:"kind"`
	User    *int64  `json:"user,omitempty"`
	Address *string `json:"address,omitempty"`
}

// ActionNotification is the notification of one ticket action (Trigger:
// new_request, customer_reply, customer_close, agent_reply, agent_close,
// agent_assign, agent_call, reopen).
type ActionNotification struct {
	Trigger    string      `json:"trigger"`
	Enabled    bool        `json:"enabled"`
	Recipients []Recipient `json:"recipients"`
	Template   string      `json:"template"`
	Default    bool        `json:"default"`
}

// ActionNotificationInput changes one (administrators).
type ActionNotificationInput struct {
	Enabled    Optional[bool]        `json:"enabled,omitzero"`
	Recipients Optional[[]Recipient] `json:"recipients,omitzero"`
	Template   Optional[string]      `json:"template,omitzero"`
}

// MailSettings are the account's sender and SMTP server; SMTPURL comes
// back with its password masked, and sending the masked value keeps it.
type MailSettings struct {
	From    string `json:"from"`
	SMTPURL string `json:"smtp_url"`
}

// MailSettingsInput changes them (administrators).
type MailSettingsInput struct {
	From    Optional[string] `json:"from,omitzero"`
	SMTPURL Optional[string] `json:"smtp_url,omitzero"`
}

// Templates lists every email template.
func (c *Client) Templates(ctx context.Context, opts ...RequestOption) ([]EmailTemplate, error) {
	return items[EmailTemplate](ctx, c, "/templates", opts)
}

// GetTemplate returns one template by name, e.g. NEW_REQUEST.
func (c *Client) GetTemplate(ctx context.Context, name string, opts ...RequestOption) (*EmailTemplate, error) {
	return one[EmailTemplate](ctx, c, http.MethodGet, "/template/"+url.PathEscape(name), nil, opts)
}

// UpdateTemplate changes a template; a broken placeholder is a 400.
func (c *Client) UpdateTemplate(ctx context.Context, name string, in EmailTemplateInput, opts ...RequestOption) (*EmailTemplate, error) {
	return one[EmailTemplate](ctx, c, http.MethodPut, "/template/"+url.PathEscape(name), in, opts)
}

// ResetTemplate returns a template to its default text.
func (c *Client) ResetTemplate(ctx context.Context, name string, opts ...RequestOption) (*EmailTemplate, error) {
	return one[EmailTemplate](ctx, c, http.MethodPost, "/template/"+url.PathEscape(name)+"/reset", struct{}{}, opts)
}

// PreviewTemplate renders a template without sending anything.
func (c *Client) PreviewTemplate(ctx context.Context, name string, in PreviewInput, opts ...RequestOption) (*Preview, error) {
	return one[Preview](ctx, c, http.MethodPost, "/template/"+url.PathEscape(name)+"/preview", in, opts)
}

// ActionNotifications lists the notification of every ticket action.
func (c *Client) ActionNotifications(ctx context.Context, opts ...RequestOption) ([]ActionNotification, error) {
	return items[ActionNotification](ctx, c, "/notifications", opts)
}

// UpdateActionNotification changes the notification of trigger.
func (c *Client) UpdateActionNotification(ctx context.Context, trigger string, in ActionNotificationInput, opts ...RequestOption) (*ActionNotification, error) {
	return one[ActionNotification](ctx, c, http.MethodPut, "/notification/"+url.PathEscape(trigger), in, opts)
}

// MailSettings returns the account's mail settings.
func (c *Client) MailSettings(ctx context.Context, opts ...RequestOption) (*MailSettings, error) {
	return one[MailSettings](ctx, c, http.MethodGet, "/settings/mail", nil, opts)
}

// UpdateMailSettings changes the account's mail settings.
func (c *Client) UpdateMailSettings(ctx context.Context, in MailSettingsInput, opts ...RequestOption) (*MailSettings, error) {
	return one[MailSettings](ctx, c, http.MethodPut, "/settings/mail", in, opts)
}

package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/mail"
	"github.com/sympoq/sympoq/internal/store"
)

// defaultActions are the ticket action notifications of every account
// until an administrator changes them.
var defaultActions = map[sympoq.ActionTrigger]sympoq.ActionNotification{
	sympoq.TrigNewRequest:    {Enabled: true, Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}, Template: sympoq.TplNewRequest},
	sympoq.TrigCustomerReply: {Enabled: true, Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAssigneeOrManagers}}, Template: sympoq.TplCustomerReply},
	sympoq.TrigCustomerClose: {Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAssignee}}, Template: sympoq.TplClosed},
	sympoq.TrigAgentReply:    {Enabled: true, Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}, Template: sympoq.TplAgentReply},
	sympoq.TrigAgentClose:    {Recipients: []sympoq.Recipient{{Kind: sympoq.RcptCustomer}}, Template: sympoq.TplClosed},
	sympoq.TrigAgentAssign:   {Enabled: true, Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAssignee}}, Template: sympoq.TplAssignment},
	sympoq.TrigAgentCall:     {Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAssignee}}, Template: sympoq.TplAssignment},
	sympoq.TrigReopen:        {Recipients: []sympoq.Recipient{{Kind: sympoq.RcptAssignee}}, Template: sympoq.TplReopened},
}

// actionNotifications returns the account's notification of every
// trigger: the stored one, else the default.
func actionNotifications(ctx context.Context, tx *store.Tx, accountID int64) ([]*sympoq.ActionNotification, error) {
	stored, err := tx.ActionNotifications(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]*sympoq.ActionNotification, 0, len(sympoq.ActionTriggers))
	for _, trig := range sympoq.ActionTriggers {
		if n, ok := stored[trig]; ok {
			out = append(out, n)
			continue
		}
		d := defaultActions[trig]
		d.AccountID, d.Trigger, d.Default = accountID, trig, true
		d.Recipients = slices.Clone(d.Recipients)
		out = append(out, &d)
	}
	return out, nil
}

// notifyAction sends the ticket action notification of trig about ev: the
// stored one, else the default. It reads only trig's row, as it runs in
// every ticket action's transaction.
func (s *Service) notifyAction(ctx context.Context, tx *store.Tx, pre *notifyPre, set *sympoq.Settings, t *sympoq.Ticket, ev *sympoq.Event, trig sympoq.ActionTrigger) error {
	var n *sympoq.ActionNotification
	var err error
	if pre != nil && pre.actions != nil {
		if n = pre.actions[trig]; n == nil {
			err = sympoq.NotFound("action notification")
		}
	} else {
		n, err = tx.ActionNotification(ctx, t.AccountID, trig)
	}
	if sympoq.ErrorCode(err) == sympoq.ENotFound {
		d, ok := defaultActions[trig]
		if !ok {
			return nil
		}
		n, err = &d, nil
	}
	if err != nil {
		return err
	}
	if !n.Enabled {
		return nil
	}
	return s.notifyAll(ctx, tx, pre, set, t, ev, []sympoq.NotifySpec{{Recipients: n.Recipients, Template: n.Template}})
}

// triggerOf is the ticket action notification an event of a change sets
// off, if any.
func triggerOf(a Actor, t *sympoq.Ticket, e *sympoq.Event) (sympoq.ActionTrigger, bool) {
	switch e.Action {
	case sympoq.EvReply:
		return sympoq.TrigAgentReply, true
	case sympoq.EvCustomerReply:
		return sympoq.TrigCustomerReply, true
	case sympoq.EvClose:
		if a.IsAgent() {
			return sympoq.TrigAgentClose, true
		}
		return sympoq.TrigCustomerClose, true
	case sympoq.EvAssign:
		return sympoq.TrigAgentAssign, t.Assignee != 0
	case sympoq.EvCall:
		return sympoq.TrigAgentCall, true
	case sympoq.EvReopen:
		return sympoq.TrigReopen, true
	}
	return "", false
}

// notifyChange sends the notifications of a change's saved events.
func (c *change) notifyChange() error {
	for _, e := range c.events {
		if trig, ok := triggerOf(c.a, c.t, e); ok {
			if err := c.s.notifyAction(c.ctx, c.tx, nil, c.set, c.t, e, trig); err != nil {
				return err
			}
		}
	}
	return nil
}

// ActionNotificationInput changes the notification of one trigger.
type ActionNotificationInput struct {
	Enabled    Opt[bool]             `json:"enabled"`
	Recipients Opt[[]RecipientInput] `json:"recipients"`
	Template   Opt[string]           `json:"template"`
	Trigger    Opt[json.RawMessage]  `json:"trigger"`
	Default    Opt[json.RawMessage]  `json:"default"`
}

// RecipientInput is one recipient of a notification.
type RecipientInput struct {
	Kind    Opt[sympoq.RecipientKind] `json:"kind"`
	User    Opt[int64]                `json:"user"`
	Address Opt[string]               `json:"address"`
}

const maxRecipients = 50

// ActionNotifications lists the notification of every trigger.
func (s *Service) ActionNotifications(ctx context.Context, a Actor) ([]*sympoq.ActionNotification, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	return actionNotifications(ctx, tx, a.AccountID)
}

// SaveActionNotification changes the notification of trigger.
func (s *Service) SaveActionNotification(ctx context.Context, a Actor, trigger string, in ActionNotificationInput) (*sympoq.ActionNotification, error) {
	var out *sympoq.ActionNotification
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		trig := sympoq.ActionTrigger(trigger)
		if !slices.Contains(sympoq.ActionTriggers, trig) {
			return sympoq.NotFound("ticket action notification")
		}
		all, err := actionNotifications(ctx, tx, a.AccountID)
		if err != nil {
			return err
		}
		n := all[slices.IndexFunc(all, func(n *sympoq.ActionNotification) bool { return n.Trigger == trig })]
		var p sympoq.Problems
		readonly(&p, map[string]bool{"trigger": in.Trigger.Set, "default": in.Default.Set})
		if in.Enabled.Set {
			n.Enabled = in.Enabled.Value(false)
		}
		if in.Template.Set {
			n.Template = in.Template.Value("")
			if !slices.Contains(TemplateNames, n.Template) || userTemplate(n.Template) {
				p.Add("template", sympoq.FieldInvalid, "must be the name of a ticket email template")
			}
		}
		if in.Recipients.Set {
			rs, err := s.checkRecipients(ctx, tx, a.AccountID, trig, in.Recipients.Value(nil), &p)
			if err != nil {
				return err
			}
			n.Recipients = rs
		}
		if n.Enabled && len(n.Recipients) == 0 {
			p.Add("recipients", sympoq.FieldMissing, "an enabled notification needs at least one recipient")
		}
		if err := p.Err(); err != nil {
			return err
		}
		n.Default = false
		out = n
		return tx.SaveActionNotification(ctx, n)
	})
	return out, err
}

// checkRecipients validates a recipient list for trigger trig.
func (s *Service) checkRecipients(ctx context.Context, tx *store.Tx, accountID int64, trig sympoq.ActionTrigger, in []RecipientInput, p *sympoq.Problems) ([]sympoq.Recipient, error) {
	if len(in) > maxRecipients {
		p.Add("recipients", sympoq.FieldInvalid, "may hold at most %d recipients", maxRecipients)
		return nil, nil
	}
	out := []sympoq.Recipient{}
	for i, r := range in {
		f := fmt.Sprintf("recipients[%d]", i)
		kind := r.Kind.Value("")
		rc := sympoq.Recipient{Kind: kind}
		switch kind {
		case sympoq.RcptCustomer, sympoq.RcptAssignee, sympoq.RcptAssigneeOrManagers, sympoq.RcptQueueManagers, sympoq.RcptQueueAgents:
			if kind == sympoq.RcptCustomer && trig == sympoq.TrigAgentCall {
				p.Add(f+".kind", sympoq.FieldInvalid, "a logged call is internal: customers are never told of it")
			}
		case sympoq.RcptAgent:
			u, err := tx.User(ctx, accountID, r.User.Value(0))
			if sympoq.ErrorCode(err) == sympoq.ENotFound || err == nil && !u.IsAgent() {
				p.Add(f+".user", sympoq.FieldInvalid, "is not an agent of this account")
				continue
			} else if err != nil {
				return nil, err
			}
			rc.User = u.ID
		case sympoq.RcptAddress:
			addr := strings.ToLower(strings.TrimSpace(r.Address.Value("")))
			if code, msg := sympoq.ValidateEmail(addr); code != "" || addr == "" {
				p.Add(f+".address", sympoq.FieldInvalid, "must be an email address%s", strings.TrimPrefix(" ("+msg+")", " ()"))
				continue
			}
			rc.Address = addr
		default:
			p.Add(f+".kind", sympoq.FieldInvalid, "must be one of customer, assignee, assignee_or_queue_managers, queue_managers, queue_agents, agent, address")
			continue
		}
		if r.User.Set && kind != sympoq.RcptAgent {
			p.Add(f+".user", sympoq.FieldUnknown, "is only for kind agent")
		}
		if r.Address.Set && kind != sympoq.RcptAddress {
			p.Add(f+".address", sympoq.FieldUnknown, "is only for kind address")
		}
		if !slices.Contains(out, rc) {
			out = append(out, rc)
		}
	}
	return out, nil
}

// EmailTemplates lists every template of the account, changed or default.
func (s *Service) EmailTemplates(ctx context.Context, a Actor) ([]*sympoq.EmailTemplate, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	stored, err := tx.EmailTemplates(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]*sympoq.EmailTemplate, 0, len(TemplateNames))
	for _, name := range TemplateNames {
		if t, ok := stored[name]; ok {
			out = append(out, t)
		} else {
			t, _ := DefaultTemplate(a.AccountID, name)
			out = append(out, t)
		}
	}
	return out, nil
}

// EmailTemplate returns one template by name.
func (s *Service) EmailTemplate(ctx context.Context, a Actor, name string) (*sympoq.EmailTemplate, error) {
	all, err := s.EmailTemplates(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, sympoq.NotFound("email template")
}

// TemplateInput changes a template's subject or body.
type TemplateInput struct {
	Subject Opt[string]          `json:"subject"`
	Body    Opt[string]          `json:"body"`
	Name    Opt[json.RawMessage] `json:"name"`
	Default Opt[json.RawMessage] `json:"default"`
}

// SaveEmailTemplate changes template name; a broken or unknown placeholder
// is a field error and nothing is stored.
func (s *Service) SaveEmailTemplate(ctx context.Context, a Actor, name string, in TemplateInput) (*sympoq.EmailTemplate, error) {
	if _, err := s.allow(ctx, s.db.Read(), a, sympoq.ActWriteSettings); err != nil {
		return nil, err
	}
	cur, err := s.EmailTemplate(ctx, a, name)
	if err != nil {
		return nil, err
	}
	var p sympoq.Problems
	readonly(&p, map[string]bool{"name": in.Name.Set, "default": in.Default.Set})
	if in.Subject.Set {
		cur.Subject = strings.TrimSpace(in.Subject.Value(""))
		if strings.ContainsAny(cur.Subject, "\r\n") {
			p.Add("subject", sympoq.FieldInvalid, "must be one line")
		}
	}
	if in.Body.Set {
		cur.Body = strings.TrimRight(in.Body.Value(""), " \t\r\n") + "\n"
	}
	checkTemplate(&p, name, cur.Subject, cur.Body)
	if err := p.Err(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		cur.Default = false
		return tx.SaveEmailTemplate(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// ResetEmailTemplate drops the account's text of name: the default applies.
func (s *Service) ResetEmailTemplate(ctx context.Context, a Actor, name string) (*sympoq.EmailTemplate, error) {
	d, ok := DefaultTemplate(a.AccountID, name)
	if !ok {
		return nil, sympoq.NotFound("email template")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		return tx.DeleteEmailTemplate(ctx, a.AccountID, name)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// PreviewInput renders a template, as stored or with the given text, over
// a ticket the caller may see or over sample data.
type PreviewInput struct {
	Subject Opt[string] `json:"subject"`
	Body    Opt[string] `json:"body"`
	Ticket  Opt[string] `json:"ticket"`
}

// PreviewEmailTemplate renders template name without sending anything.
func (s *Service) PreviewEmailTemplate(ctx context.Context, a Actor, name string, in PreviewInput) (*Rendered, error) {
	t, err := s.EmailTemplate(ctx, a, name)
	if err != nil {
		return nil, err
	}
	var p sympoq.Problems
	if in.Subject.Set {
		t.Subject = in.Subject.Value("")
	}
	if in.Body.Set {
		t.Body = in.Body.Value("")
	}
	checkTemplate(&p, name, t.Subject, t.Body)
	tx := s.db.Read()
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	acct, err := tx.Account(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	base := s.accountURL(acct.Name)
	values := sampleValues(set, base)
	if ref := strings.TrimSpace(in.Ticket.Value("")); ref != "" && !userTemplate(name) {
		tk, err := findTicket(ctx, tx, a.AccountID, ref)
		var v *TicketView
		if err == nil {
			v, err = s.view(ctx, tx, a, set, tk)
		}
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			p.Add("ticket", sympoq.FieldInvalid, "is not a ticket you can see")
		} else if err != nil {
			return nil, err
		} else {
			if values, err = s.previewValues(ctx, tx, set, base, v); err != nil {
				return nil, err
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return renderTemplate(t, values)
}

func (s *Service) previewValues(ctx context.Context, tx *store.Tx, set *sympoq.Settings, base string, v *TicketView) (map[string]string, error) {
	t := v.Ticket
	q, err := tx.Queue(ctx, t.AccountID, t.Queue)
	if err != nil {
		return nil, err
	}
	topic := ""
	if t.Topic != 0 {
		if tp, err := tx.Topic(ctx, t.AccountID, t.Topic); err == nil {
			topic = tp.Name
		}
	}
	var assignee *sympoq.User
	if t.Assignee != 0 {
		if assignee, err = tx.User(ctx, t.AccountID, t.Assignee); err != nil {
			return nil, err
		}
	}
	ev := &sympoq.Event{Body: t.Description}
	values := ticketValues(set, base, t, topic, q.Name, v.CustomerUser, assignee, ev)
	values["recipient"] = v.CustomerUser.Name
	return values, nil
}

// sampleValues fill a preview without a ticket.
func sampleValues(set *sympoq.Settings, base string) map[string]string {
	return map[string]string{
		"ticket_id": "12-04-S-AMP", "subject": "The printer on floor 2 is offline", "topic": "Hardware", "queue": "Inbox",
		"priority": "Normal", "status": "Working", "customer": "Sam Sample", "customer_email": "sam@example.com",
		"agent": "Alex Agent", "actor": "Alex Agent", "deadline": "none",
		"message":     "Hello,\nthe printer shows error 42 since this morning.\nThanks, Sam",
		"ticket_link": base + DeskTicketPath("12-04-S-AMP"), "portal_link": base + PortalTicketPath("12-04-S-AMP"),
		"desk_title": set.General.Title, "recipient": "Sam Sample",
		"link": base + "/app/register?token=sample", "link_valid": "7 days",
	}
}

// MailSettingsInput changes the account's mail settings.
type MailSettingsInput struct {
	From    Opt[string] `json:"from"`
	SMTPURL Opt[string] `json:"smtp_url"`
}

// MailSettings returns the account's mail settings with the SMTP password
// masked.
func (s *Service) MailSettings(ctx context.Context, a Actor) (*sympoq.MailSettings, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadSettings); err != nil {
		return nil, err
	}
	m, err := tx.MailSettings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	return redactMail(m), nil
}

func redactMail(m *sympoq.MailSettings) *sympoq.MailSettings {
	out := *m
	if out.SMTPURL != "" {
		if c, err := mail.ParseSMTPURL(out.SMTPURL); err == nil {
			out.SMTPURL = c.Redacted()
		} else {
			out.SMTPURL = "****"
		}
	}
	return &out
}

// SaveMailSettings changes the account's sender and SMTP server. An
// smtp_url equal to the masked one keeps the stored password.
func (s *Service) SaveMailSettings(ctx context.Context, a Actor, in MailSettingsInput) (*sympoq.MailSettings, error) {
	var out *sympoq.MailSettings
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		tx.AfterCommit(func() { s.forgetConfig(a.AccountID) }) // submissions keep these (submitConfig)
		if _, err := s.allow(ctx, tx, a, sympoq.ActWriteSettings); err != nil {
			return err
		}
		m, err := tx.MailSettings(ctx, a.AccountID)
		if err != nil {
			return err
		}
		var p sympoq.Problems
		if in.From.Set {
			from := strings.TrimSpace(in.From.Value(""))
			if from != "" {
				addr, err := mailAddress(from)
				if err != nil {
					p.Add("from", sympoq.FieldInvalid, "must be an address such as Support <help@example.com>")
				} else {
					from = addr
				}
			}
			m.From = from
		}
		if in.SMTPURL.Set {
			raw := strings.TrimSpace(in.SMTPURL.Value(""))
			switch {
			case raw == "":
				m.SMTPURL = ""
			case raw == redactMail(m).SMTPURL:
				// Unchanged, as shown.
			case s.mail.NoAccountSMTP:
				p.Add("smtp_url", sympoq.FieldReadonly, "this server sends every account's email itself; accounts cannot set their own SMTP server")
			default:
				if _, err := mail.ParseSMTPURL(raw); err != nil {
					p.Add("smtp_url", sympoq.FieldInvalid, "%v", err)
				} else {
					m.SMTPURL = raw
				}
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		out = m
		return tx.SaveMailSettings(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	return redactMail(out), nil
}

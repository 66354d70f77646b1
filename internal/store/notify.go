package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sympoq/sympoq"
)

// EmailTemplates returns the account's stored (changed) templates by name.
func (tx *Tx) EmailTemplates(ctx context.Context, accountID int64) (map[string]*sympoq.EmailTemplate, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT name, subject, body, updated_at FROM email_templates WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*sympoq.EmailTemplate{}
	for rows.Next() {
		t := &sympoq.EmailTemplate{AccountID: accountID}
		var updated nullInt
		if err := rows.Scan(&t.Name, &t.Subject, &t.Body, &updated); err != nil {
			return nil, err
		}
		t.Updated = fromMicros(updated)
		out[t.Name] = t
	}
	return out, rows.Err()
}

// EmailTemplate returns the account's stored template name, or ENotFound
// when the account uses the default.
func (tx *Tx) EmailTemplate(ctx context.Context, accountID int64, name string) (*sympoq.EmailTemplate, error) {
	t := &sympoq.EmailTemplate{AccountID: accountID, Name: name}
	var updated nullInt
	err := tx.q.QueryRowContext(ctx, `SELECT subject, body, updated_at FROM email_templates WHERE account_id = $1 AND name = $2`,
		accountID, name).Scan(&t.Subject, &t.Body, &updated)
	if err != nil {
		return nil, mapErr(err, "email template")
	}
	t.Updated = fromMicros(updated)
	return t, nil
}

// SaveEmailTemplate stores t, replacing the account's earlier text.
func (tx *Tx) SaveEmailTemplate(ctx context.Context, t *sympoq.EmailTemplate) error {
	t.Updated = tx.now
	_, err := tx.exec(ctx, `INSERT INTO email_templates (account_id, name, subject, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, name) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at`,
		t.AccountID, t.Name, t.Subject, t.Body, micros(t.Updated))
	return err
}

// DeleteEmailTemplate removes the stored text, so the default applies
// again. Deleting a default is not an error.
func (tx *Tx) DeleteEmailTemplate(ctx context.Context, accountID int64, name string) error {
	_, err := tx.exec(ctx, `DELETE FROM email_templates WHERE account_id = $1 AND name = $2`, accountID, name)
	return err
}

type recipientJSON struct {
	Kind    sympoq.RecipientKind `json:"kind"`
	User    int64                `json:"user,omitempty"`
	Address string               `json:"address,omitempty"`
}

// ActionNotifications returns the account's stored ticket action
// notifications by trigger.
func (tx *Tx) ActionNotifications(ctx context.Context, accountID int64) (map[sympoq.ActionTrigger]*sympoq.ActionNotification, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT on_action, enabled, recipients, template FROM action_notifications WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[sympoq.ActionTrigger]*sympoq.ActionNotification{}
	for rows.Next() {
		n := &sympoq.ActionNotification{AccountID: accountID}
		var trig, rcpts string
		if err := rows.Scan(&trig, &n.Enabled, &rcpts, &n.Template); err != nil {
			return nil, err
		}
		n.Trigger = sympoq.ActionTrigger(trig)
		var err error
		if n.Recipients, err = decodeRecipients(rcpts); err != nil {
			return nil, fmt.Errorf("action notification %s: recipients: %w", trig, err)
		}
		out[n.Trigger] = n
	}
	return out, rows.Err()
}

// ActionNotification returns the account's stored notification of trig, or
// ENotFound when the default applies: one row, for the path of every
// ticket action.
func (tx *Tx) ActionNotification(ctx context.Context, accountID int64, trig sympoq.ActionTrigger) (*sympoq.ActionNotification, error) {
	n := &sympoq.ActionNotification{AccountID: accountID, Trigger: trig}
	var rcpts string
	err := tx.q.QueryRowContext(ctx, `SELECT enabled, recipients, template FROM action_notifications WHERE account_id = $1 AND on_action = $2`,
		accountID, string(trig)).Scan(&n.Enabled, &rcpts, &n.Template)
	if err != nil {
		return nil, mapErr(err, "action notification")
	}
	if n.Recipients, err = decodeRecipients(rcpts); err != nil {
		return nil, fmt.Errorf("action notification %s: recipients: %w", trig, err)
	}
	return n, nil
}

func decodeRecipients(s string) ([]sympoq.Recipient, error) {
	var rs []recipientJSON
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, err
	}
	out := make([]sympoq.Recipient, len(rs))
	for i, r := range rs {
		out[i] = sympoq.Recipient{Kind: r.Kind, User: r.User, Address: r.Address}
	}
	return out, nil
}

// SaveActionNotification stores n, replacing the trigger's earlier one.
func (tx *Tx) SaveActionNotification(ctx context.Context, n *sympoq.ActionNotification) error {
	rs := make([]recipientJSON, len(n.Recipients))
	for i, r := range n.Recipients {
		rs[i] = recipientJSON{Kind: r.Kind, User: r.User, Address: r.Address}
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO action_notifications (account_id, on_action, enabled, recipients, template, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, on_action) DO UPDATE SET enabled = excluded.enabled,
		recipients = excluded.recipients, template = excluded.template, updated_at = excluded.updated_at`,
		n.AccountID, string(n.Trigger), n.Enabled, string(b), n.Template, micros(tx.now))
	return err
}

// DeleteActionNotification removes the stored one, so the default applies.
func (tx *Tx) DeleteActionNotification(ctx context.Context, accountID int64, trig sympoq.ActionTrigger) error {
	_, err := tx.exec(ctx, `DELETE FROM action_notifications WHERE account_id = $1 AND on_action = $2`, accountID, string(trig))
	return err
}

// MailSettings returns the account's mail settings; an account that never
// saved any gets empty ones.
func (tx *Tx) MailSettings(ctx context.Context, accountID int64) (*sympoq.MailSettings, error) {
	m := &sympoq.MailSettings{AccountID: accountID}
	var updated nullInt
	err := tx.q.QueryRowContext(ctx, `SELECT from_addr, smtp_url, updated_at FROM mail_settings WHERE account_id = $1`,
		accountID).Scan(&m.From, &m.SMTPURL, &updated)
	if err = mapErr(err, "mail settings"); sympoq.ErrorCode(err) == sympoq.ENotFound {
		return m, nil
	} else if err != nil {
		return nil, err
	}
	m.Updated = fromMicros(updated)
	return m, nil
}

// SaveMailSettings stores m.
func (tx *Tx) SaveMailSettings(ctx context.Context, m *sympoq.MailSettings) error {
	m.Updated = tx.now
	_, err := tx.exec(ctx, `INSERT INTO mail_settings (account_id, from_addr, smtp_url, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id) DO UPDATE SET from_addr = excluded.from_addr, smtp_url = excluded.smtp_url, updated_at = excluded.updated_at`,
		m.AccountID, m.From, m.SMTPURL, micros(m.Updated))
	return err
}

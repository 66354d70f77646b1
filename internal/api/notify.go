package api

import (
	"net/http"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// Email templates, ticket action notifications and mail settings
// (api.md §9): agents read, administrators write.

type templateJSON struct {
	Name         string   `json:"name"`
	Subject      string   `json:"subject"`
	Body         string   `json:"body"`
	Default      bool     `json:"default"`
	Updated      *string  `json:"updated"`
	Placeholders []string `json:"placeholders"`
}

func toTemplateJSON(t *sympoq.EmailTemplate) templateJSON {
	out := templateJSON{Name: t.Name, Subject: t.Subject, Body: t.Body, Default: t.Default, Placeholders: desk.Placeholders(t.Name)}
	if !t.Updated.IsZero() {
		s := t.Updated.UTC().Format(time.RFC3339)
		out.Updated = &s
	}
	return out
}

func (a *API) templates(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.desk.EmailTemplates(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]templateJSON, len(ts))
	for i, t := range ts {
		out[i] = toTemplateJSON(t)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) template(w http.ResponseWriter, r *http.Request) error {
	t, err := a.desk.EmailTemplate(r.Context(), actor(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTemplateJSON(t))
	return nil
}

func (a *API) saveTemplate(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.TemplateInput](w, r)
	if err != nil {
		return err
	}
	t, err := a.desk.SaveEmailTemplate(r.Context(), actor(r), r.PathValue("name"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTemplateJSON(t))
	return nil
}

func (a *API) resetTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := a.desk.ResetEmailTemplate(r.Context(), actor(r), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTemplateJSON(t))
	return nil
}

type previewJSON struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

func (a *API) previewTemplate(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.PreviewInput](w, r)
	if err != nil {
		return err
	}
	out, err := a.desk.PreviewEmailTemplate(r.Context(), actor(r), r.PathValue("name"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, previewJSON{Subject: out.Subject, Text: out.Text, HTML: out.HTML})
	return nil
}

type recipientJSON struct {
	Kind    sympoq.RecipientKind `json:"kind"`
	User    *int64               `json:"user,omitempty"`
	Address *string              `json:"address,omitempty"`
}

type actionNotificationJSON struct {
	Trigger    sympoq.ActionTrigger `json:"trigger"`
	Enabled    bool                 `json:"enabled"`
	Recipients []recipientJSON      `json:"recipients"`
	Template   string               `json:"template"`
	Default    bool                 `json:"default"`
}

func toActionJSON(n *sympoq.ActionNotification) actionNotificationJSON {
	out := actionNotificationJSON{Trigger: n.Trigger, Enabled: n.Enabled, Template: n.Template, Default: n.Default,
		Recipients: make([]recipientJSON, len(n.Recipients))}
	for i, rc := range n.Recipients {
		out.Recipients[i] = recipientJSON{Kind: rc.Kind}
		if rc.Kind == sympoq.RcptAgent {
			u := rc.User
			out.Recipients[i].User = &u
		}
		if rc.Kind == sympoq.RcptAddress {
			addr := rc.Address
			out.Recipients[i].Address = &addr
		}
	}
	return out
}

func (a *API) actionNotifications(w http.ResponseWriter, r *http.Request) error {
	ns, err := a.desk.ActionNotifications(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]actionNotificationJSON, len(ns))
	for i, n := range ns {
		out[i] = toActionJSON(n)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) saveActionNotification(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.ActionNotificationInput](w, r)
	if err != nil {
		return err
	}
	n, err := a.desk.SaveActionNotification(r.Context(), actor(r), r.PathValue("trigger"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toActionJSON(n))
	return nil
}

type mailSettingsJSON struct {
	From    string `json:"from"`
	SMTPURL string `json:"smtp_url"`
}

func (a *API) mailSettings(w http.ResponseWriter, r *http.Request) error {
	m, err := a.desk.MailSettings(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mailSettingsJSON{From: m.From, SMTPURL: m.SMTPURL})
	return nil
}

func (a *API) saveMailSettings(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.MailSettingsInput](w, r)
	if err != nil {
		return err
	}
	m, err := a.desk.SaveMailSettings(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mailSettingsJSON{From: m.From, SMTPURL: m.SMTPURL})
	return nil
}

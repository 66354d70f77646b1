package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// MailPath is the endpoint that takes raw messages from an MTA (api.md §11).
const MailPath = "/app/desk/mail/inbound"

// MailRoutes are the routes outside the API prefix that belong to an
// account: the raw-message endpoint, authenticated by a mailbox token
// rather than an API key.
func (a *API) MailRoutes() []Route {
	return []Route{{Pattern: "POST " + MailPath, Handler: a.Handle(a.inbound)}}
}

// mailRoutes are the administration routes of inbound mail, added to the
// API table (routes.go).
func (a *API) mailRoutes() []struct {
	pattern string
	h       handlerFunc
} {
	return []struct {
		pattern string
		h       handlerFunc
	}{
		{"GET /mailboxes", a.mailboxes},
		{"GET /mailbox/{id}", a.mailbox},
		{"POST /mailbox", a.saveMailbox(true)},
		{"PUT /mailbox/{id}", a.saveMailbox(false)},
		{"DELETE /mailbox/{id}", a.deleteMailbox},
		{"POST /mailbox/{id}/test", a.testMailbox},
		{"GET /inbound_tokens", a.inboundTokens},
		{"POST /inbound_token", a.createInboundToken},
		{"DELETE /inbound_token/{id}", a.deleteInboundToken},
		{"GET /inbound_mails", a.inboundMails},
		{"GET /inbound_mail/{id}", a.inboundMail},
		{"GET /inbound_mail/{id}/raw", a.inboundRaw},
		{"POST /inbound_mail/{id}/retry", a.inboundAction((*desk.Service).RetryInboundMail)},
		{"POST /inbound_mail/{id}/dismiss", a.inboundAction((*desk.Service).DismissInboundMail)},
	}
}

// inbound takes one raw RFC 5322 message. The token comes in
// Authorization: Bearer (or the X-Mailbox-Token header); the envelope, when
// the MTA passes it, in the query: sender and recipient (repeatable). The
// message is stored before the answer (202) and processed afterwards, so a
// message that cannot be parsed is kept as failed, never refused.
func (a *API) inbound(w http.ResponseWriter, r *http.Request) error {
	account := sympoq.AccountFromContext(r.Context())
	if account == nil {
		return sympoq.NotFound("account")
	}
	token := r.Header.Get("X-Mailbox-Token")
	if h := r.Header.Get("Authorization"); token == "" && len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		token = strings.TrimSpace(h[7:])
	}
	t, err := a.desk.InboundToken(r.Context(), account.ID, token)
	if err != nil {
		if sympoq.ErrorCode(err) == sympoq.EUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mail"`)
		}
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "message/rfc822" && mt != "application/octet-stream" && mt != "text/plain" {
			return sympoq.Errorf(sympoq.EUnsupported, "send the raw message as message/rfc822")
		}
	}
	if r.ContentLength > desk.MaxInboundBytes {
		return sympoq.Errorf(sympoq.ETooLarge, "a message may be at most %d MB", desk.MaxInboundBytes>>20)
	}
	q := r.URL.Query()
	in := desk.Incoming{Source: sympoq.SourceHTTP, Queue: t.Queue, EnvelopeFrom: q.Get("sender"), Recipients: q["recipient"]}
	if len(in.Recipients) > 50 {
		return sympoq.FieldErr("recipient", sympoq.FieldInvalid, "at most 50 recipients")
	}
	m, err := a.desk.IntakeMail(r.Context(), account.ID, in, r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return sympoq.Errorf(sympoq.ETooLarge, "the body is too large")
		}
		if _, ok := err.(*sympoq.Error); !ok && r.Context().Err() == nil && errors.Is(err, io.ErrUnexpectedEOF) {
			return sympoq.Errorf(sympoq.EInvalid, "the body could not be read whole")
		}
		return err
	}
	writeJSON(w, http.StatusAccepted, inboundJSON(m))
	return nil
}

type mailboxJSON struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Host       string  `json:"host"`
	Port       int     `json:"port"`
	Security   string  `json:"security"`
	Username   string  `json:"username"`
	Folder     string  `json:"folder"`
	MoveTo     *string `json:"move_to"`
	Interval   int     `json:"interval"`
	Queue      *int64  `json:"queue"`
	Active     bool    `json:"active"`
	LastPolled *string `json:"last_polled"`
	LastError  *string `json:"last_error"`
	Created    *string `json:"created"`
}

// mailboxOut never carries the password.
func mailboxOut(m *sympoq.Mailbox) mailboxJSON {
	out := mailboxJSON{ID: m.ID, Name: m.Name, Host: m.Host, Port: m.Port, Security: string(m.Security), Username: m.Username,
		Folder: m.Folder, MoveTo: nullable(m.MoveTo), Interval: int(m.Interval.Seconds()), Active: m.Active,
		LastPolled: apiTime(m.LastPolled), LastError: nullable(m.LastError), Created: apiTime(m.Created)}
	if m.Queue != 0 {
		out.Queue = &m.Queue
	}
	return out
}

func (a *API) mailboxes(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.desk.Mailboxes(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]mailboxJSON, len(ms))
	for i, m := range ms {
		out[i] = mailboxOut(m)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) mailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.desk.Mailbox(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mailboxOut(m))
	return nil
}

func (a *API) saveMailbox(create bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		if !create {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		in, err := decode[desk.MailboxInput](w, r)
		if err != nil {
			return err
		}
		m, err := a.desk.SaveMailbox(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		writeJSON(w, status, mailboxOut(m))
		return nil
	}
}

func (a *API) deleteMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.desk.DeleteMailbox(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}

type mailboxTestJSON struct {
	OK       bool    `json:"ok"`
	Messages uint32  `json:"messages"`
	Error    *string `json:"error"`
}

func (a *API) testMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := readBody(w, r); err != nil {
		return err
	}
	res, err := a.desk.TestMailbox(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mailboxTestJSON{OK: res.OK, Messages: res.Messages, Error: nullable(res.Error)})
	return nil
}

type inboundTokenJSON struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Queue    *int64  `json:"queue"`
	Created  *string `json:"created"`
	LastUsed *string `json:"last_used"`
	Token    string  `json:"token,omitempty"`
}

func tokenOut(t *sympoq.InboundToken) inboundTokenJSON {
	out := inboundTokenJSON{ID: t.ID, Name: t.Name, Created: apiTime(t.Created), LastUsed: apiTime(t.LastUsed)}
	if t.Queue != 0 {
		out.Queue = &t.Queue
	}
	return out
}

func (a *API) inboundTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.desk.InboundTokens(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]inboundTokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenOut(t)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) createInboundToken(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.InboundTokenInput](w, r)
	if err != nil {
		return err
	}
	t, err := a.desk.CreateInboundToken(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	out := tokenOut(t.InboundToken)
	out.Token = t.Token
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) deleteInboundToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.desk.DeleteInboundToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}

type inboundMailJSON struct {
	ID        int64   `json:"id"`
	State     string  `json:"state"`
	Source    string  `json:"source"`
	Mailbox   *int64  `json:"mailbox"`
	Received  *string `json:"received"`
	Processed *string `json:"processed"`
	Size      int64   `json:"size"`
	MessageID *string `json:"message_id"`
	Sender    *string `json:"sender"`
	Subject   *string `json:"subject"`
	Reason    *string `json:"reason"`
	Error     *string `json:"error"`
	Ticket    *int64  `json:"ticket"`
	Attempts  int     `json:"attempts"`
}

func inboundJSON(m *sympoq.InboundMail) inboundMailJSON {
	out := inboundMailJSON{ID: m.ID, State: string(m.State), Source: string(m.Source), Received: apiTime(m.Received),
		Processed: apiTime(m.Processed), Size: m.Size, MessageID: nullable(m.MessageID), Sender: nullable(m.Sender),
		Subject: nullable(m.Subject), Reason: nullable(m.Reason), Error: nullable(m.Error), Attempts: m.Attempts}
	if m.Mailbox != 0 {
		out.Mailbox = &m.Mailbox
	}
	if m.Ticket != 0 {
		out.Ticket = &m.Ticket
	}
	return out
}

// inboundMails lists received messages: by default the unprocessed ones
// (new and failed); state=a,b to choose, before=<id> for the next page.
func (a *API) inboundMails(w http.ResponseWriter, r *http.Request) error {
	var q desk.InboundList
	if v := param(r, "state"); v != "" {
		for _, s := range strings.Split(v, ",") {
			switch st := sympoq.InboundState(strings.TrimSpace(s)); st {
			case sympoq.InboundNew, sympoq.InboundProcessed, sympoq.InboundFailed, sympoq.InboundIgnored:
				q.States = append(q.States, st)
			default:
				return sympoq.FieldErr("state", sympoq.FieldInvalid, "must be a list of new, processed, failed, ignored")
			}
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
		max  int64
	}{{"before", &q.Before, 1 << 62}, {"limit", nil, 500}} {
		v := param(r, p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > p.max {
			return sympoq.FieldErr(p.name, sympoq.FieldInvalid, "must be a whole number from 1 to %d", p.max)
		}
		if p.dst != nil {
			*p.dst = n
		} else {
			q.Limit = int(n)
		}
	}
	ms, err := a.desk.InboundMails(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	out := make([]inboundMailJSON, len(ms))
	for i, m := range ms {
		out[i] = inboundJSON(m)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	if len(ms) == limit {
		w.Header().Set("X-Next-Cursor", strconv.FormatInt(ms[len(ms)-1].ID, 10))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) inboundMail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.desk.InboundMail(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inboundJSON(m))
	return nil
}

// inboundRaw downloads the message as it was received.
func (a *API) inboundRaw(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, f, err := a.desk.OpenInboundMail(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", `attachment; filename="message-`+strconv.FormatInt(m.ID, 10)+`.eml"`)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}

// inboundAction runs retry or dismiss on one message.
func (a *API) inboundAction(fn func(*desk.Service, context.Context, desk.Actor, int64) (*sympoq.InboundMail, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := readBody(w, r); err != nil {
			return err
		}
		m, err := fn(a.desk, r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, inboundJSON(m))
		return nil
	}
}

package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// notifySnapshot is every notification setting of the account as the API
// shows it, to prove that refused writes changed nothing.
func notifySnapshot(t *testing.T, s *stack, key string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/templates", "/notifications", "/settings/mail"} {
		r := s.call("GET", "", api+p, key, nil)
		if r.status != 200 {
			t.Fatalf("GET %s = %d %s", p, r.status, r.body)
		}
		b.Write(r.body)
		b.WriteString("\n")
	}
	return b.String()
}

type templateBody struct {
	Name, Subject, Body string
	Default             bool
	Placeholders        []string
}

// TestTemplateRoles: agents read templates, notifications and mail
// settings; only administrators change them; customers get 403 for all.
func TestTemplateRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		f := newRoleFixture(s)
		reads := []string{"/templates", "/template/NEW_REQUEST", "/notifications", "/settings/mail"}
		writes := []roleCall{
			{"PUT", "/template/NEW_REQUEST", map[string]any{"subject": "Nope"}},
			{"POST", "/template/NEW_REQUEST/reset", map[string]any{}},
			{"PUT", "/notification/agent_reply", map[string]any{"enabled": false}},
			{"PUT", "/settings/mail", map[string]any{"from": "nope@example.com"}},
		}
		for _, p := range reads {
			if r := s.call("GET", "", api+p, f.noRoleKey, nil); r.status != http.StatusOK {
				t.Errorf("agent GET %s = %d (%s)", p, r.status, r.body)
			}
			r := s.call("GET", "", api+p, f.custKey, nil)
			checkProblem(t, "customer GET "+p, r, http.StatusForbidden, sympoq.EForbidden, "")
		}
		if r := s.call("POST", "", api+"/template/NEW_REQUEST/preview", f.noRoleKey, map[string]any{}); r.status != http.StatusOK {
			t.Errorf("agent preview = %d (%s)", r.status, r.body)
		}
		checkProblem(t, "customer preview", s.call("POST", "", api+"/template/NEW_REQUEST/preview", f.custKey, map[string]any{}),
			http.StatusForbidden, sympoq.EForbidden, "")
		before, beforeN := dump(t, db), notifySnapshot(t, s, f.adminKey)
		for _, c := range writes {
			for _, key := range []string{f.queueKey, f.custKey} {
				checkProblem(t, c.method+" "+c.path, s.call(c.method, "", api+c.path, key, c.body), http.StatusForbidden, sympoq.EForbidden, "")
			}
		}
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("forbidden writes changed the account:\n%s", diff)
		}
		if diff := cmp.Diff(beforeN, notifySnapshot(t, s, f.adminKey)); diff != "" {
			t.Errorf("forbidden writes changed the notification settings:\n%s", diff)
		}
		for _, c := range writes {
			if r := s.call(c.method, "", api+c.path, f.adminKey, c.body); r.status != http.StatusOK {
				t.Errorf("administrator %s %s = %d (%s)", c.method, c.path, r.status, r.body)
			}
		}
	})
}

// TestTemplateEditing: a broken or unknown placeholder is refused with a
// field error and stores nothing; a good change is stored, previewed over a
// real ticket, and reset to the default.
func TestTemplateEditing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		_, key := s.account("default")

		var list []templateBody
		s.call("GET", "", api+"/templates", key, nil).decode(t, &list)
		var names []string
		for _, tp := range list {
			names = append(names, tp.Name)
			if !tp.Default || tp.Subject == "" || tp.Body == "" || len(tp.Placeholders) == 0 {
				t.Errorf("template %+v, want a default with text and placeholders", tp)
			}
		}
		want := []string{"NEW_REQUEST", "ASSIGNMENT", "AGENT_REPLY", "CUSTOMER_REPLY", "CLOSED", "REOPENED", "DEADLINE", "REGISTRATION", "PASSWORD_RESET"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("template names (-want +got):\n%s", diff)
		}
		var def templateBody
		s.call("GET", "", api+"/template/AGENT_REPLY", key, nil).decode(t, &def)
		if def.Subject != "[{{ticket_id}}] {{topic}} - {{subject}}" {
			t.Errorf("default subject = %q", def.Subject)
		}
		checkProblem(t, "GET unknown template", s.call("GET", "", api+"/template/NOPE", key, nil), http.StatusNotFound, sympoq.ENotFound, "")

		before := notifySnapshot(t, s, key)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"body": "Dear {{custumer}},"}, "body"},
			{map[string]any{"body": "Dear {{customer},"}, "body"},
			{map[string]any{"subject": "[{{ticket_id]"}, "subject"},
			{map[string]any{"subject": "{{ link }}"}, "subject"}, // a user template's placeholder
			{map[string]any{"subject": "two\nlines"}, "subject"},
		} {
			r := s.call("PUT", "", api+"/template/AGENT_REPLY", key, c.body)
			if r.status != http.StatusBadRequest || len(r.problem().Errors) == 0 || r.problem().Errors[0].Field != c.field {
				t.Errorf("PUT %v = %d %s, want 400 on %s", c.body, r.status, r.body, c.field)
			}
		}
		checkProblem(t, "PUT name", s.call("PUT", "", api+"/template/AGENT_REPLY", key, map[string]any{"name": "OTHER"}),
			http.StatusForbidden, sympoq.EReadonly, "name")
		if diff := cmp.Diff(before, notifySnapshot(t, s, key)); diff != "" {
			t.Errorf("refused template changes stored something:\n%s", diff)
		}

		r := s.call("PUT", "", api+"/template/AGENT_REPLY", key, map[string]any{"subject": "Re: {{subject}} [{{ticket_id}}]",
			"body": "{{message}}\n\n{{actor}} for {{recipient}}"})
		var saved templateBody
		r.decode(t, &saved)
		if r.status != 200 || saved.Default || saved.Subject != "Re: {{subject}} [{{ticket_id}}]" {
			t.Fatalf("PUT = %d %+v", r.status, saved)
		}

		// Preview over a real ticket, then over sample data, then of an
		// unsaved text.
		tr := s.call("POST", "", api+"/ticket", key, map[string]any{"subject": "<b>Bold</b> claim", "description": "Line 1\nLine <2>",
			"customer": map[string]any{"name": "Pat", "email": "pat@example.com"}})
		var tk struct{ ID string }
		tr.decode(t, &tk)
		var pv struct{ Subject, Text, HTML string }
		s.call("POST", "", api+"/template/AGENT_REPLY/preview", key, map[string]any{"ticket": tk.ID}).decode(t, &pv)
		if pv.Subject != "Re: <b>Bold</b> claim ["+tk.ID+"]" || !strings.Contains(pv.Text, "Line 1\nLine <2>\n\n") ||
			!strings.Contains(pv.HTML, "Line 1<br>\nLine &lt;2&gt;") || strings.Contains(pv.HTML, "<2>") {
			t.Errorf("preview over %s = %+v", tk.ID, pv)
		}
		s.call("POST", "", api+"/template/AGENT_REPLY/preview", key, map[string]any{}).decode(t, &pv)
		if !strings.Contains(pv.Subject, "The printer on floor 2 is offline") {
			t.Errorf("sample preview = %+v", pv)
		}
		r = s.call("POST", "", api+"/template/AGENT_REPLY/preview", key, map[string]any{"body": "{{nope}}"})
		checkProblem(t, "preview broken", r, http.StatusBadRequest, sympoq.EInvalid, "body")
		r = s.call("POST", "", api+"/template/AGENT_REPLY/preview", key, map[string]any{"ticket": "99-99-Z-ZZZ"})
		checkProblem(t, "preview unknown ticket", r, http.StatusBadRequest, sympoq.EInvalid, "ticket")

		r = s.call("POST", "", api+"/template/AGENT_REPLY/reset", key, map[string]any{})
		var reset templateBody
		r.decode(t, &reset)
		if r.status != 200 || !reset.Default || reset.Subject != def.Subject || reset.Body != def.Body {
			t.Errorf("reset = %d %+v", r.status, reset)
		}
		s.call("GET", "", api+"/template/AGENT_REPLY", key, nil).decode(t, &saved)
		if !saved.Default {
			t.Errorf("after reset: %+v", saved)
		}
	})
}

// TestActionNotificationSettings: the defaults are listed; a change is
// validated, stored, and used by the next action.
func TestActionNotificationSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, key := s.account("default")
		type notif struct {
			Trigger    string
			Enabled    bool
			Template   string
			Default    bool
			Recipients []map[string]any
		}
		var list []notif
		s.call("GET", "", api+"/notifications", key, nil).decode(t, &list)
		enabled := map[string]string{}
		for _, n := range list {
			if n.Enabled {
				enabled[n.Trigger] = n.Template + " to " + n.Recipients[0]["kind"].(string)
			}
		}
		wantDefaults := map[string]string{"new_request": "NEW_REQUEST to customer", "agent_reply": "AGENT_REPLY to customer",
			"agent_assign": "ASSIGNMENT to assignee", "customer_reply": "CUSTOMER_REPLY to assignee_or_queue_managers"}
		if diff := cmp.Diff(wantDefaults, enabled); diff != "" || len(list) != 8 {
			t.Errorf("default notifications (-want +got), %d in all:\n%s", len(list), diff)
		}

		for _, c := range []struct {
			path  string
			body  map[string]any
			field string
		}{
			{"/notification/agent_call", map[string]any{"enabled": true, "recipients": []map[string]any{{"kind": "customer"}}}, "recipients[0].kind"},
			{"/notification/agent_close", map[string]any{"enabled": true, "recipients": []map[string]any{{"kind": "address", "address": "not-an-address"}}}, "recipients[0].address"},
			{"/notification/agent_close", map[string]any{"enabled": true, "recipients": []map[string]any{{"kind": "agent", "user": 999}}}, "recipients[0].user"},
			{"/notification/agent_close", map[string]any{"enabled": true, "recipients": []map[string]any{{"kind": "everyone"}}}, "recipients[0].kind"},
			{"/notification/agent_close", map[string]any{"template": "REGISTRATION"}, "template"},
			{"/notification/agent_close", map[string]any{"enabled": true, "recipients": []map[string]any{}}, "recipients"},
		} {
			r := s.call("PUT", "", api+c.path, key, c.body)
			if r.status != 400 || len(r.problem().Errors) == 0 || r.problem().Errors[0].Field != c.field {
				t.Errorf("PUT %s %v = %d %s, want 400 on %s", c.path, c.body, r.status, r.body, c.field)
			}
		}
		checkProblem(t, "unknown trigger", s.call("PUT", "", api+"/notification/nope", key, map[string]any{"enabled": true}),
			http.StatusNotFound, sympoq.ENotFound, "")

		r := s.call("PUT", "", api+"/notification/agent_close", key, map[string]any{"enabled": true,
			"recipients": []map[string]any{{"kind": "customer"}, {"kind": "address", "address": "CC@Example.com"}}})
		var n notif
		r.decode(t, &n)
		if r.status != 200 || !n.Enabled || n.Default || len(n.Recipients) != 2 || n.Recipients[1]["address"] != "cc@example.com" {
			t.Fatalf("PUT agent_close = %d %s", r.status, r.body)
		}
		tr := s.call("POST", "", api+"/ticket", key, map[string]any{"description": "x", "customer": map[string]any{"name": "Pat", "email": "pat@example.com"}})
		var tk struct{ ID string }
		tr.decode(t, &tk)
		if r := s.call("POST", "", api+"/ticket/"+tk.ID+"/close", key, map[string]any{"solution": "Done"}); r.status != 200 {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		row, err := db.Read().TicketByDisplayID(context.Background(), acct, tk.ID)
		must(t, err)
		outs, err := db.Read().OutboundMessages(context.Background(), acct, row.ID)
		must(t, err)
		var got []string
		for _, o := range outs {
			got = append(got, o.Template+" "+o.ToAddr)
		}
		if diff := cmp.Diff([]string{"NEW_REQUEST pat@example.com", "CLOSED pat@example.com", "CLOSED cc@example.com"}, got); diff != "" {
			t.Errorf("outbound (-want +got):\n%s", diff)
		}
	})
}

// TestMailSettingsSecret: the SMTP password is stored but never returned;
// sending back the masked URL keeps it; bad values are field errors that do
// not echo the password.
func TestMailSettingsSecret(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "")
		acct, key := s.account("default")
		var m struct {
			From    string `json:"from"`
			SMTPURL string `json:"smtp_url"`
		}
		r := s.call("PUT", "", api+"/settings/mail", key, map[string]any{"from": "Acme Help <HELP@acme.example>",
			"smtp_url": "smtp://desk:topsecret@mail.acme.example:587?tls=starttls"})
		r.decode(t, &m)
		if r.status != 200 || m.From != `"Acme Help" <help@acme.example>` || strings.Contains(string(r.body), "topsecret") || !strings.Contains(m.SMTPURL, "mail.acme.example:587") {
			t.Fatalf("PUT = %d %s", r.status, r.body)
		}
		if got := s.call("GET", "", api+"/settings/mail", key, nil); strings.Contains(string(got.body), "topsecret") {
			t.Errorf("GET reveals the password: %s", got.body)
		}
		// The masked URL as shown keeps the stored password.
		if r := s.call("PUT", "", api+"/settings/mail", key, map[string]any{"smtp_url": m.SMTPURL}); r.status != 200 {
			t.Fatalf("PUT masked = %d %s", r.status, r.body)
		}
		stored, err := db.Read().MailSettings(context.Background(), acct)
		must(t, err)
		if stored.SMTPURL != "smtp://desk:topsecret@mail.acme.example:587?tls=starttls" {
			t.Errorf("stored URL = %q, want the original", stored.SMTPURL)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"smtp_url": "smtp://desk:leaked@mail.acme.example:25?tls=none"}, "smtp_url"},
			{map[string]any{"smtp_url": "ftp://desk:leaked@mail.acme.example"}, "smtp_url"},
			{map[string]any{"from": "not an address"}, "from"},
		} {
			r := s.call("PUT", "", api+"/settings/mail", key, c.body)
			checkProblem(t, "PUT bad mail settings", r, http.StatusBadRequest, sympoq.EInvalid, c.field)
			if strings.Contains(string(r.body), "leaked") {
				t.Errorf("error reveals the password: %s", r.body)
			}
		}
		if r := s.call("PUT", "", api+"/settings/mail", key, map[string]any{"smtp_url": "", "from": ""}); r.status != 200 || !strings.Contains(string(r.body), `"smtp_url":""`) {
			t.Errorf("clearing = %d %s", r.status, r.body)
		}
	})
}

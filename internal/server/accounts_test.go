package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	apipkg "github.com/sympoq/sympoq/internal/api"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/store/storetest"
)

// TestAccountIsolation proves that a key of account A gets nothing of
// account B on every API route, including by B's numeric ids, and changes
// nothing of B. It walks the route table, so a new endpoint without a case
// here fails the test.
func TestAccountIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db, "example.test")
		_, keyA := s.account("acme")
		idB, keyB := s.account("beta")
		ctx := context.Background()
		sys := desk.System(idB)

		// Account B's data, every name carrying a marker that must never
		// appear in an answer to A.
		const marker = "zqbeta"
		qB, err := s.desk.SaveQueue(ctx, sys, 0, desk.ItemInput{Name: desk.Some(marker + " Queue"), Addresses: desk.Some([]string{marker + "@beta.test"})})
		must(t, err)
		gB, err := s.desk.SaveGroup(ctx, sys, 0, desk.ItemInput{Name: desk.Some(marker + " Group")})
		must(t, err)
		tB, err := s.desk.SaveTopic(ctx, sys, 0, desk.ItemInput{Name: desk.Some(marker + " Topic"), Queue: desk.Some(qB.ID)})
		must(t, err)
		tagB, err := s.desk.SaveTag(ctx, sys, 0, desk.ItemInput{Name: desk.Some(marker + " Tag")})
		must(t, err)
		agB, err := s.desk.CreateUser(ctx, sys, sympoq.KindAgent, desk.UserInput{Name: desk.Some(marker + " Agent"),
			Email: desk.Some(marker + ".agent@beta.test"), Permissions: desk.Some([]desk.Permission{{Queue: qB.ID, Role: sympoq.RoleQueueManager}})})
		must(t, err)
		cuB, err := s.desk.CreateUser(ctx, sys, sympoq.KindCustomer, desk.UserInput{Name: desk.Some(marker + " Customer"),
			Email: desk.Some(marker + ".customer@beta.test"), Group: desk.Some(desk.Ref{ID: gB.ID})})
		must(t, err)
		keyOfB, err := s.desk.CreateAPIKey(ctx, sympoq.NewActor(agB), desk.APIKeyInput{Name: desk.Some(marker + " key")})
		must(t, err)

		tkB, err := s.desk.Submit(ctx, sympoq.NewActor(agB), desk.SubmitInput{Subject: desk.Some(marker + " subject"),
			Description: desk.Some(marker + " description"), Queue: desk.Some(qB.ID), Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cuB.ID)})})
		must(t, err)
		_, err = s.desk.Note(ctx, sympoq.NewActor(agB), tkB.DisplayID, desk.MessageInput{Message: desk.Some(marker + " note")})
		must(t, err)

		attB, err := s.desk.Attach(ctx, sympoq.NewActor(agB), tkB.DisplayID, desk.AttachInput{Name: marker + ".txt", Body: strings.NewReader(marker + " file")})
		must(t, err)

		cannedB, err := s.desk.SaveCannedReply(ctx, sys, 0, desk.CannedInput{Name: desk.Some(marker + " canned"), Body: desk.Some(marker + " body")})
		must(t, err)

		cfB, err := s.desk.SaveCustomField(ctx, sys, 0, desk.CustomFieldInput{Label: desk.Some(marker + " Browser"), Key: desk.Some("browser")})
		must(t, err)

		// B's own email template, notification and mail settings.
		_, err = s.desk.SaveEmailTemplate(ctx, sys, sympoq.TplNewRequest, desk.TemplateInput{Subject: desk.Some(marker + " {{ticket_id}}")})
		must(t, err)
		_, err = s.desk.SaveActionNotification(ctx, sys, string(sympoq.TrigAgentClose), desk.ActionNotificationInput{Enabled: desk.Some(true),
			Recipients: desk.Some([]desk.RecipientInput{{Kind: desk.Some(sympoq.RcptAddress), Address: desk.Some(marker + ".cc@beta.test")}})})
		must(t, err)
		_, err = s.desk.SaveMailSettings(ctx, sys, desk.MailSettingsInput{From: desk.Some(marker + "@beta.test"),
			SMTPURL: desk.Some("smtp://" + marker + ":secret@mail.beta.test:587")})
		must(t, err)

		kbCatB, err := s.desk.SaveKBCategory(ctx, sys, 0, desk.KBCategoryInput{Title: desk.Some(marker + " Category"),
			Access: desk.Some(sympoq.KBPublic)})
		must(t, err)
		kbArtB, err := s.desk.SaveKBArticle(ctx, sys, 0, desk.KBArticleInput{Category: desk.Some(kbCatB.ID), Title: desk.Some(marker + " Article"),
			Body: desk.Some(marker + " body"), Published: desk.Some(true)})
		must(t, err)
		// A solved ticket of B, which no suggestion for A may offer.
		solvedB, err := s.desk.Submit(ctx, sympoq.NewActor(agB), desk.SubmitInput{Subject: desk.Some(marker + " solved"),
			Description: desk.Some(marker + " description"), Queue: desk.Some(qB.ID), Customer: desk.Some(desk.CustomerInput{ID: desk.Some(cuB.ID)})})
		must(t, err)
		_, err = s.desk.Close(ctx, sympoq.NewActor(agB), solvedB.DisplayID, desk.CloseInput{Solution: desk.Some(marker + " solution")})
		must(t, err)

		// Inbound mail: a mailbox, a token and a received message of B.
		mbB, err := s.desk.SaveMailbox(ctx, sys, 0, desk.MailboxInput{Name: desk.Some(marker + " mailbox"), Host: desk.Some("imap.beta.test"),
			Username: desk.Some(marker), Password: desk.Some(marker + "-password"), Queue: desk.Some(qB.ID)})
		must(t, err)
		tokB, err := s.desk.CreateInboundToken(ctx, sys, desk.InboundTokenInput{Name: desk.Some(marker + " token")})
		must(t, err)
		mailB, err := s.desk.IntakeMail(ctx, idB, desk.Incoming{Source: sympoq.SourceHTTP},
			strings.NewReader("From: "+marker+"@beta.test\r\nSubject: "+marker+"\r\n\r\n"+marker+"\r\n"))
		must(t, err)

		ruleB, err := s.desk.SaveRule(ctx, sys, sympoq.RuleSubmission, 0, desk.RuleInput{Description: desk.Some(marker + " rule"),
			Channel: desk.Some(sympoq.ChannelAPI), Set: desk.Some(sympoq.RuleValues{Queue: qB.ID})})
		must(t, err)
		schedB, err := s.desk.SaveRule(ctx, sys, sympoq.RuleScheduled, 0, desk.RuleInput{Description: desk.Some(marker + " action"),
			Time: desk.Some(sympoq.TimeCondition{Event: sympoq.AfterCreated, Hours: 1}), Set: desk.Some(sympoq.RuleValues{Queue: qB.ID})})
		must(t, err)

		ids := map[string]int64{"rule": ruleB.ID, "scheduled_action": schedB.ID, "kb/category": kbCatB.ID, "kb/article": kbArtB.ID, "custom_field": cfB.ID, "canned_reply": cannedB.ID, "agent": agB.ID, "customer": cuB.ID, "queue": qB.ID, "topic": tB.ID,
			"group": gB.ID, "tag": tagB.ID, "apikey": keyOfB.ID, "ticket": tkB.ID}
		// Bodies that try to reach B through references.
		bodies := map[string]any{
			"POST /agent":                  map[string]any{"name": "Spy", "email": "spy@acme.test", "permissions": []map[string]any{{"queue": qB.ID, "role": "Agent"}}},
			"PUT /agent/{id}":              map[string]any{"name": "Hijacked"},
			"POST /customer":               map[string]any{"name": "Spy", "group": gB.ID},
			"PUT /customer/{id}":           map[string]any{"name": "Hijacked"},
			"POST /queue":                  map[string]any{"name": "Spy queue", "permissions": []map[string]any{{"agent": agB.ID, "role": "Agent"}}},
			"PUT /queue/{id}":              map[string]any{"name": "Hijacked"},
			"POST /topic":                  map[string]any{"name": "Spy topic", "queue": qB.ID},
			"PUT /topic/{id}":              map[string]any{"name": "Hijacked"},
			"POST /group":                  map[string]any{"name": marker + " Group"}, // B's name is free in A
			"PUT /group/{id}":              map[string]any{"name": "Hijacked"},
			"POST /tag":                    map[string]any{"name": marker + " Tag"},
			"PUT /tag/{id}":                map[string]any{"name": "Hijacked"},
			"PUT /settings":                map[string]any{"general": map[string]any{"default_queue": qB.ID}},
			"PUT /profile":                 map[string]any{"name": "Administrator"},
			"POST /profile/apikeys":        map[string]any{"name": "probe"},
			"POST /request":                map[string]any{"description": "probe", "customer": map[string]any{"id": cuB.ID}},
			"POST /ticket":                 map[string]any{"description": "probe", "customer": map[string]any{"id": cuB.ID}, "queue": qB.ID},
			"PUT /ticket/{id}":             map[string]any{"priority": 4},
			"POST /ticket/{id}/restore":    map[string]any{},
			"POST /ticket/{id}/reply":      map[string]any{"message": "probe"},
			"POST /ticket/{id}/note":       map[string]any{"message": "probe"},
			"POST /ticket/{id}/call":       map[string]any{"direction": "in", "minutes": 1, "summary": "probe"},
			"POST /ticket/{id}/assign":     map[string]any{"agent": nil},
			"POST /ticket/{id}/close":      map[string]any{"solution": "probe"},
			"POST /ticket/{id}/reopen":     map[string]any{},
			"POST /ticket/{id}/rating":     map[string]any{"event": 1, "rating": 5},
			"POST /ticket/{id}/merge":      map[string]any{"into": "1"},
			"POST /ticket/{id}/unmerge":    map[string]any{},
			"POST /ticket/{id}/attachment": upload{name: "probe.txt", data: []byte("probe")},
			"POST /canned_reply":           map[string]any{"name": "Probe", "body": "probe", "queue": qB.ID},
			"PUT /canned_reply/{id}":       map[string]any{"name": "Hijacked"},
			"POST /custom_field":           map[string]any{"label": "Probe", "topics": []int64{tB.ID}},
			"PUT /custom_field/{id}":       map[string]any{"label": "Hijacked"},
			"POST /kb/category":            map[string]any{"title": "Spy", "access": "customer", "groups": []int64{gB.ID}},
			"PUT /kb/category/{id}":        map[string]any{"title": "Hijacked"},
			"POST /kb/article":             map[string]any{"category": kbCatB.ID, "title": "Spy", "body": "probe"},
			"PUT /kb/article/{id}":         map[string]any{"title": "Hijacked"},
			"POST /rule":                   map[string]any{"description": "Probe", "channel": 3, "set": map[string]any{"queue": qB.ID}},
			"PUT /rule/{id}":               map[string]any{"description": "Hijacked"},
			"POST /scheduled_action": map[string]any{"description": "Probe", "time": map[string]any{"event": "after_created", "hours": 1},
				"set": map[string]any{"queue": qB.ID}},
			"PUT /scheduled_action/{id}":    map[string]any{"description": "Hijacked"},
			"PUT /template/{name}":          map[string]any{"subject": "Probe {{ticket_id}}"},
			"POST /template/{name}/reset":   map[string]any{},
			"POST /template/{name}/preview": map[string]any{"ticket": tkB.DisplayID},
			"PUT /notification/{trigger}":   map[string]any{"recipients": []map[string]any{{"kind": "agent", "user": agB.ID}}},
			"PUT /settings/mail":            map[string]any{"from": "probe@acme.test"},
		}
		// Status A must get on each route; anything with B's id is 404.
		want := map[string]int{
			"POST /agent": 400, "POST /customer": 400, "POST /queue": 400, "POST /topic": 400, "PUT /settings": 400,
			"POST /group": 201, "POST /tag": 201, "PUT /profile": 200, "POST /profile/apikeys": 201,
			"POST /request": 400, "POST /ticket": 400, "POST /canned_reply": 400, "POST /custom_field": 400,
			"POST /kb/category": 400, "POST /kb/article": 400,
			"POST /rule": 400, "POST /scheduled_action": 400,
			"POST /template/{name}/preview": 400, "PUT /notification/{trigger}": 400,
		}

		// Inbound mail administration.
		ids["mailbox"], ids["inbound_token"], ids["inbound_mail"] = mbB.ID, tokB.ID, mailB.ID
		bodies["POST /mailbox"] = map[string]any{"name": "Spy", "host": "imap.acme.test", "username": "u", "password": "p", "queue": qB.ID}
		bodies["PUT /mailbox/{id}"] = map[string]any{"name": "Hijacked"}
		bodies["POST /mailbox/{id}/test"] = map[string]any{}
		bodies["POST /inbound_token"] = map[string]any{"name": "Spy", "queue": qB.ID}
		bodies["POST /inbound_mail/{id}/retry"] = map[string]any{}
		bodies["POST /inbound_mail/{id}/dismiss"] = map[string]any{}
		want["POST /mailbox"], want["POST /inbound_token"] = 400, 400

		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		for _, rt := range apipkg.New(s.desk, logger).Routes() {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			short := method + " " + strings.TrimPrefix(path, apipkg.Prefix)
			t.Run(short, func(t *testing.T) {
				wantStatus, ok := want[short]
				if !ok {
					wantStatus = 200
				}
				url := path
				if strings.Contains(url, "{id}") {
					kind := strings.Split(strings.TrimPrefix(path, apipkg.Prefix+"/"), "/")[0]
					if kind == "profile" {
						kind = "apikey"
					}
					if kind == "kb" {
						kind = "kb/" + strings.Split(strings.TrimPrefix(path, apipkg.Prefix+"/"), "/")[1]
					}
					id, isAccountData := ids[kind]
					switch kind {
					case "status", "priority", "channel":
						id, isAccountData = 1, false // fixed, the same in every account
					}
					if id == 0 {
						t.Fatalf("no id of account B for route %s: add a case", short)
					}
					url = strings.Replace(url, "{id}", fmt.Sprint(id), 1)
					if isAccountData {
						wantStatus = 404
					}
				}
				url = strings.Replace(url, "{permissions}", "1", 1)
				if short == "GET /reports/{name}" {
					// B's queue does not exist for A.
					url, wantStatus = strings.Replace(url, "{name}", "created-closed", 1)+"?queue="+fmt.Sprint(qB.ID), 404
				}
				// Templates and notifications have the same names in every
				// account: A reaches its own, never B's.
				url = strings.Replace(url, "{name}", sympoq.TplNewRequest, 1)
				url = strings.Replace(url, "{trigger}", string(sympoq.TrigAgentClose), 1)
				url = strings.Replace(url, "{n}", fmt.Sprint(attB.ID), 1)
				var body any
				if method == "POST" || method == "PUT" {
					b, ok := bodies[short]
					if !ok {
						t.Fatalf("no cross-account body for %s: add a case", short)
					}
					body = b
				}
				urls := []string{url}
				if strings.Contains(path, "/ticket/{id}") {
					urls = append(urls, strings.Replace(strings.Replace(path, "{id}", tkB.DisplayID, 1), "{n}", fmt.Sprint(attB.ID), 1))
				}
				for _, url := range urls {
					r := s.call(method, "acme", url, keyA, body)
					if r.status != wantStatus {
						t.Errorf("%s %s as acme = %d, want %d (%s)", method, url, r.status, wantStatus, r.body)
					}
					if strings.Contains(strings.ToLower(string(r.body)), marker) && short != "POST /group" && short != "POST /tag" {
						t.Errorf("%s as acme leaks account beta: %s", short, r.body)
					}
				}
			})
		}

		// Nothing of B changed, and B still works with its own key.
		r := s.call("GET", "beta", api+"/agent/"+fmt.Sprint(agB.ID), keyB, nil)
		if r.status != 200 || !strings.Contains(string(r.body), marker+" Agent") || !strings.Contains(string(r.body), `"active":true`) {
			t.Errorf("beta's agent after acme's attempts: %d %s", r.status, r.body)
		}
		r = s.call("GET", "beta", api+"/queue/"+fmt.Sprint(qB.ID)+"/1", keyB, nil)
		if r.status != 200 || !strings.Contains(string(r.body), marker+" Queue") {
			t.Errorf("beta's queue after acme's attempts: %d %s", r.status, r.body)
		}
		if r := s.call("GET", "beta", api+"/queues", keyOfB.Key, nil); r.status != 200 {
			t.Errorf("beta's agent key revoked or broken: %d %s", r.status, r.body)
		}
		r = s.call("GET", "beta", api+"/ticket/"+tkB.DisplayID+"?event_log=1", keyB, nil)
		if r.status != 200 || strings.Count(string(r.body), `"action"`) != 4 || !strings.Contains(string(r.body), `"priority":2`) {
			t.Errorf("beta's ticket after acme's attempts: %d %s", r.status, r.body)
		}
		if tpl, err := s.desk.EmailTemplate(ctx, sys, sympoq.TplNewRequest); err != nil || !strings.Contains(tpl.Subject, marker) {
			t.Errorf("beta's template after acme's attempts: %+v, %v", tpl, err)
		}
		if ms, err := s.db.Read().MailSettings(ctx, idB); err != nil || ms.From != marker+"@beta.test" || !strings.Contains(ms.SMTPURL, ":secret@") {
			t.Errorf("beta's mail settings after acme's attempts: %+v, %v", ms, err)
		}
		r = s.call("GET", "beta", api+"/kb/article/"+fmt.Sprint(kbArtB.ID), keyB, nil)
		if r.status != 200 || !strings.Contains(string(r.body), marker+" Article") {
			t.Errorf("beta's article after acme's attempts: %d %s", r.status, r.body)
		}
		// B's knowledge base and solved ticket stay out of A's searches.
		for _, url := range []string{"/kb/articles?q=" + marker, "/kb/articles?category=" + fmt.Sprint(kbCatB.ID)} {
			if r := s.call("GET", "acme", api+url, keyA, nil); strings.Contains(string(r.body), marker) || r.status != 200 && r.status != 404 {
				t.Errorf("GET %s as acme = %d %s", url, r.status, r.body)
			}
		}
		set, err := s.db.Read().Settings(ctx, idB)
		must(t, err)
		if set.General.DefaultQueue == 0 {
			t.Errorf("beta's settings lost their default queue")
		}

		// B's inbound mail is untouched and its token works on B's host only.
		if m, err := s.db.Read().InboundMail(ctx, idB, mailB.ID); err != nil || m.State != sympoq.InboundNew {
			t.Errorf("beta's received mail after acme's attempts: %+v, %v", m, err)
		}
		if mb, err := s.db.Read().Mailbox(ctx, idB, mbB.ID); err != nil || mb.Name != marker+" mailbox" {
			t.Errorf("beta's mailbox after acme's attempts: %+v, %v", mb, err)
		}
		rawHeaders := map[string]string{"Authorization": "Bearer " + tokB.Token, "Content-Type": "message/rfc822"}
		if r := s.request("POST", "acme", apipkg.MailPath, "", "From: a@b.test\r\n\r\nx", rawHeaders); r.status != 401 {
			t.Errorf("beta's mailbox token on acme's host = %d, want 401", r.status)
		}

		// A key works only on its own account's host.
		if r := s.call("GET", "beta", api+"/queues", keyA, nil); r.status != 401 {
			t.Errorf("acme's key on beta's host = %d, want 401", r.status)
		}
		if r := s.call("GET", "acme", api+"/queues", keyB, nil); r.status != 401 {
			t.Errorf("beta's key on acme's host = %d, want 401", r.status)
		}
		if r := s.call("GET", "nosuch", api+"/queues", keyA, nil); r.status != 404 || strings.Contains(string(r.body), marker) {
			t.Errorf("unknown account = %d %s, want 404", r.status, r.body)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package web_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

func TestAdminSubmissionRules(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	hw, err := s.desk.SaveQueue(ctx, s.admin, 0, desk.ItemInput{Name: desk.Some("Hardware")})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.browser()
	admin.login("admin", adminPassword)

	// The phone channel's list: the Catch all last, without a delete button.
	p := admin.get("/app/desk/settings/rules?channel=4")
	if cur := p.text(`nav.tabs a[aria-current=page]`); cur != "Phone" {
		t.Errorf("current channel tab = %q", cur)
	}
	last := p.doc.Find("table.rules tbody tr").Last()
	if !strings.Contains(last.Text(), sympoq.CatchAllDescription) || !last.HasClass("system") || last.Find("form").Length() != 0 {
		t.Errorf("last row = %q, want the undeletable Catch all", strings.TrimSpace(last.Text()))
	}

	p = admin.get("/app/desk/settings/rules/new?channel=4")
	const action = "/app/desk/settings/rules/new"
	vals := formValues(p, `form[action="`+action+`"]`)
	if vals.Get("channel") != "4" {
		t.Fatalf("channel = %q", vals.Get("channel"))
	}
	// "Add another row" gives one more condition row and saves nothing.
	rows := p.doc.Find(".cond-grid tbody tr").Length()
	more := cloneValues(vals)
	more.Set("add_row", "1")
	p = admin.post(action, more)
	if got := p.doc.Find(".cond-grid tbody tr").Length(); got != rows+1 {
		t.Errorf("after add row: %d condition rows, want %d", got, rows+1)
	}

	// Bad input: an unknown topic name, a broken pattern, no description,
	// an agent missing for "a named agent"; each beside its control.
	bad := cloneValues(vals)
	bad.Set("description", "")
	bad.Set("cond.0.field", "topic")
	bad.Set("cond.0.op", "is")
	bad.Set("cond.0.value", "Nonexistent")
	bad.Set("cond.1.field", "subject")
	bad.Set("cond.1.op", "matches")
	bad.Set("cond.1.value", "(printer")
	bad.Set("set.assign", "agent")
	p = admin.post(action, bad)
	wantStatus(t, "bad rule", p, http.StatusBadRequest)
	for id, want := range map[string]string{"#f-description-err": "required", "#f-cond-0-value-err": "Nonexistent",
		"#f-cond-1-value-err": "regular expression", "#f-set-agent-err": "required"} {
		if msg := p.text(id); !strings.Contains(msg, want) {
			t.Errorf("%s = %q, want %q in it", id, msg, want)
		}
	}
	if v, _ := p.doc.Find("#f-cond-1-value").Attr("value"); v != "(printer" {
		t.Errorf("pattern shown again = %q", v)
	}
	if rs, _ := s.desk.Rules(ctx, s.admin, sympoq.RuleSubmission, sympoq.ChannelPhone); len(rs) != 1 {
		t.Errorf("a refused rule was saved: %d rules", len(rs))
	}

	// A good rule: any of two conditions; queue, priority and tags; an email.
	good := cloneValues(vals)
	good.Set("description", "Printers")
	good.Set("priority", "5")
	good.Set("match", "any")
	good.Set("cond.0.field", "subject")
	good.Set("cond.0.op", "contains")
	good.Set("cond.0.value", "printer")
	good.Set("cond.1.field", "priority")
	good.Set("cond.1.op", "is")
	good.Set("cond.1.value", "urgent")
	good.Set("set.queue", strconv.FormatInt(hw.ID, 10))
	good.Set("set.priority", "3")
	good.Set("set.tags", "hardware, printer")
	good.Set("notify.0.template", sympoq.TplNewRequest)
	good.Set("notify.0.rcpt.0.kind", "address")
	good.Set("notify.0.rcpt.0.address", "printers@example.com")
	p = admin.post(action, good)
	wantStatus(t, "good rule", p, http.StatusOK)
	if p.url.Query().Get("channel") != "4" || !strings.Contains(p.text(".flash"), "Printers") {
		t.Errorf("after save at %s, flash %q", p.url, p.text(".flash"))
	}
	rs, _ := s.desk.Rules(ctx, s.admin, sympoq.RuleSubmission, sympoq.ChannelPhone)
	if len(rs) != 2 || rs[0].Description != "Printers" || !rs[1].System {
		t.Fatalf("rules = %+v", rs)
	}
	r := rs[0]
	wantConds := []sympoq.Condition{{Field: sympoq.CondSubject, Op: sympoq.OpContains, Value: "printer"}, {Field: sympoq.CondPriority, Op: sympoq.OpIs, ID: int64(sympoq.PriorityUrgent)}}
	if r.Match != sympoq.MatchAny || r.Priority != 5 || len(r.Conditions) != 2 || r.Conditions[0].Value != wantConds[0].Value || r.Conditions[1].ID != wantConds[1].ID ||
		r.Set.Queue != hw.ID || r.Set.Priority != sympoq.PriorityHigh || !slices.Equal(r.Set.Tags, []string{"hardware", "printer"}) ||
		len(r.Notify) != 1 || r.Notify[0].Recipients[0].Address != "printers@example.com" {
		t.Errorf("saved rule = %+v", r)
	}
	// The list shows it above the Catch all, in words.
	p = admin.get("/app/desk/settings/rules?channel=4")
	first := p.doc.Find("table.rules tbody tr").First()
	if txt := first.Text(); !strings.Contains(txt, `Subject contains "printer"`) || !strings.Contains(txt, "Queue: Hardware") || !strings.Contains(txt, `Priority is "Urgent"`) || !strings.Contains(txt, "Priority: High") {
		t.Errorf("first row = %q", strings.TrimSpace(txt))
	}
	// The edit form shows the names back.
	p = admin.get("/app/desk/settings/rules/" + strconv.FormatInt(r.ID, 10))
	if v, _ := p.doc.Find("#f-cond-1-value").Attr("value"); v != "Urgent" {
		t.Errorf("priority condition shown as %q", v)
	}

	// A new phone ticket about a printer gets the rule's values.
	v := s.ticket("The printer is out of toner", "Please send toner.", "pat.jones@example.com")
	if v.Queue != hw.ID || v.Priority != sympoq.PriorityHigh || !slices.Contains(v.Tags, "hardware") {
		t.Errorf("ticket queue %d priority %v tags %v; want the rule applied", v.Queue, v.Priority, v.Tags)
	}

	// The Catch all's form has no conditions; its values can change.
	catchAll := strconv.FormatInt(rs[1].ID, 10)
	p = admin.get("/app/desk/settings/rules/" + catchAll)
	if p.doc.Find(".cond-grid").Length() != 0 || p.doc.Find(`form[action$="/delete"]`).Length() != 0 {
		t.Error("the Catch all's page offers conditions or deletion")
	}
	ca := formValues(p, `form[action="/app/desk/settings/rules/`+catchAll+`"]`)
	ca.Set("set.tags", "unsorted")
	p = admin.post("/app/desk/settings/rules/"+catchAll, ca)
	wantStatus(t, "catch all", p, http.StatusOK)
	if got, _ := s.desk.Rule(ctx, s.admin, sympoq.RuleSubmission, rs[1].ID); !slices.Equal(got.Set.Tags, []string{"unsorted"}) || got.Description != sympoq.CatchAllDescription {
		t.Errorf("catch all after save = %+v", got)
	}

	// The Catch all cannot be deleted; the rule can.
	p = admin.post("/app/desk/settings/rules/"+catchAll+"/delete", nil)
	if !strings.Contains(p.text(".flash"), "cannot be deleted") {
		t.Errorf("deleting the Catch all: flash %q", p.text(".flash"))
	}
	p = admin.post("/app/desk/settings/rules/"+strconv.FormatInt(r.ID, 10)+"/delete", nil)
	wantStatus(t, "delete", p, http.StatusOK)
	if rs, _ := s.desk.Rules(ctx, s.admin, sympoq.RuleSubmission, sympoq.ChannelPhone); len(rs) != 1 || !rs[0].System {
		t.Errorf("after delete: %+v", rs)
	}
}

func TestAdminScheduledActions(t *testing.T) {
	s := sqliteSite(t)
	ctx := context.Background()
	s.ticket("First", "one", "pat.jones@example.com")
	s.ticket("Second", "two", "kim.lee@example.com")
	admin := s.browser()
	admin.login("admin", adminPassword)
	p := admin.get("/app/desk/settings/scheduled/new")
	const action = "/app/desk/settings/scheduled/new"
	vals := formValues(p, `form[action="`+action+`"]`)
	if p.doc.Find(`select[name="set.topic"]`).Length() != 0 || p.doc.Find(`select[name="set.status"]`).Length() != 1 {
		t.Error("a scheduled action's form offers the values of submission rules")
	}
	// Nothing to do, and hours that are no number.
	bad := cloneValues(vals)
	bad.Set("description", "Escalate")
	bad.Set("time.hours", "soon")
	p = admin.post(action, bad)
	wantStatus(t, "bad action", p, http.StatusBadRequest)
	if p.text("#f-time-hours-err") == "" {
		t.Error("no message beside the hours")
	}
	if !strings.Contains(p.text("#f-set"), "something to do") {
		t.Errorf("values message = %q", p.text("#f-set"))
	}
	// Urgent after 0 hours for every open ticket: both tickets are pending.
	good := cloneValues(vals)
	good.Set("description", "Escalate everything")
	good.Set("time.event", "after_created")
	good.Set("time.hours", "0")
	good.Set("not.closed", "1")
	good.Set("set.priority", "4")
	p = admin.post(action, good)
	wantStatus(t, "good action", p, http.StatusOK)
	rs, _ := s.desk.Rules(ctx, s.admin, sympoq.RuleScheduled, 0)
	if len(rs) != 1 || rs[0].Time == nil || rs[0].Time.Event != sympoq.AfterCreated || !slices.Equal(rs[0].Not, []sympoq.TicketNot{sympoq.NotClosed}) || rs[0].Set.Priority != sympoq.PriorityUrgent {
		t.Fatalf("saved = %+v", rs)
	}
	want, err := s.desk.PendingCount(ctx, s.admin, rs[0].ID)
	if err != nil || want != 2 {
		t.Fatalf("PendingCount = %d, %v; want 2", want, err)
	}
	row := p.doc.Find(`table.rules tr[data-rule="` + strconv.FormatInt(rs[0].ID, 10) + `"]`)
	if got := strings.TrimSpace(row.Find("td.pending").Text()); got != "2" {
		t.Errorf("pending shown = %q, want 2", got)
	}
	if !strings.Contains(row.Text(), "0 hours after the ticket was created") || !strings.Contains(row.Text(), "Not closed") {
		t.Errorf("row = %q", strings.TrimSpace(row.Text()))
	}
	// Edit: the flags come back checked; turning it off leaves nothing pending.
	path := "/app/desk/settings/scheduled/" + strconv.FormatInt(rs[0].ID, 10)
	p = admin.get(path)
	if _, ok := p.doc.Find("#f-not-closed").Attr("checked"); !ok {
		t.Error("the 'not closed' flag is not shown checked")
	}
	edit := formValues(p, `form[action="`+path+`"]`)
	edit.Del("active")
	p = admin.post(path, edit)
	wantStatus(t, "edit", p, http.StatusOK)
	if got := strings.TrimSpace(p.doc.Find("td.pending").Text()); got != "0" {
		t.Errorf("pending of an inactive action = %q", got)
	}
	p = admin.post(path+"/delete", nil)
	wantStatus(t, "delete", p, http.StatusOK)
	if rs, _ := s.desk.Rules(ctx, s.admin, sympoq.RuleScheduled, 0); len(rs) != 0 {
		t.Errorf("after delete: %d actions", len(rs))
	}
}

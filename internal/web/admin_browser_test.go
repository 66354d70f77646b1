package web_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/sympoq/sympoq"
)

// An administrator adds a phone submission rule in the browser, and the
// next phone ticket an agent records gets its tag; the template preview
// renders over that ticket.
func TestBrowserAdministratorAddsSubmissionRule(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	bg := context.Background()
	if err := signIn(ctx, s.srv.URL, "admin", adminPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/settings/rules?channel=4"),
		chromedp.Click(chromedp.Search(`//a[contains(., "Add a rule")]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-description`)),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "Invoices go to billing"),
		chromedp.SetValue(chromedp.CSS(`#f-priority`), "5"),
		chromedp.SetValue(chromedp.CSS(`#f-cond-0-field`), "subject"),
		chromedp.SetValue(chromedp.CSS(`#f-cond-0-op`), "contains"),
		chromedp.SendKeys(chromedp.CSS(`#f-cond-0-value`), "invoice"),
		// A second condition row, without saving, then the values.
		chromedp.Click(chromedp.CSS(`button[name="add_row"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-cond-1-field`)),
	)
	if err != nil {
		t.Fatalf("fill the rule: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#f-cond-1-field`), "description"),
		chromedp.SetValue(chromedp.CSS(`#f-cond-1-op`), "contains"),
		chromedp.SendKeys(chromedp.CSS(`#f-cond-1-value`), "invoice"),
		chromedp.SetValue(chromedp.CSS(`#f-match`), "any"),
		chromedp.SendKeys(chromedp.CSS(`#f-set-tags`), "billing-check"),
	)
	if err != nil {
		t.Fatalf("fill the rule: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.scrollTo(0, 0), true)`)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "admin-rule")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.rule-form .actions button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if err != nil {
		t.Fatalf("add the rule: %v", err)
	}
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.rules`)))
	if err != nil || !strings.Contains(list, "Invoices go to billing") || !strings.Contains(list, `Subject contains "invoice"`) {
		t.Fatalf("rules list = %q, %v", list, err)
	}
	screenshot(t, ctx, "admin-rules")
	rules, _ := s.desk.Rules(bg, s.admin, sympoq.RuleSubmission, sympoq.ChannelPhone)
	if len(rules) < 2 || rules[0].Description != "Invoices go to billing" || len(rules[0].Conditions) != 2 || rules[0].Match != sympoq.MatchAny {
		t.Fatalf("rules = %+v", rules)
	}

	// A new phone ticket recorded on the desk: the rule tags it.
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/tickets/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-customer_email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-customer_email`), "houston.brooks@initech.example"),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Second invoice for November"),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "We were charged twice."),
		chromedp.Click(chromedp.CSS(`main form button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if err != nil {
		t.Fatalf("record the ticket: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	ref := loc[strings.LastIndex(loc, "/")+1:]
	v, err := s.desk.Ticket(bg, s.admin, ref, false)
	if err != nil {
		t.Fatalf("ticket %q from %s: %v", ref, loc, err)
	}
	if !slices.Contains(v.Tags, "billing-check") {
		t.Errorf("ticket tags = %v, want the rule's tag", v.Tags)
	}
	page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(page, "billing-check") {
		t.Error("the ticket page does not show the rule's tag")
	}

	// The template preview over that ticket.
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/settings/templates/AGENT_REPLY"),
		chromedp.WaitVisible(chromedp.CSS(`#f-ticket`)),
		chromedp.SendKeys(chromedp.CSS(`#f-ticket`), v.DisplayID),
		chromedp.Click(chromedp.CSS(`button[name="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.pv-subject`)),
	)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	subject, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.pv-subject`)))
	if !strings.Contains(subject, "Second invoice for November") || !strings.Contains(subject, v.DisplayID) {
		t.Errorf("preview subject = %q", subject)
	}
	// The framed HTML part is the rendered email, in a frame that may run
	// no script (and whose own policy allows none).
	inFrame, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const f = document.querySelector("iframe.pv-frame"); const d = f.contentDocument; return f.hasAttribute("sandbox") && !f.sandbox.contains("allow-scripts") && d ? d.body.innerText : "" })()`))
	if err != nil || !strings.Contains(inFrame, "We were charged twice.") || !strings.Contains(inFrame, v.DisplayID) {
		t.Errorf("framed HTML part = %q, %v", inFrame, err)
	}
	screenshot(t, ctx, "admin-template-preview")

	// The other pages of this part, for the record.
	for _, pg := range []struct{ path, name string }{{"/app/desk/settings/notifications", "admin-notifications"},
		{"/app/desk/settings/mailboxes", "admin-mailboxes"}, {"/app/desk/settings/scheduled/new", "admin-scheduled"}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
			t.Fatalf("%s: %v", pg.path, err)
		}
		screenshot(t, ctx, pg.name)
	}
}

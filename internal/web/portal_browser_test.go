package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// demoPage is a website of someone else that includes the widget script,
// served from another origin than the help desk.
func demoPage(t *testing.T, helpdesk string) *httptest.Server {
	t.Helper()
	body := fmt.Sprintf(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Initech — Printers that work</title>
<style>
body { margin: 0; font-family: Georgia, serif; background: #f7f3ea; color: #2b2b2b; }
header { background: #283b2f; color: #f7f3ea; padding: 1.2rem 2rem; font-size: 1.4rem; letter-spacing: .04em; }
main { max-width: 46rem; margin: 3rem auto; padding: 0 2rem; line-height: 1.6; }
h1 { font-size: 2.2rem; margin: 0 0 1rem; }
.hero { background: #fff; border-radius: 8px; padding: 2rem; box-shadow: 0 2px 10px rgba(0,0,0,.06); }
</style></head>
<body>
<header>INITECH</header>
<main><section class="hero"><h1>Printers that simply work</h1>
<p>Our TPS-3000 prints every report on the first try. Questions about your order or a device? Use the help button in the corner.</p>
<p>Opening hours: Monday to Friday, 9:00–17:00.</p></section></main>
<script src="%s/app/widget.js" data-color="#0a7" data-position="right" data-icon="chat"></script>
</body></html>`, html.EscapeString(helpdesk))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = rw.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserGuestSubmitsThroughWidget(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	site := demoPage(t, s.srv.URL)
	// The public form first, for the record.
	if os.Getenv("SYMPOQ_SCREENSHOTS") == "1" {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/app/request"), chromedp.WaitVisible(chromedp.CSS(`#f-subject`))); err != nil {
			t.Fatalf("guest form: %v", err)
		}
		screenshot(t, ctx, "guest-form")
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(site.URL),
		chromedp.WaitVisible(chromedp.CSS(`button.sympoq-widget-button`)),
	)
	if err != nil {
		t.Fatalf("demo page: %v", err)
	}
	attrs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(b => getComputedStyle(b).backgroundColor + "|" + getComputedStyle(b).right + "|" + b.getAttribute("aria-expanded"))(document.querySelector("button.sympoq-widget-button"))`))
	if err != nil || attrs != "rgb(0, 170, 119)|20px|false" {
		t.Errorf("button (colour|right|expanded) = %q, %v", attrs, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button.sympoq-widget-button`)), chromedp.WaitVisible(chromedp.CSS(`iframe.sympoq-widget-frame`))); err != nil {
		t.Fatalf("open widget: %v", err)
	}
	in := inFrame(t, ctx, `iframe.sympoq-widget-frame`, `#f-name`)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Wanda Visitor", in),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "wanda@visitor.example", in),
		chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Toner for the TPS-3000", in),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "Which toner cartridge fits the TPS-3000? We print about 500 pages a week.", in),
	)
	if err != nil {
		t.Fatalf("fill the widget form: %v", err)
	}
	screenshot(t, ctx, "widget")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.request-form button[type=submit]`), in)); err != nil {
		t.Fatalf("submit: %v", err)
	}
	// The frame navigated: look it up again.
	id, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.created-id`), inFrame(t, ctx, `iframe.sympoq-widget-frame`, `.created-id`)))
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no request id in the widget after submitting")
	}
	v, err := s.desk.Ticket(context.Background(), s.admin, strings.TrimSpace(id), true)
	if err != nil {
		t.Fatalf("ticket %q: %v", id, err)
	}
	if v.Channel != sympoq.ChannelForm || v.Subject != "Toner for the TPS-3000" || v.CustomerUser.Email != "wanda@visitor.example" {
		t.Errorf("ticket = %v %q %q", v.Channel, v.Subject, v.CustomerUser.Email)
	}
	// The button closes the panel again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button.sympoq-widget-button`))); err != nil {
		t.Fatal(err)
	}
	closed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".sympoq-widget-panel")).display + "|" + document.querySelector("button.sympoq-widget-button").getAttribute("aria-expanded")`))
	if err != nil || closed != "none|false" {
		t.Errorf("after closing: %q, %v", closed, err)
	}
}

// inFrame waits until the document in the frame shows sel and returns the
// option that runs queries there. The frame's node is looked up again
// until its document is the loaded one (its content document changes as
// the frame navigates).
func inFrame(t *testing.T, ctx context.Context, frame, sel string) chromedp.QueryOption {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(frame)))
		if err == nil && len(frames) == 1 {
			in := chromedp.FromNode(frames[0])
			tctx, cancel := context.WithTimeout(ctx, time.Second)
			err = chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(sel), in))
			cancel()
			if err == nil {
				return in
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s in the frame %s: not there", sel, frame)
	return nil
}

func TestBrowserCustomerRepliesAndRates(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	bg := context.Background()
	u := s.customer("Carla Jensen", "carla.jensen@initech.example", "carla-password")
	a, err := s.desk.ActorOf(bg, s.account, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := s.desk.Submit(bg, a, desk.SubmitInput{Subject: desk.Some("VPN drops every few minutes"),
		Description: desk.Some("Since Monday the VPN disconnects every 5–10 minutes on my laptop."), Channel: sympoq.ChannelForm})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.desk.Note(bg, s.admin, tk.DisplayID, desk.MessageInput{Message: desk.Some("Probably the new firewall rule; check with network team.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.desk.Reply(bg, s.admin, tk.DisplayID, desk.MessageInput{Message: desk.Some("Thanks, Carla. Please update the VPN client to 5.2 and tell us whether it still happens.")}); err != nil {
		t.Fatal(err)
	}
	s.ticket("Invoice address change", "Please change our invoice address.", "carla.jensen@initech.example")

	if err := signIn(ctx, s.srv.URL, "carla.jensen@initech.example", "carla-password"); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr.request-row").length`))
	if err != nil || rows != 2 {
		t.Errorf("My requests rows = %d, %v", rows, err)
	}
	screenshot(t, ctx, "portal-list")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//td[contains(@class,"subject")]/a[contains(., "VPN")]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-message`)),
		chromedp.SendKeys(chromedp.CSS(`#f-message`), "Updated to 5.2 — no drops since this morning."),
		chromedp.Click(chromedp.CSS(`form[action$="/reply"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		chromedp.Click(chromedp.CSS(`.rate-form input[value="5"]`)),
		chromedp.Click(chromedp.CSS(`.rate-form button[type=submit]`)),
		// The page before still shows the reply's flash: wait for the new one.
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,"flash")][contains(., "rating")]`)),
	)
	if err != nil {
		t.Fatalf("reply and rate: %v", err)
	}
	flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	if !strings.Contains(flash, "rating") {
		t.Errorf("flash after rating = %q", flash)
	}
	body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if strings.Contains(body, "firewall") {
		t.Error("the internal note is on the customer's page")
	}
	screenshot(t, ctx, "portal")
	if os.Getenv("SYMPOQ_SCREENSHOTS") == "1" {
		// The same page on a phone.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "portal-360")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.desk.Ticket(bg, s.admin, tk.DisplayID, true)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rating != 5 {
		t.Errorf("rating = %d, want 5", v.Rating)
	}
	replied := false
	for _, e := range v.Events {
		if e.Action == sympoq.EvCustomerReply && strings.Contains(e.Body, "no drops since this morning") {
			replied = true
		}
	}
	if !replied {
		t.Error("the customer's reply is not on the ticket")
	}

}

func TestBrowserAdministratorGivesQueueRole(t *testing.T) {
	ctx := chrome(t)
	s := demoSite(t)
	bg := context.Background()
	u := s.agent("Tom Newcomer", "tom.newcomer@sympoq.example", "tom-password")
	qs, err := s.desk.Queues(bg, s.admin)
	if err != nil || len(qs) < 2 {
		t.Fatalf("queues: %d, %v", len(qs), err)
	}
	target := qs[1]
	if err := signIn(ctx, s.srv.URL, "admin", adminPassword); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/settings/agents"),
		chromedp.WaitVisible(chromedp.CSS(`.agent-cards`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "admin-agents")
	page := fmt.Sprintf("/app/desk/settings/agents/%d", u.ID)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//a[contains(@class,"agent-name")][contains(., "Tom Newcomer")]`)),
		chromedp.WaitVisible(chromedp.CSS(`select[name="perm.0.queue"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="perm.0.queue"]`), fmt.Sprint(target.ID)),
		chromedp.SetValue(chromedp.CSS(`select[name="perm.0.role"]`), string(sympoq.RoleQueueManager)),
		chromedp.Click(chromedp.CSS(`.actions button[name="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if err != nil {
		t.Fatalf("give the role on %s: %v", page, err)
	}
	got, err := s.desk.User(bg, s.admin, sympoq.KindAgent, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Permissions) != 1 || got.Permissions[0].Queue != target.ID || got.Permissions[0].Role != sympoq.RoleQueueManager {
		t.Errorf("permissions = %+v", got.Permissions)
	}
	cards, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.agent-cards`)))
	if !strings.Contains(cards, target.Name+": Queue Manager") {
		t.Errorf("agent cards = %q", cards)
	}
	// The grid page, with the role and an empty row, for the record.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(`select[name="perm.1.queue"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "admin-agent")

	// The ticket ID example follows the typing (the script asks the server).
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/app/desk/settings/ticket-id"),
		chromedp.WaitVisible(chromedp.CSS(`#f-ticket_id_format`)),
		chromedp.Clear(chromedp.CSS(`#f-ticket_id_format`)),
		chromedp.SendKeys(chromedp.CSS(`#f-ticket_id_format`), "HD-{YYYY}-{SEQ:5}"),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("HD-%d-00042", time.Now().Year())
	var ex string
	for i := 0; i < 50 && ex != want; i++ {
		time.Sleep(100 * time.Millisecond)
		ex, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#ticket-id-example`)))
	}
	if ex != want {
		t.Errorf("live example = %q, want %q", ex, want)
	}
	screenshot(t, ctx, "admin-ticket-id")
	if set, _ := s.desk.Settings(bg, s.admin); set.TicketIDFormat == "HD-{YYYY}-{SEQ:5}" {
		t.Error("typing saved the format")
	}
}
